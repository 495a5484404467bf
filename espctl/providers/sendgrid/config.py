"""SendGrid's config block: one account (or one subuser of it, via ``on-behalf-of``) in
one region, its account-wide tracking settings and the authenticated domains it must
have; and the SendGrid options of a webhook entry (``webhooks.<name>.sendgrid``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from espctl.model.common import Frozen, Secret
from espctl.providers.kit.config import ProviderConfig

#: the API host per region: EU regional subusers live on their own host (the API
#: reference's second base URL)
REGION_HOSTS = {"global": "https://api.sendgrid.com", "eu": "https://api.eu.sendgrid.com"}


class Region(StrEnum):
    """Where the account lives: ``global`` (api.sendgrid.com) or ``eu`` (api.eu.sendgrid.com)."""

    global_ = "global"
    eu = "eu"


class ClickTracking(Frozen):
    """``/v3/tracking_settings/click``. An omitted key is left unmanaged."""

    enabled: bool | None = Field(default=None, description="Click tracking on or off.")
    text: bool | None = Field(
        default=None, description="enable_text: also rewrite links in plain-text parts."
    )


class SubscriptionTracking(Frozen):
    """``/v3/tracking_settings/subscription``. An omitted key is left unmanaged."""

    enabled: bool | None = Field(default=None, description="Add an unsubscribe link.")
    html: str | None = Field(default=None, description="html_content: the HTML footer.")
    text: str | None = Field(
        default=None, description="plain_content: the text footer (with the <% %> tag)."
    )
    replace_tag: str | None = Field(
        default=None, description="replace: a tag your templates use to place the link."
    )
    url: str | None = Field(default=None, description="Your own unsubscribe page (url).")
    landing: str | None = Field(default=None, description="HTML of SendGrid's landing page.")


class GoogleAnalytics(Frozen):
    """``/v3/tracking_settings/google_analytics``. An omitted key is left unmanaged."""

    enabled: bool | None = Field(default=None, description="Add utm_* parameters to links.")
    utm_source: str | None = Field(default=None, description="utm_source.")
    utm_medium: str | None = Field(default=None, description="utm_medium.")
    utm_term: str | None = Field(default=None, description="utm_term.")
    utm_content: str | None = Field(default=None, description="utm_content.")
    utm_campaign: str | None = Field(default=None, description="utm_campaign.")


class SendGridTracking(Frozen):
    """Account-wide tracking settings. An omitted key is left unmanaged."""

    opens: bool | None = Field(default=None, description="Open tracking on or off.")
    clicks: ClickTracking | None = Field(default=None, description="Click tracking.")
    subscription: SubscriptionTracking | None = Field(
        default=None, description="Subscription tracking (unsubscribe link)."
    )
    google_analytics: GoogleAnalytics | None = Field(
        default=None, description="Google Analytics link parameters."
    )


class SendGridProvider(ProviderConfig):
    """A SendGrid account (or one of its subusers) in one region, addressed by an API key."""

    type: Literal["sendgrid"] = Field(description="Provider type.")
    api_key: Secret = Field(description="API key: ${env:NAME}.")
    region: Region = Field(
        default=Region.global_, description="global or eu (api.eu.sendgrid.com)."
    )
    endpoint: str | None = Field(
        default=None, description="API base URL override (default by region)."
    )
    subuser: str | None = Field(
        default=None,
        min_length=1,
        description="Manage this subuser of the key's account (the on-behalf-of header).",
    )
    default_sender: str | None = Field(
        default=None, description='Default From address, e.g. "Acme <noreply@em.acme.com>".'
    )
    tracking: SendGridTracking | None = Field(
        default=None, description="Account-wide tracking settings."
    )
    domains: list[str] = Field(
        default_factory=list,
        description="Authenticated domains that must exist and be valid (checks only).",
    )


class SendGridWebhookOptions(Frozen):
    """SendGrid-only Event Webhook options."""

    signed: bool = Field(
        default=False,
        description="Signature verification: SendGrid signs each POST with ECDSA; "
        "plan and test show the public key.",
    )
