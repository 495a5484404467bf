"""The console script prints help texts without click from a cache of click's own output
(espctl.helpcache; issue 19, README "Benchmarks").

Every test runs the real console script in a fresh process with a cache folder of its
own, and compares with what click prints when the cache is off: the cached text must be
click's byte for byte, be printed without importing click, and never be printed once
anything it depends on has changed.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import click
import pytest

from espctl import helpcache
from espctl.cli import main
from tests.conftest import REPO

#: the console script pip generates for ``espctl = "espctl.cli:main"`` (in this environment)
SCRIPT = os.path.join(os.path.dirname(sys.executable), "espctl")
pytestmark = pytest.mark.skipif(not os.path.exists(SCRIPT), reason="no espctl console script")


def command_paths() -> list[tuple[str, ...]]:
    """Every command path of the CLI: (), ("plan",), ("sandbox", "serve")..."""
    paths: list[tuple[str, ...]] = []

    def walk(command: click.Command, path: tuple[str, ...]) -> None:
        paths.append(path)
        if isinstance(command, click.Group):
            context = click.Context(command)
            for name in command.list_commands(context):
                sub = command.get_command(context, name)
                assert sub is not None
                walk(sub, (*path, name))

    walk(main, ())
    return paths


PATHS = command_paths()


class Espctl:
    """Runs the console script with a cache folder of its own."""

    def __init__(self, cache: Path, script: list[str] | None = None) -> None:
        self.cache = cache
        self.script = script or [SCRIPT]

    def env(self, extra: dict[str, str] | None) -> dict[str, str]:
        ignored = ("COLUMNS", "ESPCTL_LOG", "ESPCTL_HELP_CACHE", *helpcache.LOCALE_VARIABLES)
        env = {k: v for k, v in os.environ.items() if k not in ignored}
        env |= {"XDG_CACHE_HOME": str(self.cache), "LANG": "C.UTF-8"}
        return env | (extra or {})

    def run(
        self, *args: str, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*self.script, *args],
            capture_output=True,
            text=True,
            cwd=REPO,
            env=self.env(env),
            check=False,
            timeout=120,
        )

    def clicks(self, *args: str, env: dict[str, str] | None = None) -> str:
        """What click prints (the cache off); it must succeed quietly."""
        done = self.run(*args, env={**(env or {}), "ESPCTL_HELP_CACHE": "off"})
        assert (done.returncode, done.stderr) == (0, ""), done.stderr
        return done.stdout

    def loads_click(self, *args: str, env: dict[str, str] | None = None) -> bool:
        """Whether answering imported click (``-X importtime`` on stderr)."""
        done = self.run(*args, env={**(env or {}), "PYTHONPROFILEIMPORTTIME": "1"})
        assert done.returncode == 0, done.stderr
        return any(line.rsplit("|", 1)[-1].strip() == "click" for line in done.stderr.splitlines())

    def entries(self) -> list[Path]:
        folder = self.cache / "espctl" / "help"
        return sorted(folder.glob("*.txt")) if folder.is_dir() else []


@pytest.fixture
def espctl(tmp_path: Path) -> Espctl:
    return Espctl(tmp_path / "cache")


@pytest.mark.parametrize("path", PATHS, ids=lambda p: " ".join(p) or "espctl")
def test_every_help_text_is_clicks_and_is_then_printed_without_click(
    espctl: Espctl, path: tuple[str, ...]
) -> None:
    expected = espctl.clicks(*path, "--help")
    assert expected.startswith(f"Usage: {' '.join(['espctl', *path])} ")
    assert espctl.entries() == []  # the cache off: nothing written
    first = espctl.run(*path, "--help")  # click answers and keeps its text
    assert (first.returncode, first.stdout, first.stderr) == (0, expected, "")
    assert len(espctl.entries()) == 1
    for flag in ("--help", "-h"):  # both flags are the same request
        again = espctl.run(*path, flag)
        assert (again.returncode, again.stdout, again.stderr) == (0, expected, "")
    assert not espctl.loads_click(*path, "--help")
    assert len(espctl.entries()) == 1


@pytest.mark.parametrize("shell", ["zsh", "fish"])
def test_the_completion_script_is_clicks_and_is_then_printed_without_click(
    espctl: Espctl, shell: str
) -> None:
    expected = espctl.clicks("completion", shell)
    assert "_ESPCTL_COMPLETE" in expected
    assert espctl.run("completion", shell).stdout == expected
    again = espctl.run("completion", shell)
    assert (again.returncode, again.stdout, again.stderr) == (0, expected, "")
    assert not espctl.loads_click("completion", shell)


def test_each_width_is_its_own_entry(espctl: Espctl) -> None:
    # the width comes from COLUMNS here (else the terminal, else 80); click clamps it
    texts = {}
    for columns in ("30", "60", "80", "99", "100", "130", "250"):
        env = {"COLUMNS": columns}
        texts[columns] = espctl.clicks("import", "--help", env=env)
        for _ in range(2):  # kept, then printed from the cache
            done = espctl.run("import", "--help", env=env)
            assert done.stdout == texts[columns], columns
        assert not espctl.loads_click("import", "--help", env=env), columns
    assert texts["60"] != texts["80"] != texts["130"]
    assert texts["130"] == texts["250"]  # clamped at 100 (98 after click's margin)
    assert texts["30"] == espctl.clicks("import", "--help", env={"COLUMNS": "52"})  # at 50
    # one entry per distinct width click formats at: 50, 58, 78, 97 and 98
    assert len(espctl.entries()) == 5


def test_the_locale_is_part_of_the_key(espctl: Espctl) -> None:
    espctl.run("--help", env={"LANG": "C.UTF-8"})
    assert espctl.loads_click("--help", env={"LANG": "en_GB.UTF-8"})  # not the C entry
    assert not espctl.loads_click("--help", env={"LANG": "C.UTF-8"})
    assert len(espctl.entries()) == 2


def test_a_changed_help_text_is_never_printed_from_the_cache(tmp_path: Path) -> None:
    """espctl copied beside a console script of its own: after a help text is edited, the
    next run prints the new one (the entry was stale), and keeps that."""
    source = tmp_path / "src"
    shutil.copytree(
        REPO / "espctl", source / "espctl", ignore=shutil.ignore_patterns("__pycache__")
    )
    script = tmp_path / "bin" / "espctl"
    script.parent.mkdir()
    script.write_text("import sys\nfrom espctl.cli import main\nsys.exit(main())\n")
    espctl = Espctl(tmp_path / "cache", [sys.executable, str(script)])
    env = {"PYTHONPATH": str(source), "PYTHONDONTWRITEBYTECODE": "1"}
    before = espctl.clicks("plan", "--help", env=env)
    assert espctl.run("plan", "--help", env=env).stdout == before
    assert not espctl.loads_click("plan", "--help", env=env)  # from the cache

    cli = source / "espctl" / "cli.py"
    text = cli.read_text()
    assert "Show what apply would change" in text
    cli.write_text(text.replace("Show what apply would change", "Show what apply will change"))
    after = espctl.run("plan", "--help", env=env)
    assert (after.returncode, after.stderr) == (0, "")
    assert after.stdout == before.replace("what apply would change", "what apply will change")
    assert not espctl.loads_click("plan", "--help", env=env)  # the new text is kept

    # a module that help does not read, but that lives beside those it does: stale too
    (source / "espctl" / "commands" / "unrelated.py").write_text("")
    assert espctl.loads_click("plan", "--help", env=env)


def test_another_import_path_is_another_entry(espctl: Espctl, tmp_path: Path) -> None:
    # a folder first on the path could hold another click: never answered from the cache
    espctl.run("--help")
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert espctl.loads_click("--help", env={"PYTHONPATH": str(elsewhere)})
    assert not espctl.loads_click("--help", env={"PYTHONPATH": str(elsewhere)})
    assert not espctl.loads_click("--help")


def test_a_changed_fingerprint_line_makes_click_answer_and_rewrite(espctl: Espctl) -> None:
    expected = espctl.clicks("plan", "--help")
    espctl.run("plan", "--help")
    [entry] = espctl.entries()
    original = entry.read_text()
    key, fingerprint, text = original.split("\n\n", 2)
    assert text == expected
    lines = fingerprint.split("\n")
    cli_line = next(i for i, line in enumerate(lines) if line.endswith("/espctl/cli.py"))
    size, mtime, path = lines[cli_line].split(" ", 2)
    lines[cli_line] = f"{size} {int(mtime) + 1} {path}"
    entry.write_text(f"{key}\n\n" + "\n".join(lines) + f"\n\n{text}")
    assert espctl.loads_click("plan", "--help")  # stale: click answered
    assert entry.read_text() == original  # and wrote the entry again


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"\xff\xfe not text",
        b"espctl help cache 1\n\nno fingerprint",
        b"garbage\n\n1 2 /nowhere\n\nUsage: nothing",
        b"espctl help cache 0\n\n\n\nUsage: an older format",
    ],
    ids=["empty", "binary", "cut", "other key", "old format"],
)
def test_a_damaged_entry_is_ignored(espctl: Espctl, damage: bytes) -> None:
    expected = espctl.clicks("--help")
    espctl.run("--help")
    [entry] = espctl.entries()
    entry.write_bytes(damage)
    done = espctl.run("--help")
    assert (done.returncode, done.stdout, done.stderr) == (0, expected, "")
    assert entry.read_text().endswith(expected)  # replaced by click's answer


def test_a_damaged_fingerprint_is_ignored(espctl: Espctl) -> None:
    expected = espctl.clicks("--help")
    espctl.run("--help")
    [entry] = espctl.entries()
    key = entry.read_text().split("\n\n", 1)[0]
    entry.write_text(f"{key}\n\nnot a stamp\n\nUsage: forged")
    assert espctl.run("--help").stdout == expected


@pytest.mark.parametrize(
    ("args", "env"),
    [
        (["plan", "--help"], {"ESPCTL_HELP_CACHE": "off"}),
        (["-v", "plan", "--help"], {}),  # another argument
        (["plan", "--help", "--help"], {}),
        (["plan", "--format", "json", "--help"], {}),
        (["--help"], {"_ESPCTL_COMPLETE": "bash_source"}),  # click's completion
        (["plan", "--help"], {"ESPCTL_LOG": "debug"}),  # click warns on a bad value
        (["completion", "--help", "bash"], {}),
        (["sandbox serve", "--help"], {}),  # one word with a space: unknown to click
        # click runs bash to warn about an old one on stderr: another program's answer
        (["completion", "bash"], {}),
    ],
)
def test_what_is_never_cached(espctl: Espctl, args: list[str], env: dict[str, str]) -> None:
    for _ in range(2):
        done = espctl.run(*args, env=env)
        assert done.returncode in (0, 2), done.stderr
    assert espctl.entries() == []


def test_a_word_with_a_space_is_not_a_command_path(espctl: Espctl) -> None:
    espctl.run("sandbox", "serve", "--help")  # kept under `espctl sandbox serve --help`
    done = espctl.run("sandbox serve", "--help")
    assert done.returncode == 2
    assert "No such command 'sandbox serve'" in done.stderr


def test_python_dash_m_is_never_cached(espctl: Espctl) -> None:
    # click names the program `python -m espctl` there; the console script's entry
    # (`espctl`) is not printed for it either
    espctl.run("--help")
    module = Espctl(espctl.cache, [sys.executable, "-m", "espctl"])
    done = module.run("--help")
    assert done.stdout.startswith("Usage: python -m espctl [OPTIONS]")
    assert len(espctl.entries()) == 1


def test_a_bad_espctl_log_still_warns_with_an_entry_kept(espctl: Espctl) -> None:
    expected = espctl.clicks("plan", "--help")
    espctl.run("plan", "--help")
    done = espctl.run("plan", "--help", env={"ESPCTL_LOG": "loud"})
    assert done.stdout == expected
    assert "ESPCTL_LOG='loud' is not one of" in done.stderr


def test_a_cache_that_cannot_be_written_changes_nothing(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("not a folder")
    espctl = Espctl(blocker)  # XDG_CACHE_HOME is a file: every write fails
    expected = espctl.clicks("--help")
    for _ in range(2):
        done = espctl.run("--help")
        assert (done.returncode, done.stdout, done.stderr) == (0, expected, "")


def test_entries_are_private_to_their_user(espctl: Espctl) -> None:
    espctl.run("--help")
    [entry] = espctl.entries()
    assert entry.stat().st_mode & 0o777 == 0o600
    assert entry.parent.stat().st_mode & 0o777 == 0o700


def test_an_entry_of_another_user_is_not_trusted(
    espctl: Espctl, monkeypatch: pytest.MonkeyPatch
) -> None:
    espctl.run("--help")
    monkeypatch.setenv("XDG_CACHE_HOME", str(espctl.cache))
    monkeypatch.setattr(sys, "argv", ["espctl", "--help"])
    for name in ("COLUMNS", "ESPCTL_LOG", *helpcache.LOCALE_VARIABLES):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("LANG", "C.UTF-8")
    # the key names the script's interpreter and import path: this process takes them on
    [entry] = espctl.entries()
    key = dict(line.split(" ", 1) for line in entry.read_text().split("\n\n", 1)[0].split("\n"))
    monkeypatch.setattr(sys, "executable", key["python"].split(" ", 1)[0])
    monkeypatch.setattr(sys, "path", ast.literal_eval(key["path"]).split(os.pathsep))
    monkeypatch.setattr(helpcache, "help_width", lambda *_: 78)  # no terminal: 80 - 2
    # the request's key is the script's: the entry is found, fresh, and read as ours...
    text = helpcache.cached_answer(["--help"])
    assert text is not None
    assert text.startswith("Usage: espctl [OPTIONS]")
    # ...and ignored when another user owns it
    monkeypatch.setattr(os, "getuid", lambda: os.stat(espctl.entries()[0]).st_uid + 1)
    assert helpcache.cached_answer(["--help"]) is None


def test_a_stamp_notices_a_change_a_removal_and_a_new_file(tmp_path: Path) -> None:
    kept, gone, new = tmp_path / "kept.py", tmp_path / "gone.py", tmp_path / "new.py"
    kept.write_text("x = 1\n")
    gone.write_text("y = 2\n")
    stamps = "\n".join(
        f"{helpcache._stamp(str(p))} {p}" if p.exists() else f"absent {p}"
        for p in (kept, gone, new)
    )
    assert helpcache._fresh(stamps)
    for change in (
        lambda: os.utime(kept, ns=(0, kept.stat().st_mtime_ns + 1)),
        gone.unlink,
        lambda: new.write_text(""),
    ):
        change()
        assert not helpcache._fresh(stamps)
        stamps = "\n".join(
            f"{helpcache._stamp(str(p))} {p}" if p.exists() else f"absent {p}"
            for p in (kept, gone, new)
        )
        assert helpcache._fresh(stamps)


#: rendering every help text in a fresh process with os.environ recording each name read
#: (from before espctl is imported: a name read at import time counts too)
RECORD_ENVIRONMENT = """
import json, os, sys
from collections.abc import MutableMapping

class Recording(MutableMapping):
    def __init__(self, wrapped):
        self.wrapped, self.names = wrapped, set()
    def __getitem__(self, name):
        self.names.add(name)
        return self.wrapped[name]
    def __setitem__(self, name, value):
        self.wrapped[name] = value
    def __delitem__(self, name):
        del self.wrapped[name]
    def __iter__(self):
        self.names.add("*every name*")
        return iter(self.wrapped)
    def __len__(self):
        return len(self.wrapped)
    def copy(self):
        self.names.add("*every name*")
        return dict(self.wrapped)

os.environ = recording = Recording(os.environ)
from espctl.cli import main
for path in json.loads(sys.argv[1]):
    try:
        main.main([*path, "--help"], prog_name="espctl", standalone_mode=False)
    except SystemExit:
        pass
for shell in ("zsh", "fish"):
    main.main(["completion", shell], prog_name="espctl", standalone_mode=False)
sys.stderr.write(json.dumps(sorted(recording.names)))
"""


def test_help_texts_read_no_environment_variable_but_those_of_the_key() -> None:
    """A help text that depended on another variable could be printed from an entry made
    under another value of it: the key would have to hold it."""
    done = subprocess.run(
        [sys.executable, "-c", RECORD_ENVIRONMENT, json.dumps(PATHS)],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "LANG": "C.UTF-8"},
        check=False,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    names = set(json.loads(done.stderr.rsplit("\n", 1)[-1]))
    # the key: the width (COLUMNS) and gettext's variables; never served when these are
    # set: ESPCTL_LOG and a completion request's variable (click checks it first)
    allowed = {"COLUMNS", *helpcache.LOCALE_VARIABLES, "ESPCTL_LOG", "_ESPCTL_COMPLETE"}
    assert names <= allowed, sorted(names - allowed)
    assert "COLUMNS" in names
