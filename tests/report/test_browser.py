"""The rendered report in headless Chromium: no requests, no console errors, a screenshot."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from espctl.report.render import render_report
from espctl.report.sample import sample_report_data

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"
    ),
]


def test_report_loads_offline_without_errors(tmp_path: Path) -> None:
    from tests.report.cdp import Chromium, load_and_screenshot

    assert CHROMIUM is not None
    page = tmp_path / "report.html"
    page.write_text(render_report(sample_report_data()), encoding="utf-8")
    shot = tmp_path / "report.png"
    with Chromium(CHROMIUM, tmp_path / "profile") as chrome:
        run = load_and_screenshot(chrome, page.as_uri(), shot)
    # The only request is the file itself: no fonts, images, scripts or styles fetched.
    assert run.requests == [page.as_uri()]
    assert run.console == []
    assert run.exceptions == []
    errors = [e for e in run.log if e.get("level") in ("error", "warning")]
    assert errors == []  # a CSP violation would be logged here
    assert shot.stat().st_size > 10_000
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = run.size
    assert width <= 1280  # nothing overflows the viewport horizontally
    assert height > 2000
    print(f"screenshot: {shot} ({width}x{height})")
