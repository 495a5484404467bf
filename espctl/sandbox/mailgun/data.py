"""Mailgun analytics: ``POST /v1/analytics/metrics``, ``GET /v3/{domain}/stats/total``,
and the events routes (implemented in :mod:`mgevents`).

Counts come from :class:`Traffic` (buckets = domain names). Hourly buckets split each
day's counts over a fixed diurnal profile with largest-remainder rounding, so hours
always add up to the day.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ..http import BadRequestBody, Request, Response, Router
from ..traffic import DayCounts, TrafficSource
from . import events
from .api import guarded
from .wire import MgAbort, MgContext, domain_or_404, mg_error, parse_when, rfc2822

_HOURLY = (1, 1, 1, 1, 1, 2, 4, 6, 8, 9, 9, 8, 7, 7, 7, 7, 6, 5, 4, 3, 2, 2, 1, 1)


def split_day(counts: DayCounts) -> list[DayCounts]:
    """24 hourly counts whose field-wise sums equal ``counts``."""
    total_w = sum(_HOURLY)
    columns: dict[str, list[int]] = {}
    for name, value in vars(counts).items():
        exact = [value * w / total_w for w in _HOURLY]
        floors = [int(x) for x in exact]
        rest = value - sum(floors)
        order = sorted(range(24), key=lambda h: exact[h] - floors[h], reverse=True)
        for h in order[:rest]:
            floors[h] += 1
        columns[name] = floors
    return [DayCounts(**{k: v[h] for k, v in columns.items()}) for h in range(24)]


_C: dict[str, Callable[[DayCounts], int]] = {
    "accepted_incoming_count": lambda c: 0,
    "accepted_outgoing_count": lambda c: c.sent,
    "accepted_count": lambda c: c.sent,
    "delivered_smtp_count": lambda c: c.delivered,
    "delivered_http_count": lambda c: 0,
    "delivered_optimized_count": lambda c: 0,
    "delivered_count": lambda c: c.delivered,
    "stored_count": lambda c: 0,
    "processed_count": lambda c: c.sent,
    "sent_count": lambda c: c.sent,
    "opened_count": lambda c: c.opened,
    "clicked_count": lambda c: c.clicked,
    "unique_opened_count": lambda c: c.unique_opened,
    "unique_clicked_count": lambda c: c.unique_clicked,
    "unsubscribed_count": lambda c: c.unsubscribed,
    "complained_count": lambda c: c.complained,
    "failed_count": lambda c: c.bounced + c.deferred,
    "temporary_failed_count": lambda c: c.deferred,
    "permanent_failed_count": lambda c: c.bounced,
    "temporary_failed_esp_block_count": lambda c: 0,
    "permanent_failed_esp_block_count": lambda c: 0,
    "rate_limit_count": lambda c: 0,
    "webhook_count": lambda c: 0,
    "permanent_failed_optimized_count": lambda c: 0,
    "permanent_failed_old_count": lambda c: 0,
    "bounced_count": lambda c: c.bounced,
    "hard_bounces_count": lambda c: c.hard_bounced,
    "soft_bounces_count": lambda c: c.soft_bounced,
    "delayed_bounce_count": lambda c: 0,
    "suppressed_bounces_count": lambda c: 0,
    "suppressed_unsubscribed_count": lambda c: 0,
    "suppressed_complaints_count": lambda c: 0,
    "delivered_first_attempt_count": lambda c: c.delivered - c.deferred,
    "delayed_first_attempt_count": lambda c: c.deferred,
    "delivered_subsequent_count": lambda c: c.deferred,
    "delivered_two_plus_attempts_count": lambda c: c.deferred,
}
#: rate -> (numerator metric, denominator metric), per Mailgun's rate definitions.
_R: dict[str, tuple[str, str]] = {
    "delivered_rate": ("delivered_count", "sent_count"),
    "opened_rate": ("opened_count", "delivered_count"),
    "clicked_rate": ("clicked_count", "delivered_count"),
    "unique_opened_rate": ("unique_opened_count", "delivered_count"),
    "unique_clicked_rate": ("unique_clicked_count", "delivered_count"),
    "unsubscribed_rate": ("unsubscribed_count", "delivered_count"),
    "complained_rate": ("complained_count", "delivered_count"),
    "bounce_rate": ("bounced_count", "processed_count"),
    "fail_rate": ("failed_count", "processed_count"),
    "permanent_fail_rate": ("permanent_failed_count", "processed_count"),
    "temporary_fail_rate": ("temporary_failed_count", "processed_count"),
    "delayed_rate": ("delivered_two_plus_attempts_count", "delivered_count"),
    "delayed_first_attempt_rate": ("delayed_first_attempt_count", "processed_count"),
}
_DIMENSIONS = ("time", "domain", "tag")
_COMPARATORS = ("=", "!=", "contains", "not contains")


def metric_values(counts: DayCounts, names: list[str]) -> dict[str, int | str]:
    """Counts as ints, rates as 4-decimal fraction strings."""
    out: dict[str, int | str] = {}
    for name in names:
        if name in _C:
            out[name] = _C[name](counts)
        else:
            num, den = _R[name]
            denominator = _C[den](counts)
            out[name] = f"{(_C[num](counts) / denominator if denominator else 0):.4f}"
    return out


def _duration(value: str) -> timedelta:
    found = re.fullmatch(r"(\d+)([hdm])", value.strip())
    if not found:
        raise MgAbort(mg_error(400, f"Invalid duration: {value}"))
    n, unit = int(found.group(1)), found.group(2)
    return {"h": timedelta(hours=n), "d": timedelta(days=n), "m": timedelta(days=30 * n)}[unit]


def _range(
    ctx: MgContext, start: str | None, end: str | None, duration: str | None
) -> tuple[datetime, datetime]:
    stop = parse_when(end) if end else ctx.state.now
    begin = parse_when(start) if start else stop - timedelta(days=7)
    if duration:
        begin = stop - _duration(duration)
    if begin > stop:
        raise MgAbort(mg_error(400, "start must be before end"))
    return begin, stop


def _buckets(begin: datetime, stop: datetime, resolution: str) -> list[datetime]:
    """Bucket starts covering ``[begin, stop)`` at ``resolution``."""
    if resolution == "hour":
        t = begin.replace(minute=0, second=0, microsecond=0)
        step: Callable[[datetime], datetime] = lambda x: x + timedelta(hours=1)  # noqa: E731
    elif resolution == "day":
        t = begin.replace(hour=0, minute=0, second=0, microsecond=0)
        step = lambda x: x + timedelta(days=1)  # noqa: E731
    else:
        t = begin.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
        step = lambda x: (x + timedelta(days=32)).replace(day=1)  # noqa: E731
    out: list[datetime] = []
    while t < stop:
        out.append(t)
        t = step(t)
    return out


def _bucket_counts(
    ctx: MgContext, sources: list[TrafficSource], bucket: datetime, resolution: str
) -> DayCounts:
    total = DayCounts()
    if resolution == "month":
        day = bucket.date()
        while day.month == bucket.month:
            total = total + _day_sum(ctx, sources, day)
            day += timedelta(days=1)
        return total
    counts = _day_sum(ctx, sources, bucket.date())
    return split_day(counts)[bucket.hour] if resolution == "hour" else counts


def _day_sum(ctx: MgContext, sources: list[TrafficSource], day: date) -> DayCounts:
    total = DayCounts()
    for source in sources:
        total = total + ctx.traffic.day(source, day)
    return total


def _keep(value: str, predicates: list[tuple[str, list[str]]]) -> bool:
    for comparator, values in predicates:
        hit_eq = value in values
        hit_contains = any(v in value for v in values)
        ok = {
            "=": hit_eq,
            "!=": not hit_eq,
            "contains": hit_contains,
            "not contains": not hit_contains,
        }[comparator]
        if not ok:
            return False
    return True


def _parse_metrics_query(data: Any) -> dict[str, Any]:
    if not isinstance(data, dict):
        raise MgAbort(mg_error(400, "request body must be a JSON object"))
    dims = data.get("dimensions") or []
    metrics = data.get("metrics") or []
    if not isinstance(dims, list) or any(d not in _DIMENSIONS for d in dims):
        raise MgAbort(mg_error(400, f"dimensions must be among {', '.join(_DIMENSIONS)}"))
    if not isinstance(metrics, list) or not metrics:
        raise MgAbort(mg_error(400, "metrics is required"))
    for name in metrics:
        if name not in _C and name not in _R:
            raise MgAbort(mg_error(400, f"invalid metric: {name}"))
    resolution = data.get("resolution") or "day"
    if resolution not in ("hour", "day", "month"):
        raise MgAbort(mg_error(400, f"invalid resolution: {resolution}"))
    filters: dict[str, list[tuple[str, list[str]]]] = {"domain": [], "tag": []}
    for pred in (data.get("filter") or {}).get("AND") or []:
        attribute, comparator = pred.get("attribute"), pred.get("comparator")
        if attribute not in filters or comparator not in _COMPARATORS:
            raise MgAbort(mg_error(400, f"unsupported filter: {attribute} {comparator}"))
        values = [str(v.get("value", "")).lower() for v in pred.get("values") or []]
        filters[attribute].append((comparator, values))
    return {"dims": dims, "metrics": metrics, "resolution": resolution, "filters": filters}


def metrics(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    try:
        data = request.json()
    except BadRequestBody:
        return mg_error(400, "invalid JSON body")
    q = _parse_metrics_query(data)
    begin, stop = _range(ctx, data.get("start"), data.get("end"), data.get("duration"))
    resolution, dims, names = q["resolution"], q["dims"], q["metrics"]
    domains = {d.name for d in ctx.account.domains if d.region == ctx.region}
    sources = [
        s
        for s in ctx.traffic.select("mailgun")
        if s.bucket in domains
        and _keep(s.bucket, q["filters"]["domain"])
        and _keep(s.tag, q["filters"]["tag"])
    ]
    buckets = _buckets(begin, stop, resolution)
    groups: dict[tuple[str, ...], list[TrafficSource]] = {}
    for source in sources:
        key = tuple(source.bucket if d == "domain" else source.tag for d in dims if d != "time")
        groups.setdefault(key, []).append(source)
    if not groups and dims == ["time"]:
        groups[()] = []
    items: list[dict[str, Any]] = []
    aggregate = DayCounts()
    for key, members in sorted(groups.items()):
        for bucket in buckets if "time" in dims else [None]:
            if bucket is None:
                counts = DayCounts()
                for b in buckets:
                    counts = counts + _bucket_counts(ctx, members, b, resolution)
            else:
                counts = _bucket_counts(ctx, members, bucket, resolution)
            aggregate = aggregate + counts
            if dims != ["time"] and counts.sent == 0:
                continue
            labels = iter(key)
            dim_values = [rfc2822(bucket) if d == "time" and bucket else next(labels) for d in dims]
            items.append(
                {
                    "dimensions": [
                        {"dimension": d, "value": v, "display_value": v}
                        for d, v in zip(dims, dim_values, strict=True)
                    ],
                    "metrics": metric_values(counts, names),
                }
            )
    page = data.get("pagination") or {}
    limit_max = 1500 if "time" in dims else 1000
    limit = int(page.get("limit") or (1500 if "time" in dims else 10))
    skip = int(page.get("skip") or 0)
    sort = str(page.get("sort") or ("time:asc" if "time" in dims else f"{(dims or ['x'])[0]}:asc"))
    if limit < 1 or limit > limit_max or skip < 0:
        return mg_error(400, f"pagination limit must be between 1 and {limit_max}")
    sort_dim, _, direction = sort.partition(":")
    if sort_dim in dims:
        index = dims.index(sort_dim)
        if sort_dim != "time":
            items.sort(key=lambda it: it["dimensions"][index]["value"])
        if direction == "desc":
            items.reverse()
    body: dict[str, Any] = {
        "start": rfc2822(begin),
        "end": rfc2822(stop),
        "resolution": resolution,
        "dimensions": dims,
        "pagination": {"sort": sort, "skip": skip, "limit": limit, "total": len(items)},
        "items": items[skip : skip + limit],
    }
    if data.get("duration"):
        body["duration"] = data["duration"]
    if data.get("include_aggregates"):
        body["aggregates"] = {"metrics": metric_values(aggregate, names)}
    return Response.json(200, body)


_STAT_EVENTS = (
    "accepted",
    "delivered",
    "failed",
    "opened",
    "clicked",
    "unsubscribed",
    "complained",
    "stored",
)


def _stat_block(event: str, c: DayCounts) -> dict[str, Any]:
    blocks: dict[str, dict[str, Any]] = {
        "accepted": {"incoming": 0, "outgoing": c.sent, "total": c.sent},
        "delivered": {"smtp": c.delivered, "http": 0, "optimized": 0, "total": c.delivered},
        "failed": {
            "temporary": {"espblock": 0, "total": c.deferred},
            "permanent": {
                "suppress-bounce": 0,
                "suppress-unsubscribe": 0,
                "suppress-complaint": 0,
                "bounce": c.bounced,
                "delayed-bounce": 0,
                "webhook": 0,
                "optimized": 0,
                "total": c.bounced,
            },
        },
        "opened": {"total": c.opened, "unique": c.unique_opened},
        "clicked": {"total": c.clicked, "unique": c.unique_clicked},
        "unsubscribed": {"total": c.unsubscribed},
        "complained": {"total": c.complained},
        "stored": {"total": 0},
    }
    return blocks[event]


def stats_total(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    domain = domain_or_404(ctx, params["domain"])
    events = [v for k, v in request.query if k == "event"]
    if not events:
        return mg_error(400, "Missing mandatory parameter: event")
    for event in events:
        if event not in _STAT_EVENTS:
            return mg_error(400, f"Invalid event: {event}")
    query = dict(request.query)
    resolution = query.get("resolution") or "day"
    if resolution not in ("hour", "day", "month"):
        return mg_error(400, f"Invalid resolution: {resolution}")
    begin, stop = _range(ctx, query.get("start"), query.get("end"), query.get("duration"))
    sources = ctx.traffic.select("mailgun", bucket=domain.name)
    stats = []
    for bucket in _buckets(begin, stop, resolution):
        counts = _bucket_counts(ctx, sources, bucket, resolution)
        row: dict[str, Any] = {"time": bucket.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S UTC")}
        for event in events:
            row[event] = _stat_block(event, counts)
        stats.append(row)
    fmt = "%a, %d %b %Y %H:%M:%S UTC"
    return Response.json(
        200,
        {
            "description": f"Stats for domain {domain.name}",
            "start": begin.strftime(fmt),
            "end": stop.strftime(fmt),
            "resolution": resolution,
            "stats": stats,
        },
    )


def register(router: Router[MgContext]) -> None:
    """Add the analytics and events routes to ``router``."""
    router.add("POST", r"/v1/analytics/metrics", guarded(metrics))
    router.add("GET", r"/v3/(?P<domain>[^/]+)/stats/total", guarded(stats_total))
    router.add("GET", r"/v3/(?P<domain>[^/]+)/events", guarded(events.list_events))
    router.add(
        "GET",
        r"/v3/(?P<domain>[^/]+)/events/(?P<token>[A-Za-z0-9_-]+)",
        guarded(events.events_page),
    )
