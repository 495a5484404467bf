"""The rendered report in headless Chromium, driven over the DevTools protocol.

At 390, 768 and 1280 px wide, with every ``<details>`` opened, and once more as a
printed A4 page: no text box overlaps another (or a card, chart or table it is not
part of), no page-level horizontal scroll, every chart text at least 11 px as
rendered, no clipped table in print, no network request but the file itself, no
console message, no script error.

Three documents: the hand-built sample (a partial provider, failed checks, a webhook
firing twice), the same with a failed provider and a window mostly without data
(gaps), and a report the CLI's code path writes from the sandbox.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from datetime import date, timedelta
from pathlib import Path

import pytest

from espctl.report.data import (
    Counters,
    Coverage,
    DailyCounts,
    ProviderReport,
    ReportData,
    StreamSeries,
    utc,
)
from espctl.report.render import render_report
from tests.conftest import QUICKSTART
from tests.report.sample_data import mailgun_provider, postmark_provider, sample_report_data

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
WIDTHS = (390, 768, 1280)
#: A4 (210 mm) minus the 12 mm print margins on both sides, at 96 CSS px per inch
PRINT_WIDTH = round((210 - 2 * 12) / 25.4 * 96)

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        CHROMIUM is None, reason="chromium is not installed (apt-get install chromium)"
    ),
]


def _gaps_and_failure() -> ReportData:
    """A 30-day window over 7 days of data, and a provider that could not be read."""
    start = date(2024, 4, 8)
    pm = postmark_provider()
    by_day = {d.day: d for d in pm.daily}
    daily = tuple(
        by_day.get(
            start + timedelta(days=i), DailyCounts(start + timedelta(days=i), Counters(), False)
        )
        for i in range(30)
    )
    pm = replace(
        pm,
        daily=daily,
        streams=(StreamSeries("outbound", daily),),
        coverage=Coverage(30, 7, date(2024, 5, 1), date(2024, 5, 7)),
        previous=None,
    )
    down = ProviderReport(
        id="mailgun-eu",
        type="mailgun",
        status="failed",
        status_message="settings not read: GET /v4/domains: HTTP 401: Forbidden",
    )
    return sample_report_data(
        window_start=utc(2024, 4, 8),
        providers=(pm, down, mailgun_provider()),
        notices=(
            "postmark reported data for 7 of 30 days (2024-05-01 to 2024-05-07); the other 23 "
            "days are gaps, not zeros, and count in no total.",
        ),
        previous_window=None,
    )


@pytest.fixture(scope="module")
def documents(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    from espctl import api
    from espctl.sandbox import save_state, seed_account

    folder = tmp_path_factory.mktemp("browser")
    docs = {
        "sample": render_report(sample_report_data()),
        "gaps-and-failure": render_report(_gaps_and_failure()),
    }
    config = folder / "espctl.yaml"
    config.write_text(QUICKSTART.read_text())
    account = seed_account()
    save_state(folder / "sandbox.json", account)
    end = account.now.date()
    result = api.report(
        api.RunOptions(
            config=str(config), sandbox=True, sandbox_state=str(folder / "sandbox.json"), env={}
        ),
        start=end - timedelta(days=30),
        end=end,
        out=str(folder / "sandbox.html"),
    )
    paths = {"sandbox": result.path}
    for name, html in docs.items():
        paths[name] = folder / f"{name}.html"
        paths[name].write_text(html, encoding="utf-8")
    return paths


@pytest.fixture(scope="module")
def page(tmp_path_factory: pytest.TempPathFactory):  # type: ignore[no-untyped-def]
    from tests.report.cdp import Chromium, Page

    assert CHROMIUM is not None
    with Chromium(CHROMIUM, tmp_path_factory.mktemp("profile")) as chrome:
        tab = Page(chrome)
        yield tab
        tab.close()


def _assert_clean(run, url: str) -> None:  # type: ignore[no-untyped-def]
    # The only request is the file itself: no fonts, images, scripts or styles fetched.
    assert run.requests == [url]
    assert run.console == []
    assert run.exceptions == []
    assert run.log == []  # a CSP violation, a failed load or a deprecation would be here


@pytest.mark.parametrize("name", ["sample", "gaps-and-failure", "sandbox"])
@pytest.mark.parametrize("width", WIDTHS)
def test_layout_at_every_width(page, documents: dict[str, Path], name: str, width: int) -> None:  # type: ignore[no-untyped-def]
    from tests.report.layout import CHECK

    url = documents[name].as_uri()
    run = page.load(url, width)
    found = page.evaluate(CHECK)
    _assert_clean(run, url)
    assert found["open_details"] == found["details"] > 0
    assert found["text_boxes"] > 500 and found["chart_texts"] > 20  # it measured something
    scroll_width, viewport = found["overflow"]
    assert scroll_width <= viewport, f"page scrolls sideways: {scroll_width} > {viewport}"
    assert found["overlaps"] == []
    assert found["small_chart_text"] == []
    assert found["clipped_tables"] == []


@pytest.mark.parametrize("name", ["sample", "gaps-and-failure", "sandbox"])
def test_print_layout_fits_a4(page, documents: dict[str, Path], name: str) -> None:  # type: ignore[no-untyped-def]
    from tests.report.layout import CHECK

    url = documents[name].as_uri()
    run = page.load(url, PRINT_WIDTH, media="print")
    # closed <details> print their content (checked before anything opens them)
    hidden = page.evaluate(
        "Array.from(document.querySelectorAll('details:not([open]) > :not(summary)'))"
        ".filter(e => !e.checkVisibility()).length"
    )
    closed = page.evaluate("document.querySelectorAll('details:not([open])').length")
    assert closed > 0 and hidden == 0
    found = page.evaluate(CHECK)
    _assert_clean(run, url)
    scroll_width, viewport = found["overflow"]
    assert scroll_width <= viewport
    assert found["clipped_tables"] == []  # nothing scrolls on paper: nothing may be cut
    assert found["overlaps"] == []


def test_screenshot_is_a_png_of_the_whole_page(
    page, documents: dict[str, Path], tmp_path: Path
) -> None:  # type: ignore[no-untyped-def]
    page.load(documents["sample"].as_uri(), 1280)
    shot = page.screenshot(tmp_path / "report.png")
    width, height = page.content_size()
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and shot.stat().st_size > 10_000
    assert width == 1280 and height > 2000
