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


@pytest.fixture
def server() -> Iterator[str]:
    """`espctl sandbox serve --port 0`, its base URL read from what it prints."""
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
    )
    assert proc.stdout is not None
    base = None
    for _ in range(40):
        line = proc.stdout.readline()
        found = re.search(r"http://127\.0\.0\.1:\d+", line)
        if found:
            base = found.group(0)
            break
    if base is None:
        proc.kill()
        pytest.fail("espctl sandbox serve printed no base URL")
    try:
        yield base
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            assert proc.wait(timeout=10) == 0  # Ctrl-C is a clean stop
        finally:
            if proc.poll() is None:
                proc.kill()


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
    first = espctl(tmp_path, "plan", "--detailed-exitcode", "--out", "p.json")
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
