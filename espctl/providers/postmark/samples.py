"""Postmark for ``espctl test --webhooks``: a sample event in Postmark's own payload format
(the inverse of :mod:`.parsing`), and how Postmark treats a receiver's answers."""

from __future__ import annotations

import uuid
from datetime import datetime
from typing import Any

from espctl import __version__
from espctl.model.common import Event, Frozen
from espctl.providers.kit.spec import TEST_TAG, ReceiverTraits, WebhookSample
from espctl.providers.postmark.config import PostmarkProvider
from espctl.providers.postmark.events import EVENT_TO_TRIGGER

RECEIVER = ReceiverTraits(
    retries="Postmark retries any answer but 200 (1m, 5m, 10m ... 6h), then gives up",
    auth_note=" (a 403 makes Postmark stop retrying)",
)


def sample(
    event: Event, stream: str, block: PostmarkProvider, now: datetime, options: Frozen | None = None
) -> WebhookSample:
    """A webhook payload for ``event`` on ``stream``, named by its ``RecordType``."""
    body = postmark_sample(event, stream, now)
    return WebhookSample(str(body["RecordType"]), body)


def postmark_sample(event: Event, stream: str, now: datetime) -> dict[str, Any]:
    """A Postmark webhook payload (``RecordType`` ...) for ``event`` on ``stream``."""
    trigger = EVENT_TO_TRIGGER[event]
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
