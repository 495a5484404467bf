"""SendGrid Event Webhook batches -> normalized events: every real sample parses, and
the mapping is anymail's (ANALYTICS.md §4.1)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from espctl.model.common import Event, Secret
from espctl.model.events import EventParseError, EventType, RejectReason
from espctl.providers.kit.spec import TEST_TAG
from espctl.providers.sendgrid.config import SendGridProvider
from espctl.providers.sendgrid.events import EVENT_FLAGS, PAYLOAD_EVENT, VOCABULARY
from espctl.providers.sendgrid.parsing import parse_sendgrid_event, parse_sendgrid_webhook
from espctl.providers.sendgrid.samples import sample

SAMPLES = Path(__file__).resolve().parents[4] / "shared" / "samples" / "sendgrid"
EXPECTED = {
    "processed": EventType.queued,
    "delivered": EventType.delivered,
    "deferred": EventType.deferred,
    "bounce": EventType.bounced,
    "dropped": EventType.rejected,
    "spamreport": EventType.complained,
    "open": EventType.opened,
    "click": EventType.clicked,
    "unsubscribe": EventType.unsubscribed,
    "group_unsubscribe": EventType.unsubscribed,
}


def _bodies() -> list[tuple[str, Any]]:
    if not SAMPLES.is_dir():
        pytest.skip(f"{SAMPLES} is not here (../shared/samples)")
    out = []
    for path in sorted(SAMPLES.glob("*.json")):
        data = json.loads(path.read_text())
        if isinstance(data, dict) and "body" in data:  # the signed ones: the raw body
            data = json.loads(data["body"])
        out.append((path.name, data))
    return out


def test_every_real_sample_parses() -> None:
    bodies = _bodies()
    assert len(bodies) == 14
    seen: set[str] = set()
    for name, body in bodies:
        events = parse_sendgrid_webhook(body)
        assert events, name
        for event in events:
            assert event.provider == "sendgrid"
            assert event.event_id and event.timestamp.tzinfo is UTC
            seen.add(event.provider_event_type)
            assert event.event_type is EXPECTED[event.provider_event_type], name
    assert set(EXPECTED) <= seen  # every event type espctl names has a real sample


def test_fields_of_a_bounce() -> None:
    (event,) = parse_sendgrid_webhook(json.loads((SAMPLES / "symfony-bounce.json").read_text()))
    assert event.recipient == "example@test.com"
    assert event.recipient_domain == "test.com"
    assert event.timestamp == datetime.fromtimestamp(1513299569, UTC)
    assert event.event_id == "sg_event_id" and event.message_id == "sg_message_id"
    assert event.reject_reason is RejectReason.bounced
    assert event.smtp_code == 500 and event.description == "500 unknown recipient"
    assert event.tags == ("cat facts",)
    assert event.metadata == ()


def test_dropped_reasons_and_blocks() -> None:
    base = {"email": "a@b.c", "timestamp": 1, "sg_event_id": "x"}
    dropped = {**base, "event": "dropped"}
    for reason, why in (
        ("Bounced Address", RejectReason.bounced),
        ("Unsubscribed Address", RejectReason.unsubscribed),
        ("Invalid", RejectReason.invalid),
        ("Spam Reporting Address", RejectReason.spam),
        ("Invalid SMTPAPI header", RejectReason.other),
    ):
        assert parse_sendgrid_event({**dropped, "reason": reason}).reject_reason is why
    blocked = parse_sendgrid_event({**base, "event": "bounce", "type": "blocked"})
    assert blocked.reject_reason is RejectReason.blocked


def test_custom_args_are_metadata_and_categories_are_tags() -> None:
    event = parse_sendgrid_event(
        {
            "email": "a@b.c",
            "timestamp": 1,
            "event": "open",
            "category": ["welcome", "q4"],
            "order_id": 42,
            "tenant": "acme",
        }
    )
    assert event.tags == ("welcome", "q4")
    assert event.metadata == (("order_id", "42"), ("tenant", "acme"))
    assert event.event_id.startswith("sha256:")  # no sg_event_id: a stable synthesized one


def test_unknown_events_are_unknown_and_broken_input_raises() -> None:
    odd = parse_sendgrid_event({"timestamp": 1, "event": "account_status_change"})
    assert odd.event_type is EventType.unknown
    for broken in ("[]x", 3, [3], [{"event": "open"}], [{"event": "open", "timestamp": "x"}]):
        with pytest.raises(EventParseError):
            parse_sendgrid_webhook(broken)


def test_event_table() -> None:
    assert VOCABULARY.native[Event.complained] == "spam_report"  # the settings flag
    assert PAYLOAD_EVENT[Event.complained] == "spamreport"  # the payload's spelling
    assert EVENT_FLAGS[Event.unsubscribed] == ("unsubscribe", "group_unsubscribe")
    assert set(VOCABULARY.native) == set(Event)  # SendGrid delivers every normalized event


@pytest.mark.parametrize("event", list(Event))
def test_samples_are_batches_that_parse_back(event: Event) -> None:
    block = SendGridProvider(type="sendgrid", api_key=Secret("k"), domains=["em.acme-mail.com"])
    made = sample(event, "", block, datetime(2026, 12, 1, tzinfo=UTC))
    assert isinstance(made.payload, list) and len(made.payload) == 1
    (parsed,) = parse_sendgrid_webhook(made.payload)
    assert parsed.tags == (TEST_TAG,)
    assert parsed.metadata == (("espctl_test", "true"),)
    assert parsed.provider_event_type == PAYLOAD_EVENT[event]
    assert "em.acme-mail.com" in made.payload[0]["smtp-id"]
