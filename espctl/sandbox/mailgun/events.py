"""Mailgun ``GET /v3/{domain}/events`` with absolute paging URLs on the request's host."""

from __future__ import annotations

import base64
import binascii
import json
from datetime import datetime, timedelta
from functools import lru_cache
from typing import Any

from ..events import DayPlan, Message, iter_messages, recent_days
from ..http import Request, Response
from ..traffic import Traffic
from .wire import MgAbort, MgContext, domain_or_404, mg_error, parse_when

MAX_LIMIT = 300
DEFAULT_LIMIT = 100  # UNCONFIRMED default; 100 is what the legacy docs suggest
#: the days whose events are materialised
MAILGUN_EVENT_DAYS = 2
_FILTERS = ("event", "severity", "recipient", "tags", "message-id", "from", "subject")


def mg_message_id(m: Message) -> str:
    """Mailgun's message-id of a message: its sending time, index and key, at its domain."""
    stamp = m.sent_at.strftime("%Y%m%d%H%M%S")
    return f"{stamp}.{m.index}.{m.key[:4].hex().upper()}@{m.source.bucket}"


def _event_id(m: Message, n: int) -> str:
    raw = m.key[:8] + n.to_bytes(2, "big") + m.key[8:14]
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")[:22]


def _base(m: Message, event: str, at: datetime, n: int) -> dict[str, Any]:
    recipient, provider = m.recipient_info
    sender = f"bounce+{m.key[:3].hex()}@{m.source.bucket}"
    return {
        "id": _event_id(m, n),
        "event": event,
        "timestamp": round(at.timestamp(), 6),
        "log-level": "info",
        "recipient": recipient,
        "recipient-domain": recipient.split("@")[1],
        "recipient-provider": provider,
        "tags": [m.source.tag],
        "user-variables": {"email_type": m.source.tag},
        "campaigns": [],
        "flags": {
            "is-authenticated": True,
            "is-routed": False,
            "is-test-mode": False,
            "is-system-test": False,
        },
        "envelope": {
            "sender": sender,
            "targets": recipient,
            "transport": "smtp",
            "sending-ip": "185.250.239.7",
        },
        "message": {
            "headers": {
                "to": recipient,
                "from": f"Acme <noreply@{m.source.bucket}>",
                "subject": m.subject,
                "message-id": mg_message_id(m),
            },
            "attachments": [],
            "size": 4000 + m.key[30] * 10,
        },
        "storage": {
            "key": m.key[:12].hex(),
            "url": f"https://storage-europe-west1.api."
            f"mailgun.net/v3/domains/{m.source.bucket}/messages/{m.key[:12].hex()}",
        },
    }


def _status(code: int, message: str, attempt: int, **extra: Any) -> dict[str, Any]:
    return {
        "code": code,
        "message": message,
        "attempt-no": attempt,
        "description": "",
        "enhanced-code": "",
        "mx-host": "mx.recipient-mail.com",
        "tls": True,
        "utf8": True,
        "certificate-verified": True,
        "session-seconds": 0.42,
        **extra,
    }


def _client(m: Message) -> tuple[str, dict[str, str]]:
    if m.recipient_info[1] == "Apple":
        # Apple Mail Privacy Protection: opens fetched by Apple's proxies.
        return "17.58.63.12", {
            "client-type": "email client",
            "client-os": "iOS",
            "device-type": "mobile",
            "client-name": "Apple Mail",
            "user-agent": "Mozilla/5.0",
        }
    return "198.51.100.23", {
        "client-type": "browser",
        "client-os": "Windows",
        "device-type": "desktop",
        "client-name": "Chrome",
        "user-agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) Chrome/120.0",
    }


def message_events(m: Message, plan: DayPlan) -> list[dict[str, Any]]:
    """Every event of one message, consistent with its day's plan."""
    i = m.index
    out = [{**_base(m, "accepted", m.sent_at, 0), "method": "HTTP"}]
    if i in plan.hard or i in plan.soft:
        hard = i in plan.hard
        failed = _base(m, "failed", m.after(1, 600), 1)
        failed.update(
            {
                "log-level": "error",
                "severity": "permanent",
                "reason": "bounce",
                "delivery-status": _status(
                    550 if hard else 552,
                    "5.1.1 The email account that you tried to reach does not exist."
                    if hard
                    else "5.2.2 Mailbox full",
                    1,
                ),
            }
        )
        return [*out, failed]
    delivered_at = m.after(2, 600)
    attempt = 1
    if i in plan.deferred:
        temp = _base(m, "failed", m.after(1, 60), 1)
        temp.update(
            {
                "log-level": "warn",
                "severity": "temporary",
                "reason": "generic",
                "delivery-status": _status(
                    421, "4.7.0 Try again later", 1, **{"retry-seconds": 600}
                ),
            }
        )
        out.append(temp)
        delivered_at = m.after(1, 60) + timedelta(seconds=600 + m.key[29])
        attempt = 2
    delivered = _base(m, "delivered", delivered_at, 2)
    delivered["delivery-status"] = _status(250, "OK", attempt)
    out.append(delivered)
    ip, client = _client(m)
    engaged = delivered_at + timedelta(seconds=30)
    for n in range(plan.opens.get(i, 0)):
        opened = _base(m, "opened", engaged + (m.after(10 + n, 3600) - m.sent_at), 10 + n)
        opened.update(
            {
                "ip": ip,
                "client-info": client,
                "geolocation": {"country": "DE", "region": "BE", "city": "Berlin"},
            }
        )
        out.append(opened)
    later = engaged + timedelta(seconds=3700)
    for n in range(plan.clicks.get(i, 0)):
        clicked = _base(m, "clicked", later + (m.after(50 + n, 3600) - m.sent_at), 50 + n)
        clicked.update({"ip": ip, "client-info": client, "url": "https://acme-mail.com/app"})
        out.append(clicked)
    if i in plan.unsubscribed:
        out.append({**_base(m, "unsubscribed", later + timedelta(seconds=3650), 90), "ip": ip})
    if i in plan.complained:
        out.append(_base(m, "complained", later + timedelta(seconds=3660), 91))
    return out


@lru_cache(maxsize=16)
def domain_events(traffic: Traffic, domain: str) -> tuple[dict[str, Any], ...]:
    """All materialised events of ``domain`` (last few days), oldest first."""
    days = recent_days(traffic, MAILGUN_EVENT_DAYS)
    found: list[dict[str, Any]] = []
    for source in traffic.select("mailgun", bucket=domain):
        for m, plan in iter_messages(traffic, source, days):
            found.extend(message_events(m, plan))
    found.sort(key=lambda e: (e["timestamp"], e["id"]))
    return tuple(found)


def _matches(event: dict[str, Any], key: str, expr: str) -> bool:
    """Filter values: plain, ``a OR b``, ``NOT a`` (the common part of Mailgun's language)."""
    options = [o.strip() for o in expr.split(" OR ")]
    if key == "tags":
        actual = [t.lower() for t in event.get("tags", [])]
    elif key in ("message-id", "from", "subject"):
        actual = [str(event["message"]["headers"].get(key, "")).strip("<>").lower()]
    else:
        actual = [str(event.get(key, "")).lower()]
    for option in options:
        negate = option.upper().startswith("NOT ")
        value = option[4:].strip().lower() if negate else option.lower()
        hit = value.strip("<>") in actual
        if hit != negate:
            return True
    return False


def _encode(query: dict[str, Any], offset: int) -> str:
    raw = json.dumps({"q": query, "o": offset}, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def _decode(token: str) -> tuple[dict[str, Any], int]:
    try:
        padded = token + "=" * (-len(token) % 4)
        data = json.loads(base64.urlsafe_b64decode(padded))
        return dict(data["q"]), int(data["o"])
    except (binascii.Error, ValueError, KeyError, TypeError) as exc:
        raise MgAbort(mg_error(400, "Invalid page token")) from exc


def _query_from_request(request: Request) -> dict[str, Any]:
    params = dict(request.query)
    query: dict[str, Any] = {k: params[k] for k in _FILTERS if params.get(k)}
    for key in ("begin", "end"):
        if params.get(key):
            query[key] = parse_when(params[key]).timestamp()
    ascending = params.get("ascending", "")
    if ascending.lower() not in ("", "yes", "no"):
        return_error = mg_error(400, "ascending must be yes or no")
        raise MgAbort(return_error)
    # Without an explicit direction the order follows begin/end (newest first by default).
    query["asc"] = ascending.lower() == "yes" or (
        ascending == "" and "begin" in query and "end" not in query
    )
    raw_limit = params.get("limit") or str(DEFAULT_LIMIT)
    try:
        limit = int(raw_limit)
    except ValueError as exc:
        raise MgAbort(mg_error(400, f"Invalid limit: {raw_limit}")) from exc
    if not 1 <= limit <= MAX_LIMIT:
        raise MgAbort(mg_error(400, f"limit must be between 1 and {MAX_LIMIT}"))
    query["limit"] = limit
    return query


def _page(ctx: MgContext, domain: str, query: dict[str, Any], offset: int) -> Response:
    events = domain_events(ctx.traffic, domain)
    lo, hi = query.get("begin"), query.get("end")
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo  # begin after end: a descending range
    elif hi is None and lo is not None and not query["asc"]:
        # "ascending" sets the direction of the range when no end is given: with
        # ascending=no the search runs backwards in time from begin (MG-legacy docs)
        lo, hi = None, lo
    chosen = [
        e
        for e in events
        if (lo is None or e["timestamp"] >= lo)
        and (hi is None or e["timestamp"] <= hi)
        and all(_matches(e, k, query[k]) for k in _FILTERS if k in query)
    ]
    if not query["asc"]:
        chosen.reverse()
    limit = int(query["limit"])
    items = chosen[offset : offset + limit]
    base = f"{ctx.base_url}/v3/{domain}/events"
    last = max(0, (len(chosen) - 1) // limit * limit)
    # Following "next" past the end keeps returning an empty page, which ends traversal.
    paging = {
        "first": f"{base}/{_encode(query, 0)}",
        "last": f"{base}/{_encode(query, last)}",
        "next": f"{base}/{_encode(query, offset + len(items) if items else offset)}",
        "previous": f"{base}/{_encode(query, max(0, offset - limit))}",
    }
    return Response.json(200, {"items": items, "paging": paging})


def list_events(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    domain = domain_or_404(ctx, params["domain"])
    return _page(ctx, domain.name, _query_from_request(request), 0)


def events_page(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    domain = domain_or_404(ctx, params["domain"])
    query, offset = _decode(params["token"])
    if "limit" not in query or "asc" not in query:
        return mg_error(400, "Invalid page token")
    return _page(ctx, domain.name, query, offset)
