"""Postmark traffic for the report: outbound stats per stream and tag, bounces, events.

Postmark's stats endpoints (ESP-API.md 1.11) give daily arrays per stream: sends,
bounces (hard, soft, transient), spam complaints, unique opens and clicks. Postmark
reports no per-day delivered count: delivered is sent minus hard and soft bounces, and
transient bounces count as deferred. Days with no data, and zero keys, are absent and
default to 0.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from espctl.errors import EspctlError
from espctl.model.events import NormalizedEvent
from espctl.model.traffic import BounceReasonCount, Counts, TrafficData
from espctl.providers.concurrency import settle
from espctl.providers.events_postmark import (
    parse_postmark_bounce,
    parse_postmark_message_events,
    parse_postmark_timestamp,
)

if TYPE_CHECKING:
    from espctl.providers.postmark import PostmarkApi

RECENT_MESSAGES = 20  # message details read for the delivery log and time to deliver
BOUNCE_PAGE = 500

# stats sub-report -> (day key -> counter)
_SERIES: dict[str, dict[str, str]] = {
    "sends": {"Sent": "sent"},
    "bounces": {
        "HardBounce": "hard_bounced",
        "SoftBounce": "soft_bounced",
        "Transient": "deferred",
    },
    "spam": {"SpamComplaint": "complained"},
    "opens": {"Unique": "opened_unique"},
    "clicks": {"Unique": "clicked_unique"},
}

NOTE = (
    "Postmark buckets its daily stats by its own calendar day (US Eastern time); espctl "
    "requests whole days with fromdate/todate and files each Postmark day under the UTC "
    "day of the same date, so a Postmark day can be offset by up to 5 hours from a UTC "
    "day. Postmark reports no daily delivered count: delivered = sent - hard - soft "
    "bounces; transient bounces count as deferred; unsubscribes are not in its stats."
)


async def _stream_series(
    api: PostmarkApi, stream: str, start: date, end: date
) -> dict[date, dict[str, int]]:
    params = {
        "messagestream": stream,
        "fromdate": start.isoformat(),
        "todate": (end - timedelta(days=1)).isoformat(),
    }
    names = list(_SERIES)
    pages = await settle(
        *(api.server.get_json(f"/stats/outbound/{name}", params) for name in names)
    )
    days: dict[date, dict[str, int]] = {}
    for name, page in zip(names, pages, strict=True):
        for row in page.get("Days") or []:
            try:
                day = date.fromisoformat(str(row.get("Date"))[:10])
            except ValueError:
                continue
            if not start <= day < end:
                continue
            counts = days.setdefault(day, {})
            for key, counter in _SERIES[name].items():
                counts[counter] = counts.get(counter, 0) + int(row.get(key) or 0)
    for counts in days.values():
        hard, soft = counts.get("hard_bounced", 0), counts.get("soft_bounced", 0)
        counts["delivered"] = max(0, counts.get("sent", 0) - hard - soft)
    return dict(sorted(days.items()))


async def _tag_totals(api: PostmarkApi, tag: str, start: date, end: date) -> Counts:
    page = await api.server.get_json(
        "/stats/outbound",
        {
            "tag": tag,
            "fromdate": start.isoformat(),
            "todate": (end - timedelta(days=1)).isoformat(),
        },
    )
    sent = int(page.get("Sent") or 0)
    bounced = int(page.get("Bounced") or 0)
    return {
        "sent": sent,
        "delivered": max(0, sent - bounced),
        "hard_bounced": bounced,  # the overview does not split hard and soft
        "complained": int(page.get("SpamComplaints") or 0),
        "opened_unique": int(page.get("UniqueOpens") or 0),
        "clicked_unique": int(page.get("UniqueLinksClicked") or 0),
    }


async def _bounces(api: PostmarkApi, start: date, end: date) -> tuple[list[NormalizedEvent], int]:
    page = await api.server.get_json(
        "/bounces",
        {
            "count": BOUNCE_PAGE,
            "offset": 0,
            "fromdate": start.isoformat(),
            "todate": (end - timedelta(days=1)).isoformat(),
        },
    )
    events = []
    for item in page.get("Bounces") or []:
        try:
            events.append(parse_postmark_bounce(item, provider=api.id))
        except EspctlError:
            continue  # one odd record does not hide the others
    return events, int(page.get("TotalCount") or len(events))


async def _recent_events(api: PostmarkApi) -> tuple[list[NormalizedEvent], list[float]]:
    page = await api.server.get_json("/messages/outbound", {"count": RECENT_MESSAGES, "offset": 0})
    messages = [m for m in page.get("Messages") or [] if m.get("MessageID")]
    details = await settle(
        *(api.server.get_json(f"/messages/outbound/{m['MessageID']}/details") for m in messages)
    )
    events: list[NormalizedEvent] = []
    seconds: list[float] = []
    for detail in details:
        try:
            parsed = parse_postmark_message_events(detail, provider=api.id)
        except EspctlError:
            continue
        events.extend(parsed)
        received = _time(detail.get("ReceivedAt"))
        delivered = [e.timestamp for e in parsed if e.event_type.value == "delivered"]
        if received and delivered:
            seconds.append(max(0.0, (min(delivered) - received).total_seconds()))
    return events, seconds


def _time(value: Any) -> datetime | None:
    try:
        return parse_postmark_timestamp(value)
    except EspctlError:
        return None


async def read_postmark_traffic(
    api: PostmarkApi, start: date, end: date, streams: Sequence[str], tags: Sequence[str]
) -> TrafficData:
    """Stats for ``streams`` and ``tags`` over [start, end), bounces and recent events."""
    series, tag_counts, (bounces, total_bounces), (events, seconds) = await settle(
        settle(*(_stream_series(api, s, start, end) for s in streams)),
        settle(*(_tag_totals(api, t, start, end) for t in tags)),
        _bounces(api, start, end),
        _recent_events(api),
    )
    reasons: Counter[tuple[str, str, int | None]] = Counter()
    for event in bounces:
        reason = event.reject_reason.value if event.reject_reason else event.event_type.value
        reasons[(reason, event.provider_event_type, event.smtp_code)] += 1
    sources = [
        ("stats API", f"/stats/outbound per stream ({len(streams)}) and tag ({len(tags)})"),
        ("bounces API", f"/bounces: {len(bounces)} of {total_bounces} bounces in the window"),
        ("messages API", f"details of the latest {RECENT_MESSAGES} outbound messages"),
    ]
    return TrafficData(
        buckets=dict(zip(streams, series, strict=True)),
        tags={t: c for t, c in zip(tags, tag_counts, strict=True) if c.get("sent")},
        bounce_reasons=tuple(
            BounceReasonCount(r, p, code, n) for (r, p, code), n in reasons.most_common(10)
        ),
        events=tuple(sorted(events + bounces[:50], key=lambda e: e.timestamp)),
        delivery_seconds=tuple(seconds),
        unmeasured=("unsubscribed",),
        sources=tuple(sources),
        notes=(NOTE,)
        + (
            (f"Top bounce reasons come from the latest {len(bounces)} of {total_bounces} bounces.",)
            if total_bounces > len(bounces)
            else ()
        ),
    )
