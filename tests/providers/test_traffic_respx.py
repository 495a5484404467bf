"""The report's traffic readers against respx routes: exact query parameters, unit failures,
Postmark's Eastern-day correction, Mailgun paging and time to deliver."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import parse_qsl

import httpx
import respx

from espctl.model.traffic import TrafficQuery
from espctl.providers.mailgun.client import MailgunApi
from espctl.providers.postmark.client import PostmarkApi
from espctl.providers.postmark.traffic import read_postmark_traffic
from espctl.providers.postmark.traffic_days import late_slice_start, rebucket
from tests.providers.helpers import FAST, MG_EU, PM, Sleeps, mailgun_block, postmark_block, run

# A November window: US Eastern is EST (UTC-5), so UTC midnight is 19:00 Eastern.
QUERY = TrafficQuery(
    start=date(2026, 11, 20),
    end=date(2026, 11, 22),
    history_start=date(2026, 11, 18),
    buckets=("outbound", "news"),
    tags=("receipt",),
)
TODAY = date(2026, 11, 25)


def _query(request: httpx.Request) -> dict[str, str]:
    return dict(parse_qsl(request.url.query.decode(), keep_blank_values=True))


def pm_api() -> PostmarkApi:
    return PostmarkApi("pm", postmark_block(), options=FAST, sleep=Sleeps())


def _postmark_routes(
    *, sends: dict[str, list[dict[str, Any]]], counts: dict[tuple[str, str], int]
) -> None:
    """Stats per stream (``sends`` and hard bounces), empty bounces and messages, and
    Messages API counts for the day splits keyed by (stream, fromdate)."""

    def stats(request: httpx.Request) -> httpx.Response:
        q = _query(request)
        report = request.url.path.rsplit("/", 1)[-1]
        days = sends.get(q["messagestream"], [])
        if report == "sends":
            return httpx.Response(
                200, json={"Days": [{"Date": d["Date"], "Sent": d["Sent"]} for d in days]}
            )
        if report == "bounces":
            rows = [{"Date": d["Date"], "HardBounce": d["Hard"]} for d in days if d.get("Hard")]
            return httpx.Response(200, json={"Days": rows})
        return httpx.Response(200, json={"Days": []})

    def messages(request: httpx.Request) -> httpx.Response:
        q = _query(request)
        total = counts.get((q["messagestream"], q.get("fromdate", "")), 0)
        return httpx.Response(200, json={"TotalCount": total, "Messages": []})

    respx.get(url__regex=rf"^{PM}/stats/outbound/\w+").mock(side_effect=stats)
    respx.get(f"{PM}/stats/outbound").mock(
        return_value=httpx.Response(
            200,  # the overview returns every key, even when zero (ESP-API.md 1.11)
            json={
                "Sent": 3,
                "Bounced": 0,
                "SpamComplaints": 0,
                "UniqueOpens": 0,
                "UniqueLinksClicked": 0,
            },
        )
    )
    respx.get(f"{PM}/bounces").mock(
        return_value=httpx.Response(200, json={"TotalCount": 0, "Bounces": []})
    )
    respx.get(f"{PM}/messages/outbound").mock(side_effect=messages)


@respx.mock
def test_postmark_bounces_and_messages_name_every_stream() -> None:
    # Issue 13 item 7: without messagestream, /bounces and /messages/outbound answer for
    # the default transactional stream only, so broadcast streams must be named.
    _postmark_routes(sends={}, counts={})
    run(read_postmark_traffic(pm_api(), QUERY, ["outbound", "news"], today=TODAY))
    bounce_calls = [_query(c.request) for c in respx.calls if c.request.url.path == "/bounces"]
    assert sorted(bounce_calls, key=lambda q: (q["messagestream"], q["type"])) == [
        {
            "count": "500",
            "offset": "0",
            "type": kind,
            "messagestream": stream,
            "fromdate": "2026-11-20",
            "todate": "2026-11-21",
        }
        for stream in ("news", "outbound")
        for kind in ("HardBounce", "SoftBounce", "Transient")
    ]
    recent = [
        _query(c.request)
        for c in respx.calls
        if c.request.url.path == "/messages/outbound" and _query(c.request)["count"] == "20"
    ]
    assert sorted(recent, key=lambda q: q["messagestream"]) == [
        {
            "count": "20",
            "offset": "0",
            "messagestream": stream,
            "fromdate": "2026-11-20",
            "todate": "2026-11-21",
        }
        for stream in ("news", "outbound")
    ]
    stats = [_query(c.request) for c in respx.calls if c.request.url.path.startswith("/stats")]
    assert all("messagestream" in q for q in stats)
    # the daily series start one Eastern day early: UTC 11-18 begins on Eastern 11-17
    sends = [q for c, q in zip(respx.calls, stats, strict=False) if "sends" in str(c.request.url)]
    assert all(q["fromdate"] == "2026-11-17" and q["todate"] == "2026-11-21" for q in sends)


@respx.mock
def test_postmark_eastern_days_move_onto_utc_days_by_measured_share() -> None:
    # Eastern 11-20 sent 100 messages, 20 of them after 19:00 Eastern (= UTC 11-21).
    sends = {"outbound": [{"Date": "2026-11-20", "Sent": 100, "Hard": 10}]}
    counts = {
        ("outbound", "2026-11-20T00:00:00"): 100,
        ("outbound", "2026-11-20T19:00:00"): 20,
    }
    _postmark_routes(sends=sends, counts=counts)
    data = run(read_postmark_traffic(pm_api(), QUERY, ["outbound"], today=TODAY))
    days = data.buckets["outbound"]
    assert days[date(2026, 11, 20)]["sent"] == 80 and days[date(2026, 11, 21)]["sent"] == 20
    assert days[date(2026, 11, 20)]["hard_bounced"] == 8
    assert days[date(2026, 11, 21)]["hard_bounced"] == 2
    assert days[date(2026, 11, 21)]["delivered"] == 18
    splits = [
        _query(c.request)
        for c in respx.calls
        if c.request.url.path == "/messages/outbound" and _query(c.request)["count"] == "1"
    ]
    assert sorted(q["fromdate"] for q in splits) == ["2026-11-20T00:00:00", "2026-11-20T19:00:00"]
    assert {q["todate"] for q in splits} == {"2026-11-20T23:59:59"}
    assert {q["messagestream"] for q in splits} == {"outbound"}
    assert any("1 stream-days measured" in n for n in data.notes)


def test_late_slice_follows_daylight_saving_time() -> None:
    assert late_slice_start(date(2026, 11, 20)).isoformat() == "2026-11-20T19:00:00"  # EST
    assert late_slice_start(date(2026, 7, 1)).isoformat() == "2026-07-01T20:00:00"  # EDT


def test_rebucket_keeps_totals_and_days_without_a_split() -> None:
    eastern = {date(2026, 11, 1): {"sent": 7}, date(2026, 11, 2): {"sent": 10, "complained": 1}}
    out = rebucket(eastern, {date(2026, 11, 2): 0.35})
    assert out == {
        date(2026, 11, 1): {"sent": 7},  # unmeasured: stays on its date
        date(2026, 11, 2): {"sent": 6, "complained": 1},
        date(2026, 11, 3): {"sent": 4, "complained": 0},
    }


@respx.mock
def test_postmark_days_older_than_retention_are_not_asked_about() -> None:
    sends = {"outbound": [{"Date": "2026-11-20", "Sent": 100}]}
    _postmark_routes(sends=sends, counts={})
    data = run(read_postmark_traffic(pm_api(), QUERY, ["outbound"], today=date(2027, 3, 1)))
    assert not [c for c in respx.calls if _query(c.request).get("count") == "1"]
    assert data.buckets["outbound"][date(2026, 11, 20)]["sent"] == 100
    assert any("1 stream-days could not be measured" in n for n in data.notes)


@respx.mock
def test_postmark_a_failing_stream_is_named_and_the_others_are_shown() -> None:
    sends = {
        "outbound": [{"Date": "2026-11-21", "Sent": 50}],
        "news": [{"Date": "2026-11-21", "Sent": 9}],
    }
    respx.get(f"{PM}/stats/outbound/sends", params={"messagestream": "news"}).mock(
        return_value=httpx.Response(500, json={"ErrorCode": 0, "Message": "Internal error"})
    )  # declared first: respx tries routes in order
    _postmark_routes(sends=sends, counts={})
    data = run(read_postmark_traffic(pm_api(), QUERY, ["outbound", "news"], today=TODAY))
    assert data.buckets["outbound"][date(2026, 11, 21)]["sent"] == 50
    assert "news" not in data.buckets
    assert [(f.unit, f.what) for f in data.failures] == [("stream news", "daily stats")]
    assert "HTTP 500" in data.failures[0].error and not data.failures[0].error.startswith("pm:")


# -- Mailgun -----------------------------------------------------------------------------

MG_QUERY = TrafficQuery(
    start=date(2026, 11, 20),
    end=date(2026, 11, 22),
    history_start=date(2026, 11, 18),
    buckets=("mg.example.com", "typo.example.com"),
)


def mg_api() -> MailgunApi:
    return MailgunApi("mg", mailgun_block(), options=FAST, sleep=Sleeps())


def _epoch(*args: int) -> float:
    return datetime(*args, tzinfo=UTC).timestamp()


def _event(kind: str, stamp: float, mid: str, **extra: Any) -> dict[str, Any]:
    return {
        "id": f"{kind}-{mid}",
        "event": kind,
        "timestamp": stamp,
        "recipient": "a@example.org",
        "message": {"headers": {"message-id": mid}},
        **extra,
    }


def _metrics(request: httpx.Request) -> httpx.Response:
    body = request.read().decode()
    if '"tag"' in body.split('"dimensions"', 1)[1][:20]:
        items = [
            {"dimensions": [{"dimension": "tag", "value": "receipt"}], "metrics": {"sent_count": 4}}
        ]
    else:
        items = [
            {
                "dimensions": [{"dimension": "time", "value": "Fri, 20 Nov 2026 00:00:00 +0000"}],
                "metrics": {"sent_count": 10, "delivered_count": 9, "hard_bounces_count": 1},
            }
        ]
    return httpx.Response(200, json={"items": items})


@respx.mock
def test_mailgun_a_missing_domain_fails_alone() -> None:
    respx.post(f"{MG_EU}/v1/analytics/metrics").mock(side_effect=_metrics)
    respx.get(f"{MG_EU}/v3/typo.example.com/events").mock(
        return_value=httpx.Response(404, json={"message": "Domain not found"})
    )
    respx.get(f"{MG_EU}/v3/mg.example.com/events").mock(
        return_value=httpx.Response(200, json={"items": [], "paging": {}})
    )
    data = run(mg_api().read_traffic(MG_QUERY))
    assert data.buckets["mg.example.com"][date(2026, 11, 20)]["sent"] == 10
    assert {f.unit for f in data.failures} == {"domain typo.example.com"}
    assert sorted(f.what for f in data.failures) == [
        "accepted/delivered events",
        "permanent failures",
        "recent events",
        "temporary failures",
    ]
    assert {f.error for f in data.failures} == {
        "GET /v3/typo.example.com/events: HTTP 404: Domain not found"
    }
    assert data.units == 12 and data.tags_complete


@respx.mock
def test_mailgun_failure_samples_and_exact_event_queries() -> None:
    respx.post(f"{MG_EU}/v1/analytics/metrics").mock(side_effect=_metrics)
    temporary = [
        _event(
            "failed",
            _epoch(2026, 11, 21, 10),
            f"<t{i}@mg>",
            severity="temporary",
            reason="generic",
            **{"delivery-status": {"code": 421, "message": "4.7.0 Try again later"}},
        )
        for i in range(3)
    ]

    def events(request: httpx.Request) -> httpx.Response:
        q = _query(request)
        items = temporary if q.get("severity") == "temporary" else []
        return httpx.Response(200, json={"items": items, "paging": {}})

    route = respx.get(f"{MG_EU}/v3/mg.example.com/events").mock(side_effect=events)
    query = TrafficQuery(MG_QUERY.start, MG_QUERY.end, MG_QUERY.history_start, ("mg.example.com",))
    data = run(mg_api().read_traffic(query))
    begin, end = str(int(_epoch(2026, 11, 22))), str(int(_epoch(2026, 11, 20)))
    seen = sorted((_query(c.request) for c in route.calls), key=lambda q: sorted(q.items()))
    assert seen == sorted(
        [
            {
                "limit": "300",
                "begin": begin,
                "end": end,
                "event": "failed",
                "severity": "permanent",
            },
            {
                "limit": "300",
                "begin": begin,
                "end": end,
                "event": "failed",
                "severity": "temporary",
            },
            {"limit": "50", "begin": begin, "end": end},
            {"limit": "300", "begin": begin, "end": end, "event": "accepted OR delivered"},
        ],
        key=lambda q: sorted(q.items()),
    )
    sample = {s.kind: s for s in data.reason_samples}["temporary"]
    assert sample.sampled == 3
    assert [(r.provider_type, r.smtp_code, r.count, r.example) for r in sample.reasons] == [
        ("failed/temporary", 421, 3, "4.7.0 Try again later")
    ]


@respx.mock
def test_mailgun_time_to_deliver_pairs_accepted_and_delivered_across_pages() -> None:
    respx.post(f"{MG_EU}/v1/analytics/metrics").mock(side_effect=_metrics)
    t0 = _epoch(2026, 11, 21, 9)
    page1 = [_event("delivered", t0 + 65, "<a@mg>"), _event("accepted", t0 + 5, "<b@mg>")]
    page2 = [_event("accepted", t0, "<a@mg>"), _event("delivered", t0 + 7, "<b@mg>")]
    next_ours = f"{MG_EU}/v3/mg.example.com/events/page2"
    responses = {
        "accepted OR delivered": {"items": page1, "paging": {"next": next_ours}},
    }

    def events(request: httpx.Request) -> httpx.Response:
        body = responses.get(_query(request).get("event", ""), {"items": [], "paging": {}})
        return httpx.Response(200, json=body)

    respx.get(f"{MG_EU}/v3/mg.example.com/events").mock(side_effect=events)
    second = respx.get(next_ours).mock(
        return_value=httpx.Response(
            200, json={"items": page2, "paging": {"next": "https://evil.example/steal"}}
        )
    )
    evil = respx.get("https://evil.example/steal").mock(return_value=httpx.Response(200, json={}))
    query = TrafficQuery(MG_QUERY.start, MG_QUERY.end, MG_QUERY.history_start, ("mg.example.com",))
    data = run(mg_api().read_traffic(query))
    assert sorted(data.delivery_seconds) == [2.0, 65.0]
    assert second.called and not evil.called  # a paging URL on another host is never followed
