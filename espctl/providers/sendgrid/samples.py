"""SendGrid for ``espctl test --webhooks``: a sample event in SendGrid's batch format
(the inverse of :mod:`.parsing`), signed when the webhook is, and how SendGrid treats a
receiver's answers."""

from __future__ import annotations

import json
import secrets
import uuid
from datetime import datetime
from typing import Any

from espctl.model.common import Event, Frozen
from espctl.providers.kit.spec import TEST_TAG, ReceiverTraits, WebhookSample
from espctl.providers.sendgrid.config import SendGridProvider, SendGridWebhookOptions
from espctl.providers.sendgrid.events import PAYLOAD_EVENT

RECEIVER = ReceiverTraits(
    retries="SendGrid retries any answer but 2xx for up to 24 hours, then drops the batch",
    auth_note=" (a receiver that verifies SendGrid's signature also refuses espctl's test "
    "signature: espctl signs with a key of its own, as it cannot have SendGrid's; "
    "SendGrid's own test event, POST /v3/user/webhooks/event/test, is signed by SendGrid)",
)


def sendgrid_event(event: Event, domain: str, now: datetime) -> dict[str, Any]:
    """One Event Webhook event object for ``event``, tagged as espctl's test."""
    name = PAYLOAD_EVENT[event]
    message = uuid.uuid4().hex[:22]
    item: dict[str, Any] = {
        "email": "test@example.com",
        "timestamp": int(now.timestamp()),
        "smtp-id": f"<{message}@{domain}>",
        "event": name,
        "category": [TEST_TAG],
        "sg_event_id": secrets.token_urlsafe(22),
        "sg_message_id": f"{message}.espctl-test",
        "espctl_test": "true",  # a custom argument: SendGrid merges them into the event
    }
    match name:
        case "bounce":
            item.update(type="bounce", reason="550 5.1.1 test bounce", status="5.1.1")
        case "deferred":
            item.update(response="452 4.2.2 test deferral", attempt="1")
        case "delivered":
            item.update(response="250 OK")
        case "dropped":
            item.update(reason="Bounced Address", status="5.0.0")
        case "click":
            item.update(url="https://example.com/", useragent="espctl", ip="192.0.2.1")
        case "open":
            item.update(useragent="espctl", ip="192.0.2.1")
        case _:
            pass
    return item


def sample(
    event: Event,
    sub: str,
    block: SendGridProvider,
    now: datetime,
    options: Frozen | None = None,
) -> WebhookSample:
    """A one-event batch for ``event``; signed (the two Twilio headers) when the webhook
    is, with espctl's own key (:func:`.signature.test_key`): the exact bytes signed are
    the ones to send (``content``)."""
    domain = next(iter(block.domains), "example.com")
    batch = [sendgrid_event(event, domain, now)]
    if not (isinstance(options, SendGridWebhookOptions) and options.signed):
        return WebhookSample(PAYLOAD_EVENT[event], batch)
    # signing needs cryptography: loaded here, not by every command that reads the config
    # (validate; tests/test_startup_imports.py)
    from espctl.providers.sendgrid import signature  # noqa: PLC0415

    body = json.dumps(batch).encode()
    stamp = str(int(now.timestamp()))
    headers = {
        signature.SIGNATURE_HEADER: signature.sign(signature.test_key(), body, stamp),
        signature.TIMESTAMP_HEADER: stamp,
    }
    return WebhookSample(PAYLOAD_EVENT[event], batch, headers, content=body)
