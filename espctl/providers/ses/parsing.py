"""Amazon SES payloads -> :class:`NormalizedEvent` (ANALYTICS.md §1, §4.2). Pure.

Inputs: an SNS envelope (``Type: Notification`` whose ``Message`` is the JSON text of an
SES event), an SNS ``SubscriptionConfirmation``/``UnsubscribeConfirmation`` (no events),
or the SES body itself: event publishing (``eventType``) or the older identity
notifications (``notificationType``). One event per recipient, as anymail does.

Mapping (README "Events"): Send -> queued, Delivery -> delivered, DeliveryDelay ->
deferred, Bounce -> bounced, Complaint -> complained (spam), Open -> opened, Click ->
clicked, Subscription -> unsubscribed (subscribed when the recipient opted back in),
Reject -> rejected (blocked: SES refused the content), Rendering Failure -> failed.

Bounces: ``Permanent`` is a hard bounce (reason ``bounced``). ``Transient`` is what SES
reports when it has stopped trying a message (mailbox full, message too large, content
refused, or retries exhausted): a soft bounce that ends the message, so ``bounced``
with reason ``other`` (the report counts it as ``soft_bounced``; a delay still in
progress is a DeliveryDelay, ``deferred``). ``Undetermined`` is ``bounced``/``other``.
A Permanent bounce of subtype ``Suppressed`` or ``OnAccountSuppressionList`` was never
sent (the address is on a suppression list): ``rejected`` with reason ``bounced``, as
Mailgun's suppression codes are, so suppressions stay out of the bounce rate.

Event ids: SES event bodies carry no event id, and an SNS ``MessageId`` exists only
for SNS delivery; so the id is synthesized from the event type, message id, recipient
and event timestamp, identical for a retried SNS delivery and the same event read
elsewhere. Signatures are checked by :mod:`.signature`, not here.
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from espctl.model.events import (
    EventParseError,
    EventType,
    NormalizedEvent,
    RejectReason,
    recipient_domain,
    synthesize_event_id,
)
from espctl.providers.ses.events import CONFIGURATION_SET_TAG

_E = EventType
_R = RejectReason
SUPPRESSED = frozenset({"Suppressed", "OnAccountSuppressionList"})
_SMTP = re.compile(r"(?:^|\s)([245][0-9]{2})[\s-]")


def _m(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def _s(value: object) -> str | None:
    return str(value) if value not in (None, "") else None


def _time(value: object, what: str) -> datetime:
    if not isinstance(value, str):
        raise EventParseError(f"ses: missing {what} timestamp")
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise EventParseError(f"ses: unparsable {what} timestamp {value!r:.60}") from exc
    if parsed.tzinfo is None:
        raise EventParseError(f"ses: {what} timestamp without a time zone {value!r:.60}")
    return parsed.astimezone(UTC)


def _code(text: str | None) -> int | None:
    found = _SMTP.search(f" {text} ") if text else None
    return int(found.group(1)) if found else None


def parse_ses_webhook(payload: object, *, provider: str = "ses") -> list[NormalizedEvent]:
    """Every normalized event of one SNS envelope or SES body (none for a subscription
    confirmation)."""
    if not isinstance(payload, Mapping):
        raise EventParseError("ses: payload is not a JSON object")
    kind = payload.get("Type")
    if kind in ("SubscriptionConfirmation", "UnsubscribeConfirmation"):
        return []
    if kind == "Notification":
        message = payload.get("Message")
        try:
            body = json.loads(message) if isinstance(message, str) else None
        except ValueError as exc:
            raise EventParseError("ses: SNS Message is not JSON") from exc
        if not isinstance(body, Mapping):
            raise EventParseError("ses: SNS Message is not an SES event")
        return parse_ses_event(body, provider=provider)
    if kind is not None:
        raise EventParseError(f"ses: unknown SNS message type {kind!r:.40}")
    return parse_ses_event(payload, provider=provider)


def parse_ses_event(body: Mapping[str, Any], *, provider: str = "ses") -> list[NormalizedEvent]:
    """One SES event-publishing body (or identity notification), one event per recipient."""
    name = _s(body.get("eventType")) or _s(body.get("notificationType"))
    if name is None:
        raise EventParseError("ses: body has neither eventType nor notificationType")
    mail = _m(body.get("mail"))
    if not mail:
        raise EventParseError("ses: body has no mail object")
    tags = {str(k): v for k, v in _m(mail.get("tags")).items()}
    sets = tags.get(CONFIGURATION_SET_TAG)
    configuration_set = str(sets[0]) if isinstance(sets, list) and sets else None
    metadata = tuple(
        sorted(
            (k, ",".join(map(str, v)) if isinstance(v, list) else str(v))
            for k, v in tags.items()
            if not k.startswith("ses:")
        )
    )
    base: dict[str, Any] = {
        "provider": provider,
        "provider_account": _s(mail.get("sendingAccountId")),
        "stream": configuration_set,
        "message_id": _s(mail.get("messageId")),
        "metadata": metadata,
        "raw": body,
    }
    destination: list[str | None] = [
        str(d) for d in mail.get("destination") or () if isinstance(d, str)
    ]
    rows = _rows(name, body, mail, destination)
    out = []
    for event_type, reason, raw_type, recipient, stamp, extra in rows:
        event_id = synthesize_event_id(
            provider, raw_type, base["message_id"], recipient, stamp.isoformat()
        )
        out.append(
            NormalizedEvent(
                event_type=event_type,
                reject_reason=reason,
                provider_event_type=raw_type,
                event_id=event_id,
                recipient=recipient,
                recipient_domain=recipient_domain(recipient),
                timestamp=stamp,
                **base,
                **extra,
            )
        )
    return out


Row = tuple[EventType, RejectReason | None, str, str | None, datetime, dict[str, Any]]


def _rows(
    name: str, body: Mapping[str, Any], mail: Mapping[str, Any], destination: list[str | None]
) -> list[Row]:
    """(type, reason, provider type, recipient, time, extra fields) per recipient."""

    def sent_at() -> datetime:
        return _time(mail.get("timestamp"), "mail")

    match name:
        case "Send":
            return [(_E.queued, None, name, r, sent_at(), {}) for r in _each(destination)]
        case "Delivery":
            d = _m(body.get("delivery"))
            text = _s(d.get("smtpResponse"))
            extra = {"mta_response": text, "smtp_code": _code(text)}
            stamp = _time(d.get("timestamp"), "delivery")
            return [
                (_E.delivered, None, name, str(r), stamp, extra)
                for r in d.get("recipients") or destination
            ]
        case "DeliveryDelay":
            d = _m(body.get("deliveryDelay"))
            stamp = _time(d.get("timestamp"), "deliveryDelay")
            raw = f"{name}/{d.get('delayType') or ''}".rstrip("/")
            return [
                (_E.deferred, None, raw, _s(_m(r).get("emailAddress")), stamp, _diag(r))
                for r in d.get("delayedRecipients") or [{}]
            ]
        case "Bounce":
            b = _m(body.get("bounce"))
            kind, sub = str(b.get("bounceType") or ""), str(b.get("bounceSubType") or "")
            raw = "/".join(p for p in (name, kind, sub) if p)
            stamp = _time(b.get("timestamp"), "bounce")
            event: EventType
            reason: RejectReason | None
            if kind == "Permanent" and sub in SUPPRESSED:
                event, reason = _E.rejected, _R.bounced
            elif kind == "Permanent":
                event, reason = _E.bounced, _R.bounced
            else:  # Transient, Undetermined: see the module docstring
                event, reason = _E.bounced, _R.other
            return [
                (event, reason, raw, _s(_m(r).get("emailAddress")), stamp, _diag(r))
                for r in b.get("bouncedRecipients") or [{}]
            ]
        case "Complaint":
            c = _m(body.get("complaint"))
            stamp = _time(c.get("timestamp"), "complaint")
            raw = "/".join(p for p in (name, _s(c.get("complaintFeedbackType")) or "") if p)
            extra = {"user_agent": _s(c.get("userAgent"))}
            return [
                (_E.complained, _R.spam, raw, _s(_m(r).get("emailAddress")), stamp, extra)
                for r in c.get("complainedRecipients") or [{}]
            ]
        case "Open" | "Click":
            o = _m(body.get(name.lower()))
            stamp = _time(o.get("timestamp"), name.lower())
            extra = {"user_agent": _s(o.get("userAgent"))}
            if name == "Click":
                extra["click_url"] = _s(o.get("link"))
            event = _E.opened if name == "Open" else _E.clicked
            return [(event, None, name, r, stamp, extra) for r in _each(destination)]
        case "Subscription":
            s = _m(body.get("subscription"))
            stamp = _time(s.get("timestamp") or mail.get("timestamp"), "subscription")
            prefs = _m(s.get("newTopicPreferences"))
            topics = [_m(t) for t in prefs.get("topicSubscriptionStatus") or ()]
            out_all = prefs.get("unsubscribeAll") is True
            opted_out = out_all or any(t.get("subscriptionStatus") == "OptOut" for t in topics)
            event, reason = (
                (_E.unsubscribed, _R.unsubscribed) if opted_out else (_E.subscribed, None)
            )
            who = _s(s.get("contactList"))
            extra = {"description": f"contact list {who}" if who else None}
            return [(event, reason, name, r, stamp, extra) for r in _each(destination)]
        case "Reject":
            why = _s(_m(body.get("reject")).get("reason"))
            extra = {"description": why}
            stamp = sent_at()
            return [(_E.rejected, _R.blocked, name, r, stamp, extra) for r in _each(destination)]
        case "Rendering Failure":
            f = _m(body.get("failure"))
            template = _s(f.get("templateName"))
            message = _s(f.get("errorMessage"))
            text = f"template {template}: {message}" if template else message
            stamp = sent_at()
            return [
                (_E.failed, None, name, r, stamp, {"description": text}) for r in _each(destination)
            ]
        case _:
            return [(_E.unknown, None, name, r, sent_at(), {}) for r in _each(destination)]


def _diag(recipient: object) -> dict[str, Any]:
    r = _m(recipient)
    text = _s(r.get("diagnosticCode"))
    return {"mta_response": text, "smtp_code": _code(text), "description": _s(r.get("status"))}


def _each(destination: list[str | None]) -> list[str | None]:
    """The recipients, or one row without one (an event with no destination list)."""
    return destination or [None]
