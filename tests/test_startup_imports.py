"""Short commands import only what they need (issue 19; README "Benchmarks").

The command line parses arguments with click and small espctl modules loaded; each
command imports the rest when it runs. Checked on the modules a real process imports
(``python -X importtime``), not on timings: ``benchmarks/startup.py`` measures those.
``espctl --version`` loads no click at all (compared with click's answer), and help
texts find click's width without shutil (compared with click's texts at many widths).
"""

from __future__ import annotations

import os
import subprocess
import sys

import click
import pytest
from click.testing import CliRunner

from espctl import cli, helpcache
from espctl.cli import main
from espctl.providers.registry import TYPES
from espctl.sandbox.registry import TYPES as SANDBOX_TYPES
from tests.conftest import QUICKSTART, REPO

#: what no short command may load: the models (pydantic, PyYAML), the HTTP and async
#: stack, the report's templates, and espctl's layers built on them
HEAVY = (
    "pydantic",
    "pydantic_core",
    "yaml",
    "httpx",
    "jinja2",
    "asyncio",
    "jsonschema",
    "espctl.api",
    "espctl.config",
    "espctl.engine",
    "espctl.session",
    "espctl.importer",
    "espctl.conntest",
    "espctl.report",
    "espctl.sandbox",
    "espctl.providers",
)
#: the provider registry names the types (``import --type``'s choices) and imports a
#: provider's package on first use: it and its package marker load nothing but espctl.errors;
#: ``import --help`` also reads each type's plain description (``providers/<type>/info.py``,
#: standard library only) for the texts of --type and --region
REGISTRY = (
    "espctl.providers",
    "espctl.providers.registry",
    "espctl.providers.kit",
    "espctl.providers.kit.info",
    *(f"espctl.providers.{t}{part}" for t in TYPES for part in ("", ".info")),
)
#: what validate does not need: it reads files and checks them offline, with no provider,
#: no plan and no JSON Schema validator (jsonschema is for the tests of the schema file)
NOT_FOR_VALIDATE = (
    "httpx",
    "jinja2",
    "asyncio",
    "jsonschema",
    "espctl.engine",
    "espctl.session",
    "espctl.planfile",
    "espctl.importer",
    "espctl.conntest",
    "espctl.report",
    "espctl.sandbox",
    # a provider's config block, events and rules are config models now (its spec), but
    # nothing that talks to it: its HTTP client and what builds on it
    "espctl.providers.kit.http",
    "espctl.providers.kit.http_log",
    "espctl.providers.kit.http_options",
    "espctl.providers.kit.connection",
    "espctl.providers.kit.concurrency",
    "espctl.providers.kit.paging",
    # nor what only the report, import, plan or test --webhooks use: the specs load
    # these on first call (LazySummary, the spec's _import and _parse)
    "cryptography",
    "botocore",
    "difflib",
    "espctl.model.summary",
    "espctl.model.traffic",
    "espctl.model.events",
    "espctl.providers.kit.importing",
    "espctl.providers.kit.protocol",
    *(
        f"espctl.providers.{name}.{part}"
        for name in TYPES
        for part in (
            *("client", "probe", "traffic", "webhooks"),
            *("importer", "summary", "parsing", "signature"),
        )
    ),
)


def imported(args: list[str], env: dict[str, str] | None = None) -> dict[str, str]:
    """Every module a fresh ``python -X importtime ARGS`` imports, with its importer chain
    (``espctl.cli <- espctl.commands.limits <- httpx``) for the failure message."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *args],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, "NO_COLOR": "1", **(env or {})},
        check=False,
        timeout=120,
    )
    assert done.returncode in (0, 1), done.stderr[-2000:]
    rows = []  # (depth, name) in the order printed: a module after everything it imported
    for line in done.stderr.splitlines():
        if line.startswith("import time:") and "cumulative" not in line:
            field = line.rsplit("|", 1)[1]
            name = field.strip()
            rows.append(((len(field) - len(field.lstrip()) - 1) // 2, name))
    chains: dict[str, str] = {}
    for i, (depth, name) in enumerate(rows):
        chain = [name]
        for parent_depth, parent in rows[i + 1 :]:
            if parent_depth < depth - len(chain) + 1:
                chain.append(parent)
        chains.setdefault(name, " <- ".join(chain))
    return chains


def assert_none_loaded(chains: dict[str, str], forbidden: tuple[str, ...]) -> None:
    """No forbidden module (or submodule) among ``chains``; else each with its chain."""
    found = sorted(
        chain
        for name, chain in chains.items()
        if name not in REGISTRY and any(name == f or name.startswith(f + ".") for f in forbidden)
    )
    assert not found, f"{len(found)} modules loaded that should not be:\n" + "\n".join(found)


def test_importing_the_command_line_loads_nothing_heavy() -> None:
    chains = imported(["-c", "import espctl.cli"])
    assert "click" in chains and "espctl.cli" in chains
    assert_none_loaded(chains, HEAVY)


SHORT_COMMANDS = [
    ["--version"],
    ["--help"],
    *([name, "--help"] for name in main.list_commands(click.Context(main)) if name != "sandbox"),
    ["completion", "bash"],
]


@pytest.mark.parametrize("args", SHORT_COMMANDS, ids=" ".join)
def test_short_commands_load_nothing_heavy(args: list[str]) -> None:
    chains = imported(["-m", "espctl", *args])
    assert_none_loaded(chains, HEAVY)
    if args[-1] == "--help":  # the help width is found without shutil (HelpContext)
        assert "shutil" not in chains, chains["shutil"]


#: what ``espctl sandbox --help`` may load of the simulator: the package marker (its
#: names load on first use), the plain values the options show, and the registry with
#: each provider's plain description (its credentials: the options are made from them)
SANDBOX_HELP = (
    "espctl.sandbox",
    "espctl.sandbox.defaults",
    "espctl.sandbox.registry",
    "espctl.sandbox.info",
    *(f"espctl.sandbox.{t}{part}" for t in SANDBOX_TYPES for part in ("", ".info")),
)


@pytest.mark.parametrize("args", [["sandbox", "--help"], ["sandbox", "serve", "--help"]])
def test_the_sandbox_help_loads_no_simulator(args: list[str]) -> None:
    chains = imported(["-m", "espctl", *args])
    assert {"espctl.sandbox.defaults", "espctl.sandbox.registry"} <= chains.keys()
    heavy = [*(m for m in HEAVY if m != "espctl.sandbox"), "espctl.sandbox"]
    others = {n: c for n, c in chains.items() if n not in SANDBOX_HELP}
    assert_none_loaded(others, tuple(heavy))


#: what the installed ``espctl`` script runs (its name selects _ESPCTL_COMPLETE)
AS_INSTALLED = "from espctl.cli import main; main(prog_name='espctl')"


@pytest.mark.parametrize(
    ("words", "cword", "expected"),
    [
        ("espctl s", "1", "sandbox"),  # a lazy command is listed with its help, not imported
        ("espctl plan --par", "2", "--parallelism"),
        ("espctl import --type ", "3", "mailgun"),
    ],
)
def test_completion_loads_nothing_heavy(words: str, cword: str, expected: str) -> None:
    env = {"_ESPCTL_COMPLETE": "zsh_complete", "COMP_WORDS": words, "COMP_CWORD": cword}
    chains = imported(["-c", AS_INSTALLED], env)
    assert_none_loaded(chains, HEAVY)
    done = subprocess.run(
        [sys.executable, "-c", AS_INSTALLED],
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **env},
        check=False,
    )
    assert expected in done.stdout.split("\n"), done.stdout
    if expected == "sandbox":
        assert "sandbox\nOffline simulator of the providers' APIs." in done.stdout


#: the console script pip generates for ``espctl = "espctl.cli:main"`` (in this environment)
SCRIPT = os.path.join(os.path.dirname(sys.executable), "espctl")


def run_text(
    argv: list[str], env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        argv,
        capture_output=True,
        text=True,
        cwd=REPO,
        env={**os.environ, **(env or {})},
        check=False,
        timeout=120,
    )


@pytest.mark.skipif(not os.path.exists(SCRIPT), reason="espctl is not installed as a script")
@pytest.mark.parametrize("entry", [[SCRIPT], ["-m", "espctl"]], ids=["script", "-m"])
def test_version_answers_as_click_does_without_importing_click(entry: list[str]) -> None:
    clicks = CliRunner().invoke(main, ["--version"], prog_name="espctl")
    assert clicks.exit_code == 0
    fast = run_text([sys.executable, *entry, "--version"])
    assert (fast.returncode, fast.stdout, fast.stderr) == (0, clicks.stdout, "")
    chains = imported([*entry, "--version"])
    assert "espctl" in chains
    assert not [name for name in chains if name == "click" or name.startswith("click.")]


@pytest.mark.skipif(not os.path.exists(SCRIPT), reason="espctl is not installed as a script")
def test_the_version_fast_path_leaves_everything_else_to_click() -> None:
    # other arguments, and a completion request, go through click as before
    for argv, env in [
        (["--version", "--help"], {}),
        (["-v", "--version"], {}),
        (
            ["--version"],
            {"_ESPCTL_COMPLETE": "bash_complete", "COMP_WORDS": "espctl --ver", "COMP_CWORD": "1"},
        ),
    ]:
        assert "click" in imported([SCRIPT, *argv], env), argv
    completed = run_text(
        [SCRIPT, "--version"],
        {"_ESPCTL_COMPLETE": "bash_complete", "COMP_WORDS": "espctl --ver", "COMP_CWORD": "1"},
    )
    assert completed.stdout.split() == ["plain,--version", "plain,--verbose"]
    # importing espctl.cli from another program never answers for it
    other = run_text([sys.executable, "-c", "import espctl.cli; print('still here')", "--version"])
    assert (other.returncode, other.stdout) == (0, "still here\n")


def test_validate_loads_the_config_models_and_nothing_of_the_rest() -> None:
    chains = imported(["-m", "espctl", "validate", str(QUICKSTART)])
    assert {"pydantic", "yaml", "espctl.config.models"} <= chains.keys()
    assert_none_loaded(chains, NOT_FOR_VALIDATE)


def test_a_lazy_command_is_listed_with_its_own_help() -> None:
    lazy = cli.LAZY_COMMANDS
    assert "sandbox" in lazy
    listing = " ".join(CliRunner().invoke(main, ["--help"]).stdout.split())
    for name, (_, declared) in lazy.items():
        command = main.get_command(click.Context(main), name)
        assert command is not None
        assert declared == command.get_short_help_str(limit=500)
        assert f"{name} {declared}" in listing


def test_a_misspelt_lazy_command_is_suggested() -> None:
    result = CliRunner().invoke(main, ["sandbx", "serve"])
    assert result.exit_code == 2
    assert "Did you mean 'sandbox'?" in result.stderr


def test_the_facade_loads_what_validate_needs_and_the_rest_on_first_use() -> None:
    chains = imported(["-c", "import espctl.api"])
    assert_none_loaded(chains, NOT_FOR_VALIDATE)
    from espctl import api, planfile, session

    assert api.RunOptions is session.RunOptions
    assert api.save_plan is planfile.save_plan
    assert all(getattr(api, name) is not None for name in api.__all__)
    assert not hasattr(api, "no_such_name")


#: COLUMNS values: unset and invalid ones fall through to the terminal (none here: 80)
COLUMNS = [
    None,
    "",
    "abc",
    "0",
    "-3",
    "1",
    "40",
    "51",
    "52",
    "79",
    "80",
    "81",
    "99",
    "100",
    "101",
    "250",
]


@pytest.mark.parametrize("columns", COLUMNS)
def test_help_width_is_shutils_without_importing_it(
    columns: str | None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import shutil

    if columns is None:
        monkeypatch.delenv("COLUMNS", raising=False)
    else:
        monkeypatch.setenv("COLUMNS", columns)
    assert helpcache.terminal_columns() == shutil.get_terminal_size().columns
    # every help text espctl builds, as click builds it with shutil at this width
    # (a lazy command, imported by another test, builds its help with click's Context)
    built = [(n, c) for n, c in main.commands.items() if n not in cli.LAZY_COMMANDS]
    assert len(built) >= 10
    for name, command in [("espctl", main), *built]:
        ours = cli.HelpContext(command, info_name=name, max_content_width=100)
        clicks = click.Context(command, info_name=name, max_content_width=100)
        assert command.context_class is cli.HelpContext, name
        assert command.get_help(ours) == command.get_help(clicks), (name, columns)


@pytest.mark.parametrize("size", [(33, 120), (200, 50), (0, 0)])
def test_help_width_on_a_terminal_is_shutils(size: tuple[int, int]) -> None:
    """On a terminal (a pseudo-terminal of SIZE columns and rows; 0 x 0: the fallback):
    the width found and the help printed equal what click prints with shutil."""
    import fcntl
    import pty
    import struct
    import termios

    script = (
        "import shutil, sys\n"
        "from click import Context\n"
        "from espctl.cli import main, HelpContext\n"
        "from espctl.helpcache import terminal_columns\n"
        "args = dict(info_name='espctl', max_content_width=100)\n"
        "sys.stderr.write(repr((terminal_columns(), shutil.get_terminal_size().columns,"
        " main.get_help(HelpContext(main, **args)) == main.get_help(Context(main, **args)))))\n"
    )
    leader, follower = pty.openpty()
    try:
        fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", size[1], size[0], 0, 0))
        env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
        done = subprocess.run(
            [sys.executable, "-c", script],
            stdout=follower,
            stderr=subprocess.PIPE,
            text=True,
            cwd=REPO,
            env=env,
            check=True,
            timeout=120,
        )
    finally:
        os.close(follower)
        os.close(leader)
    expected = size[0] or 80
    assert done.stderr == repr((expected, expected, True))
