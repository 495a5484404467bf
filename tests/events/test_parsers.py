"""Every shared sample payload parses into the expected normalized record."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from espctl.model.events import (
    EventParseError,
    EventType,
    NormalizedEvent,
    RejectReason,
    dedupe,
)
from espctl.providers.mailgun.parsing import (
    parse_mailgun_event,
    parse_mailgun_events_page,
    parse_mailgun_webhook,
)
from espctl.providers.postmark.parsing import (
    parse_postmark_bounce,
    parse_postmark_message_events,
    parse_postmark_webhook,
)

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"
pytestmark = [
    pytest.mark.spec,
    pytest.mark.skipif(
        not SAMPLES.is_dir(), reason=f"shared samples not found at {SAMPLES} (outside the repo)"
    ),
]


def _load(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((SAMPLES / name).read_text())
    return data


def _files(provider: str) -> list[str]:
    if not SAMPLES.is_dir():
        return []
    return sorted(f"{provider}/{p.name}" for p in (SAMPLES / provider).glob("*.json"))


POSTMARK_EXPECTED = {
    "symfony-bounce.json": (EventType.bounced, RejectReason.bounced, "Bounce/HardBounce"),
    "symfony-delivery.json": (EventType.delivered, None, "Delivery"),
    "symfony-link_click.json": (EventType.clicked, None, "Click"),
    "symfony-open.json": (EventType.opened, None, "Open"),
    "symfony-spam_complaint.json": (
        EventType.complained,
        RejectReason.spam,
        "SpamComplaint/SpamComplaint",
    ),
    "symfony-subscription_change.json": (
        EventType.bounced,
        RejectReason.bounced,
        "SubscriptionChange/HardBounce",
    ),
}

MAILGUN_EXPECTED = {
    "symfony-accepted.json": (EventType.queued, None, "accepted"),
    "symfony-clicks.json": (EventType.clicked, None, "clicked"),
    "symfony-delivered_messages.json": (EventType.delivered, None, "delivered"),
    "symfony-opens.json": (EventType.opened, None, "opened"),
    "symfony-permanent_failure.json": (EventType.bounced, RejectReason.bounced, "failed/permanent"),
    "symfony-permanent_failure_no_description.json": (
        EventType.bounced,
        RejectReason.bounced,
        "failed/permanent",
    ),
    "symfony-spam_complaints.json": (EventType.complained, None, "complained"),
    "symfony-temporary_failure.json": (EventType.deferred, RejectReason.other, "failed/temporary"),
    "symfony-unsubscribes.json": (EventType.unsubscribed, None, "unsubscribed"),
}


@pytest.mark.parametrize("name", _files("postmark"))
def test_postmark_sample(name: str) -> None:
    payload = _load(name)
    event = parse_postmark_webhook(payload)
    base = name.split("/")[1]
    if base.startswith("anymail-postmark-inbound"):
        # Inbound mail is not a tracking event: the parser says None, never raises.
        assert event is None
        return
    assert event is not None
    expected_type, expected_reason, raw = POSTMARK_EXPECTED[base]
    assert event.event_type is expected_type
    assert event.reject_reason is expected_reason
    assert event.provider_event_type == raw
    assert event.recipient == (payload.get("Email") or payload.get("Recipient"))
    assert event.recipient_domain == "example.com"
    assert event.message_id == payload["MessageID"]
    assert event.stream == payload["MessageStream"]
    assert event.tags == (payload["Tag"],)
    assert event.metadata_dict == payload["Metadata"]
    stamp = next(
        payload[k] for k in ("DeliveredAt", "BouncedAt", "ReceivedAt", "ChangedAt") if k in payload
    )
    assert event.timestamp == datetime.fromisoformat(stamp).astimezone(UTC)
    assert event.timestamp.tzinfo is UTC
    assert event.raw is payload


def test_postmark_specific_values() -> None:
    bounce = parse_postmark_webhook(_load("postmark/symfony-bounce.json"))
    assert bounce is not None
    assert bounce.event_id == "bounce:42"
    assert bounce.recipient == "john@example.com"
    assert bounce.timestamp == datetime(2022, 9, 2, 14, 29, 19, tzinfo=UTC)
    assert bounce.provider_account == "1234"
    assert bounce.mta_response == "Test bounce details"
    spam = parse_postmark_webhook(_load("postmark/symfony-spam_complaint.json"))
    assert spam is not None
    assert spam.timestamp == datetime(2022, 9, 2, 14, 29, 57, 123456, tzinfo=UTC)
    opened = parse_postmark_webhook(_load("postmark/symfony-open.json"))
    assert opened is not None
    assert opened.is_first_open is True
    assert opened.client == "Chrome 35.0.1916.153"
    assert opened.user_agent is not None and "Chrome/35" in opened.user_agent
    assert opened.event_id.startswith("sha256:")
    click = parse_postmark_webhook(_load("postmark/symfony-link_click.json"))
    assert click is not None and click.click_url == "https://example.com"
    delivery = parse_postmark_webhook(_load("postmark/symfony-delivery.json"))
    assert delivery is not None
    assert delivery.tags == ("welcome-email",)
    assert delivery.timestamp == datetime(2022, 9, 2, 11, 49, 27, tzinfo=UTC)


def test_postmark_seven_digit_fraction_and_offset() -> None:
    event = parse_postmark_webhook(
        {
            "RecordType": "Delivery",
            "MessageID": "m",
            "Recipient": "a@b.example",
            "DeliveredAt": "2016-04-27T16:28:50.3963933-04:00",
        }
    )
    assert event is not None
    assert event.timestamp == datetime(2016, 4, 27, 20, 28, 50, 396393, tzinfo=UTC)


@pytest.mark.parametrize(
    ("bounce_type", "event_type", "reason"),
    [
        ("Transient", EventType.deferred, None),
        ("SoftBounce", EventType.bounced, RejectReason.bounced),
        ("BadEmailAddress", EventType.rejected, RejectReason.invalid),
        ("AutoResponder", EventType.autoresponded, None),
        ("Unsubscribe", EventType.unsubscribed, RejectReason.unsubscribed),
        ("Brand-new-type", EventType.unknown, None),
    ],
)
def test_postmark_bounce_types(
    bounce_type: str, event_type: EventType, reason: RejectReason | None
) -> None:
    item = {
        "ID": 7,
        "Type": bounce_type,
        "MessageID": "m",
        "Email": "x@y.example",
        "BouncedAt": "2024-01-01T00:00:00Z",
        "Details": "smtp;550 5.1.1 user unknown",
    }
    event = parse_postmark_bounce(item)
    assert (event.event_type, event.reject_reason) == (event_type, reason)


def test_postmark_smtp_code_from_details_and_subscription_variants() -> None:
    hard = parse_postmark_bounce(
        {
            "ID": 1,
            "Type": "HardBounce",
            "Email": "a@b.c",
            "BouncedAt": "2024-01-01T00:00:00Z",
            "Details": "smtp;550 5.1.1 user unknown",
        }
    )
    assert hard.smtp_code == 550
    resub = parse_postmark_webhook(
        {
            "RecordType": "SubscriptionChange",
            "Recipient": "a@b.c",
            "SuppressSending": False,
            "ChangedAt": "2024-01-01T00:00:00Z",
        }
    )
    assert resub is not None and resub.event_type is EventType.subscribed
    manual = parse_postmark_webhook(
        {
            "RecordType": "SubscriptionChange",
            "Recipient": "a@b.c",
            "SuppressSending": True,
            "SuppressionReason": "ManualSuppression",
            "ChangedAt": "2024-01-01T00:00:00Z",
        }
    )
    assert manual is not None and manual.event_type is EventType.unsubscribed
    unknown = parse_postmark_webhook({"RecordType": "Novel", "ReceivedAt": "2024-01-01T00:00:00Z"})
    assert unknown is not None and unknown.event_type is EventType.unknown


def test_postmark_message_details_events() -> None:
    details = {
        "MessageID": "abc",
        "MessageStream": "outbound",
        "Tag": "receipt",
        "MessageEvents": [
            {
                "Recipient": "a@b.example",
                "Type": "Transient",
                "ReceivedAt": "2024-05-01T10:00:00Z",
                "Details": {"Summary": "421 try later"},
            },
            {
                "Recipient": "a@b.example",
                "Type": "Delivered",
                "ReceivedAt": "2024-05-01T10:05:00.1234567-04:00",
                "Details": {"DeliveryMessage": "250 OK", "DestinationServer": "mx"},
            },
            {
                "Recipient": "a@b.example",
                "Type": "Bounced",
                "ReceivedAt": "2024-05-01T11:00:00Z",
                "Details": {"Summary": "550 gone", "BounceID": "99"},
            },
            {"Recipient": "a@b.example", "Type": "Opened", "ReceivedAt": "2024-05-01T12:00:00Z"},
        ],
    }
    events = parse_postmark_message_events(details)
    assert [e.event_type for e in events] == [
        EventType.deferred,
        EventType.delivered,
        EventType.bounced,
        EventType.opened,
    ]
    assert events[0].smtp_code == 421
    assert events[1].timestamp == datetime(2024, 5, 1, 14, 5, 0, 123456, tzinfo=UTC)
    assert events[2].event_id == "bounce:99"
    assert all(e.tags == ("receipt",) and e.stream == "outbound" for e in events)


@pytest.mark.parametrize("name", _files("mailgun"))
def test_mailgun_sample(name: str) -> None:
    payload = _load(name)
    data = payload["event-data"]
    event = parse_mailgun_webhook(payload, domain="app.symfony.com")
    expected_type, expected_reason, raw = MAILGUN_EXPECTED[name.split("/")[1]]
    assert event.event_type is expected_type
    assert event.reject_reason is expected_reason
    assert event.provider_event_type == raw
    assert event.recipient == data["recipient"]
    mid = data["message"]["headers"]["message-id"]
    assert event.message_id == f"<{mid}>"
    assert event.timestamp == datetime.fromtimestamp(data["timestamp"], UTC)
    assert event.tags == tuple(data.get("tags", []))
    assert event.metadata_dict == data.get("user-variables", {})
    assert event.provider_account == "app.symfony.com"
    assert event.raw is payload


def test_mailgun_specific_values() -> None:
    perm = parse_mailgun_webhook(_load("mailgun/symfony-permanent_failure.json"))
    assert perm.smtp_code == 550
    assert perm.mta_response == "No Such User Here"
    assert perm.recipient == "alice@example.com"
    assert perm.message_id == "<20130503192659.13651.20287@app.symfony.com>"
    assert perm.timestamp == datetime(2018, 3, 16, 20, 46, 35, 375624, tzinfo=UTC)
    assert perm.tags == ("my_tag_1", "my_tag_2")
    assert perm.provider_account == "app.symfony.com"  # from envelope.sender
    temp = parse_mailgun_webhook(_load("mailgun/symfony-temporary_failure.json"))
    assert temp.smtp_code == 452
    assert temp.mta_response is not None and temp.mta_response.startswith("4.2.2")
    opened = parse_mailgun_webhook(_load("mailgun/symfony-opens.json"))
    assert opened.client == "Chrome"
    assert opened.is_first_open is None
    accepted = parse_mailgun_webhook(_load("mailgun/symfony-accepted.json"))
    assert accepted.message_id == "<##REDACTED##>"
    assert accepted.provider_account == "mg.herehaveth.is"


def test_mailgun_webhook_and_events_api_dedupe_to_one() -> None:
    payload = _load("mailgun/symfony-delivered_messages.json")
    from_hook = parse_mailgun_webhook(payload)
    from_api = parse_mailgun_events_page({"items": [payload["event-data"]]})[0]
    assert from_hook == from_api  # raw differs but is not part of equality
    assert dedupe([from_hook, from_api, from_hook]) == [from_hook]


def test_mailgun_suppressed_and_rejected() -> None:
    base = {
        "timestamp": 1700000000.5,
        "recipient": "a@b.example",
        "event": "failed",
        "severity": "permanent",
        "id": "x",
    }
    suppressed = parse_mailgun_event({**base, "reason": "suppress-bounce"})
    assert (suppressed.event_type, suppressed.reject_reason) == (
        EventType.rejected,
        RejectReason.bounced,
    )
    coded = parse_mailgun_event({**base, "reason": "bounce", "delivery-status": {"code": 607}})
    assert (coded.event_type, coded.reject_reason) == (EventType.rejected, RejectReason.spam)
    rejected = parse_mailgun_event(
        {
            "timestamp": 1.0,
            "event": "rejected",
            "message": {"headers": {"to": "Bob <bob@x.example>"}},
            "reject": {"reason": "no MX"},
            "delivery-status": None,
        }
    )
    assert rejected.recipient == "bob@x.example"
    assert rejected.reject_reason is RejectReason.other
    assert rejected.description == "no MX"
    assert (
        parse_mailgun_event({"timestamp": 1.0, "event": "stored"}).event_type is EventType.unknown
    )


@pytest.mark.parametrize(
    "bad",
    [
        [],
        "text",
        {"signature": {}},
        {"event-data": []},
        {"event-data": {"event": "delivered"}},
        {"event-data": {"timestamp": "yesterday"}},
        {"event-data": {"timestamp": 1e300}},
    ],
)
def test_mailgun_odd_input_raises_one_error_type(bad: object) -> None:
    with pytest.raises(EventParseError):
        parse_mailgun_webhook(bad)


@pytest.mark.parametrize(
    "bad", [None, [], {"RecordType": "Delivery"}, {"RecordType": "Open", "ReceivedAt": "soon"}]
)
def test_postmark_odd_input_raises_one_error_type(bad: object) -> None:
    with pytest.raises(EventParseError):
        parse_postmark_webhook(bad)


def test_event_requires_utc_and_raw_not_in_equality() -> None:
    stamp = datetime(2024, 1, 1, tzinfo=UTC)
    a = NormalizedEvent("p", EventType.delivered, stamp, "Delivery", "1", raw={"a": 1})
    b = NormalizedEvent("p", EventType.delivered, stamp, "Delivery", "1", raw={"b": 2})
    assert a == b and hash(a) == hash(b) and "raw" not in repr(a)
    with pytest.raises(ValueError, match="UTC"):
        NormalizedEvent("p", EventType.delivered, datetime(2024, 1, 1), "Delivery", "1")
    assert "raw" not in a.as_json()
