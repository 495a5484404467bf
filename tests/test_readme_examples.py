"""Every example output in the README is what the real CLI prints, so it cannot drift.

Each output block in README.md is a fenced block without a language, right after an
``<!-- output: NAME -->`` marker. Its first line is the command (``$ espctl ...``), the
rest what the terminal shows (stdout and stderr as they interleave). A line ``...``
leaves lines out: every run of lines between two of them must appear, verbatim and
contiguous, in what the command prints. Times (``26ms``) are the only thing allowed to
differ. Each NAME below sets up what the example needs (a folder, the sandbox, a
served sandbox with wrong credentials, hostile servers) and runs the README's own
command through the CLI (click's runner), then compares.

An ``<!-- example-input: NAME -->`` block is a file an example reads (validate's
config), taken from the README too.
"""

from __future__ import annotations

import re
import shlex
import shutil
from collections.abc import Callable, Iterator
from contextlib import ExitStack
from pathlib import Path

import pytest
from click.testing import CliRunner

from espctl.cli import main
from espctl.model.common import Event
from espctl.providers import registry
from espctl.sandbox import SandboxApp, SandboxCredentials, running_server, seed_account
from tests.conftest import QUICKSTART, REPO
from tests.e2e.conftest import endpoint_config
from tests.hostile.server import hostile_server

README = (REPO / "README.md").read_text()
_FENCED = re.compile(
    r"<!-- (?P<what>output|example-input): (?P<name>[a-z-]+) -->\n"
    r"(?P<fence>`{3,})[a-z]*\n(?P<body>.*?)\n(?P=fence)\n",
    re.S,
)
_MS = re.compile(r" *\b\d+ms\b")
#: what no example's environment may inherit from the machine running the tests
_CLEARED = (
    "POSTMARK_SERVER_TOKEN",
    "POSTMARK_ACCOUNT_TOKEN",
    "MAILGUN_API_KEY",
    "SENDGRID_API_KEY",
    "SES_ACCESS_KEY_ID",
    "SES_SECRET_ACCESS_KEY",
    "HOOK_PASSWORD",
    "ESPCTL_CONFIG",
    "ESPCTL_DEBUG",
)


def blocks(what: str) -> dict[str, str]:
    return {m["name"]: m["body"] for m in _FENCED.finditer(README) if m["what"] == what}


OUTPUTS = blocks("output")
INPUTS = blocks("example-input")


def _normal(text: str) -> str:
    return _MS.sub(" <ms>", text)


def assert_shown(expected: str, actual: str) -> None:
    """Each run of README lines between ``...`` lines appears in ``actual`` as is."""
    printed = "\n" + _normal(actual).rstrip("\n") + "\n"
    chunk: list[str] = []
    chunks = []
    for line in expected.splitlines():
        if line == "...":
            chunks.append(chunk)
            chunk = []
        else:
            chunk.append(line)
    chunks.append(chunk)
    for lines in chunks:
        if lines:
            text = _normal("\n".join(lines))
            assert "\n" + text + "\n" in printed, f"not printed:\n{text}\n\nprinted:{printed}"


def run(folder: Path, command: str, env: dict[str, str] | None = None) -> str:
    """The README's ``$ espctl ...`` line, run by the CLI in ``folder``."""
    words = shlex.split(command.removeprefix("$ "))
    assert words[0] == "espctl"
    cleared: dict[str, str | None] = dict.fromkeys(_CLEARED)
    runner = CliRunner(env={**cleared, "NO_COLOR": "1", **(env or {})})
    with pytest.MonkeyPatch.context() as patch:
        patch.chdir(folder)
        result = runner.invoke(main, words[1:], catch_exceptions=False)
    return result.output


def _command_and_shown(name: str) -> tuple[str, str]:
    command, _, shown = OUTPUTS[name].partition("\n")
    assert command.startswith("$ espctl "), f"{name}: the first line is the command"
    return command, shown


def _repo_like(folder: Path) -> Path:
    """A folder laid out like a clone of this repository (the examples' paths)."""
    (folder / "examples").mkdir(parents=True)
    shutil.copy(QUICKSTART, folder / "examples" / "quickstart.yaml")
    return folder


# -- what each example needs -----------------------------------------------------------------


def example_validate(tmp: Path) -> Iterator[str]:
    (tmp / "espctl.yaml").write_text(INPUTS["validate"] + "\n")
    command, _ = _command_and_shown("validate")
    yield run(tmp, command)


def example_plan(tmp: Path) -> Iterator[str]:
    folder = _repo_like(tmp)
    yield run(folder, _command_and_shown("plan")[0])


def example_blocked(tmp: Path) -> Iterator[str]:
    """The quick start plus a mistyped domain (``typo.yaml``, merged by a second ``-c``)."""
    folder = _repo_like(tmp)
    (folder / "typo.yaml").write_text(INPUTS["typo"] + "\n")
    yield run(folder, _command_and_shown("blocked")[0])


def example_show(tmp: Path) -> Iterator[str]:
    folder = _repo_like(tmp)
    run(folder, _command_and_shown("plan")[0])  # the plan it shows
    yield run(folder, _command_and_shown("show")[0])


def example_route(tmp: Path) -> Iterator[str]:
    yield run(_repo_like(tmp), _command_and_shown("route")[0])


def example_test(tmp: Path) -> Iterator[str]:
    yield run(_repo_like(tmp), _command_and_shown("test")[0])


def example_rejected(tmp: Path) -> Iterator[str]:
    """Wrong credentials at both providers (the config points at a served sandbox)."""
    app = SandboxApp(seed_account(seed=0), credentials=SandboxCredentials())
    with running_server(app) as base_url:
        (tmp / "espctl.yaml").write_text(endpoint_config(base_url))
        wrong = {
            "POSTMARK_SERVER_TOKEN": "wrong-server-token",
            "POSTMARK_ACCOUNT_TOKEN": "wrong-account-token",
            "MAILGUN_API_KEY": "wrong-api-key",
            "SENDGRID_API_KEY": "SG.wrong-api-key",
            "SES_ACCESS_KEY_ID": "wrong-access-key-id",
            "SES_SECRET_ACCESS_KEY": "wrong-secret",
            "HOOK_PASSWORD": "hook-password",
        }
        yield run(tmp, _command_and_shown("rejected")[0], wrong)


def example_limits(tmp: Path) -> Iterator[str]:
    """Mailgun's domain listing never ends; Postmark answers its error body with 200."""
    credentials = SandboxCredentials()
    with ExitStack() as stack:
        paging = stack.enter_context(
            hostile_server("paging", SandboxApp(seed_account(seed=0), credentials=credentials))
        )
        erring = stack.enter_context(
            hostile_server("error_body", SandboxApp(seed_account(seed=0), credentials=credentials))
        )
        text = endpoint_config(f"http://127.0.0.1:{erring.server_port}")
        text = text.replace(
            f"http://127.0.0.1:{erring.server_port}/eu", f"http://127.0.0.1:{paging.server_port}/eu"
        )
        (tmp / "espctl.yaml").write_text(text)
        env = {
            "POSTMARK_SERVER_TOKEN": credentials.get("postmark", "server_token"),
            "POSTMARK_ACCOUNT_TOKEN": credentials.get("postmark", "account_token"),
            "MAILGUN_API_KEY": credentials.get("mailgun", "api_key"),
            "SENDGRID_API_KEY": credentials.get("sendgrid", "api_key"),
            "SES_ACCESS_KEY_ID": credentials.get("ses", "access_key_id"),
            "SES_SECRET_ACCESS_KEY": credentials.get("ses", "secret_access_key"),
            "HOOK_PASSWORD": "hook-password",
        }
        yield run(tmp, _command_and_shown("limits")[0], env)


def example_verbose(tmp: Path) -> Iterator[str]:
    """The HTTP log of a plan whose first Postmark request is rate limited (Retry-After 1)."""
    credentials = SandboxCredentials()
    app = SandboxApp(seed_account(seed=0), credentials=credentials)
    app.faults.add(method="GET", path_regex="^/server$", kind="429", times=1, retry_after=1)
    with running_server(app) as base_url:
        (tmp / "espctl.yaml").write_text(endpoint_config(base_url))
        env = {
            "POSTMARK_SERVER_TOKEN": credentials.get("postmark", "server_token"),
            "POSTMARK_ACCOUNT_TOKEN": credentials.get("postmark", "account_token"),
            "MAILGUN_API_KEY": credentials.get("mailgun", "api_key"),
            "SENDGRID_API_KEY": credentials.get("sendgrid", "api_key"),
            "SES_ACCESS_KEY_ID": credentials.get("ses", "access_key_id"),
            "SES_SECRET_ACCESS_KEY": credentials.get("ses", "secret_access_key"),
            "HOOK_PASSWORD": "hook-password",
        }
        yield run(tmp, _command_and_shown("verbose")[0], env)


EXAMPLES: dict[str, Callable[[Path], Iterator[str]]] = {
    "validate": example_validate,
    "plan": example_plan,
    "blocked": example_blocked,
    "show": example_show,
    "route": example_route,
    "test": example_test,
    "rejected": example_rejected,
    "limits": example_limits,
    "verbose": example_verbose,
}


def test_every_output_block_is_an_example_this_module_runs() -> None:
    """An output block without a marker (or a marker without a runner) would drift."""
    opened: list[str] = []  # the info string of every block, in order
    fence = ""
    for line in README.splitlines():
        found = re.fullmatch(r"(`{3,})([a-z]*)", line)
        if not fence and found:
            fence = found.group(1)
            opened.append(found.group(2))
        elif fence and re.fullmatch(f"{fence}`*", line):
            fence = ""
    assert not fence, "an unclosed fence in README.md"
    plain = sum(1 for info in opened if not info)
    assert plain == len(OUTPUTS), "every output block needs <!-- output: NAME -->"
    assert set(OUTPUTS) == set(EXAMPLES)


@pytest.mark.parametrize("name", sorted(EXAMPLES))
def test_readme_output_is_what_the_cli_prints(name: str, tmp_path: Path) -> None:
    _, shown = _command_and_shown(name)
    for printed in EXAMPLES[name](tmp_path):
        assert_shown(shown, printed)


def _event_table() -> tuple[list[str], dict[str, list[str]]]:
    """The README's "Normalized events" table: its header and its rows by event."""
    lines = README.splitlines()
    at = next(i for i, line in enumerate(lines) if line.startswith("| espctl event |"))
    header = [c.strip() for c in lines[at].strip("|").split("|")]
    rows: dict[str, list[str]] = {}
    for line in lines[at + 2 :]:
        if not line.startswith("|"):
            break
        cells = [c.strip() for c in line.strip("|").split("|")]
        rows[cells[0]] = cells
    return header, rows


@pytest.mark.parametrize("provider_type", registry.TYPES)
def test_the_event_table_has_each_providers_column_of_its_spec(provider_type: str) -> None:
    """Every registered provider has a column headed by its label; each normalized event
    is its native name there, or "—" where the spec says it cannot deliver it."""
    spec = registry.spec(provider_type)
    header, rows = _event_table()
    column = next(i for i, title in enumerate(header) if title.startswith(spec.label))
    assert set(rows) == {e.value for e in Event}
    for event in Event:
        native = spec.events.native.get(event)
        cell = rows[event.value][column]
        if native is None:
            assert cell == "—", (event, cell)
        else:  # e.g. SendGrid's complained: "spamreport (`spam_report`)"
            assert native in cell, (event, cell)
