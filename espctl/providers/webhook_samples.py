"""Sample webhook events in each provider's own payload format, for ``espctl test --webhooks``.

The inverse of :mod:`.events_postmark` and :mod:`.events_mailgun`: a Postmark
``RecordType`` payload or a Mailgun ``signature`` + ``event-data`` payload for one
normalized event, tagged ``espctl-test`` so that a receiver can tell it from real mail.
"""

from __future__ import annotations

import secrets
import uuid
from datetime import datetime
from typing import Any

from espctl import __version__
from espctl.model.common import Event
from espctl.providers.postmark import resources as pm

TEST_TAG = "espctl-test"

#: normalized event -> Mailgun payload ``event`` (and ``severity`` for failures)
MAILGUN_EVENT: dict[Event, tuple[str, str | None]] = {
    Event.accepted: ("accepted", None),
    Event.delivered: ("delivered", None),
    Event.deferred: ("failed", "temporary"),
    Event.bounced: ("failed", "permanent"),
    Event.complained: ("complained", None),
    Event.opened: ("opened", None),
    Event.clicked: ("clicked", None),
    Event.unsubscribed: ("unsubscribed", None),
}


def postmark_sample(event: Event, stream: str, now: datetime) -> dict[str, Any]:
    """A Postmark webhook payload (``RecordType`` ...) for ``event`` on ``stream``."""
    trigger = pm.EVENT_TO_TRIGGER[event]
    at = now.strftime("%Y-%m-%dT%H:%M:%SZ")
    base: dict[str, Any] = {
        "RecordType": trigger,
        "MessageID": str(uuid.uuid4()),
        "MessageStream": stream,
        "Tag": TEST_TAG,
        "Metadata": {"espctl_test": "true"},
    }
    agent = {
        "Client": {"Name": "espctl", "Company": "espctl", "Family": "espctl"},
        "OS": {"Name": "test", "Company": "espctl", "Family": "test"},
        "Platform": "Desktop",
        "UserAgent": f"espctl/{__version__}",
        "Geo": {},
        "ReceivedAt": at,
        "Recipient": "test@example.com",
    }
    match trigger:
        case "Delivery":
            extra: dict[str, Any] = {
                "ServerID": 0,
                "Recipient": "test@example.com",
                "DeliveredAt": at,
                "Details": "espctl connection test",
            }
        case "Bounce" | "SpamComplaint":
            bounce = trigger == "Bounce"
            extra = {
                "ID": 0,
                "Type": "HardBounce" if bounce else "SpamComplaint",
                "TypeCode": 1 if bounce else 512,
                "Name": "Hard bounce" if bounce else "Spam complaint",
                "ServerID": 0,
                "Description": "espctl connection test",
                "Details": "espctl connection test",
                "Email": "test@example.com",
                "From": "espctl@example.com",
                "BouncedAt": at,
                "DumpAvailable": False,
                "Inactive": False,
                "CanActivate": True,
                "Subject": "espctl connection test",
            }
        case "Open":
            extra = {**agent, "FirstOpen": True, "ReadSeconds": 0}
        case "Click":
            extra = {**agent, "ClickLocation": "HTML", "OriginalLink": "https://example.com"}
        case _:  # SubscriptionChange
            extra = {
                "ServerID": 0,
                "ChangedAt": at,
                "Recipient": "test@example.com",
                "Origin": "Recipient",
                "SuppressSending": True,
                "SuppressionReason": "ManualSuppression",
            }
    return {**base, **extra}


def mailgun_sample(event: Event, domain: str, now: datetime) -> dict[str, Any]:
    """A Mailgun webhook payload (``signature`` + ``event-data``) for ``event``.

    The signature block has a fresh timestamp and token but cannot be signed: espctl
    does not know the account's HTTP signing key, so a receiver that verifies
    signatures will refuse it (Mailgun receivers answer 406 to refuse).
    """
    name, severity = MAILGUN_EVENT[event]
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
