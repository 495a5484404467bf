"""Shared pieces of the SendGrid respx tests."""

from __future__ import annotations

import json
from typing import Any

import httpx

from espctl.model.common import Secret
from espctl.providers.sendgrid.client import SendGridApi
from espctl.providers.sendgrid.config import SendGridProvider
from tests.providers.helpers import FAST, Sleeps

SG = "https://api.sendgrid.com"
SG_EU = "https://api.eu.sendgrid.com"
KEY = "SG.canary-sendgrid-key-3456"
ALL = f"{SG}/v3/user/webhooks/event/settings/all"
SETTINGS = f"{SG}/v3/user/webhooks/event/settings"
OURS = "https://hooks.acme-mail.com/esp/events"
#: every scope a full config needs
SCOPES = [
    "user.webhooks.event.settings.read",
    "user.webhooks.event.settings.update",
    "whitelabel.read",
    "verified_senders.read",
    *(
        f"tracking_settings.{s}.{a}"
        for s in ("open", "click", "subscription", "google_analytics")
        for a in ("read", "update")
    ),
]


def block(**extra: Any) -> SendGridProvider:
    return SendGridProvider.model_validate({"type": "sendgrid", "api_key": Secret(KEY), **extra})


def api(sleeps: Sleeps | None = None, **extra: Any) -> SendGridApi:
    return SendGridApi("sg", block(**extra), options=FAST, sleep=sleeps or Sleeps())


def body(request: httpx.Request) -> Any:
    assert request.headers["Content-Type"] == "application/json"
    return json.loads(request.content)


def flags(**on: bool) -> dict[str, bool]:
    """Every event flag of a webhook, off unless named."""
    names = [
        "processed",
        "delivered",
        "deferred",
        "bounce",
        "dropped",
        "spam_report",
        "open",
        "click",
        "unsubscribe",
        "group_unsubscribe",
        "group_resubscribe",
    ]
    return {n: bool(on.get(n)) for n in names}


def hook(url: str = OURS, *, id: str | None = "wh-1", **extra: Any) -> dict[str, Any]:
    """A listed webhook as SendGrid answers it."""
    out: dict[str, Any] = {"enabled": True, "url": url, **flags(), "friendly_name": "events"}
    if id is not None:
        out["id"] = id
    out.update(extra)
    return out
