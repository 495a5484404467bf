"""SendGrid statistics and suppression lists: ``GET /v3/stats``,
``GET /v3/categories/stats``, ``GET /v3/suppression/bounces`` and ``.../blocks``.

Counts come from :class:`~espctl.sandbox.traffic.Traffic` (bucket = the username the
request acts for, tag = category; :mod:`.traffic` says how they read). Days are UTC
dates, inclusive at both ends; ``aggregated_by`` week or month sums days into periods
named by their first day. Suppression records are made from the same counts: each day's
hard bounces are that day's ``bounces`` records, its soft bounces its ``blocks``.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from typing import Any

from ..http import Request, Response, Router
from ..traffic import DayCounts, TrafficSource
from .api import needs
from .traffic import Drops, drops
from .wire import SgAbort, SgContext

STATS_LIMIT = 500  # the API's maximum `limit` for stats (no default: every period)
SUPPRESSION_LIMIT = 500  # the suppression lists' maximum `limit`

_BOUNCES = (
    ("550 5.1.1 The email account that you tried to reach does not exist.", "5.1.1"),
    ("550 5.1.1 <{email}>: Recipient address rejected: User unknown", "5.1.1"),
    ("552 5.2.2 The email account that you tried to reach is over quota.", "5.2.2"),
    ("550 5.7.1 Message rejected due to content restrictions", "5.7.1"),
)
_BLOCKS = (
    ("421 4.7.0 Try again later, closing connection.", "4.7.0"),
    ("451 4.7.1 Service unavailable - try again later", "4.7.1"),
    ("550 5.7.1 Email rejected per DMARC policy for em.acme-mail.com", "5.7.1"),
    ("unable to resolve MX record for {domain}: servfail", "4.0.0"),
)
_DOMAINS = ("gmail.com", "yahoo.com", "outlook.com", "icloud.com", "gmx.de", "example.org")


def _query(request: Request, name: str) -> str | None:
    for key, value in request.query:
        if key == name:
            return value
    return None


def _date(request: Request, name: str, default: date | None) -> date:
    raw = _query(request, name)
    if raw is None or raw == "":
        if default is None:
            raise SgAbort(400, "missing required argument", name)
        return default
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise SgAbort(400, "is not a valid date (YYYY-MM-DD)", name) from None


def _window(ctx: SgContext, request: Request) -> tuple[date, date, str]:
    today = ctx.traffic.now.date()
    start = _date(request, "start_date", None)
    end = _date(request, "end_date", today)
    if end < start:
        raise SgAbort(400, "end_date must be after start_date", "end_date")
    if start > today:
        raise SgAbort(400, "start_date must be prior to today", "start_date")
    by = _query(request, "aggregated_by") or "day"
    if by not in ("day", "week", "month"):
        raise SgAbort(400, "is not a valid value (day, week, month)", "aggregated_by")
    return start, end, by


def _period(day: date, by: str) -> date:
    if by == "week":
        return day - timedelta(days=day.weekday())
    if by == "month":
        return day.replace(day=1)
    return day


def _metrics(c: DayCounts, d: Drops) -> dict[str, int]:
    return {
        "blocks": c.soft_bounced,
        "bounce_drops": d.bounce_drops,
        "bounces": c.hard_bounced,
        "clicks": c.clicked,
        "deferred": c.deferred,
        "delivered": c.delivered,
        "invalid_emails": d.invalid_emails,
        "opens": c.opened,
        "processed": c.sent,
        "requests": c.sent + d.total,
        "spam_report_drops": d.spam_report_drops,
        "spam_reports": c.complained,
        "unique_clicks": c.unique_clicked,
        "unique_opens": c.unique_opened,
        "unsubscribe_drops": d.unsubscribe_drops,
        "unsubscribes": c.unsubscribed,
    }


def _counts(
    ctx: SgContext, sources: list[TrafficSource], start: date, end: date, by: str
) -> dict[date, tuple[DayCounts, Drops]]:
    """Per period (in order, every period of the window, zeros included)."""
    out: dict[date, tuple[DayCounts, Drops]] = {}
    day = start
    while day <= end:
        counts, dropped = out.get(_period(day, by), (DayCounts(), Drops()))
        for source in sources:
            found = ctx.traffic.day(source, day)
            counts = counts + found
            dropped = dropped + drops(ctx.traffic.seed, source, day, found.sent)
        out[_period(day, by)] = (counts, dropped)
        day += timedelta(days=1)
    return out


def _paged(request: Request, items: list[Any], ceiling: int) -> list[Any]:
    limit = _int(request, "limit")
    offset = _int(request, "offset") or 0
    if limit is not None and limit > ceiling:
        raise SgAbort(400, f"limit must be at most {ceiling}", "limit")
    return items[offset:] if limit is None else items[offset : offset + limit]


def _int(request: Request, name: str) -> int | None:
    raw = _query(request, name)
    if raw is None:
        return None
    try:
        value = int(raw)
    except ValueError:
        raise SgAbort(400, "must be an integer", name) from None
    if value < 0:
        raise SgAbort(400, "must be positive", name)
    return value


@needs("stats.read")
def global_stats(ctx: SgContext, request: Request, params: dict[str, str]) -> Response:
    start, end, by = _window(ctx, request)
    sources = ctx.traffic.select(provider="sendgrid", bucket=ctx.user.username)
    rows = [
        {"date": period.isoformat(), "stats": [{"metrics": _metrics(c, d)}]}
        for period, (c, d) in _counts(ctx, sources, start, end, by).items()
    ]
    return Response.json(200, _paged(request, rows, STATS_LIMIT))


@needs("categories.stats.read")
def category_stats(ctx: SgContext, request: Request, params: dict[str, str]) -> Response:
    """``categories`` repeated, 1 to 10. A category with no mail answers zeros
    (UNCONFIRMED: SendGrid may refuse a category it never saw; zeros are the reading
    that keeps a report's other tags)."""
    start, end, by = _window(ctx, request)
    names = [v for k, v in request.query if k == "categories" and v]
    if not names:
        raise SgAbort(400, "missing required argument", "categories")
    if len(names) > 10:
        raise SgAbort(400, "a maximum of 10 categories is allowed", "categories")
    per: dict[str, dict[date, tuple[DayCounts, Drops]]] = {}
    for name in names:
        sources = ctx.traffic.select(provider="sendgrid", bucket=ctx.user.username, tag=name)
        per[name] = _counts(ctx, sources, start, end, by)
    periods = list(next(iter(per.values())))
    rows = [
        {
            "date": period.isoformat(),
            "stats": [
                {"type": "category", "name": name, "metrics": _metrics(*per[name][period])}
                for name in names
            ],
        }
        for period in periods
    ]
    return Response.json(200, _paged(request, rows, STATS_LIMIT))


def _suppressions(ctx: SgContext, request: Request, kind: str) -> Response:
    """Newest first; ``start_time``/``end_time`` (epoch seconds, inclusive) filter by
    ``created``; ``limit``/``offset`` page."""
    start = _int(request, "start_time")
    end = _int(request, "end_time")
    sources = ctx.traffic.select(provider="sendgrid", bucket=ctx.user.username)
    table = _BOUNCES if kind == "bounces" else _BLOCKS
    limit = _int(request, "limit")
    if limit is not None and limit > SUPPRESSION_LIMIT:
        raise SgAbort(400, f"limit must be at most {SUPPRESSION_LIMIT}", "limit")
    offset = _int(request, "offset") or 0
    wanted = offset + (limit if limit is not None else 10**9)
    out: list[dict[str, Any]] = []
    for day in sorted(ctx.traffic.days, reverse=True):
        midnight = int(datetime.combine(day, datetime.min.time(), tzinfo=UTC).timestamp())
        if (end is not None and midnight > end) or (start is not None and midnight + 86399 < start):
            continue
        for source in sources:
            counts = ctx.traffic.day(source, day)
            n = counts.hard_bounced if kind == "bounces" else counts.soft_bounced
            rng = random.Random(f"{ctx.traffic.seed}|sendgrid-{kind}|{source.tag}|{day}")
            for i in range(n):
                created = midnight + 86399 - rng.randrange(86400)
                domain = rng.choice(_DOMAINS)
                email = f"{source.tag}.{day:%m%d}.{i}@{domain}"
                reason, status = rng.choice(table)
                if (start is not None and created < start) or (end is not None and created > end):
                    continue
                out.append(
                    {
                        "created": created,
                        "email": email,
                        "reason": reason.format(email=email, domain=domain),
                        "status": status,
                    }
                )
        if len(out) >= wanted:
            break
    out.sort(key=lambda r: (-r["created"], r["email"]))
    page = out[offset:] if limit is None else out[offset : offset + limit]
    return Response.json(200, page)


@needs("suppression.bounces.read")
def bounces(ctx: SgContext, request: Request, params: dict[str, str]) -> Response:
    return _suppressions(ctx, request, "bounces")


@needs("suppression.blocks.read")
def blocks(ctx: SgContext, request: Request, params: dict[str, str]) -> Response:
    return _suppressions(ctx, request, "blocks")


def register(router: Router[SgContext]) -> None:
    router.add("GET", "/v3/stats", global_stats)
    router.add("GET", "/v3/categories/stats", category_stats)
    router.add("GET", "/v3/suppression/bounces", bounces)
    router.add("GET", "/v3/suppression/blocks", blocks)
