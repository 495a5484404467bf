"""Two applies of one config from one machine run one at a time (a local advisory lock)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from click.testing import CliRunner

from espctl import api
from espctl.cli import main
from espctl.errors import ApplyRefused
from espctl.session import apply_lock
from tests.conftest import QUICKSTART


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    path = tmp_path / "espctl.yaml"
    path.write_text(QUICKSTART.read_text().replace("../schemas/", ""))
    return path


def options(config: Path, notes: list[str]) -> api.RunOptions:
    return api.RunOptions(
        config=str(config),
        sandbox=True,
        sandbox_state=str(config.parent / "state.json"),
        env={"HOOK_PASSWORD": "pw"},
        notify=notes.append,
    )


def test_an_apply_that_cannot_take_the_lock_changes_nothing(config: Path) -> None:
    with apply_lock(str(config), print, 0):  # another apply of this config is running
        result = CliRunner().invoke(
            main,
            ["apply", "--sandbox", "--auto-approve", "--force", "--lock-timeout", "0"],
            env={"HOOK_PASSWORD": "pw"},
        )
    assert result.exit_code == 1
    assert "error: another espctl apply of espctl.yaml is running (pid " in result.stderr
    assert "nothing was applied" in result.stderr
    assert not (config.parent / ".espctl" / "sandbox.json").exists()  # not even read
    assert (config.parent / ".espctl" / "espctl.yaml.apply.lock").exists()


def test_a_second_apply_waits_for_the_first_and_then_sees_its_work(config: Path) -> None:
    notes: list[str] = []
    holding = threading.Event()
    waiting = threading.Event()
    first: list[api.ApplyOutcome] = []

    def confirm(plan: object) -> bool:  # the first apply, paused inside its lock
        holding.set()
        return waiting.wait(timeout=30)

    def first_apply() -> None:
        first.append(api.apply(options(config, []), force=True, confirm=confirm))

    def note(message: str) -> None:
        notes.append(message)
        if message.startswith("waiting for another espctl apply"):
            waiting.set()

    thread = threading.Thread(target=first_apply)
    thread.start()
    assert holding.wait(timeout=30)
    run = options(config, notes)
    run.notify = note
    outcome = api.apply(run, force=True, confirm=lambda _: True, lock_timeout=60)
    thread.join(timeout=60)
    assert any("waiting for another espctl apply of" in n and "pid " in n for n in notes)
    assert first[0].result is not None and first[0].result.exit_code == 0
    assert outcome.result is None  # re-planned after the first: nothing left to do


def test_lock_is_per_config_file(config: Path) -> None:
    other = config.with_name("other.yaml")
    other.write_text(config.read_text())
    with apply_lock(str(config), print, 0), apply_lock(str(other), print, 0):
        pass  # two configs: two locks, no waiting
    with (
        apply_lock(str(config), print, 0),
        pytest.raises(ApplyRefused),
        apply_lock(str(config), print, 0),
    ):
        pass
