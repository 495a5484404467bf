"""Postmark traffic for the report: stats per stream and tag, bounce samples, events.

Postmark's stats endpoints (ESP-API.md 1.11) give daily arrays per stream: sends,
bounces (hard, soft, transient), spam complaints, unique opens and clicks. Postmark
reports no per-day delivered count: delivered is sent minus hard and soft bounces, and
transient bounces count as deferred. Days with no data, and zero keys, are absent and
default to 0. Day buckets are US Eastern; :mod:`.traffic_postmark_days` moves them
onto UTC days.

Every read names its stream: ``/bounces`` and ``/messages/outbound`` without
``messagestream`` cover only the default transactional stream (``outbound``), so a
broadcast stream's bounces and messages would silently be missing. Whether the stats
endpoints behave the same is UNCONFIRMED; they are read per stream too, which is
correct either way.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from espctl.errors import EspctlError
from espctl.model.events import EventType, NormalizedEvent
from espctl.model.traffic import (
    Counts,
    FailureKind,
    ReasonSample,
    TrafficData,
    TrafficQuery,
    tally_reasons,
)
from espctl.providers.kit.concurrency import settle
from espctl.providers.kit.traffic_units import Units
from espctl.providers.postmark import wire
from espctl.providers.postmark.parsing import (
    parse_postmark_bounce,
    parse_postmark_message_events,
    parse_postmark_timestamp,
)
from espctl.providers.postmark.traffic_days import DaySplit, measure_split, rebucket

if TYPE_CHECKING:
    from espctl.providers.postmark.client import PostmarkApi

RECENT_MESSAGES = 20  # per stream: message details read for the log and time to deliver
BOUNCE_PAGE = 500  # Postmark's maximum page; the latest 500 of each type and stream
#: bounce Type -> failure kind of the reason samples
SAMPLED_TYPES: dict[str, FailureKind] = {
    "HardBounce": "permanent",
    "SoftBounce": "permanent",
    "Transient": "temporary",
}

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
    "Postmark reports no daily delivered count: delivered = sent - hard - soft bounces; "
    "transient bounces count as deferred; unsubscribes are not in its stats."
)


def _dates(start: date, end: date) -> dict[str, str]:
    """``fromdate``/``todate`` (inclusive Eastern dates) for the days [start, end)."""
    return {"fromdate": start.isoformat(), "todate": (end - timedelta(days=1)).isoformat()}


async def _eastern_series(
    api: PostmarkApi, stream: str, start: date, end: date
) -> dict[date, dict[str, int]]:
    """Counts per Eastern day in [start, end), as the stats API buckets them."""
    params = {"messagestream": stream, **_dates(start, end)}
    names = list(_SERIES)
    pages = await settle(
        *(api.server.get(f"/stats/outbound/{name}", wire.StatsDays, params) for name in names)
    )
    days: dict[date, dict[str, int]] = {}
    for name, page in zip(names, pages, strict=True):
        for row in page.Days:
            try:
                day = date.fromisoformat(row.Date[:10])
            except ValueError:
                continue
            if not start <= day < end:
                continue
            counts = days.setdefault(day, {})
            for key, counter in _SERIES[name].items():
                counts[counter] = counts.get(counter, 0) + row.count(key)
    return dict(sorted(days.items()))


async def _stream_days(
    api: PostmarkApi, stream: str, query: TrafficQuery, today: date
) -> tuple[dict[date, dict[str, int]], DaySplit]:
    """UTC-day counts of one stream from ``history_start`` to ``end``."""
    # UTC day D starts on Eastern day D-1 (its last 4-5 hours): read one day earlier.
    first = query.history_start - timedelta(days=1)
    eastern = await _eastern_series(api, stream, first, query.end)
    sending = [d for d, c in eastern.items() if c.get("sent")]
    split = await measure_split(api, stream, sending, today)
    days = {
        d: counts
        for d, counts in rebucket(eastern, split.shares).items()
        if query.history_start <= d < query.end
    }
    for counts in days.values():
        hard, soft = counts.get("hard_bounced", 0), counts.get("soft_bounced", 0)
        counts["delivered"] = max(0, counts.get("sent", 0) - hard - soft)
    return days, split


async def _tag_totals(api: PostmarkApi, stream: str, tag: str, query: TrafficQuery) -> Counts:
    page = await api.server.get(
        "/stats/outbound",
        wire.StatsOverview,
        {"messagestream": stream, "tag": tag, **_dates(query.start, query.end)},
    )
    return {
        "sent": page.Sent,
        "delivered": max(0, page.Sent - page.Bounced),
        "hard_bounced": page.Bounced,  # the overview does not split hard and soft
        "complained": page.SpamComplaints,
        "opened_unique": page.UniqueOpens,
        "clicked_unique": page.UniqueLinksClicked,
    }


def _in_window(event: NormalizedEvent, query: TrafficQuery) -> bool:
    return query.start <= event.timestamp.date() < query.end


async def _bounces(
    api: PostmarkApi, stream: str, kind: str, query: TrafficQuery
) -> tuple[list[NormalizedEvent], int]:
    """The latest bounces of one type on one stream, and how many there were."""
    page = await api.server.get(
        "/bounces",
        wire.Bounces,
        {
            "count": BOUNCE_PAGE,
            "offset": 0,
            "type": kind,
            "messagestream": stream,
            **_dates(query.start, query.end),
        },
    )
    events = []
    for item in page.Bounces:
        try:
            events.append(parse_postmark_bounce(item, provider=api.id))
        except EspctlError:
            continue  # one odd record does not hide the others
    return events, page.TotalCount


async def _recent(
    api: PostmarkApi, stream: str, query: TrafficQuery
) -> tuple[list[NormalizedEvent], list[float], set[str]]:
    """Events and delivery times of the latest messages of one stream, and their tags."""
    page = await api.server.get(
        "/messages/outbound",
        wire.OutboundMessages,
        {
            "count": RECENT_MESSAGES,
            "offset": 0,
            "messagestream": stream,
            **_dates(query.start, query.end),
        },
    )
    messages = [m for m in page.Messages if m.MessageID]
    tags = {m.Tag for m in messages if m.Tag}
    details = await settle(
        *(
            api.server.get_checked(f"/messages/outbound/{m.MessageID}/details", wire.MessageDetails)
            for m in messages
        )
    )
    events: list[NormalizedEvent] = []
    seconds: list[float] = []
    for detail in details:
        try:
            parsed = parse_postmark_message_events(detail, provider=api.id)
        except EspctlError:
            continue
        events.extend(e for e in parsed if _in_window(e, query))
        received = _time(detail.get("ReceivedAt"))
        delivered = [e.timestamp for e in parsed if e.event_type is EventType.delivered]
        if received and delivered and query.start <= received.date() < query.end:
            seconds.append(max(0.0, (min(delivered) - received).total_seconds()))
    return events, seconds, tags


def _time(value: Any) -> datetime | None:
    try:
        return parse_postmark_timestamp(value)
    except EspctlError:
        return None


def _samples(
    found: dict[str, list[tuple[list[NormalizedEvent], int] | None]],
) -> tuple[ReasonSample, ...]:
    out = []
    kinds: tuple[FailureKind, ...] = ("permanent", "temporary")
    for kind in kinds:
        batches = [b for t, bs in found.items() if SAMPLED_TYPES[t] == kind for b in bs if b]
        events = [e for batch, _ in batches for e in batch]
        types = [t for t in SAMPLED_TYPES if SAMPLED_TYPES[t] == kind]
        out.append(
            ReasonSample(
                kind,
                sampled=len(events),
                total=sum(total for _, total in batches),
                reasons=tally_reasons(events),
                detail=f"latest {BOUNCE_PAGE} per stream and type ({', '.join(types)}) "
                "from /bounces",
            )
        )
    return tuple(out)


def _split_note(splits: dict[str, DaySplit]) -> str:
    moved = sum(len(s.shares) for s in splits.values())
    kept = sum(len(s.unmeasured) for s in splits.values())
    text = (
        "Postmark buckets its stats by US Eastern day. espctl moved the part of each "
        "Eastern day that falls on the next UTC day (after 19:00/20:00 Eastern) onto that "
        "day, in the share of the day's messages sent then, counted per stream with the "
        f"Messages API ({moved} stream-days measured). Bounces, complaints, opens and "
        "clicks move with the same share."
    )
    if kept:
        text += (
            f" {kept} stream-days could not be measured (older than the message retention "
            "or not readable) and stay on their own date, up to 5 hours off."
        )
    errors = [e for s in splits.values() for e in s.errors]
    if errors:
        text += " Not measured: " + "; ".join(errors)
    return text


async def read_postmark_traffic(
    api: PostmarkApi, query: TrafficQuery, streams: Sequence[str], today: date | None = None
) -> TrafficData:
    """Stats for ``streams`` (daily from ``history_start``) and tags, bounces, events."""
    units = Units(api.id)
    today = today or datetime.now(UTC).date()
    series, bounce_pages, recent = await settle(
        settle(
            *(
                units.read(f"stream {s}", "daily stats", _stream_days(api, s, query, today))
                for s in streams
            )
        ),
        settle(
            *(
                units.read(f"stream {s}", f"{t} bounces", _bounces(api, s, t, query))
                for t in SAMPLED_TYPES
                for s in streams
            )
        ),
        settle(
            *(units.read(f"stream {s}", "recent messages", _recent(api, s, query)) for s in streams)
        ),
    )
    by_type: dict[str, list[tuple[list[NormalizedEvent], int] | None]] = {
        t: list(bounce_pages[i * len(streams) : (i + 1) * len(streams)])
        for i, t in enumerate(SAMPLED_TYPES)
    }
    bounces = [e for pages in by_type.values() for page in pages if page for e in page[0]]
    events = [e for item in recent if item for e in item[0]]
    seconds = [s for item in recent if item for s in item[1]]
    # Postmark cannot list tags: ask for the rules' tags and every tag seen in samples.
    seen = {t for e in bounces for t in e.tags} | {t for item in recent if item for t in item[2]}
    tags = sorted(set(query.tags) | seen)
    tag_rows = await settle(
        *(
            units.read(f"tag {t}", f"totals on stream {s}", _tag_totals(api, s, t, query))
            for t in tags
            for s in streams
        )
    )
    totals: dict[str, dict[str, int]] = {}
    unread: list[str] = []
    for i, tag in enumerate(tags):
        rows = tag_rows[i * len(streams) : (i + 1) * len(streams)]
        if any(r is None for r in rows):
            unread.append(tag)
            continue
        row = totals.setdefault(tag, {})
        for counts in rows:
            for name, value in (counts or {}).items():
                row[name] = row.get(name, 0) + value
    buckets = {s: item[0] for s, item in zip(streams, series, strict=True) if item}
    splits = {s: item[1] for s, item in zip(streams, series, strict=True) if item}
    sample_events = sorted(bounces, key=lambda e: e.timestamp)[-50:]
    return TrafficData(
        buckets=buckets,
        tags={t: c for t, c in totals.items() if c.get("sent")},
        tags_complete=False,
        unread_tags=tuple(unread),
        reason_samples=_samples(by_type),
        events=tuple(sorted(events + sample_events, key=lambda e: e.timestamp)),
        delivery_seconds=tuple(seconds),
        latency_source=(
            f"submitted (ReceivedAt) to first Delivered event of the latest {RECENT_MESSAGES} "
            "messages per stream (Messages API)"
        ),
        unmeasured=("unsubscribed",),
        sources=(
            ("stats API", f"/stats/outbound per stream ({len(streams)}) and tag ({len(tags)})"),
            ("bounces API", "/bounces: latest per stream and type"),
            ("messages API", f"latest {RECENT_MESSAGES} messages per stream; day splits"),
        ),
        notes=(NOTE, _split_note(splits)),
        failures=tuple(units.failures),
        units=units.count,
    )
