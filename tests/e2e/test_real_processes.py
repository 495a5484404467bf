"""The real programs: `espctl sandbox serve` in one process, the espctl CLI in others."""

from __future__ import annotations

import signal
from pathlib import Path

from tests.e2e.conftest import assert_no_canary, endpoint_config
from tests.e2e.processes import espctl, start_serve, stop


def test_sigterm_is_a_clean_stop_even_when_sigint_is_ignored() -> None:
    proc, _ = start_serve(sigint=signal.SIG_IGN)  # as `espctl sandbox serve &` in a script
    assert stop(proc, signal.SIGTERM) == 0
    assert proc.stdout is not None
    assert "stopping" in proc.stdout.read()


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
