"""A bug never shows a traceback unless asked; Ctrl-C exits 130."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from espctl import api
from espctl.cli import main


def test_unexpected_exception_is_one_line(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(path: str) -> None:
        raise RuntimeError("boom at https://user:hunter2@example.com/x")

    monkeypatch.setattr(api, "validate", broken)
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 1
    assert result.stderr.startswith(
        "internal error (a bug in espctl, please report it): "
        "RuntimeError: boom at https://user:***@example.com/x"
    )
    assert "hunter2" not in result.output
    assert "Traceback" not in result.output


def test_debug_shows_the_traceback(monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(path: str) -> None:
        raise RuntimeError("boom")

    monkeypatch.setattr(api, "validate", broken)
    result = CliRunner(env={"ESPCTL_DEBUG": "1"}).invoke(main, ["validate"])
    assert isinstance(result.exception, RuntimeError)


def test_interrupt_exits_130(monkeypatch: pytest.MonkeyPatch) -> None:
    def interrupted(path: str) -> None:
        raise KeyboardInterrupt

    monkeypatch.setattr(api, "validate", interrupted)
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 130
    assert "interrupted" in result.stderr


def test_usage_errors_raised_inside_a_command_still_exit_2() -> None:
    result = CliRunner().invoke(main, ["report", "--sandbox", "--since", "nope"])
    assert result.exit_code == 2
    assert "Invalid value for --since" in result.output
    assert "internal error" not in result.output
