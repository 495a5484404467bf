"""The command line a Terraform or octoDNS user expects (issue 18, items 5, 8, 10, 11, 17,
18, 23), through the real CLI against the sandbox."""

from __future__ import annotations

import ast
import json
import os
import pty
import re
import select
import subprocess
import sys
import time
from pathlib import Path

import click
import pytest
from click.testing import CliRunner, Result

from espctl.cli import main
from tests.conftest import QUICKSTART, REPO
from tests.contract.harness import quickstart_apply_line, quickstart_changes

CLEAN = {
    "POSTMARK_SERVER_TOKEN": None,
    "POSTMARK_ACCOUNT_TOKEN": None,
    "MAILGUN_API_KEY": None,
    "SENDGRID_API_KEY": None,
    "HOOK_PASSWORD": None,
    "ESPCTL_CONFIG": None,
    "NO_COLOR": "1",
}


def cli(*args: str) -> Result:
    return CliRunner(env=CLEAN).invoke(main, list(args))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "espctl.yaml").write_text(QUICKSTART.read_text().replace("../schemas/", ""))
    return tmp_path


# -- item 5: the Markdown plan ----------------------------------------------------------------


def test_markdown_diff_lines_start_with_their_symbol_and_events_are_normalized(
    project: Path,
) -> None:
    result = cli("plan", "--sandbox", "--format", "markdown")
    assert result.exit_code == 0, result.output
    blocks = re.findall(r"^(`{3,})diff\n(.*?)^\1$", result.stdout, re.S | re.M)
    assert len(blocks) == 4  # mailgun, postmark, sendgrid, ses
    for _, body in blocks:
        for line in body.splitlines():
            # GitHub colours a diff line by its first character: none is indented
            assert line[0] in "+-!" or line.startswith("      ("), line
    body = "".join(b for _, b in blocks)
    assert (
        "! mailgun mailgun.webhook mg.acme-mail.com https://hooks.acme-mail.com/esp/events\n"
        in (body)
    )
    # a Mailgun webhook's events: the normalized name first, Mailgun's in parentheses
    assert '-     events:              ["complained", "delivered", "opened", "bounced ' in body
    assert '"permanent_fail"' not in body
    # an update shows the live value as - and the config's as +
    assert '-     track_links: "none"\n+     track_links: "html_and_text"\n' in body
    assert "!     basic_auth_password: (sensitive value changed)\n" in body


def test_fields_null_on_create_are_not_listed(project: Path) -> None:
    """A field the new resource leaves empty (null) says nothing: the text and Markdown
    plans omit it, the JSON plan (the machine contract) keeps it."""
    from espctl.config.models import Policy
    from espctl.engine.plan import make_plan
    from espctl.engine.render import render_markdown, render_text
    from espctl.model.resources import LiveState, Resource
    from espctl.providers.kit.protocol import Capabilities

    caps = Capabilities(frozenset({"x.stream"}), frozenset(), frozenset(), {})
    wanted = Resource("p", "x.stream", "s1", {"name": "N", "description": None})
    plan = make_plan({"p": [wanted]}, {"p": LiveState("p", ())}, {"p": caps}, Policy())
    assert "description" not in render_text(plan)
    assert "description" not in render_markdown(plan)
    assert plan.as_json()["changes"][0]["after"] == {"name": "N", "description": None}


# -- item 8: JSON from apply and import -------------------------------------------------------


def test_apply_json_reports_every_change(project: Path) -> None:
    result = cli("apply", "--sandbox", "--auto-approve", "--force", "--format", "json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)  # the plan went to stderr, stdout is only JSON
    assert payload["format"] == "espctl-apply/1" and payload["exit_code"] == 0
    assert payload["summary"] == {
        "applied": quickstart_changes(),
        "failed": 0,
        "skipped": 0,
        "blocked": 0,
    }
    change = next(c for c in payload["changes"] if c["key"] == "receipts")
    assert change["action"] == "create" and change["status"] == "applied"
    assert change["address"] == "postmark:postmark.message_stream:receipts"
    assert change["error"] is None and isinstance(change["seconds"], float)
    assert "espctl will make these changes:" in result.stderr
    nothing = cli("apply", "--sandbox", "--auto-approve", "--format", "json")
    assert json.loads(nothing.stdout)["changes"] == []


def test_import_json_says_what_was_written_and_what_to_set(project: Path) -> None:
    result = cli(
        "import", "--provider", "postmark", "--sandbox", "--out", "imported.yaml",
        "--format", "json",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert payload["written"] == "imported.yaml" and payload["yaml"] is None
    assert (project / "imported.yaml").is_file()
    assert payload["providers"] == ["postmark"]
    names = [v["name"] for v in payload["variables"]]
    assert "POSTMARK_SERVER_TOKEN" in names and "HOOK_PASSWORD" in names
    assert payload["counts"]["message streams"] >= 3
    assert all(isinstance(w, str) for w in payload["warnings"])


# -- item 10: completion ----------------------------------------------------------------------


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_prints_a_script(shell: str) -> None:
    result = cli("completion", shell)
    assert result.exit_code == 0
    assert "_ESPCTL_COMPLETE" in result.stdout
    assert f"{shell}_complete" in result.stdout


def test_the_completion_script_completes_commands_and_options() -> None:
    """What the script asks espctl for (bash's protocol) gives commands and choices."""
    env = {"_ESPCTL_COMPLETE": "bash_complete", "COMP_WORDS": "espctl pl", "COMP_CWORD": "1"}
    commands = CliRunner(env=env).invoke(main, [], prog_name="espctl")
    assert "plain,plan" in commands.stdout
    env |= {"COMP_WORDS": "espctl show p.json --format ", "COMP_CWORD": "4"}
    formats = CliRunner(env=env).invoke(main, [], prog_name="espctl")
    assert formats.stdout.split() == ["plain,text", "plain,json", "plain,markdown"]


# -- item 11: progress and a declined prompt, on a real terminal ------------------------------


def _in_terminal(args: list[str], cwd: Path, answer: bytes) -> tuple[int, str]:
    """Run espctl with stdin, stdout and stderr on a pseudo-terminal; answer its prompt."""
    leader, follower = pty.openpty()
    env = {k: v for k, v in os.environ.items() if k not in CLEAN} | {"NO_COLOR": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "espctl", *args],
        cwd=cwd,
        stdin=follower,
        stdout=follower,
        stderr=follower,
        env=env,
        close_fds=True,
    )
    os.close(follower)
    seen = b""
    answered = False
    deadline = time.monotonic() + 60  # a guard against a hang, not a timing assertion
    while time.monotonic() < deadline:
        ready, _, _ = select.select([leader], [], [], 1)
        if ready:
            try:
                chunk = os.read(leader, 4096)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            seen += chunk
            if not answered and b"Apply these changes?" in seen:
                os.write(leader, answer)
                answered = True
        elif proc.poll() is not None:
            break
    code = proc.wait(timeout=30)
    os.close(leader)
    return code, seen.decode(errors="replace").replace("\r\n", "\n")


def test_declining_at_the_prompt_says_cancelled_and_changes_nothing(project: Path) -> None:
    assert cli("plan", "--sandbox").exit_code == 0  # the sandbox state exists
    before = (project / ".espctl" / "sandbox.json").read_bytes()
    code, shown = _in_terminal(["apply", "--sandbox", "--force"], project, b"n\n")
    assert code == 1, shown
    assert "error: apply cancelled; nothing changed" in shown
    assert "needs confirmation" not in shown
    assert (project / ".espctl" / "sandbox.json").read_bytes() == before


def test_accepting_at_the_prompt_applies_with_counted_progress(project: Path) -> None:
    code, shown = _in_terminal(["apply", "--sandbox", "--force"], project, b"y\n")
    assert code == 0, shown
    total = quickstart_changes()
    done = re.findall(rf"^\[(\d+)/{total}\] ", shown, re.M)
    assert sorted(int(n) for n in done) == list(range(1, total + 1))
    assert quickstart_apply_line() in shown


def test_the_progress_ticker_speaks_while_changes_are_in_flight() -> None:
    """A change that has not finished after ``progress_every`` seconds gets a line saying
    how far the apply is; the change here finishes only once two such lines came, so
    the test waits for the lines, not for a clock."""
    import asyncio

    from espctl.config.models import Policy
    from espctl.engine.apply import apply_plan
    from espctl.engine.plan import make_plan
    from espctl.model.resources import LiveState, Resource
    from espctl.providers.kit.protocol import Capabilities, ChangeRequest

    caps = Capabilities(frozenset({"x.stream"}), frozenset(), frozenset(), {})
    wanted = [Resource("p", "x.stream", f"s{i}", {"name": "N"}) for i in range(2)]
    plan = make_plan({"p": wanted}, {"p": LiveState("p", ())}, {"p": caps}, Policy())
    lines: list[str] = []

    async def run() -> None:
        ticks = asyncio.Event()

        def notify(line: str) -> None:
            lines.append(line)
            if sum(1 for x in lines if x.startswith("applying: ")) >= 2:
                ticks.set()

        class Slow:
            capabilities = Capabilities(frozenset(), frozenset(), frozenset(), {})

            async def apply(self, change: ChangeRequest) -> None:
                if change.key == "s1":
                    await ticks.wait()

        await apply_plan(plan, {"p": Slow()}, notify, progress_every=0.01)  # type: ignore[dict-item]

    asyncio.run(asyncio.wait_for(run(), 30))
    assert lines[0].startswith("[1/2] + p x.stream s0: applied")
    ticking = [x for x in lines if x.startswith("applying: ")]
    assert ticking[0].startswith("applying: 1/2 done, ")
    assert ticking[0].endswith("elapsed; in flight: p:x.stream:s1")
    assert lines[-1].startswith("[2/2] + p x.stream s1: applied")


# -- item 17: route --unavailable -------------------------------------------------------------


@pytest.mark.parametrize("target", [["password_reset"], ["--all"]])
def test_an_unknown_unavailable_provider_is_an_error(project: Path, target: list[str]) -> None:
    result = cli("route", *target, "--unavailable", "mailgunn")
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        "error: unknown provider 'mailgunn' "
        "(providers in espctl.yaml: mailgun, postmark, sendgrid, ses)"
    )


def test_the_routing_table_skips_unavailable_providers(project: Path) -> None:
    result = cli("route", "--all", "--unavailable", "mailgun")
    assert result.exit_code == 0, result.output
    table = dict(line.split(None, 1) for line in result.stdout.splitlines())
    assert table["password_reset"].startswith("postmark/outbound -> ses/transactional  (auth-mail)")
    assert table["newsletter"] == "(no available route: mailgun unavailable)"
    as_json = json.loads(cli("route", "--all", "--unavailable", "postmark", "--format", "json")
                         .stdout)  # fmt: skip
    assert as_json["unavailable"] == ["postmark"]
    assert as_json["email_types"]["password_reset"]["target"] == "mailgun/mg.acme-mail.com"
    assert as_json["default"] is None


# -- item 18: words ---------------------------------------------------------------------------

_UNSHIPPED = re.compile(r"ESP-API|DESIGN\.md|ANALYTICS(\.md| §)")


def _user_facing_strings(path: Path) -> list[tuple[int, str]]:
    """String constants a user can read: all but the docstrings of modules, classes and
    functions that are not click commands (a command's docstring is its --help)."""
    tree = ast.parse(path.read_text())
    internal: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            command = any("command" in ast.unparse(d) for d in getattr(node, "decorator_list", []))
            first = node.body[0] if node.body else None
            if (
                not command
                and isinstance(first, ast.Expr)
                and isinstance(first.value, ast.Constant)
            ):
                internal.add(id(first.value))
    return [
        (node.lineno, node.value)
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and id(node) not in internal
    ]


def test_no_user_facing_text_cites_documents_that_are_not_shipped() -> None:
    cited = [
        f"{path.relative_to(REPO)}:{line}: {text[:80]}"
        for path in sorted((REPO / "espctl").rglob("*.py"))
        for line, text in _user_facing_strings(path)
        if _UNSHIPPED.search(text)
    ]
    templates = [
        str(p.relative_to(REPO))
        for p in (REPO / "espctl").rglob("*")
        if p.suffix in (".j2", ".html", ".yaml") and _UNSHIPPED.search(p.read_text())
    ]
    assert cited == [] and templates == []
    for name in main.list_commands(click.Context(main)):
        help_text = cli(name, "--help").stdout
        assert not _UNSHIPPED.search(help_text), name


def test_singular_and_plural_agree(tmp_path: Path) -> None:
    one = tmp_path / "one.yaml"
    one.write_text(
        "version: 1\nproviders:\n  mg:\n    type: mailgun\n    api_key: ${env:K}\n"
        "    domains: {mg.example.com: {}}\n"
        "webhooks:\n  w: {url: 'https://h.example.com/', events: [bounced],"
        " targets: [mg/mg.example.com]}\n"
        "routing: {rules: [{email_types: [x], to: mg/mg.example.com}]}\n"
    )
    result = CliRunner(env={**CLEAN, "K": "k"}).invoke(main, ["validate", str(one)])
    assert result.stdout.strip() == (
        f"{one}: valid (1 provider, 0 message streams, 1 domain, 0 configuration sets, 1 webhook, "
        "1 routing rule)"
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 2\nproviders: {}\n")
    result = CliRunner(env=CLEAN).invoke(main, ["validate", str(bad)])
    assert result.stderr.strip() == f"{bad}: 2 errors"
    bad.write_text(one.read_text().replace("version: 1", "version: 3"))
    result = CliRunner(env={**CLEAN, "K": "k"}).invoke(main, ["validate", str(bad)])
    assert result.stderr.strip() == f"{bad}: 1 error"


def test_one_provider_is_said_in_the_singular(project: Path) -> None:
    (project / "espctl.yaml").write_text(
        "version: 1\nproviders:\n  postmark:\n    type: postmark\n"
        "    server_token: ${env:POSTMARK_SERVER_TOKEN}\n    tracking: {opens: true}\n"
    )
    tested = cli("test", "--sandbox")
    assert tested.stdout.splitlines()[-1] == "1 provider: 1 passed, 0 failed"
    reported = cli("report", "--sandbox", "--since", "7d")
    assert "1 provider)" in reported.stdout, reported.output
    applied = cli("apply", "--sandbox", "--auto-approve")
    assert applied.exit_code == 0
    assert cli("plan", "--sandbox").stdout.splitlines()[-1] == (
        "No changes. 1 managed resource matches the config."
    )


# -- item 23: usage errors exit 2 -------------------------------------------------------------


@pytest.mark.parametrize("name", main.list_commands(click.Context(main)))
def test_a_usage_error_exits_2_for_every_command(name: str) -> None:
    result = cli(name, "--no-such-option")
    assert result.exit_code == 2, (name, result.output)
    assert "No such option" in result.stderr
    readme = (REPO / "README.md").read_text()
    assert "| every command | | | usage error" in readme


def test_the_since_help_says_where_the_window_ends() -> None:
    text = " ".join(cli("report", "--help").stdout.split())
    assert "ending yesterday (today, still in progress, is left out)" in text


# -- item 12: --strict ------------------------------------------------------------------------


def test_strict_fails_plan_and_refuses_apply_on_a_warning(project: Path) -> None:
    """The seeded account's news.acme-mail.com is unverified: a warning, so plan exits 0 and
    apply would converge; with --strict both fail and apply changes nothing."""
    lenient = cli("plan", "--sandbox", "--format", "json")
    assert lenient.exit_code == 0, lenient.output
    plan = json.loads(lenient.stdout)
    warnings = [c for c in plan["checks"] if c["status"] == "warning"]
    assert [c["subject"] for c in warnings] == [
        "news.acme-mail.com",
        # the seeded events collector's SNS subscription is pending confirmation
        "transactional https://hooks.acme-mail.com/esp/events",
        "mailgun/news.acme-mail.com",
    ]
    assert not [c for c in plan["checks"] if c["status"] == "error"]

    strict = cli("plan", "--sandbox", "--strict")
    assert strict.exit_code == 1
    failed = (
        "error: --strict: 3 checks failed (0 errors, 3 warnings): mailgun domain "
        "news.acme-mail.com, ses sns subscription transactional "
        "https://hooks.acme-mail.com/esp/events, mailgun routing_target "
        "mailgun/news.acme-mail.com"
    )
    assert strict.stderr.endswith(failed + "\n")
    assert "Plan:" in strict.stdout  # the plan is still shown

    state = (project / ".espctl" / "sandbox.json").read_bytes()
    refused = cli("apply", "--sandbox", "--strict", "--auto-approve", "--force")
    assert refused.exit_code == 1
    assert (failed + "; nothing was applied\n") in refused.stderr
    assert (project / ".espctl" / "sandbox.json").read_bytes() == state  # nothing changed

    applied = cli("apply", "--sandbox", "--auto-approve", "--force")
    assert applied.exit_code == 0, applied.output  # without --strict the warning is shown only
