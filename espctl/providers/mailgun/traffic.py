"""Mailgun traffic for the report: the metrics API per domain and tag, and events.

``POST /v1/analytics/metrics`` (ESP-API.md 2.9) takes a JSON body; counts come back as
integers (or null) and rates as strings, so espctl reads counts only and computes its
own rates. Suppressed messages (Mailgun's ``suppressed_*`` counts) are reported as
rejected, not as bounces. Every domain is its own unit: a domain that does not exist
(the events API answers 404) is named as failed and the other domains are still shown.

``GET /v3/{domain}/events`` (ESP-API.md 2.10) gives samples: the latest permanent and
temporary failures (reasons), the latest events (the delivery log) and accepted and
delivered events paired by Message-Id (time to deliver). Metrics are UTC days.
"""

from __future__ import annotations

import email.utils
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from espctl.model.events import EventType, NormalizedEvent
from espctl.model.text import plural
from espctl.model.traffic import Counts, ReasonSample, TrafficData, TrafficQuery, tally_reasons
from espctl.providers.kit.concurrency import settle
from espctl.providers.kit.paging import Listing, Page, read_cursor_pages, read_offset_pages
from espctl.providers.kit.traffic_units import Units
from espctl.providers.mailgun import wire
from espctl.providers.mailgun.parsing import parse_mailgun_events_page

if TYPE_CHECKING:
    from espctl.providers.mailgun.client import MailgunApi

METRICS = (
    "sent_count",
    "delivered_count",
    "hard_bounces_count",
    "soft_bounces_count",
    "complained_count",
    "unique_opened_count",
    "unique_clicked_count",
    "unsubscribed_count",
    "temporary_failed_count",
    "suppressed_bounces_count",
    "suppressed_unsubscribed_count",
    "suppressed_complaints_count",
    "delivered_first_attempt_count",
)
TIME_LIMIT = 1500  # max page for the time dimension
OTHER_LIMIT = 1000  # max page for other dimensions
EVENTS_LIMIT = 300  # the events API's maximum page
RECENT_EVENTS = 50
#: accepted/delivered events read for time to deliver, over all domains (pages of 300);
#: at least one page and at most LATENCY_PAGES pages per domain
LATENCY_EVENTS = 6000
LATENCY_PAGES = 4


def _rfc2822(day: date) -> str:
    return email.utils.format_datetime(datetime.combine(day, time(), tzinfo=UTC))


def _counts(metrics: Mapping[str, Any]) -> dict[str, int]:
    def get(name: str) -> int:
        value = metrics.get(name)
        return int(value) if isinstance(value, int | float) else 0

    return {
        "sent": get("sent_count"),
        "delivered": get("delivered_count"),
        "hard_bounced": get("hard_bounces_count"),
        "soft_bounced": get("soft_bounces_count"),
        "complained": get("complained_count"),
        "opened_unique": get("unique_opened_count"),
        "clicked_unique": get("unique_clicked_count"),
        "unsubscribed": get("unsubscribed_count"),
        "deferred": get("temporary_failed_count"),
        "rejected": get("suppressed_bounces_count")
        + get("suppressed_unsubscribed_count")
        + get("suppressed_complaints_count"),
        "first_attempt": get("delivered_first_attempt_count"),
    }


async def _metrics(
    api: MailgunApi, domain: str, dimension: str, start: date, end: date
) -> list[wire.MetricsItem]:
    limit = TIME_LIMIT if dimension == "time" else OTHER_LIMIT
    path = "/v1/analytics/metrics"

    async def page(skip: int) -> Page[wire.MetricsItem]:
        body = {
            "start": _rfc2822(start),
            "end": _rfc2822(end),
            "resolution": "day",
            "dimensions": [dimension],
            "metrics": list(METRICS),
            "filter": {
                "AND": [
                    {
                        "attribute": "domain",
                        "comparator": "=",
                        "values": [{"label": domain, "value": domain}],
                    }
                ]
            },
            "include_aggregates": False,
            "pagination": {"sort": f"{dimension}:asc", "skip": skip, "limit": limit},
        }
        # a metrics query reads only: repeating it is safe, so it may be retried
        found = await api.http.send("POST", path, wire.MetricsResponse, json_body=body, retry=True)
        total = found.pagination.total if found.pagination else None
        return Page(found.items, total)

    ceiling = api.http.options.max_listing_items
    why = None
    if dimension == "time":
        # one bucket per day of the window (and one more if it straddles a day boundary)
        days = (end - start).days + 1
        if days < ceiling:
            ceiling, why = days, f"a {days - 1}-day window has at most {days} daily buckets"
    return await read_offset_pages(
        page,
        listing=Listing(api.id, "POST", path),
        page_size=limit,
        key=lambda item: tuple((d.dimension, d.value) for d in item.dimensions),
        ceiling=ceiling,
        why=why,
    )


def _dimension(item: wire.MetricsItem, name: str) -> str | None:
    for dim in item.dimensions:
        if dim.dimension == name:
            return dim.value
    return None


def _days(items: list[wire.MetricsItem], start: date, end: date) -> dict[date, dict[str, int]]:
    """Time-dimension items as counts per UTC day in [start, end)."""
    days: dict[date, dict[str, int]] = {}
    for item in items:
        value = _dimension(item, "time")
        try:
            day = email.utils.parsedate_to_datetime(value or "").astimezone(UTC).date()
        except (TypeError, ValueError):
            continue
        if start <= day < end:
            days[day] = _counts(item.metrics)
    return dict(sorted(days.items()))


def _tags(items: list[wire.MetricsItem]) -> dict[str, dict[str, int]]:
    """Tag-dimension items as counts per tag."""
    tags = {}
    for item in items:
        tag = _dimension(item, "tag")
        if tag:
            tags[tag] = _counts(item.metrics)
    return tags


def _epoch(day: date) -> int:
    return int(datetime.combine(day, time(), tzinfo=UTC).timestamp())


def _window_params(query: TrafficQuery) -> dict[str, Any]:
    # begin after end: newest first, within the window, in either reading of the API
    return {"begin": _epoch(query.end), "end": _epoch(query.start)}


async def _events(
    api: MailgunApi, domain: str, query: TrafficQuery, params: dict[str, Any]
) -> list[NormalizedEvent]:
    page = await api.http.get_checked(
        f"/v3/{domain}/events",
        wire.EventsPage,
        {"limit": EVENTS_LIMIT, **_window_params(query), **params},
    )
    return parse_mailgun_events_page(page, provider=api.id, domain=domain)


async def _paged_events(
    api: MailgunApi, domain: str, query: TrafficQuery, params: dict[str, Any], pages: int
) -> list[NormalizedEvent]:
    """Up to ``pages`` pages, following ``paging.next`` only on the API's own host."""
    path = f"/v3/{domain}/events"

    async def first() -> wire.EventsPage:
        return await api.http.get(
            path, wire.EventsPage, {"limit": EVENTS_LIMIT, **_window_params(query), **params}
        )

    async def follow(url: str) -> wire.EventsPage:
        return await api.http.get(url, wire.EventsPage)

    found = await read_cursor_pages(
        first,
        follow,
        next_of=lambda page: page.paging.next if page.paging else None,
        has_items=lambda page: bool(page.items),
        # A paging URL elsewhere would receive our credentials: never follow one.
        same_host=api.base_url.rstrip("/") + "/",
        max_pages=pages,
    )
    return [
        event
        for page in found
        for event in parse_mailgun_events_page(
            {"items": page.items}, provider=api.id, domain=domain
        )
    ]


def _delivery_seconds(events: Sequence[NormalizedEvent], query: TrafficQuery) -> list[float]:
    """accepted -> first delivered, per Message-Id accepted inside the window."""
    accepted: dict[str, datetime] = {}
    delivered: dict[str, datetime] = {}
    for e in events:
        if not e.message_id:
            continue
        if e.event_type is EventType.queued:
            seen = accepted.get(e.message_id)
            accepted[e.message_id] = min(seen, e.timestamp) if seen else e.timestamp
        elif e.event_type is EventType.delivered:
            seen = delivered.get(e.message_id)
            delivered[e.message_id] = min(seen, e.timestamp) if seen else e.timestamp
    return [
        max(0.0, (delivered[m] - at).total_seconds())
        for m, at in sorted(accepted.items())
        if m in delivered and query.start <= at.date() < query.end
    ]


def _window_sum(days: Mapping[date, Counts], query: TrafficQuery, *names: str) -> int:
    return sum(
        int(c.get(n, 0)) for d, c in days.items() if query.start <= d < query.end for n in names
    )


@dataclass(frozen=True)
class _DomainReads:
    """What was read for one domain (None: that read failed)."""

    by_time: list[wire.MetricsItem] | None
    by_tag: list[wire.MetricsItem] | None
    permanent: list[NormalizedEvent] | None
    temporary: list[NormalizedEvent] | None
    recent: list[NormalizedEvent] | None
    paired: list[NormalizedEvent] | None


async def read_mailgun_traffic(
    api: MailgunApi, query: TrafficQuery, domains: Sequence[str]
) -> TrafficData:
    """Metrics for ``domains`` (daily from ``history_start``), failures, events."""
    units = Units(api.id)
    pages = max(1, min(LATENCY_PAGES, LATENCY_EVENTS // (EVENTS_LIMIT * max(len(domains), 1))))

    async def domain_reads(d: str) -> _DomainReads:
        unit = f"domain {d}"
        found = await settle(
            units.read(
                unit, "daily metrics", _metrics(api, d, "time", query.history_start, query.end)
            ),
            units.read(unit, "tag metrics", _metrics(api, d, "tag", query.start, query.end)),
            units.read(
                unit,
                "permanent failures",
                _events(api, d, query, {"event": "failed", "severity": "permanent"}),
            ),
            units.read(
                unit,
                "temporary failures",
                _events(api, d, query, {"event": "failed", "severity": "temporary"}),
            ),
            units.read(unit, "recent events", _events(api, d, query, {"limit": RECENT_EVENTS})),
            units.read(
                unit,
                "accepted/delivered events",
                _paged_events(api, d, query, {"event": "accepted OR delivered"}, pages),
            ),
        )
        return _DomainReads(*found)

    results = await settle(*(domain_reads(d) for d in domains))
    buckets: dict[str, Mapping[date, Counts]] = {}
    tags: dict[str, dict[str, int]] = {}
    permanent: list[NormalizedEvent] = []
    temporary: list[NormalizedEvent] = []
    permanent_total = temporary_total = first = delivered = 0
    recent: list[NormalizedEvent] = []
    seconds: list[float] = []
    for domain, reads in zip(domains, results, strict=True):
        by_time, by_tag, perm, temp = reads.by_time, reads.by_tag, reads.permanent, reads.temporary
        latest, paired = reads.recent, reads.paired
        if by_time is not None:
            days = _days(by_time, query.history_start, query.end)
            buckets[domain] = days
            first += _window_sum(days, query, "first_attempt")
            delivered += _window_sum(days, query, "delivered")
            if perm is not None:
                permanent.extend(perm)
                permanent_total += _window_sum(
                    days, query, "hard_bounced", "soft_bounced", "rejected"
                )
            if temp is not None:
                temporary.extend(temp)
                temporary_total += _window_sum(days, query, "deferred")
        for tag, counts in (_tags(by_tag) if by_tag is not None else {}).items():
            row = tags.setdefault(tag, {})
            for name, value in counts.items():
                row[name] = row.get(name, 0) + value
        recent.extend(latest or ())
        seconds.extend(_delivery_seconds(paired or (), query))
    detail = f"latest {EVENTS_LIMIT} per domain from /v3/{{domain}}/events"
    samples = (
        ReasonSample(
            "permanent", len(permanent), permanent_total, tally_reasons(permanent), detail
        ),
        ReasonSample(
            "temporary", len(temporary), temporary_total, tally_reasons(temporary), detail
        ),
    )
    tags_ok = not any(f.what == "tag metrics" for f in units.failures)
    return TrafficData(
        buckets=buckets,
        tags={t: {k: v for k, v in c.items() if k != "first_attempt"} for t, c in tags.items()},
        tags_complete=tags_ok,
        reason_samples=samples,
        events=tuple(sorted(recent, key=lambda e: e.timestamp)[-RECENT_EVENTS:]),
        first_attempt=(first, delivered) if delivered else None,
        delivery_seconds=tuple(seconds),
        latency_source=(
            "accepted to first delivered event per Message-Id, latest "
            f"{pages * EVENTS_LIMIT} accepted/delivered events per domain (events API)"
        ),
        sources=(
            (
                "metrics API",
                f"/v1/analytics/metrics by day and tag for {plural(len(domains), 'domain')}",
            ),
            (
                "events API",
                "/v3/{domain}/events: failures, recent events, accepted/delivered pairs",
            ),
        ),
        notes=("Mailgun metrics are bucketed by UTC day.",),
        failures=tuple(units.failures),
        units=units.count,
    )
