"""The scopes of SendGrid API keys as the sandbox knows them (``GET /v3/scopes``).

Names from SendGrid's documented "API Key Permissions" list (``<area>.<action>``); the
sandbox checks each endpoint's scope and answers 403 ``access forbidden`` without it, so
a key with fewer scopes (tests take some from :attr:`.state.SendGridAccount.scopes`) is
refused where SendGrid would refuse it. Every name below is in that list except
``verified_senders.read`` (UNCONFIRMED: the list has no Sender Verification scope; the
client treats the 403 as a warning). Which scope ``GET /v3/stats`` checks is
UNCONFIRMED too (``stats.read`` here; the list also has ``stats.global.read``).
"""

from __future__ import annotations

TRACKING = ("open", "click", "subscription", "google_analytics")
WEBHOOKS_READ = "user.webhooks.event.settings.read"
WEBHOOKS_UPDATE = "user.webhooks.event.settings.update"
WEBHOOKS_TEST = "user.webhooks.event.test.create"

#: a full-access key's scopes (those of the endpoints the sandbox serves, and mail.send)
FULL_ACCESS: tuple[str, ...] = (
    "mail.send",
    "categories.stats.read",
    "categories.stats.sums.read",
    "stats.global.read",
    "stats.read",
    "suppression.blocks.read",
    "suppression.bounces.read",
    *(f"tracking_settings.{s}.{a}" for s in TRACKING for a in ("read", "update")),
    "tracking_settings.read",
    WEBHOOKS_READ,
    WEBHOOKS_UPDATE,
    WEBHOOKS_TEST,
    "verified_senders.read",
    "whitelabel.read",
)
