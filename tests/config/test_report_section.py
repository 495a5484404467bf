"""The `report:` section: window, thresholds, their checks, and the report using them."""

from __future__ import annotations

from pathlib import Path

from espctl.config import load_config
from espctl.report.collect import build_report_data
from espctl.report.data import utc
from espctl.report.render import render_report
from tests.config.test_rules import BASE, ENV, check
from tests.conftest import find

REPORT = """\
report:
  window: 12w
  thresholds:
    complaint: {warning: 0.05, critical: 0.2}
    delivery: {warning: 99, critical: 97}
"""


def test_report_section_is_valid_and_typed(tmp_path: Path) -> None:
    assert check(tmp_path, REPORT) == []
    (tmp_path / "espctl.yaml").write_text(BASE + REPORT)
    config = load_config(tmp_path / "espctl.yaml", env=ENV).config
    assert config.report.window == "12w"
    assert config.report.thresholds.complaint.warning == 0.05
    assert config.report.thresholds.hard_bounce.critical == 5  # omitted: the default


def test_report_keys_did_you_mean(tmp_path: Path) -> None:
    p = find(check(tmp_path, "report: {widow: 30d}\n"), "unknown key")
    assert p.message == "unknown key 'widow' (did you mean 'window'?)"
    assert (p.line, p.column, p.path) == (14, 10, "report.widow")
    p = find(
        check(tmp_path, "report:\n  thresholds: {complaints: {warning: 1, critical: 2}}\n"),
        "unknown",
    )
    assert p.message == "unknown key 'complaints' (did you mean 'complaint'?)"


def test_report_window_and_numbers_are_checked(tmp_path: Path) -> None:
    p = find(check(tmp_path, "report: {window: 30 days}\n"), "pattern")
    assert p.path == "report.window"
    problems = check(
        tmp_path, "report:\n  thresholds:\n    complaint: {warning: 0, critical: 0.3}\n"
    )
    assert find(problems, "must be a number above 0").path == "report.thresholds.complaint.warning"
    problems = check(tmp_path, "report:\n  thresholds:\n    complaint: {warning: 0.3}\n")
    missing = find(problems, "critical")
    assert missing.message == "missing required key 'critical'"
    assert missing.path == "report.thresholds.complaint.critical"


def test_threshold_lines_must_be_in_order(tmp_path: Path) -> None:
    problems = check(
        tmp_path,
        "report:\n  thresholds:\n    delivery: {warning: 95, critical: 98}\n"
        "    hard_bounce: {warning: 5, critical: 2}\n",
    )
    delivery = find(problems, "delivery warning line")
    assert delivery.message == (
        "the delivery warning line (95) must be above the critical line (98): delivery gets "
        "worse as it falls"
    )
    assert (delivery.path, delivery.line) == ("report.thresholds.delivery.warning", 16)
    bounce = find(problems, "hard_bounce warning line")
    assert "must be below the critical line (2)" in bounce.message


def test_the_report_uses_and_prints_the_configured_thresholds(tmp_path: Path) -> None:
    (tmp_path / "espctl.yaml").write_text(BASE + REPORT)
    config = load_config(tmp_path / "espctl.yaml", env=ENV).config
    data = build_report_data(
        config=config,
        config_path="espctl.yaml",
        config_digest="x",
        providers=[],
        plan=None,
        window=(utc(2024, 5, 1).date(), utc(2024, 5, 8).date()),
        generated_at=utc(2024, 5, 8),
        version="0",
    )
    assert data.thresholds["complaint"].lines() == (0.0005, 0.002)
    assert data.thresholds["delivery"].higher_is_better
    html = render_report(data)
    method = html.split('id="methodology"', 1)[1]
    assert "Spam complaint rate: warning from 0.05%, critical from 0.2%" in method
    assert "Delivery rate: warning below 99%, critical below 97%" in method
    assert "Hard bounce rate: warning from 2%, critical from 5%" in method
