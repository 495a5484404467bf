"""The real programs as subprocesses: `espctl sandbox serve` and the espctl CLI."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
from pathlib import Path

import pytest

CANARY_HOOK = "canary-5ecret-hook-pw"
#: the credentials `start_serve` makes the server accept, and `espctl` passes
SERVE_CREDENTIALS = (
    "--mailgun-api-key",
    "canary-5ecret-mg",
    "--sendgrid-api-key",
    "canary-5ecret-sg",
    "--postmark-server-token",
    "canary-5ecret-pm",
    "--postmark-account-token",
    "canary-5ecret-pma",
    "--ses-access-key-id",
    "canary-5ecret-aws-key-id",
    "--ses-secret-access-key",
    "canary-5ecret-aws-secret",
)


def start_serve(
    *extra: str,
    sigint: signal.Handlers = signal.SIG_DFL,
    cwd: Path | None = None,
    seen: list[str] | None = None,
) -> tuple[subprocess.Popen[str], str]:
    """`espctl sandbox serve --port 0` and its base URL, read from what it prints (the
    lines read up to it are added to ``seen``).

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
            *SERVE_CREDENTIALS,
            *extra,
        ],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, sigint),  # noqa: PLW1509
    )
    assert proc.stdout is not None
    for _ in range(40):
        line = proc.stdout.readline()
        if seen is not None:
            seen.append(line)
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


def espctl(
    tmp: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """The espctl CLI in ``tmp`` with the served credentials (plus ``env``)."""
    full = {
        **os.environ,
        "POSTMARK_SERVER_TOKEN": "canary-5ecret-pm",
        "POSTMARK_ACCOUNT_TOKEN": "canary-5ecret-pma",
        "MAILGUN_API_KEY": "canary-5ecret-mg",
        "SENDGRID_API_KEY": "canary-5ecret-sg",
        "SES_ACCESS_KEY_ID": "canary-5ecret-aws-key-id",
        "SES_SECRET_ACCESS_KEY": "canary-5ecret-aws-secret",
        "HOOK_PASSWORD": CANARY_HOOK,
        "NO_COLOR": "1",
        **(env or {}),
    }
    return subprocess.run(
        [sys.executable, "-m", "espctl", *args],
        check=False,
        cwd=tmp,
        env=full,
        capture_output=True,
        text=True,
        timeout=120,
    )
