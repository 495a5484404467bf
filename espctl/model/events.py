"""The normalized delivery-event record (ANALYTICS.md §1.7) and de-duplication.

Event types use django-anymail's vocabulary, which is finer than the config's
:class:`espctl.model.common.Event` (it also has ``rejected``, ``failed``,
``autoresponded``, ``subscribed``...): the rate maths needs the finer distinction,
e.g. a Postmark ``Transient`` must not count as a bounce.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from typing import Any

from espctl.errors import EspctlError


class EventParseError(EspctlError):
    """A provider payload is not a tracking event espctl can read.

    Raised only for structurally broken input (not a JSON object, missing or
    unparseable timestamp). Unknown record types are *not* errors: they become
    ``EventType.unknown`` so one odd event never stops a report.
    """


class EventType(StrEnum):
    """Normalized event types (django-anymail's ``EventType``)."""

    queued = "queued"
    sent = "sent"
    rejected = "rejected"
    failed = "failed"
    bounced = "bounced"
    deferred = "deferred"
    delivered = "delivered"
    autoresponded = "autoresponded"
    opened = "opened"
    clicked = "clicked"
    complained = "complained"
    unsubscribed = "unsubscribed"
    subscribed = "subscribed"
    inbound = "inbound"
    inbound_failed = "inbound_failed"
    unknown = "unknown"


class RejectReason(StrEnum):
    """Why a message was rejected or bounced (django-anymail's ``RejectReason``)."""

    invalid = "invalid"
    bounced = "bounced"
    timed_out = "timed_out"
    blocked = "blocked"
    spam = "spam"
    unsubscribed = "unsubscribed"
    other = "other"


@dataclass(frozen=True, slots=True)
class NormalizedEvent:
    """One provider event in espctl's vocabulary.

    ``raw`` keeps the provider payload for debugging; it is excluded from equality,
    hashing and ``repr`` because two deliveries of the same event (webhook retries,
    webhook vs events API) differ in envelope fields but are the same fact.
    """

    provider: str
    event_type: EventType
    timestamp: datetime
    provider_event_type: str
    event_id: str
    message_id: str | None = None
    recipient: str | None = None
    recipient_domain: str | None = None
    provider_account: str | None = None
    stream: str | None = None
    reject_reason: RejectReason | None = None
    smtp_code: int | None = None
    mta_response: str | None = None
    description: str | None = None
    tags: tuple[str, ...] = ()
    metadata: tuple[tuple[str, str], ...] = ()
    is_first_open: bool | None = None
    user_agent: str | None = None
    client: str | None = None
    click_url: str | None = None
    raw: Mapping[str, Any] | None = field(default=None, compare=False, repr=False, hash=False)

    def __post_init__(self) -> None:
        # A naive or non-UTC timestamp would silently shift day buckets: refuse it.
        if self.timestamp.tzinfo is None or self.timestamp.utcoffset() != UTC.utcoffset(None):
            raise ValueError("NormalizedEvent.timestamp must be an aware UTC datetime")

    @property
    def metadata_dict(self) -> dict[str, str]:
        """``metadata`` as a plain dict (stored as sorted pairs to stay hashable)."""
        return dict(self.metadata)

    def as_json(self) -> dict[str, object]:
        """A JSON-ready dict without ``raw`` (for the report's embedded data)."""
        return {
            "provider": self.provider,
            "provider_account": self.provider_account,
            "stream": self.stream,
            "event_type": self.event_type.value,
            "reject_reason": self.reject_reason.value if self.reject_reason else None,
            "provider_event_type": self.provider_event_type,
            "event_id": self.event_id,
            "message_id": self.message_id,
            "recipient": self.recipient,
            "recipient_domain": self.recipient_domain,
            "timestamp": self.timestamp.isoformat().replace("+00:00", "Z"),
            "smtp_code": self.smtp_code,
            "mta_response": self.mta_response,
            "tags": list(self.tags),
            "metadata": self.metadata_dict,
            "is_first_open": self.is_first_open,
            "user_agent": self.user_agent,
            "client": self.client,
        }


def normalize_metadata(value: object) -> tuple[tuple[str, str], ...]:
    """Provider metadata (a JSON object) as sorted ``(key, str(value))`` pairs."""
    if not isinstance(value, Mapping):
        return ()
    pairs = ((str(k), v if isinstance(v, str) else json.dumps(v)) for k, v in value.items())
    return tuple(sorted(pairs))


def recipient_domain(recipient: str | None) -> str | None:
    """The lower-cased part after the last ``@``, or None."""
    if not recipient or "@" not in recipient:
        return None
    return recipient.rsplit("@", 1)[1].strip().lower() or None


def synthesize_event_id(provider: str, *parts: object) -> str:
    """A stable id for events whose provider sends none (Postmark opens, deliveries).

    Built from the fields that identify the fact, so a retried webhook and the same
    event read from an API collapse to one id.
    """
    text = "\x1f".join("" if p is None else str(p) for p in (provider, *parts))
    return "sha256:" + hashlib.sha256(text.encode()).hexdigest()[:32]


def to_utc(value: datetime) -> datetime:
    """``value`` converted to UTC (naive values are taken to be UTC already)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def dedupe(events: Iterable[NormalizedEvent]) -> list[NormalizedEvent]:
    """Events with duplicates on ``(provider, event_id)`` removed, first one kept.

    Both providers retry webhook deliveries, and the collector may read the same
    event from a webhook store and from an API; counting either twice skews rates.
    """
    seen: set[tuple[str, str]] = set()
    kept: list[NormalizedEvent] = []
    for event in events:
        key = (event.provider, event.event_id)
        if key in seen:
            continue
        seen.add(key)
        kept.append(event)
    return kept
