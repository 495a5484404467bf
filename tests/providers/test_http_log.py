"""The HTTP request log (``-v/--verbose``, ``ESPCTL_LOG=debug``): one line per attempt
with method, path, outcome, seconds, retries and waits, and never a credential."""

from __future__ import annotations

import logging
import re
from pathlib import Path

import httpx
import pytest
import respx
from click.testing import CliRunner

from espctl.cli import main
from espctl.errors import add_sensitive, sensitive_scope
from espctl.providers.kit.http import HttpClient, HttpOptions
from tests.conftest import QUICKSTART
from tests.providers.helpers import Sleeps, run

BASE = "https://api.example-esp.com"
TOKEN = "canary-token-log-7c1d"
SECRET_ID = "canary-stream-log-7c1d"


def logged(caplog: pytest.LogCaptureFixture) -> list[str]:
    """The log lines with the durations (which vary) replaced by a fixed mark."""
    return [
        re.sub(r"\(\d+ms", "(Nms", record.getMessage())
        for record in caplog.records
        if record.name == "espctl.http"
    ]


@respx.mock
def test_each_attempt_is_logged_with_its_retry_and_wait(caplog: pytest.LogCaptureFixture) -> None:
    respx.get(f"{BASE}/things").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(503),
            httpx.Response(200, json={"ok": True}),
        ]
    )
    http = HttpClient(
        "esp",
        BASE,
        headers={"X-Token": TOKEN},
        options=HttpOptions(backoff_base=0.25, backoff_cap=0.25, max_attempts=3),
        sleep=Sleeps(),
    )
    caplog.set_level(logging.DEBUG, logger="espctl.http")
    run(http.get_json("/things?api_key=" + TOKEN))
    lines = logged(caplog)
    assert lines[0] == "esp GET /things -> 429 (Nms); retrying in 7.00s (as the provider asks)"
    assert re.fullmatch(
        r"esp GET /things -> 503 \(Nms, attempt 2\); retrying in 0\.\d\ds \(backoff\)", lines[1]
    )
    assert lines[2] == "esp GET /things -> 200 (Nms, attempt 3)"
    assert len(lines) == 3
    assert all(TOKEN not in line for line in lines)  # no query string, no header


@respx.mock
def test_failures_are_logged_and_sensitive_path_parts_are_masked(
    caplog: pytest.LogCaptureFixture,
) -> None:
    respx.post(f"{BASE}/streams/{SECRET_ID}/archive").mock(side_effect=httpx.ConnectError("x"))
    http = HttpClient("esp", BASE, options=HttpOptions(max_attempts=2), sleep=Sleeps())
    caplog.set_level(logging.DEBUG, logger="espctl.http")
    with sensitive_scope():
        add_sensitive([SECRET_ID])
        with pytest.raises(Exception, match="connection failed"):
            run(http.request("POST", f"/streams/{SECRET_ID}/archive"))
        lines = logged(caplog)
    # a POST is not repeated blindly: one attempt, logged with its failure
    assert lines == [
        "esp POST /streams/(sensitive)/archive -> connection failed (ConnectError) (Nms)"
    ]


def test_nothing_is_logged_unless_asked(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI turns the log on per command and off again: a later plain run is silent."""
    monkeypatch.chdir(tmp_path)
    runner = CliRunner()
    config = ["-c", str(QUICKSTART)]
    verbose = runner.invoke(main, ["plan", "--sandbox", "-v", *config])
    assert verbose.exit_code == 0, verbose.output
    lines = [line for line in verbose.stderr.splitlines() if line.startswith("http: ")]
    assert "http: postmark GET /server -> 200" in verbose.stderr
    assert "http: mailgun GET /v4/domains -> 200" in verbose.stderr
    assert len(lines) >= 10
    before = runner.invoke(main, ["-v", "plan", "--sandbox", *config])
    assert before.exit_code == 0 and "http: postmark GET /server" in before.stderr
    quiet = runner.invoke(main, ["plan", "--sandbox", *config])
    assert quiet.exit_code == 0
    assert "http:" not in quiet.stderr
    assert quiet.stdout == verbose.stdout  # the log never touches the result
    env = runner.invoke(main, ["plan", "--sandbox", *config], env={"ESPCTL_LOG": "Debug"})
    assert "http: postmark GET /server -> 200" in env.stderr
    odd = runner.invoke(main, ["plan", "--sandbox", *config], env={"ESPCTL_LOG": "loud"})
    assert odd.exit_code == 0
    assert (
        "warning: ESPCTL_LOG='loud' is not one of debug, info, warning, error, off; ignored"
        in odd.stderr
    )
    assert "http:" not in odd.stderr
