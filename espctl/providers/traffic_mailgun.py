"""Mailgun traffic for the report: the metrics API per domain and tag, and events.

``POST /v1/analytics/metrics`` (ESP-API.md 2.9) takes a JSON body; counts come back as
integers (or null) and rates as strings, so espctl reads counts only and computes its
own rates. Suppressed messages (Mailgun's ``suppressed_*`` counts) are reported as
rejected, not as bounces.
"""

from __future__ import annotations

import email.utils
from collections import Counter
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import TYPE_CHECKING, Any

from espctl.errors import EspctlError
from espctl.model.events import NormalizedEvent
from espctl.model.traffic import BounceReasonCount, Counts, TrafficData
from espctl.providers.concurrency import settle
from espctl.providers.events_mailgun import parse_mailgun_events_page

if TYPE_CHECKING:
    from espctl.providers.mailgun import MailgunApi

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
EVENTS_LIMIT = 300


def _rfc2822(day: date) -> str:
    return email.utils.format_datetime(datetime.combine(day, time(), tzinfo=UTC))


def _counts(metrics: dict[str, Any]) -> dict[str, int]:
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
) -> list[dict[str, Any]]:
    limit = TIME_LIMIT if dimension == "time" else OTHER_LIMIT
    items: list[dict[str, Any]] = []
    skip = 0
    while True:
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
        response = await api.http.request(
            "POST", "/v1/analytics/metrics", json_body=body, retry=True
        )
        page = api.http.decode(response, "POST", "/v1/analytics/metrics")
        batch = page.get("items") or []
        items.extend(batch)
        skip += len(batch)
        if len(batch) < limit:
            return items


def _dimension(item: dict[str, Any], name: str) -> str | None:
    for dim in item.get("dimensions") or []:
        if dim.get("dimension") == name:
            return str(dim.get("value"))
    return None


async def _domain(
    api: MailgunApi, domain: str, start: date, end: date
) -> tuple[dict[date, dict[str, int]], dict[str, dict[str, int]]]:
    by_time, by_tag = await settle(
        _metrics(api, domain, "time", start, end), _metrics(api, domain, "tag", start, end)
    )
    days: dict[date, dict[str, int]] = {}
    for item in by_time:
        value = _dimension(item, "time")
        try:
            day = email.utils.parsedate_to_datetime(value or "").astimezone(UTC).date()
        except (TypeError, ValueError):
            continue
        if start <= day < end:
            days[day] = _counts(item.get("metrics") or {})
    tags = {}
    for item in by_tag:
        tag = _dimension(item, "tag")
        if tag:
            tags[tag] = _counts(item.get("metrics") or {})
    return dict(sorted(days.items())), tags


def _epoch(day: date) -> int:
    return int(datetime.combine(day, time(), tzinfo=UTC).timestamp())


async def _events(
    api: MailgunApi, domain: str, start: date, end: date, params: dict[str, Any]
) -> list[NormalizedEvent]:
    # begin after end: newest first, within the window, in either reading of the API
    query = {"limit": EVENTS_LIMIT, "begin": _epoch(end), "end": _epoch(start), **params}
    page = await api.http.get_json(f"/v3/{domain}/events", query)
    try:
        return parse_mailgun_events_page(page, provider=api.id, domain=domain)
    except EspctlError:
        return []


async def read_mailgun_traffic(
    api: MailgunApi, start: date, end: date, domains: Sequence[str]
) -> TrafficData:
    """Metrics for ``domains`` over [start, end), bounce reasons and recent events."""
    per_domain, recent, failures = await settle(
        settle(*(_domain(api, d, start, end) for d in domains)),
        settle(*(_events(api, d, start, end, {"limit": 50}) for d in domains)),
        settle(
            *(
                _events(api, d, start, end, {"event": "failed", "severity": "permanent"})
                for d in domains
            )
        ),
    )
    tags: dict[str, dict[str, int]] = {}
    first = delivered = 0
    buckets: dict[str, Mapping[date, Counts]] = {}
    for domain, (days, domain_tags) in zip(domains, per_domain, strict=True):
        buckets[domain] = days
        for counts in days.values():
            first += counts.get("first_attempt", 0)
            delivered += counts.get("delivered", 0)
        for tag, counts in domain_tags.items():
            row = tags.setdefault(tag, {})
            for name, value in counts.items():
                row[name] = row.get(name, 0) + value
    reasons: Counter[tuple[str, str, int | None]] = Counter()
    for event in (e for batch in failures for e in batch):
        reason = event.reject_reason.value if event.reject_reason else event.event_type.value
        reasons[(reason, event.provider_event_type, event.smtp_code)] += 1
    events = sorted((e for batch in recent for e in batch), key=lambda e: e.timestamp)
    return TrafficData(
        buckets=buckets,
        tags={t: {k: v for k, v in c.items() if k != "first_attempt"} for t, c in tags.items()},
        bounce_reasons=tuple(
            BounceReasonCount(r, p, code, n) for (r, p, code), n in reasons.most_common(10)
        ),
        events=tuple(events[-50:]),
        first_attempt=(first, delivered) if delivered else None,
        sources=(
            ("metrics API", f"/v1/analytics/metrics by day and tag for {len(domains)} domains"),
            (
                "events API",
                "/v3/{domain}/events: recent events and permanent failures "
                f"(up to {EVENTS_LIMIT} per domain)",
            ),
        ),
        notes=("Mailgun metrics are bucketed by UTC day.",),
    )
