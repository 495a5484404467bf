"""Every SES sample in ../shared/samples/ses parses into normalized events; the signed
SNS sample verifies offline and tampered copies do not."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from typing import Any

import pytest

from espctl.model.events import EventParseError
from espctl.providers.ses.parsing import parse_ses_webhook
from espctl.providers.ses.signature import (
    SignatureInvalid,
    signing_cert_url_problem,
    string_to_sign,
    verify_sns_message,
)
from tests.conftest import REPO

SAMPLES = REPO.parent / "shared" / "samples" / "ses"
pytestmark = pytest.mark.spec


def _load(name: str) -> Any:
    return json.loads((SAMPLES / name).read_text())


#: sample -> (event type, reject reason, provider type, recipient, configuration set)
EXPECTED = {
    "fxrelay-send_event_example_ses_body.json": (
        "queued",
        None,
        "Send",
        "recipient@example.com",
        "ConfigSet",
    ),
    "fxrelay-delivery_event_example_ses_body.json": (
        "delivered",
        None,
        "Delivery",
        "recipient@example.com",
        "ConfigSet",
    ),
    "fxrelay-delivery_delay_event_example_ses_body.json": (
        "deferred",
        None,
        "DeliveryDelay/TransientCommunicationFailure",
        "recipient@example.com",
        "ConfigSet",
    ),
    "fxrelay-bounce_event_example_ses_body.json": (
        "bounced",
        "bounced",
        "Bounce/Permanent/General",
        "recipient@example.com",
        "ConfigSet",
    ),
    "fxrelay-complaint_event_example_ses_body.json": (
        "complained",
        "spam",
        "Complaint/abuse",
        "recipient@example.com",
        "ConfigSet",
    ),
    "fxrelay-open_event_example_ses_body.json": (
        "opened",
        None,
        "Open",
        "recipient@example.com",
        "ConfigSet",
    ),
    "fxrelay-click_event_example_ses_body.json": (
        "clicked",
        None,
        "Click",
        "recipient@example.com",
        "ConfigSet",
    ),
    "fxrelay-reject_event_example_ses_body.json": (
        "rejected",
        "blocked",
        "Reject",
        "sender@example.com",
        "ConfigSet",
    ),
    "fxrelay-rendering_failure_example_ses_body.json": (
        "failed",
        None,
        "Rendering Failure",
        "recipient@example.com",
        "ConfigSet",
    ),
    "fxrelay-subscription_event_example_ses_body.json": (
        "unsubscribed",
        "unsubscribed",
        "Subscription",
        "subscription-event-7799@default.sysmon-iad.dohe.com",
        "prod-us-east-1-sesV2-subscription-cardinal-configSet",
    ),
    "fxrelay-bounce_notification_from_simulator_ses_body.json": (
        "bounced",
        "bounced",
        "Bounce/Permanent/General",
        "bounce@simulator.amazonses.com",
        None,
    ),
    "fxrelay-complaint_notification_from_simulator_ses_body.json": (
        "complained",
        "spam",
        "Complaint/abuse",
        "complaint@simulator.amazonses.com",
        None,
    ),
    "fxrelay-delivery_notification_success_from_simulator_ses_body.json": (
        "delivered",
        None,
        "Delivery",
        "success@simulator.amazonses.com",
        None,
    ),
    "fxrelay-suppressionlist_bounce_notification_from_simulator_ses_body.json": (
        "bounced",
        "bounced",
        "Bounce/Permanent/General",
        "suppressionlist@simulator.amazonses.com",
        None,
    ),
    # an SNS envelope: on the account suppression list, never sent: a rejection
    "fxrelay-hard_bounce_sns_body.json": (
        "rejected",
        "bounced",
        "Bounce/Permanent/OnAccountSuppressionList",
        "relayuser@test.com",
        None,
    ),
    "teamcity-sns_notification_bounce_event.json": (
        "bounced",
        "bounced",
        "Bounce/Permanent/General",
        "bounce@simulator.amazonses.com",
        "teamcity-ses-nonprod",
    ),
}


def test_every_sample_is_covered() -> None:
    names = {p.name for p in SAMPLES.glob("*.json")}
    confirmations = {
        "bobf-valid_signature.json",
        "fxrelay-subscription_confirmation_invalid_sns_body.json",
    }
    assert names == set(EXPECTED) | confirmations | {"bobf-sns-test-signing-cert.json"}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_a_sample_parses(name: str) -> None:
    [event] = parse_ses_webhook(_load(name))
    reason = event.reject_reason.value if event.reject_reason else None
    got = (event.event_type.value, reason, event.provider_event_type, event.recipient, event.stream)
    assert got == EXPECTED[name]
    assert event.provider == "ses"
    assert event.timestamp.tzinfo is UTC or event.timestamp.utcoffset() is not None
    assert event.message_id and event.event_id
    # an SNS retry (same body) is the same event
    assert parse_ses_webhook(_load(name))[0].event_id == event.event_id


def test_details_of_a_delivery_a_delay_and_a_click() -> None:
    [delivery] = parse_ses_webhook(_load("fxrelay-delivery_event_example_ses_body.json"))
    assert delivery.smtp_code == 250
    assert delivery.timestamp == datetime(2016, 10, 19, 23, 21, 4, 133000, tzinfo=UTC)
    assert ("myCustomTag1", "myCustomTagValue1") in delivery.metadata
    [delay] = parse_ses_webhook(_load("fxrelay-delivery_delay_event_example_ses_body.json"))
    assert delay.smtp_code == 421 and delay.description == "4.4.1"
    [click] = parse_ses_webhook(_load("fxrelay-click_event_example_ses_body.json"))
    assert click.click_url == (
        "http://docs.aws.amazon.com/ses/latest/DeveloperGuide/send-email-smtp.html"
    )


def test_a_transient_bounce_is_a_soft_bounce_and_one_event_per_recipient() -> None:
    body = _load("fxrelay-bounce_event_example_ses_body.json")
    body["bounce"]["bounceType"] = "Transient"
    body["bounce"]["bounceSubType"] = "MailboxFull"
    body["bounce"]["bouncedRecipients"] = [
        {"emailAddress": "a@example.com", "status": "4.2.2"},
        {"emailAddress": "b@example.org", "status": "4.2.2"},
    ]
    events = parse_ses_webhook(body)
    assert [
        (e.event_type.value, e.reject_reason, e.recipient, e.recipient_domain) for e in events
    ] == [
        ("bounced", "other", "a@example.com", "example.com"),
        ("bounced", "other", "b@example.org", "example.org"),
    ]
    assert events[0].provider_event_type == "Bounce/Transient/MailboxFull"
    assert events[0].event_id != events[1].event_id


def test_subscription_confirmations_carry_no_event() -> None:
    assert parse_ses_webhook(_load("bobf-valid_signature.json")) == []
    assert parse_ses_webhook(_load("fxrelay-subscription_confirmation_invalid_sns_body.json")) == []


@pytest.mark.parametrize(
    ("payload", "message"),
    [
        ([], "not a JSON object"),
        ({"Type": "Notification", "Message": "{"}, "SNS Message is not JSON"),
        ({"Type": "Other"}, "unknown SNS message type"),
        ({"eventType": "Send"}, "no mail object"),
        ({"mail": {}}, "neither eventType nor notificationType"),
        ({"eventType": "Send", "mail": {"timestamp": "yesterday"}}, "unparsable mail timestamp"),
    ],
)
def test_broken_payloads_raise_one_readable_error(payload: object, message: str) -> None:
    with pytest.raises(EventParseError, match=message):
        parse_ses_webhook(payload)


# -- signatures ---------------------------------------------------------------------------
CERT = _load("bobf-sns-test-signing-cert.json")["signing_cert_pem"].encode()
SIGNED = _load("bobf-valid_signature.json")
VALID_AT = datetime(2020, 6, 1, tzinfo=UTC)  # the test certificate's validity


def test_the_signed_sample_verifies() -> None:
    verify_sns_message(SIGNED, CERT, now=VALID_AT)
    assert string_to_sign(SIGNED).startswith(b"Message\nYou have chosen to subscribe")


@pytest.mark.parametrize(
    "key", ["Message", "MessageId", "SubscribeURL", "Timestamp", "Token", "TopicArn"]
)
def test_a_tampered_field_fails(key: str) -> None:
    tampered = {**SIGNED, key: SIGNED[key] + "x"}
    with pytest.raises(SignatureInvalid, match="does not verify"):
        verify_sns_message(tampered, CERT, now=VALID_AT)


def test_a_tampered_signature_or_version_fails() -> None:
    raw = bytearray(base64.b64decode(SIGNED["Signature"]))
    raw[0] ^= 1
    with pytest.raises(SignatureInvalid, match="does not verify"):
        verify_sns_message({**SIGNED, "Signature": base64.b64encode(raw).decode()}, CERT)
    with pytest.raises(SignatureInvalid, match="does not verify"):  # SHA-256 over SHA-1's
        verify_sns_message({**SIGNED, "SignatureVersion": "2"}, CERT)
    with pytest.raises(SignatureInvalid, match="SignatureVersion"):
        verify_sns_message({**SIGNED, "SignatureVersion": "3"}, CERT)
    with pytest.raises(SignatureInvalid, match="not base64"):
        verify_sns_message({**SIGNED, "Signature": "***"}, CERT)


def test_an_expired_or_foreign_certificate_fails() -> None:
    with pytest.raises(SignatureInvalid, match="not valid at this time"):
        verify_sns_message(SIGNED, CERT, now=datetime(2024, 1, 1, tzinfo=UTC))
    with pytest.raises(SignatureInvalid, match="not a PEM"):
        verify_sns_message(SIGNED, b"not a certificate")


def test_the_signing_certificate_url_must_be_an_sns_host() -> None:
    assert signing_cert_url_problem(SIGNED["SigningCertURL"]) is None
    for url in (
        "http://sns.eu-west-1.amazonaws.com/x.pem",
        "https://sns.eu-west-1.amazonaws.com.evil.example/x.pem",
        "https://evil.example/sns.eu-west-1.amazonaws.com/x.pem",
        "https://sns.eu-west-1.amazonaws.com/x.txt",
        None,
    ):
        assert signing_cert_url_problem(url) is not None, url
