"""SendGrid Event Webhook payloads -> :class:`NormalizedEvent` (ANALYTICS.md §4.1). Pure.

A POST carries a batch: a JSON array of event objects. The mapping is anymail's
(``webhooks/sendgrid.py``): ``processed`` -> queued, ``dropped`` -> rejected (the
reason from its ``reason`` text), ``delivered``, ``deferred``, ``bounce`` -> bounced
(``type: blocked`` is a block: reason blocked), ``open``, ``click``, ``spamreport`` ->
complained, ``unsubscribe`` and ``group_unsubscribe`` -> unsubscribed,
``group_resubscribe`` -> subscribed; anything else is ``unknown``, never an error.

Event ids: ``sg_event_id`` (unique per event, the same in retries); synthesized from
the event, message id, recipient and time when absent. Custom arguments are merged into
the event object by SendGrid: what is not a known key is metadata.

Error policy: only structurally broken input (not an array or object, an item that is
not an object, no integer ``timestamp``) raises :class:`EventParseError`. Signature
verification is :mod:`.signature`'s, done by the receiver before this.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import UTC, datetime
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
    "processed": _E.queued,
    "dropped": _E.rejected,
    "delivered": _E.delivered,
    "deferred": _E.deferred,
    "bounce": _E.bounced,
    "open": _E.opened,
    "click": _E.clicked,
    "spamreport": _E.complained,
    "unsubscribe": _E.unsubscribed,
    "group_unsubscribe": _E.unsubscribed,
    "group_resubscribe": _E.subscribed,
}
#: a dropped event's ``reason`` (lower-cased) -> why (anymail's table)
DROP_REASONS: dict[str, RejectReason] = {
    "invalid": _R.invalid,
    "unsubscribed address": _R.unsubscribed,
    "bounce": _R.bounced,
    "bounced address": _R.bounced,
    "blocked": _R.blocked,
    "expired": _R.timed_out,
    "spam reporting address": _R.spam,
}
#: keys of SendGrid's own in an event object; every other key is a custom argument
KNOWN_KEYS = frozenset(
    {
        "email",
        "timestamp",
        "smtp-id",
        "event",
        "category",
        "sg_event_id",
        "sg_message_id",
        "reason",
        "status",
        "response",
        "attempt",
        "useragent",
        "ip",
        "url",
        "url_offset",
        "asm_group_id",
        "type",
        "bounce_classification",
        "tls",
        "cert_err",
        "send_at",
        "marketing_campaign_id",
        "marketing_campaign_name",
        "sg_template_id",
        "sg_template_name",
        "sg_machine_open",
        "pool",
        "unique_args",
        "template_id",
        "newsletter",
        "singlesend_id",
        "singlesend_name",
        "phase_id",
        "variation_id",
        "mc_stats",
        "sg_content_type",
        "sg_user_id",
        "sg_unique_args",
    }
)
_SMTP_CODE = re.compile(r"^\s*([2-5][0-9]{2})\b")


def _str(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text or None


def _classify(item: Mapping[str, Any]) -> tuple[EventType, RejectReason | None]:
    name = str(item.get("event") or "")
    event = EVENTS.get(name, _E.unknown)
    if event is _E.rejected:
        reason = str(item.get("reason") or "").strip().lower()
        return event, DROP_REASONS.get(reason, _R.other)
    if event is _E.bounced:
        return event, _R.blocked if item.get("type") == "blocked" else _R.bounced
    return event, None


def smtp_code(*texts: str | None) -> int | None:
    for text in texts:
        found = _SMTP_CODE.match(text or "")
        if found:
            return int(found.group(1))
    return None


def parse_sendgrid_event(item: object, *, provider: str = "sendgrid") -> NormalizedEvent:
    """One event object of a batch as a normalized event."""
    if not isinstance(item, Mapping):
        raise EventParseError("sendgrid: an event of the batch is not a JSON object")
    stamp = item.get("timestamp")
    if isinstance(stamp, bool) or not isinstance(stamp, int | float):
        raise EventParseError(f"sendgrid: missing or non-numeric timestamp {stamp!r:.60}")
    try:
        timestamp = datetime.fromtimestamp(float(stamp), UTC)
    except (OverflowError, OSError, ValueError) as exc:
        raise EventParseError(f"sendgrid: timestamp out of range {stamp!r:.60}") from exc
    name = str(item.get("event") or "")
    event, reason = _classify(item)
    recipient = _str(item.get("email"))
    message_id = _str(item.get("sg_message_id"))
    event_id = _str(item.get("sg_event_id")) or synthesize_event_id(
        provider, name, message_id, recipient, timestamp.isoformat()
    )
    category = item.get("category")
    tags: tuple[str, ...]
    if isinstance(category, list):
        tags = tuple(str(c) for c in category)
    else:
        tags = (str(category),) if category else ()
    response = _str(item.get("response"))
    why = _str(item.get("reason"))
    custom = {k: v for k, v in item.items() if k not in KNOWN_KEYS}
    return NormalizedEvent(
        provider=provider,
        event_type=event,
        reject_reason=reason,
        provider_event_type=name or "(none)",
        event_id=event_id,
        message_id=message_id,
        recipient=recipient,
        recipient_domain=recipient_domain(recipient),
        timestamp=timestamp,
        smtp_code=smtp_code(why, response),
        mta_response=response or (why if event in (_E.bounced, _E.deferred) else None),
        description=why,
        tags=tags,
        metadata=normalize_metadata(custom),
        is_first_open=None,  # SendGrid does not flag first opens
        user_agent=_str(item.get("useragent")),
        click_url=_str(item.get("url")),
        raw=item,
    )


def parse_sendgrid_webhook(payload: object, *, provider: str = "sendgrid") -> list[NormalizedEvent]:
    """One Event Webhook POST body (a batch, or a lone event object) as normalized events."""
    if isinstance(payload, Mapping):
        return [parse_sendgrid_event(payload, provider=provider)]
    if not isinstance(payload, list):
        raise EventParseError("sendgrid: webhook payload is not a JSON array of events")
    return [parse_sendgrid_event(item, provider=provider) for item in payload]
