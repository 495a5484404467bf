"""Postmark payloads -> :class:`NormalizedEvent` (ANALYTICS.md §1.2). Pure functions.

Inputs: tracking webhook bodies, ``GET /bounces`` items and the ``MessageEvents`` of
``GET /messages/outbound/{id}/details``.

Error policy: an unknown ``RecordType`` or bounce ``Type`` becomes
``EventType.unknown`` (a new Postmark type must not break a report); an *inbound*
payload returns ``None`` because it is mail, not a tracking event; only structurally
broken input (not an object, no parseable timestamp) raises :class:`EventParseError`.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from espctl.model.events import (
    EventParseError,
    EventType,
    NormalizedEvent,
    RejectReason,
    normalize_metadata,
    recipient_domain,
    synthesize_event_id,
    to_utc,
)

_E = EventType
_R = RejectReason

#: bounce ``Type`` (also ``SuppressionReason``) -> (event, reject reason); anymail's table
BOUNCE_TYPES: dict[str, tuple[EventType, RejectReason | None]] = {
    "HardBounce": (_E.bounced, _R.bounced),
    # anymail: a SoftBounce may still be followed by a HardBounce; it is a bounce.
    "SoftBounce": (_E.bounced, _R.bounced),
    "Transient": (_E.deferred, None),
    "DnsError": (_E.deferred, None),
    "OpenRelayTest": (_E.deferred, None),
    "AutoResponder": (_E.autoresponded, None),
    "AddressChange": (_E.autoresponded, None),
    "ChallengeVerification": (_E.autoresponded, None),
    "Unsubscribe": (_E.unsubscribed, _R.unsubscribed),
    "Subscribe": (_E.subscribed, None),
    "SpamNotification": (_E.complained, _R.spam),
    "SpamComplaint": (_E.complained, _R.spam),
    "VirusNotification": (_E.bounced, _R.other),
    "BadEmailAddress": (_E.rejected, _R.invalid),
    "ManuallyDeactivated": (_E.rejected, _R.blocked),
    "Blocked": (_E.rejected, _R.blocked),
    "DMARCPolicy": (_E.rejected, _R.blocked),
    "Unconfirmed": (_E.rejected, None),
    "SMTPApiError": (_E.failed, None),
    "TemplateRenderingFailed": (_E.failed, None),
    "InboundError": (_E.inbound_failed, None),
    "ManualSuppression": (_E.unsubscribed, _R.unsubscribed),
    "Unknown": (_E.unknown, None),
}

_RECORD_TYPES: dict[str, EventType] = {
    "Delivery": _E.delivered,
    "Bounce": _E.bounced,
    "SpamComplaint": _E.complained,
    "Open": _E.opened,
    "Click": _E.clicked,
    "SubscriptionChange": _E.unsubscribed,
}

#: ``MessageEvents[].Type`` of the message-details API (the list is unconfirmed upstream)
MESSAGE_EVENT_TYPES: dict[str, EventType] = {
    "Delivered": _E.delivered,
    "Bounced": _E.bounced,
    "Transient": _E.deferred,
    "Opened": _E.opened,
    "LinkClicked": _E.clicked,
    "SpamComplaint": _E.complained,
    "SubscriptionChanged": _E.unsubscribed,
}

_TIME_FIELDS = ("DeliveredAt", "BouncedAt", "ReceivedAt", "ChangedAt")
_SMTP_CODE = re.compile(r"\b([245]\d\d)\b")


def parse_postmark_timestamp(value: object) -> datetime:
    """Postmark's ISO 8601 time (7 fractional digits, any offset) as UTC.

    Python 3.11's ``fromisoformat`` truncates the 7th digit to microseconds.
    """
    if not isinstance(value, str) or not value:
        raise EventParseError(f"postmark: missing or non-string timestamp {value!r:.60}")
    try:
        return to_utc(datetime.fromisoformat(value))
    except ValueError as exc:
        raise EventParseError(f"postmark: unparseable timestamp {value!r:.60}") from exc


def _str(value: object) -> str | None:
    if value is None:
        return None
    text = str(value)
    return text or None


def _smtp_code(details: str | None) -> int | None:
    # Postmark has no SMTP-code field; the remote server's reply is inside `Details`.
    if not details:
        return None
    match = _SMTP_CODE.search(details)
    return int(match.group(1)) if match else None


def _tags(tag: object) -> tuple[str, ...]:
    return (str(tag),) if tag else ()


def _classify(payload: Mapping[str, Any]) -> tuple[EventType, RejectReason | None, str]:
    record = str(payload.get("RecordType") or "")
    event = _RECORD_TYPES.get(record, _E.unknown)
    if record in ("Bounce", "SpamComplaint"):
        bounce_type = str(payload.get("Type") or "")
        event, reason = BOUNCE_TYPES.get(bounce_type, (_E.unknown, None))
        if record == "SpamComplaint" and event is _E.unknown:
            event, reason = _E.complained, _R.spam
        return event, reason, f"{record}/{bounce_type}" if bounce_type else record
    if record == "SubscriptionChange":
        if payload.get("SuppressSending") is False:
            return _E.subscribed, None, "SubscriptionChange/Resubscribe"
        why = str(payload.get("SuppressionReason") or "")
        event, reason = BOUNCE_TYPES.get(why, (_E.unsubscribed, _R.unsubscribed))
        return event, reason, f"{record}/{why}" if why else record
    return event, None, record or "(none)"


def is_inbound(payload: Mapping[str, Any]) -> bool:
    """Whether a payload is an inbound message rather than a tracking event."""
    return payload.get("RecordType") == "Inbound" or (
        "RecordType" not in payload and "FromFull" in payload
    )


def parse_postmark_webhook(
    payload: object, *, provider: str = "postmark", account: str | None = None
) -> NormalizedEvent | None:
    """One Postmark tracking webhook body (or a ``/bounces`` item) as a normalized event.

    Returns None for inbound payloads. ``provider`` is the config's provider id;
    ``account`` (server name) defaults to ``ServerID``.
    """
    if not isinstance(payload, Mapping):
        raise EventParseError("postmark: webhook payload is not a JSON object")
    if is_inbound(payload):
        return None
    event, reason, raw_type = _classify(payload)
    stamp = next((payload[f] for f in _TIME_FIELDS if payload.get(f)), None)
    timestamp = parse_postmark_timestamp(stamp)
    recipient = _str(payload.get("Email")) or _str(payload.get("Recipient"))
    message_id = _str(payload.get("MessageID"))
    details = _str(payload.get("Details"))
    client = payload.get("Client")
    # Only bounce-type records carry an ID; synthesize one for the rest so that a
    # retried webhook still collapses in dedupe().
    bounce_id = payload.get("ID")
    event_id = (
        f"bounce:{bounce_id}"
        if bounce_id not in (None, "")
        else synthesize_event_id(
            provider, event.value, message_id, recipient, timestamp.isoformat()
        )
    )
    return NormalizedEvent(
        provider=provider,
        provider_account=account or _str(payload.get("ServerID")),
        stream=_str(payload.get("MessageStream")),
        event_type=event,
        reject_reason=reason,
        provider_event_type=raw_type,
        event_id=event_id,
        message_id=message_id,
        recipient=recipient,
        recipient_domain=recipient_domain(recipient),
        timestamp=timestamp,
        smtp_code=_smtp_code(details) if event in (_E.bounced, _E.deferred) else None,
        mta_response=details,
        description=_str(payload.get("Description")),
        tags=_tags(payload.get("Tag")),
        metadata=normalize_metadata(payload.get("Metadata")),
        is_first_open=payload["FirstOpen"] if isinstance(payload.get("FirstOpen"), bool) else None,
        user_agent=_str(payload.get("UserAgent")),
        client=_str(client.get("Name")) if isinstance(client, Mapping) else None,
        click_url=_str(payload.get("OriginalLink")),
        raw=payload,
    )


def parse_postmark_bounce(
    item: object, *, provider: str = "postmark", account: str | None = None
) -> NormalizedEvent:
    """One item of ``GET /bounces`` (older responses lack ``RecordType``)."""
    if not isinstance(item, Mapping):
        raise EventParseError("postmark: bounce item is not a JSON object")
    body = dict(item)
    record = "SpamComplaint" if item.get("Type") == "SpamComplaint" else "Bounce"
    body.setdefault("RecordType", record)
    parsed = parse_postmark_webhook(body, provider=provider, account=account)
    if parsed is None:  # only an explicit RecordType "Inbound" gets here
        raise EventParseError("postmark: bounce item is an inbound record")
    return parsed


def parse_postmark_message_events(
    details: object, *, provider: str = "postmark", account: str | None = None
) -> list[NormalizedEvent]:
    """The ``MessageEvents`` of one ``/messages/outbound/{id}/details`` response."""
    if not isinstance(details, Mapping):
        raise EventParseError("postmark: message details is not a JSON object")
    message_id = _str(details.get("MessageID"))
    stream = _str(details.get("MessageStream"))
    tags = _tags(details.get("Tag"))
    metadata = normalize_metadata(details.get("Metadata"))
    events: list[NormalizedEvent] = []
    for item in details.get("MessageEvents") or ():
        if not isinstance(item, Mapping):
            raise EventParseError("postmark: MessageEvents item is not a JSON object")
        raw_type = str(item.get("Type") or "(none)")
        event = MESSAGE_EVENT_TYPES.get(raw_type, _E.unknown)
        timestamp = parse_postmark_timestamp(item.get("ReceivedAt"))
        recipient = _str(item.get("Recipient"))
        info_value = item.get("Details")
        info: Mapping[str, Any] = info_value if isinstance(info_value, Mapping) else {}
        response = _str(info.get("DeliveryMessage")) or _str(info.get("Summary"))
        bounce_id = info.get("BounceID")
        event_id = (
            f"bounce:{bounce_id}"
            if bounce_id not in (None, "")
            else synthesize_event_id(
                provider, event.value, message_id, recipient, timestamp.isoformat()
            )
        )
        events.append(
            NormalizedEvent(
                provider=provider,
                provider_account=account,
                stream=stream,
                event_type=event,
                reject_reason=_R.bounced if event is _E.bounced else None,
                provider_event_type=f"MessageEvent/{raw_type}",
                event_id=event_id,
                message_id=message_id,
                recipient=recipient,
                recipient_domain=recipient_domain(recipient),
                timestamp=timestamp,
                smtp_code=_smtp_code(response) if event in (_E.bounced, _E.deferred) else None,
                mta_response=response,
                tags=tags,
                metadata=metadata,
                raw=item,
            )
        )
    return events
