"""Provider-sourced text cannot drive the terminal or the pull-request comment.

A sandbox account over real HTTP holds hostile strings (escape sequences that clear the
screen and forge hyperlinks, carriage returns, backspaces, bidi overrides, line breaks,
Markdown and HTML) in the server name, stream names and descriptions, an unmanaged
webhook's URL and a webhook header; a tiny server answers with a hostile error message.
Every command that shows them (plan, apply, import, test, route, errors) prints them
escaped, on a terminal (colour on, nothing stripped) and piped; the Markdown plan
keeps them inert.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml
from click.testing import CliRunner, Result

import espctl.cli
import espctl.commands.demo_cmd
from espctl.cli import main
from espctl.sandbox import FaultPlan, SandboxApp, running_server, seed_account
from espctl.sandbox.postmark.state import PmHeader, PmTriggers, PmWebhook
from tests.e2e.conftest import CREDENTIALS, ENV, endpoint_config
from tests.mdcheck import RAW_CONTROL, assert_inert

# clear screen, an OSC 8 hyperlink, a carriage return that overwrites the line, a
# backspace, a right-to-left override and isolate, a line break that forges a plan line
HOSTILE = (
    "\x1b[2J\x1b]8;;https://evil.example\x07click\x1b]8;;\x07\rok\x08"
    "\u202eevil\u2066\n  - postmark forged delete"
)
MARKDOWN_HOSTILE = "`[x](https://evil.example)` @octocat <img src=x> | ```"
SGR = re.compile(r"\x1b\[[0-9;]*m(.*)\x1b\[0m")


def assert_escaped(text: str, *, coloured: bool = False) -> None:
    """No raw control or bidi character, except espctl's own colour around a line."""
    for raw in text.split("\n"):
        line = match.group(1) if coloured and (match := SGR.fullmatch(raw)) else raw
        assert RAW_CONTROL.findall(line) == [], repr(line)
        assert not line.startswith("  - postmark forged"), "a value added a line"
    assert "\\x1b]8;;" in text and "\\u202e" in text  # shown, not dropped


@pytest.fixture
def hostile(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Path]:
    """A sandbox whose account holds hostile text, and a config pointing at it."""
    monkeypatch.chdir(tmp_path)
    state = seed_account(seed=0)
    state.postmark.server.name = f"Acme {HOSTILE}"
    for stream in state.postmark.streams:
        if stream.id == "legacy-alerts":
            stream.name = f"legacy {HOSTILE}"
        if stream.id == "outbound":
            stream.description = f"out {HOSTILE} {MARKDOWN_HOSTILE}"
    state.postmark.webhooks.append(
        PmWebhook(
            id=99,
            url=f"https://evil.example/{MARKDOWN_HOSTILE}/{HOSTILE}",
            message_stream="outbound",
            headers=[PmHeader(name="X-Note", value=HOSTILE)],
            triggers=PmTriggers(bounce=True),
        )
    )
    app = SandboxApp(state, credentials=CREDENTIALS, faults=FaultPlan(seed=1))
    with running_server(app) as base_url:
        config = tmp_path / "espctl.yaml"
        text = endpoint_config(base_url).replace(
            "outbound: {type: transactional, name: Transactional}",
            "outbound: {type: transactional, name: Transactional, description: plain}",
        )
        config.write_text(text)
        yield config


def run(*args: str, tty: bool = False, monkeypatch: pytest.MonkeyPatch | None = None) -> Result:
    """The CLI; ``tty`` makes it behave as on a terminal (colour on, nothing stripped)."""
    if tty:
        assert monkeypatch is not None
        monkeypatch.setattr(espctl.cli, "colour", lambda: True)
        monkeypatch.setattr(espctl.commands.demo_cmd, "colour", lambda: True)
    env = {k: v for k, v in ENV.items() if not (tty and k == "NO_COLOR")}
    return CliRunner(env=env).invoke(main, list(args), color=tty, catch_exceptions=False)


@pytest.mark.parametrize("tty", [True, False], ids=["terminal", "piped"])
def test_plan_text_shows_provider_text_escaped(
    hostile: Path, tty: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run("plan", "-c", str(hostile), tty=tty, monkeypatch=monkeypatch)
    assert result.exit_code == 0, result.output
    assert_escaped(result.stdout, coloured=tty)
    assert_escaped(result.stderr + "\\x1b]8;;\\u202e")
    if tty:
        assert "\x1b[32m" in result.stdout  # espctl's own colours still work


def test_apply_shows_provider_text_escaped(hostile: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    result = run(
        "apply", "-c", str(hostile), "--auto-approve", "--force", tty=True, monkeypatch=monkeypatch
    )
    assert result.exit_code == 0, result.output
    assert_escaped(result.stdout, coloured=True)
    assert RAW_CONTROL.findall(result.stderr) == []


def test_import_output_is_escaped_and_still_reads_back_exactly(hostile: Path) -> None:
    result = run("import", "-c", str(hostile), "--provider", "postmark")
    assert result.exit_code == 0, result.output
    assert RAW_CONTROL.findall(result.stdout + result.stderr) == []
    data = yaml.safe_load(result.stdout)
    streams = data["providers"]["postmark"]["message_streams"]
    assert streams["legacy-alerts"]["name"] == f"legacy {HOSTILE}"  # the escapes are YAML's
    # the description holds HTML, which Postmark refuses: left out, with a warning
    assert "description" not in streams["outbound"]
    assert "description" in result.stderr and "\\u202e" in result.stderr
    # the header with a line break cannot be declared: that webhook stays unmanaged
    assert "not imported: the value of 'X-Note' contains a line break" in result.stderr


@pytest.mark.parametrize("tty", [True, False], ids=["terminal", "piped"])
def test_connection_test_shows_provider_text_escaped(
    hostile: Path, tty: bool, monkeypatch: pytest.MonkeyPatch
) -> None:
    result = run("test", "-c", str(hostile), tty=tty, monkeypatch=monkeypatch)
    assert "server token" in result.stdout
    assert_escaped(result.stdout)


def test_markdown_plan_keeps_provider_text_inert(hostile: Path) -> None:
    result = run("plan", "-c", str(hostile), "--format", "markdown")
    assert result.exit_code == 0, result.output
    parsed = assert_inert(result.stdout)
    shown = parsed.code_text()
    assert "https://evil.example/" in shown and "@octocat" in shown  # shown, as code
    assert "\\u202e" in shown


def test_saved_plan_json_escapes_everything(hostile: Path) -> None:
    result = run("plan", "-c", str(hostile), "--format", "json", "--out", "plans/p.json")
    assert result.exit_code == 0
    for text in (result.stdout, Path("plans/p.json").read_text()):
        assert RAW_CONTROL.findall(text) == []
        assert json.loads(text)["format"] == "espctl-plan/1"


# -- error messages ------------------------------------------------------------------------
@pytest.fixture
def hostile_api() -> Iterator[str]:
    """A server that answers every request 422 with a hostile Postmark-style error body."""
    body = json.dumps({"ErrorCode": 10, "Message": f"Invalid request {HOSTILE}"}).encode()

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(422)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, format: str, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


@pytest.mark.parametrize("command", ["plan", "test"])
def test_provider_error_messages_are_escaped(
    tmp_path: Path, hostile_api: str, command: str
) -> None:
    config = tmp_path / "espctl.yaml"
    config.write_text(
        "version: 1\nproviders:\n  postmark:\n    type: postmark\n"
        f"    server_token: ${{env:POSTMARK_SERVER_TOKEN}}\n    endpoint: {hostile_api}\n"
    )
    result = run(command, "-c", str(config))
    assert result.exit_code == 1
    assert "GET /server: HTTP 422" in result.output
    assert_escaped(result.stdout + result.stderr)


def test_route_output_is_escaped(tmp_path: Path) -> None:
    config = tmp_path / "espctl.yaml"
    config.write_text(
        "version: 1\nproviders:\n  postmark:\n    type: postmark\n"
        "    server_token: ${env:T}\n    message_streams:\n"
        "      outbound: {type: transactional, name: T}\n"
        'routing:\n  rules:\n    - name: "a\\e]8;;https://evil.example\\a\\u202e"\n'
        "      email_types: [reset]\n      to: postmark/outbound\n"
    )
    result = run("route", "reset", "-c", str(config))
    assert result.exit_code == 0, result.output
    assert RAW_CONTROL.findall(result.stdout) == []
    assert "rule a\\x1b]8;;https://evil.example\\x07\\u202e" in result.stdout
