"""Postmark read-only data endpoints: outbound stats, delivery stats, bounces, messages.

Every number comes from :class:`~espctl.sandbox.traffic.Traffic` (buckets = stream ids),
and every bounce or message from :mod:`~espctl.sandbox.events`, so they agree.

Days: Postmark buckets stats by US Eastern day. The sandbox's truth is kept per UTC
day, and its mail goes out between 06:00 and 20:00 UTC (01:00-16:00 Eastern), so every
message, and every bounce an hour later at most, falls on the same date in both time
zones: a truth day is both the UTC day and the Eastern day of that date. The Messages
and Bounces APIs' ``fromdate``/``todate`` are read as Eastern date-times.
"""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from functools import lru_cache
from typing import Any

from ..events import DayPlan, Message, iter_messages, plan_day, recent_days
from ..http import Request, Response, Router, answering, parse_bool, query_ci
from ..traffic import DayCounts, Traffic
from .request import NO_STREAM, Invalid, count_offset
from .wire import EASTERN, PmContext, pm_date, pm_error

#: the days whose messages the Messages API lists (bounces: the whole window)
POSTMARK_MESSAGE_DAYS = 2


def pm_message_id(message: Message) -> str:
    """Postmark's MessageID of a message: a UUID made from its key."""
    return str(uuid.UUID(bytes=message.key[:16], version=4))


_BOUNCE_TYPES = {
    "HardBounce": (
        1,
        "Hard bounce",
        "The server was unable to deliver your message (ex: unknown user, mailbox not found).",
    ),
    "SoftBounce": (4096, "Soft bounce", "Unable to temporarily deliver this email."),
    "Transient": (
        2,
        "Message delayed",
        "The server could not temporarily deliver your "
        "message (ex: Message is delayed due to network troubles).",
    ),
    "SpamComplaint": (
        100001,
        "Spam complaint",
        "The subscriber explicitly marked this message as spam.",
    ),
}


#: the stream ``/bounces`` and ``/messages/outbound`` read when none is named
DEFAULT_STREAM = "outbound"


def _parse_date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return datetime.fromisoformat(value).date()
    except ValueError:
        try:
            return date.fromisoformat(value[:10])
        except ValueError as exc:
            raise Invalid(pm_error(403, f"Invalid date: {value}")) from exc


def _moment(value: str | None, *, upper: bool) -> datetime | None:
    """A ``fromdate``/``todate`` filter as an exclusive-upper or inclusive-lower bound.

    The Messages and Bounces APIs read these in US Eastern time: a bare date means the
    whole Eastern day, a date-time (``2024-05-01T19:00:00``) that second, inclusive.
    """
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        day = _parse_date(value)
        assert day is not None
        parsed = datetime.combine(day, time())
        has_time = False
    else:
        has_time = "T" in value or " " in value
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=EASTERN)
    if upper:
        parsed += timedelta(seconds=1) if has_time else timedelta(days=1)
    return parsed


@dataclass(frozen=True)
class _Filter:
    stream: str | None
    tag: str | None
    start: date | None
    end: date | None
    after: datetime | None  # Eastern date(-time) bounds, for messages and bounces
    before: datetime | None

    def covers(self, moment: datetime) -> bool:
        """Whether ``moment`` lies inside [after, before)."""
        return (self.after is None or moment >= self.after) and (
            self.before is None or moment < self.before
        )


def _filter(ctx: PmContext, request: Request, *, default_stream: str | None = None) -> _Filter:
    """The common query filters. ``default_stream``: the stream an absent
    ``messagestream`` means (``/bounces`` and ``/messages/outbound`` cover only the
    default transactional stream ``outbound`` unless one is named, as Postmark's API
    text quoted by its client libraries says; the stats endpoints cover every stream)."""
    query = query_ci(request)
    stream = query.get("messagestream") or default_stream
    if stream and not any(s.id == stream.lower() for s in ctx.account.streams):
        raise Invalid(pm_error(1235, NO_STREAM))
    return _Filter(
        stream=stream.lower() if stream else None,
        tag=query.get("tag") or None,
        start=_parse_date(query.get("fromdate")),
        end=_parse_date(query.get("todate")),
        after=_moment(query.get("fromdate"), upper=False),
        before=_moment(query.get("todate"), upper=True),
    )


def _daily(ctx: PmContext, f: _Filter) -> dict[date, DayCounts]:
    return ctx.traffic.daily("postmark", f.stream, f.tag, f.start, f.end)


def _sum(days: dict[date, DayCounts]) -> DayCounts:
    total = DayCounts()
    for counts in days.values():
        total = total + counts
    return total


def _rate(part: int, whole: int) -> float:
    # UNCONFIRMED whether Postmark's rates are 0-100 or 0-1; its UI shows percent and
    # the docs say "percentage calculated by total sent", so we return percent.
    return round(100.0 * part / whole, 2) if whole else 0.0


def overview(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    t = _sum(_daily(ctx, _filter(ctx, request)))
    return Response.json(
        200,
        {
            "Sent": t.sent,
            "Bounced": t.bounced,
            "SMTPApiErrors": 0,
            "BounceRate": _rate(t.bounced, t.sent),
            "SpamComplaints": t.complained,
            "SpamComplaintsRate": _rate(t.complained, t.sent),
            "Opens": t.opened,
            "UniqueOpens": t.unique_opened,
            "Tracked": t.sent,
            "WithLinkTracking": t.sent,
            "WithOpenTracking": t.sent,
            "TotalTrackedLinksSent": t.sent * 2,
            "UniqueLinksClicked": t.unique_clicked,
            "TotalClicks": t.clicked,
            "WithClientRecorded": t.unique_opened,
            "WithPlatformRecorded": t.unique_opened,
            "WithReadTimeRecorded": t.unique_opened,
        },
    )


#: sub-report -> (wire key -> DayCounts attribute)
_SERIES: dict[str, dict[str, str]] = {
    "sends": {"Sent": "sent"},
    "bounces": {
        "HardBounce": "hard_bounced",
        "SoftBounce": "soft_bounced",
        "Transient": "deferred",
    },
    "spam": {"SpamComplaint": "complained"},
    "tracked": {"Tracked": "sent"},
    "opens": {"Opens": "opened", "Unique": "unique_opened"},
    "clicks": {"Clicks": "clicked", "Unique": "unique_clicked"},
}


def series(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    keys = _SERIES[params["report"].lower()]
    days = _daily(ctx, _filter(ctx, request))
    out_days: list[dict[str, Any]] = []
    totals = dict.fromkeys(keys, 0)
    for day, counts in days.items():
        # Per-day objects omit zero keys, and days without data are left out.
        row = {k: getattr(counts, a) for k, a in keys.items() if getattr(counts, a)}
        if row:
            out_days.append({"Date": day.isoformat(), **row})
            for k, v in row.items():
                totals[k] += v
    if not out_days:
        return Response.json(200, {"Days": []})  # totals are absent when there is no data
    return Response.json(200, {"Days": out_days, **totals})


# --- bounces ----------------------------------------------------------------------


@dataclass(frozen=True)
class _Bounce:
    message: Message
    type: str
    at: datetime

    @property
    def id(self) -> int:
        return int.from_bytes(self.message.key[27:32], "big") % 9_000_000_000 + 1_000_000_000


def _kinds(plan: DayPlan, index: int) -> list[str]:
    out = []
    if index in plan.hard:
        out.append("HardBounce")
    if index in plan.soft:
        out.append("SoftBounce")
    if index in plan.deferred:
        out.append("Transient")
    if index in plan.complained:
        out.append("SpamComplaint")
    return out


@lru_cache(maxsize=8)
def _all_bounces(traffic: Traffic) -> tuple[_Bounce, ...]:
    found: list[_Bounce] = []
    for source in traffic.select("postmark"):
        for day in traffic.days:
            plan = plan_day(traffic.seed, source, day, traffic.day(source, day))
            for index in sorted(plan.hard | plan.soft | plan.deferred | plan.complained):
                message = Message(source, day, index, traffic.seed)
                for n, kind in enumerate(_kinds(plan, index)):
                    found.append(_Bounce(message, kind, message.after(10 + n, 3600)))
    found.sort(key=lambda b: (b.at, b.id), reverse=True)
    return tuple(found)


def _bounce_json(ctx: PmContext, b: _Bounce) -> dict[str, Any]:
    code, name, description = _BOUNCE_TYPES[b.type]
    inactive = b.type in ("HardBounce", "SpamComplaint")
    return {
        "RecordType": "Bounce",
        "ID": b.id,
        "Type": b.type,
        "TypeCode": code,
        "Name": name,
        "Tag": b.message.source.tag,
        "MessageID": pm_message_id(b.message),
        "ServerID": ctx.account.server.id,
        "MessageStream": b.message.source.bucket,
        "Description": description,
        "Details": "smtp;550 5.1.1 The email account that you tried to reach does not exist."
        if b.type == "HardBounce"
        else "smtp;421 4.7.0 Try again later",
        "Email": b.message.recipient,
        "From": "noreply@acme-mail.com",
        "BouncedAt": pm_date(b.at),
        "DumpAvailable": b.type != "SpamComplaint",
        "Inactive": inactive,
        "CanActivate": inactive,
        "Subject": b.message.subject,
        "Content": "",
        "Metadata": {},
    }


def list_bounces(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    count, offset = count_offset(request)
    f = _filter(ctx, request, default_stream=DEFAULT_STREAM)
    query = query_ci(request)
    wanted_type = query.get("type")
    inactive = parse_bool(query["inactive"]) if "inactive" in query else None
    email_filter = (query.get("emailfilter") or "").lower()
    message_id = query.get("messageid")
    chosen = [
        b
        for b in _all_bounces(ctx.traffic)
        if (f.stream is None or b.message.source.bucket == f.stream)
        and (f.tag is None or b.message.source.tag == f.tag)
        and f.covers(b.at)
        and (wanted_type is None or b.type.lower() == wanted_type.lower())
        and (inactive is None or (b.type in ("HardBounce", "SpamComplaint")) == inactive)
        and (email_filter in b.message.recipient)
        and (message_id is None or pm_message_id(b.message) == message_id)
    ]
    page = [_bounce_json(ctx, b) for b in chosen[offset : offset + count]]
    return Response.json(200, {"TotalCount": len(chosen), "Bounces": page})


def get_bounce(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    for b in _all_bounces(ctx.traffic):
        if str(b.id) == params["id"]:
            return Response.json(200, _bounce_json(ctx, b))
    return pm_error(1001, "This bounce was not found.")


def delivery_stats(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    t = ctx.traffic.total("postmark")
    rows: list[dict[str, Any]] = [{"Name": "All", "Count": t.bounced + t.deferred + t.complained}]
    for kind, attr in (
        ("HardBounce", "hard_bounced"),
        ("SoftBounce", "soft_bounced"),
        ("Transient", "deferred"),
        ("SpamComplaint", "complained"),
    ):
        if getattr(t, attr):
            rows.append({"Type": kind, "Name": _BOUNCE_TYPES[kind][1], "Count": getattr(t, attr)})
    return Response.json(200, {"InactiveMails": t.hard_bounced + t.complained, "Bounces": rows})


# --- messages ---------------------------------------------------------------------


@lru_cache(maxsize=8)
def _recent_messages(traffic: Traffic) -> tuple[tuple[Message, DayPlan], ...]:
    days = recent_days(traffic, POSTMARK_MESSAGE_DAYS)
    found: list[tuple[Message, DayPlan]] = []
    for source in traffic.select("postmark"):
        found.extend(iter_messages(traffic, source, days))
    found.sort(key=lambda mp: (mp[0].sent_at, pm_message_id(mp[0])), reverse=True)
    return tuple(found)


def _message_json(m: Message) -> dict[str, Any]:
    return {
        "Tag": m.source.tag,
        "MessageID": pm_message_id(m),
        "MessageStream": m.source.bucket,
        "To": [{"Email": m.recipient, "Name": None}],
        "Cc": [],
        "Bcc": [],
        "Recipients": [m.recipient],
        "ReceivedAt": pm_date(m.sent_at),
        "From": '"Acme" <noreply@acme-mail.com>',
        "Subject": m.subject,
        "Attachments": [],
        "Status": "Sent",
        "TrackOpens": True,
        "TrackLinks": "HtmlAndText",
        "Metadata": {},
        "Sandboxed": False,
    }


def _message_events(m: Message, plan: DayPlan) -> list[dict[str, Any]]:
    i = m.index
    rcpt = m.recipient
    delivered = {
        "DeliveryMessage": "smtp;250 2.0.0 OK",
        "DestinationServer": f"mx.{rcpt.split('@')[1]}",
        "DestinationIP": "203.0.113.25",
    }
    events: list[tuple[datetime, str, dict[str, Any]]] = []
    if i in plan.hard or i in plan.soft:
        events.append(
            (
                m.after(10, 3600),
                "Bounced",
                {"Summary": "The server was unable to deliver your message.", "BounceID": str(i)},
            )
        )
    else:
        if i in plan.deferred:
            events.append(
                (
                    m.after(3, 60),
                    "Transient",
                    {
                        "Summary": "Message delayed",
                        "DeliveryMessage": "smtp;421 4.7.0 Try again later",
                    },
                )
            )
        events.append((m.after(5, 600), "Delivered", delivered))
        for n in range(plan.opens.get(i, 0)):
            events.append((m.after(100 + n, 7200), "Opened", {"Summary": "Opened"}))
        for n in range(plan.clicks.get(i, 0)):
            events.append(
                (
                    m.after(200 + n, 7200),
                    "LinkClicked",
                    {"Summary": "Clicked", "OriginalLink": "https://acme-mail.com/account"},
                )
            )
        if i in plan.complained:
            events.append((m.after(300, 7200), "SpamComplaint", {"Summary": "Spam complaint"}))
    events.sort(key=lambda e: e[0])
    return [
        {"Recipient": rcpt, "Type": kind, "ReceivedAt": pm_date(at), "Details": details}
        for at, kind, details in events
    ]


def search_messages(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    count, offset = count_offset(request)
    f = _filter(ctx, request, default_stream=DEFAULT_STREAM)
    query = query_ci(request)
    recipient = (query.get("recipient") or "").lower()
    subject = (query.get("subject") or "").lower()
    status = (query.get("status") or "sent").lower()
    chosen = [
        m
        for m, _ in _recent_messages(ctx.traffic)
        if status in ("sent", "processed")
        and (f.stream is None or m.source.bucket == f.stream)
        and (f.tag is None or m.source.tag == f.tag)
        and f.covers(m.sent_at)
        and recipient in m.recipient
        and subject in m.subject.lower()
    ]
    page = [_message_json(m) for m in chosen[offset : offset + count]]
    return Response.json(200, {"TotalCount": len(chosen), "Messages": page})


def message_details(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    for m, plan in _recent_messages(ctx.traffic):
        if pm_message_id(m) == params["id"].lower():
            body = _message_json(m)
            body.update(
                TextBody=f"{m.subject}\n",
                HtmlBody=f"<p>{m.subject}</p>",
                Body="",
                MessageEvents=_message_events(m, plan),
            )
            return Response.json(200, body)
    return pm_error(701, "This message was not found.")


#: query errors raised anywhere in a handler become their response
_guarded = answering


def register(router: Router[PmContext]) -> None:
    """Add the data routes to ``router``."""
    router.add("GET", r"/stats/outbound", _guarded(overview))
    router.add(
        "GET",
        r"/stats/outbound/(?P<report>sends|bounces|spam|tracked|opens|clicks)",
        _guarded(series),
    )
    router.add("GET", r"/deliverystats", _guarded(delivery_stats))
    router.add("GET", r"/bounces", _guarded(list_bounces))
    router.add("GET", r"/bounces/(?P<id>\d+)", _guarded(get_bounce))
    router.add("GET", r"/messages/outbound", _guarded(search_messages))
    router.add(
        "GET", r"/messages/outbound/(?P<id>[0-9a-fA-F-]{36})/details", _guarded(message_details)
    )
