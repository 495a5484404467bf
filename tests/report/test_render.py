"""The HTML report: sections in order, numbers, edge cases, hostile data."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from datetime import date

import pytest

from espctl.model.events import EventType, NormalizedEvent
from espctl.model.summary import AccountInfo, DomainInfo, StreamInfo, WebhookInfo, WebhookTrigger
from espctl.model.traffic import ReasonSample, TrafficFailure
from espctl.providers.registry import PLANNED
from espctl.report import view
from espctl.report.data import (
    BounceReason,
    CheckInfo,
    Counters,
    DriftRow,
    Latency,
    ProviderReport,
    RoutingRuleInfo,
    StreamSeries,
    TagCounts,
    daily_series,
    utc,
)
from espctl.report.metrics import METRICS, Band
from espctl.report.render import CSP, embed_json, render_report
from tests.report.sample_data import mailgun_provider, postmark_provider, sample_report_data

SECTION_ORDER = [
    "header",
    "verdict",
    "providers",
    "comparison",
    "trends",
    "outcomes",
    "engagement",
    "latency",
    "routing",
    "webhooks",
    "drift",
    "methodology",
    "data",
]


@pytest.fixture(scope="module")
def html() -> str:
    return render_report(sample_report_data())


def _section(html: str, name: str) -> str:
    start = html.index(f'id="{name}"')
    nxt = [
        html.index(f'id="{n}"', start + 1)
        for n in SECTION_ORDER
        if f'id="{n}"' in html[start + 1 :]
    ]
    end = min([i for i in nxt if i > start], default=len(html))
    return html[start:end]


def _embedded(html: str) -> dict[str, object]:
    match = re.search(
        r'<script type="application/json" id="espctl-data">(.*?)</script>', html, re.S
    )
    assert match
    data: dict[str, object] = json.loads(match.group(1))
    return data


def test_sections_in_order(html: str) -> None:
    positions = [html.index(f'id="{name}"') for name in SECTION_ORDER]
    assert positions == sorted(positions)
    assert html.startswith("<!DOCTYPE html>")
    assert '<html lang="en">' in html


def test_self_contained_and_script_free(html: str) -> None:
    assert (
        f'<meta http-equiv="Content-Security-Policy" content="{CSP}">'.replace("'", "&#39;") in html
    )
    assert "default-src &#39;none&#39;" in html
    scripts = re.findall(r"<script\b[^>]*>", html)
    assert scripts == ['<script type="application/json" id="espctl-data">']
    assert "<link" not in html and "@import" not in html and "url(http" not in html
    assert " on" + "load=" not in html
    # No external reference: http(s) only in the (masked) webhook URLs and SVG namespace.
    for url in re.findall(r"https?://[^\s\"<]+", html):
        assert url.startswith(
            (
                "http://www.w3.org/2000/svg",
                "https://esp:***@hooks.acme-mail.com",
                "https://hooks.acme-mail.com",
            )
        ), url


def test_header_and_verdict(html: str) -> None:
    header = _section(html, "header")
    assert "2024-05-01 00:00 UTC to 2024-05-08 00:00 UTC" in header
    assert "sha256:3f2a9c1d" in header and "espctl.yaml" in header
    assert "stats API" in header and "metrics API" in header
    verdict = _section(html, "verdict")
    # Postmark complaints: 14/6,930 = 0.202 %, between the lines -> Warning, in words.
    assert "0.202% (14/6,930) vs 0.1% / 0.3%" in verdict
    assert "Warning" in verdict and "▲" in verdict
    assert "Not enough data" in verdict  # Mailgun 0/336 complaints
    assert "2 pending changes" in verdict and "in sync" in verdict


def test_the_verdict_tells_errors_from_warnings_and_counts_blocked_changes() -> None:
    data = sample_report_data()
    postmark, mailgun = data.providers
    missing = CheckInfo(
        "domain", "mg.acme-mial.com", False, "domain mg.acme-mial.com does not exist"
    )  # a failed check is an error unless it says warning
    mailgun = replace(mailgun, checks=(*mailgun.checks, missing), blocked_changes=3)
    html = render_report(replace(data, providers=(postmark, mailgun)))
    verdict = _section(html, "verdict")
    # errors (cannot converge) are critical, warnings (will not deliver well) warn
    assert "1 error, 2 warnings: mg.acme-mial.com; news.acme-mail.com" in verdict
    assert "2 pending changes; 3 blocked by failed checks" in verdict
    checks = _section(html, "verdict")
    first = checks.index("error <code>domain</code>: domain mg.acme-mial.com does not exist")
    assert first < checks.index("warning <code>domain</code>: news.acme-mail.com is unverified")
    warned = _section(render_report(data), "verdict")
    assert "2 warnings: news.acme-mail.com; mailgun/news.acme-mail.com" in warned


def test_provider_cards(html: str) -> None:
    cards = _section(html, "providers")
    assert "Acme production server" in cards
    assert "news.acme-mail.com" in cards and "unverified" in cards
    # every provider type is implemented: no card says "coming soon"
    assert PLANNED == {} and "Coming soon" not in cards
    assert "7,000" in cards


def test_comparison_numbers(html: str) -> None:
    table = _section(html, "comparison")
    assert "99.0%" in table and "(6,930/7,000)" in table
    assert "95% CI 98.7%\u201399.2%" in table
    assert "96.0%" in table and "(336/350)" in table
    assert "not enough data" in table
    assert "postmark higher" in table  # delivery difference excludes 0
    assert 'role="img"' in table and '<title id="ci-complaint-t">' in table


def test_trends_routing_webhooks_drift_methodology(html: str) -> None:
    trends = _section(html, "trends")
    assert trends.count("<svg") == 8  # 4 metrics x 2 providers
    assert "2024-05-07" in trends
    routing = _section(html, "routing")
    assert "54.4%" in routing  # 4,000 of 7,350 tagged
    assert "matched nothing" in routing and "alerts" in routing
    hooks = _section(html, "webhooks")
    assert "https://esp:***@hooks.acme-mail.com/esp/events" in hooks
    assert "permanent_fail" in hooks and "SpamComplaint" in hooks
    assert "<details>" in hooks and "a***@example.com" in hooks
    assert "alice@example.com" not in html  # recipients masked everywhere
    drift = _section(html, "drift")
    assert "mailgun.tracking[news.acme-mail.com]" in drift and "html_only" in drift
    method = _section(html, "methodology")
    assert "Wilson" in method and "Newcombe" in method
    assert "below 100" in method and "US Eastern" in method


def test_embedded_json_round_trips(html: str) -> None:
    data = _embedded(html)
    assert data["format"] == "espctl-report/1"
    providers = data["providers"]
    assert isinstance(providers, list) and providers[0]["id"] == "postmark"
    assert providers[0]["daily"][0][:3] == ["2024-05-01", 1000, 990]


def test_zero_data_provider() -> None:
    empty = ProviderReport(id="quiet", type="mailgun")
    html = render_report(sample_report_data(providers=(empty,), routing_rules=()))
    assert "no data" in html and "No data" in html
    assert "0.000%" not in _section(html, "comparison")  # n = 0 is never shown as 0 %


def _card(html: str, provider_id: str) -> str:
    cards = _section(html, "providers")
    start = cards.index(f"<span>{provider_id}")
    return cards[start : cards.index("</article>", start)]


def test_a_failed_provider_is_not_measured_anywhere() -> None:
    # Issue 17 item 2: never "OK" / "in sync" / "Sent 0" beside "Failed".
    failed = ProviderReport(
        id="down", type="postmark", status="failed", status_message="HTTP 401: credentials refused"
    )
    data = sample_report_data(providers=(mailgun_provider(), failed))
    html = render_report(data)
    card = _card(html, "down")
    assert "Failed" in card and "HTTP 401: credentials refused" in card
    assert "in sync" not in card and "OK" not in card and ">0<" not in card
    assert card.count("not measured") >= 3 and "Not measured" in card  # drift pill
    for row in view.verdict_rows(data):
        cell = row["cells"][1]
        assert cell["band"] in (Band.not_measured, Band.critical), (row["label"], cell)
        assert "in sync" not in cell["text"] and "webhooks" not in cell["text"]
    comparison = _section(html, "comparison")
    assert "not measured" in comparison
    for metric in METRICS:
        assert view.rate_cell(metric, failed, failed.totals, None)["text"] == "not measured"
        assert view.change_cell(metric, failed, data)["text"] == "not measured"
    outcomes = _section(html, "outcomes")
    assert '<th scope="row">down</th><td colspan="7" class="na">not measured' in outcomes
    drift = _section(html, "drift")
    assert "Drift not measured for down" in drift


def test_no_providers_at_all() -> None:
    html = render_report(sample_report_data(providers=(), webhooks=(), recent_events=()))
    assert "No providers configured." in html and "No webhooks found." in html


def test_many_domains_are_aggregated() -> None:
    days = daily_series(date(2024, 5, 1), [Counters(sent=10, delivered=10)] * 3)
    streams = tuple(StreamSeries(f"d{i}.example.com", days) for i in range(40))
    domains = tuple(DomainInfo(f"d{i}.example.com", "unverified", False) for i in range(40))
    p = replace(mailgun_provider(), streams=streams, account=AccountInfo(domains=domains))
    html = render_report(sample_report_data(providers=(postmark_provider(), p)))
    assert "25 others" in html
    assert "40 domains, 40 unverified" in html


HOSTILE = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "</script><script>alert(2)</script>",
    "'onmouseover='alert(3)",
    "<!--",
    "\u2028</style>",
]


@pytest.mark.parametrize("evil", HOSTILE)
def test_hostile_provider_strings_are_escaped(evil: str) -> None:
    day = daily_series(date(2024, 5, 1), [Counters(sent=200, delivered=190, hard_bounced=5)])
    provider = ProviderReport(
        id="postmark",
        type="postmark",
        status="failed" if evil == "<!--" else "connected",
        status_message=evil,
        account=AccountInfo(
            description=evil,
            servers=(evil,),
            streams=(StreamInfo(evil, evil, evil),),
            domains=(DomainInfo(evil, evil, False),),
        ),
        drift=(DriftRow(evil, evil, evil, evil),),
        daily=day,
        tags=(TagCounts(evil, Counters(sent=5)),),
        streams=(StreamSeries(evil, day),),
        reason_samples=(
            ReasonSample("permanent", 3, 5, (BounceReason(evil, evil, 550, 3, evil),), evil),
        ),
        failures=(TrafficFailure(evil, evil, evil),),
        checks=(CheckInfo(evil, evil, False, evil),),
        latency=Latency.of([1.0] * 30, evil),
    )
    event = NormalizedEvent(
        provider="postmark",
        event_type=EventType.bounced,
        timestamp=utc(2024, 5, 1),
        provider_event_type=evil,
        event_id=evil,
        message_id=evil,
        recipient=f"{evil}@{evil}",
        mta_response=evil,
        tags=(evil,),
    )
    data = sample_report_data(
        providers=(provider, mailgun_provider()),
        routing_rules=(RoutingRuleInfo(evil, (evil,), evil, (evil,)),),
        routing_default=evil,
        webhooks=(
            WebhookInfo(
                evil,
                f"https://u:{evil}@h.example/{evil}",
                evil,
                evil,
                (WebhookTrigger(evil, evil),),
            ),
        ),
        recent_events=(event,),
        data_notes=(evil,),
        config_path=evil,
        espctl_version=evil,
    )
    html = render_report(data)
    match = re.search(
        r'(<script type="application/json" id="espctl-data">)(.*?)(</script>)', html, re.S
    )
    assert match
    # Inside the JSON block no character can end the element or open markup.
    assert not re.search(r"[<>&\u2028\u2029]", match.group(2))
    outside = html[: match.start(2)] + html[match.end(2) :]
    for needle in ("<script>alert", "<img", "onerror=alert(1)>", "'onmouseover='"):
        assert needle not in outside
    assert html.count("<script") == 1 and html.count("</script>") == 1
    assert html.count("<!--") == 0
    assert html.count("</style>") == 1
    # The embedded JSON is valid and carries the string back unchanged.
    data_json = _embedded(html)
    assert data_json["espctl_version"] == evil
    assert "u:***@" in json.dumps(data_json["webhooks"])  # credentials re-masked


def test_embed_json_escapes_markup() -> None:
    out = str(embed_json({"a": "</script><!--&\u2028"}))
    assert "<" not in out and ">" not in out and "&" not in out and "\u2028" not in out
    assert json.loads(out) == {"a": "</script><!--&\u2028"}


def test_render_is_deterministic() -> None:
    assert render_report(sample_report_data()) == render_report(sample_report_data())
