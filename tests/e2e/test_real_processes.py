"""The real programs: `espctl sandbox serve` in one process, the espctl CLI in others."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.e2e.conftest import assert_no_canary, endpoint_config

CANARY_HOOK = "canary-5ecret-hook-pw"


def start_serve(sigint: signal.Handlers = signal.SIG_DFL) -> tuple[subprocess.Popen[str], str]:
    """`espctl sandbox serve --port 0` and its base URL, read from what it prints.

    The child's SIGINT disposition is set explicitly: a test run started from a shell
    without job control (``pytest &``, some CI wrappers) ignores SIGINT, and children
    inherit that, so Ctrl-C would otherwise never reach the server.
    """
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "espctl",
            "sandbox",
            "serve",
            "--port",
            "0",
            "--mailgun-api-key",
            "canary-5ecret-mg",
            "--postmark-server-token",
            "canary-5ecret-pm",
            "--postmark-account-token",
            "canary-5ecret-pma",
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, sigint),  # noqa: PLW1509
    )
    assert proc.stdout is not None
    for _ in range(40):
        line = proc.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        if found:
            return proc, found.group(0)
    proc.kill()
    pytest.fail("espctl sandbox serve printed no base URL")


def stop(proc: subprocess.Popen[str], signum: int) -> int:
    proc.send_signal(signum)
    try:
        return proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()


@pytest.fixture
def server() -> Iterator[str]:
    proc, base = start_serve()
    try:
        yield base
    finally:
        assert stop(proc, signal.SIGINT) == 0  # Ctrl-C is a clean stop


def test_sigterm_is_a_clean_stop_even_when_sigint_is_ignored() -> None:
    proc, _ = start_serve(sigint=signal.SIG_IGN)  # as `espctl sandbox serve &` in a script
    assert stop(proc, signal.SIGTERM) == 0
    assert proc.stdout is not None
    assert "stopping" in proc.stdout.read()


def espctl(tmp: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {
        **os.environ,
        "POSTMARK_SERVER_TOKEN": "canary-5ecret-pm",
        "POSTMARK_ACCOUNT_TOKEN": "canary-5ecret-pma",
        "MAILGUN_API_KEY": "canary-5ecret-mg",
        "HOOK_PASSWORD": CANARY_HOOK,
        "NO_COLOR": "1",
    }
    return subprocess.run(
        [sys.executable, "-m", "espctl", *args],
        check=False,
        cwd=tmp,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_plan_apply_plan_across_processes(server: str, tmp_path: Path) -> None:
    (tmp_path / "espctl.yaml").write_text(endpoint_config(server))
    first = espctl(tmp_path, "plan", "--detailed-exitcode", "--out", "plans/p.json")
    assert first.returncode == 2, first.stderr
    assert "Plan: 5 to create, 12 to update, 0 to delete, 4 unchanged." in first.stdout
    applied = espctl(tmp_path, "apply", "plans/p.json", "--force")
    assert applied.returncode == 0, applied.stderr
    assert "Apply: 17 applied, 0 failed, 0 skipped." in applied.stdout
    second = espctl(tmp_path, "plan", "--detailed-exitcode")
    assert second.returncode == 0, second.stdout + second.stderr
    assert_no_canary(
        first.stdout,
        first.stderr,
        applied.stdout,
        applied.stderr,
        second.stdout,
        second.stderr,
        (tmp_path / "plans/p.json").read_text(),
    )
