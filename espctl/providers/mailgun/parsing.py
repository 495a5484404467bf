"""Mailgun payloads -> :class:`NormalizedEvent` (ANALYTICS.md §1.3). Pure functions.

Inputs: current-format JSON webhooks (``{"signature": {...}, "event-data": {...}}``)
and items of ``GET /v3/{domain}/events`` (the same ``event-data`` shape).

Error policy: an unknown ``event`` becomes ``EventType.unknown``; only structurally
broken input (not an object, no ``event-data`` object, no numeric timestamp) raises
:class:`EventParseError`. Signature verification is not done here (no secrets in a
pure parser); the webhook receiver checks it before calling this.

Event ids: anymail uses ``signature.token``, but the events API has no signature, so
a webhook and the API copy of one event would never de-duplicate. espctl uses
``event-data.id`` (unique per day, per Mailgun) qualified by event name and exact
timestamp, which is identical in both sources and across webhook retries; the token
is the fallback when ``id`` is absent.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from email.utils import parseaddr
from typing import Any

from espctl.model.events import (
    EventParseError,
    EventType,
    NormalizedEvent,
    RejectReason,
    normalize_metadata,
    recipient_domain,
    synthesize_event_id,
)

_E = EventType
_R = RejectReason

EVENTS: dict[str, EventType] = {
    "accepted": _E.queued,
    "rejected": _E.rejected,
    "delivered": _E.delivered,
    "opened": _E.opened,
    "clicked": _E.clicked,
    "unsubscribed": _E.unsubscribed,
    "complained": _E.complained,
}

#: Mailgun "not delivering to a previously bounced / unsubscribed / complained
#: address" and "poor list quality" codes: suppressed before sending, not bounces
#: (Symfony's classification; keeps suppressions out of the bounce rate, §2.1).
SUPPRESSION_CODES: dict[int, RejectReason] = {
    605: _R.bounced,
    606: _R.unsubscribed,
    607: _R.spam,
    625: _R.blocked,
}
_SUPPRESS_REASONS: dict[str, RejectReason] = {
    "suppress-bounce": _R.bounced,
    "suppress-unsubscribe": _R.unsubscribed,
    "suppress-complaint": _R.spam,
}


def _str(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text or None


def _mapping(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _reason(reason: str | None) -> RejectReason:
    if reason in ("bounce", "suppress-bounce"):
        return _R.bounced
    return _R.other


def _message_id(data: Mapping[str, Any]) -> str | None:
    headers = _mapping(_mapping(data.get("message")).get("headers"))
    mid = _str(headers.get("message-id"))
    if mid and not mid.startswith("<"):
        mid = f"<{mid}>"  # RFC 5322 form, as anymail does, so ids compare across sources
    return mid


def _classify(
    data: Mapping[str, Any], code: int | None
) -> tuple[EventType, RejectReason | None, str]:
    name = str(data.get("event") or "")
    reason = _str(data.get("reason"))
    if name == "failed":
        severity = str(data.get("severity") or "")
        raw = f"failed/{severity}" if severity else "failed"
        if severity == "temporary":
            return _E.deferred, _reason(reason), raw
        if severity == "permanent":
            if reason in _SUPPRESS_REASONS:
                return _E.rejected, _SUPPRESS_REASONS[reason], raw
            if code in SUPPRESSION_CODES:
                return _E.rejected, SUPPRESSION_CODES[code], raw
            return _E.bounced, _reason(reason), raw
        return _E.unknown, None, raw
    event = EVENTS.get(name, _E.unknown)
    if event is _E.rejected:
        return event, _R.other, name
    return event, None, name or "(none)"


def parse_mailgun_event(
    data: object,
    *,
    provider: str = "mailgun",
    domain: str | None = None,
    token: str | None = None,
    raw: Mapping[str, Any] | None = None,
) -> NormalizedEvent:
    """One ``event-data`` object (an events-API item) as a normalized event.

    ``domain`` is the sending domain the caller queried; without it the envelope
    sender's domain is used. ``token`` is the webhook signature token, if any.
    """
    if not isinstance(data, Mapping):
        raise EventParseError("mailgun: event-data is not a JSON object")
    stamp = data.get("timestamp")
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        raise EventParseError(f"mailgun: missing or non-numeric timestamp {stamp!r:.60}")
    try:
        timestamp = datetime.fromtimestamp(float(stamp), UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise EventParseError(f"mailgun: timestamp out of range {stamp!r:.60}") from exc
    status = _mapping(data.get("delivery-status"))  # may be null (anymail test)
    code = status.get("code") if isinstance(status.get("code"), int) else None
    event, reason, raw_type = _classify(data, code)
    recipient = _str(data.get("recipient"))
    if recipient is None:
        # `rejected` events can lack `recipient`; anymail recovers it from the To header.
        to_header = _str(_mapping(_mapping(data.get("message")).get("headers")).get("to"))
        recipient = parseaddr(to_header)[1] or None if to_header else None
    sender = _str(_mapping(data.get("envelope")).get("sender"))
    account = domain or recipient_domain(sender)
    tags = data.get("tags")
    client = _mapping(data.get("client-info"))
    event_name = str(data.get("event") or "")
    if data.get("id"):
        event_id = f"{data['id']}/{event_name}/{float(stamp)!r}"
    elif token:
        event_id = f"token:{token}"
    else:
        event_id = synthesize_event_id(
            provider, event_name, _message_id(data), recipient, timestamp.isoformat()
        )
    description = _str(status.get("description")) or _str(
        _mapping(data.get("reject")).get("reason")
    )
    return NormalizedEvent(
        provider=provider,
        provider_account=account,
        stream=account,
        event_type=event,
        reject_reason=reason,
        provider_event_type=raw_type,
        event_id=event_id,
        message_id=_message_id(data),
        recipient=recipient,
        recipient_domain=_str(data.get("recipient-domain")) or recipient_domain(recipient),
        timestamp=timestamp,
        smtp_code=code,
        mta_response=_str(status.get("message")),
        description=description,
        tags=tuple(str(t) for t in tags) if isinstance(tags, list) else (),
        metadata=normalize_metadata(data.get("user-variables")),
        is_first_open=None,  # Mailgun does not flag first opens
        user_agent=_str(client.get("user-agent")),
        client=_str(client.get("client-name")),
        click_url=_str(data.get("url")),
        raw=raw if raw is not None else data,
    )


def parse_mailgun_webhook(
    payload: object, *, provider: str = "mailgun", domain: str | None = None
) -> NormalizedEvent:
    """One current-format Mailgun webhook body as a normalized event."""
    if not isinstance(payload, Mapping):
        raise EventParseError("mailgun: webhook payload is not a JSON object")
    data = payload.get("event-data")
    if not isinstance(data, Mapping):
        raise EventParseError("mailgun: webhook payload has no event-data object")
    token = _str(_mapping(payload.get("signature")).get("token"))
    return parse_mailgun_event(data, provider=provider, domain=domain, token=token, raw=payload)


def parse_mailgun_events_page(
    page: object, *, provider: str = "mailgun", domain: str | None = None
) -> list[NormalizedEvent]:
    """Every item of one ``GET /v3/{domain}/events`` page."""
    if not isinstance(page, Mapping) or not isinstance(page.get("items"), list):
        raise EventParseError("mailgun: events page has no items list")
    return [parse_mailgun_event(i, provider=provider, domain=domain) for i in page["items"]]
