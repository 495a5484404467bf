"""Mailgun for ``espctl test --webhooks``: a sample event in Mailgun's own payload format
(the inverse of :mod:`.parsing`), and how Mailgun treats a receiver's answers."""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

from espctl.model.common import Event, Frozen
from espctl.providers.kit.spec import TEST_TAG, ReceiverTraits, WebhookSample
from espctl.providers.mailgun.config import MailgunProvider
from espctl.providers.mailgun.events import PAYLOAD_EVENT

RECEIVER = ReceiverTraits(
    retries="Mailgun retries any answer but 200 and 406 for about 8 hours, then gives up",
    accepted={
        406: "HTTP 406: reachable; it refused the unsigned test event (it verifies Mailgun "
        "signatures, and espctl cannot sign without the account's signing key)",
    },
    tls="Mailgun requires a CA-signed certificate for https webhook URLs: it will refuse "
    "this receiver or fail to deliver to it",
)


def sample(
    event: Event, domain: str, block: MailgunProvider, now: datetime, options: Frozen | None = None
) -> WebhookSample:
    """A webhook payload for ``event``, named by its ``event``. An account-level target
    (no domain) sends for every domain: the sample names the provider's first one."""
    body = mailgun_sample(event, domain or next(iter(sorted(block.domains)), "example.com"), now)
    return WebhookSample(str(body["event-data"]["event"]), body)


def mailgun_sample(event: Event, domain: str, now: datetime) -> dict[str, Any]:
    """A Mailgun webhook payload (``signature`` + ``event-data``) for ``event``.

    The signature block has a fresh timestamp and token but cannot be signed: espctl
    does not know the account's HTTP signing key, so a receiver that verifies
    signatures will refuse it (Mailgun receivers answer 406 to refuse).
    """
    name, severity = PAYLOAD_EVENT[event]
    data: dict[str, Any] = {
        "id": secrets.token_urlsafe(16),
        "timestamp": now.timestamp(),
        "log-level": "error" if name == "failed" else "info",
        "event": name,
        "flags": {"is-test-mode": True, "is-system-test": True},
        "envelope": {"sender": f"espctl@{domain}", "targets": "test@example.com"},
        "message": {
            "headers": {
                "to": "test@example.com",
                "message-id": f"{uuid.uuid4().hex}@{domain}",
                "from": f"espctl@{domain}",
                "subject": "espctl connection test",
            }
        },
        "recipient": "test@example.com",
        "recipient-domain": "example.com",
        "tags": [TEST_TAG],
        "user-variables": {"espctl_test": "true"},
    }
    if severity is not None:
        data["severity"] = severity
        data["reason"] = "bounce" if severity == "permanent" else "generic"
        data["delivery-status"] = {"code": 550 if severity == "permanent" else 452}
    return {
        "signature": {
            "timestamp": str(int(now.timestamp())),
            "token": secrets.token_hex(25),
            "signature": "0" * 64,
        },
        "event-data": data,
    }
