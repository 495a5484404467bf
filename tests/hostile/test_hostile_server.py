"""Every command against a hostile server ends, in bounded memory, with a clear error.

The CLI runs as real subprocesses (``plan``, ``apply``, ``import``, ``test --webhooks``,
``report``, all five at once per mode) against :mod:`tests.hostile.server` on
127.0.0.1 with small limits set through the environment, as a user would. Each must:
end (the subprocess timeout is only a guard: without the limits, the trickle and
paging modes never end); stay under a memory ceiling (peak RSS, read from
``/proc/self/status`` as the process exits, less than 200 MB above a benign run's);
say what went wrong in one line per provider naming the endpoint; never show a
traceback; and, for apply, send no write. The baseline is the CLI with all its modules
imported (``espctl --version``).
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from espctl.sandbox import SandboxApp, SandboxCredentials, seed_account
from tests.conftest import REPO
from tests.hostile.server import MODES, RECEIVER, HostileServer, Mode, hostile_server

CANARY = "canary-5ecret-hostile"
CREDENTIALS = SandboxCredentials(
    {
        "postmark": {"server_token": f"{CANARY}-pm", "account_token": f"{CANARY}-pma"},
        "mailgun": {"api_key": f"{CANARY}-mg"},
    }
)
MEMORY_CEILING_KB = 200 * 1024
GUARD_SECONDS = 90  # never reached when the limits work
LIMITS = {
    "ESPCTL_MAX_RESPONSE_MB": "2",
    "ESPCTL_MAX_LISTING_ITEMS": "5000",
    "ESPCTL_REQUEST_TIMEOUT": "1",
    "ESPCTL_COMMAND_TIMEOUT": "3",
}
# Only the trickle mode is about time: the others run with time to spare, so that what
# stops them is the limit under test (size, paging, shape), however loaded the machine.
UNHURRIED = {**LIMITS, "ESPCTL_REQUEST_TIMEOUT": "20", "ESPCTL_COMMAND_TIMEOUT": "60"}

# Runs the CLI and, as the process exits, writes its peak RSS (VmHWM, kB) to a file.
WRAPPER = """
import atexit, os, sys

def _peak():
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmHWM:"):
                with open(os.environ["ESPCTL_TEST_PEAK_FILE"], "w") as out:
                    out.write(line.split()[1])

atexit.register(_peak)
from espctl.cli import main
sys.argv[0] = "espctl"
main()
"""


def commands(limits: dict[str, str]) -> dict[str, list[str]]:
    """The five commands; ``test`` takes its request and receiver timeouts as options."""
    timeout = limits["ESPCTL_REQUEST_TIMEOUT"]
    return {
        "plan": ["plan"],
        "apply": ["apply", "--auto-approve"],
        "import": ["import", "--provider", "postmark", "--provider", "mailgun"],
        "test": [
            "test",
            "--webhooks",
            "--allow-private-receivers",  # the hostile receiver is on 127.0.0.1
            "--timeout",
            timeout,
            "--webhook-timeout",
            timeout,
        ],
        "report": ["report", "--since", "7d", "--out", "report.html"],
    }


def config_text(base: str) -> str:
    return f"""\
version: 1
providers:
  postmark:
    type: postmark
    server_token: ${{env:POSTMARK_SERVER_TOKEN}}
    account_token: ${{env:POSTMARK_ACCOUNT_TOKEN}}
    endpoint: {base}
    default_sender: "Acme <noreply@acme-mail.com>"
    message_streams:
      outbound: {{type: transactional, name: Transactional}}
  mailgun:
    type: mailgun
    api_key: ${{env:MAILGUN_API_KEY}}
    region: eu
    endpoint: {base}/eu
    domains:
      mg.acme-mail.com: {{}}
webhooks:
  collector:
    url: {base}{RECEIVER}
    events: [delivered, bounced]
    targets: [postmark/outbound, mailgun/mg.acme-mail.com]
"""


@dataclass
class Run:
    command: str
    returncode: int
    stdout: str
    stderr: str
    peak_kb: int


def run_all(server: HostileServer, tmp: Path, limits: dict[str, str]) -> dict[str, Run]:
    """Every command at once against ``server``; each in its own folder."""
    base = f"http://127.0.0.1:{server.server_port}"
    env = {
        **os.environ,
        **limits,
        "POSTMARK_SERVER_TOKEN": CREDENTIALS.get("postmark", "server_token"),
        "POSTMARK_ACCOUNT_TOKEN": CREDENTIALS.get("postmark", "account_token"),
        "MAILGUN_API_KEY": CREDENTIALS.get("mailgun", "api_key"),
        "NO_COLOR": "1",
        "PYTHONPATH": str(REPO),
    }
    env.pop("ESPCTL_DEBUG", None)
    started: dict[str, tuple[subprocess.Popen[str], Path]] = {}
    for name, args in commands(limits).items():
        folder = tmp / name
        folder.mkdir()
        (folder / "espctl.yaml").write_text(config_text(base))
        peak = folder / "peak"
        started[name] = (
            subprocess.Popen(
                [sys.executable, "-c", WRAPPER, *args, "-c", "espctl.yaml"],
                cwd=folder,
                env={**env, "ESPCTL_TEST_PEAK_FILE": str(peak)},
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                text=True,
            ),
            peak,
        )
    runs: dict[str, Run] = {}
    for name, (proc, peak) in started.items():
        try:
            out, err = proc.communicate(timeout=GUARD_SECONDS)
        except subprocess.TimeoutExpired:
            for other, _ in started.values():
                other.kill()
            pytest.fail(f"`espctl {name}` did not end within {GUARD_SECONDS}s")
        runs[name] = Run(name, proc.returncode, out, err, int(peak.read_text()))
    return runs


@pytest.fixture(scope="module")
def baseline_kb(tmp_path_factory: pytest.TempPathFactory) -> int:
    """The peak RSS of the CLI with everything imported (``espctl --version``)."""
    peak = tmp_path_factory.mktemp("baseline") / "peak"
    subprocess.run(
        [sys.executable, "-c", WRAPPER, "--version"],
        env={**os.environ, "PYTHONPATH": str(REPO), "ESPCTL_TEST_PEAK_FILE": str(peak)},
        check=True,
        capture_output=True,
        timeout=GUARD_SECONDS,
    )
    return int(peak.read_text())


@pytest.fixture(params=MODES)
def attacked(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[tuple[Mode, dict[str, Run], HostileServer]]:
    mode: Mode = request.param
    app = SandboxApp(seed_account(seed=0), credentials=CREDENTIALS)
    with hostile_server(mode, app) as server:
        runs = run_all(server, tmp_path, LIMITS if mode == "trickle" else UNHURRIED)
        yield mode, runs, server


# what each mode's failure says, in the line of each provider it stopped
EXPECTED: dict[Mode, tuple[str, ...]] = {
    "huge": ("response body over the 2 MiB cap",),
    "paging": ("listing stopped: more than",),
    "trickle": ("no complete answer within 1s", "the command's time limit of 3s ran out"),
    "wrong_shape": ("unexpected response",),
    "error_body": ("the body reads like an error",),
}


def test_each_command_ends_bounded_with_a_clear_error(
    attacked: tuple[Mode, dict[str, Run], HostileServer], baseline_kb: int
) -> None:
    mode, runs, server = attacked
    for name, run in runs.items():
        where = f"`espctl {name}` against {mode}"
        assert "Traceback" not in run.stderr, f"{where}:\n{run.stderr}"
        assert "internal error" not in run.stderr, f"{where}:\n{run.stderr}"
        assert CANARY not in run.stdout + run.stderr, where
        growth = run.peak_kb - baseline_kb
        assert growth < MEMORY_CEILING_KB, f"{where}: peak RSS {growth // 1024} MB over baseline"
        if name == "test":
            assert run.returncode == 1, f"{where}: {run.stdout}{run.stderr}"
            failed = [line for line in run.stdout.splitlines() if line.startswith("FAIL ")]
            assert failed, f"{where}: {run.stdout}"
            continue
        if name == "report":
            # what cannot be read is shown as failed (or the provider as partial); the
            # report is still written
            assert run.returncode == 0, f"{where}: {run.stderr}"
            assert "failed:" in run.stdout or "partial:" in run.stdout, f"{where}: {run.stdout}"
            lines = [line for line in run.stderr.splitlines() if line.startswith("warning: ")]
        else:
            assert run.returncode == 1, f"{where}: {run.stdout}{run.stderr}"
            lines = [line for line in run.stderr.splitlines() if line.startswith("error: ")]
        assert lines, f"{where}: no error line:\n{run.stderr}"
        assert any(any(e in line for e in EXPECTED[mode]) for line in lines), f"{where}: {lines}"
        for line in lines:
            # one line per provider, naming it (and, unless time ran out, the endpoint)
            assert line.split(": ", 2)[1] in ("postmark", "mailgun"), f"{where}: {line}"
    assert server.seen.writes() == [], f"{mode}: apply wrote to the account"
    if mode == "huge":
        # every answer was cut off near the 2 MiB cap (64 KiB for the receiver), plus
        # what the socket buffers took in before the client hung up
        sent = server.seen.sent_by(len(server.seen.requests))
        assert sent and max(sent) < 16 * 1024 * 1024
