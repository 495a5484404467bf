"""Mailgun's config block: an account in one region (API key), its domains and their
tracking, with defaults merged under every domain."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from espctl.model.common import Frozen, Secret
from espctl.providers.kit.config import ProviderConfig

REGION_HOSTS = {"us": "https://api.mailgun.net", "eu": "https://api.eu.mailgun.net"}


class Region(StrEnum):
    """Mailgun region: domains live in exactly one."""

    us = "us"
    eu = "eu"


class Unsubscribe(Frozen):
    """Unsubscribe link tracking and its footers. Omitted keys are left unmanaged."""

    enabled: bool | None = Field(default=None, description="Add unsubscribe links.")
    html_footer: str | None = Field(default=None, description="HTML footer (%unsubscribe_url%).")
    text_footer: str | None = Field(default=None, description="Text footer (%unsubscribe_url%).")


class MailgunTracking(Frozen):
    """Per-domain tracking. Omitted keys are left unmanaged."""

    opens: bool | None = Field(default=None, description="Open tracking.")
    clicks: bool | Literal["html_only"] | None = Field(
        default=None, description="Click tracking: true, false or html_only."
    )
    unsubscribe: Unsubscribe | None = Field(default=None, description="Unsubscribe tracking.")


class MailgunDomainSpec(Frozen):
    """One sending domain; it must already exist at Mailgun."""

    tracking: MailgunTracking | None = Field(
        default=None, description="Tracking, merged over the provider's defaults."
    )


class MailgunDefaults(Frozen):
    """Settings merged under every domain of this provider."""

    tracking: MailgunTracking | None = Field(default=None, description="Default tracking.")


class MailgunProvider(ProviderConfig):
    """A Mailgun account in one region, addressed by its API key."""

    type: Literal["mailgun"] = Field(description="Provider type.")
    api_key: Secret = Field(description="Private API key: ${env:NAME}.")
    region: Region = Field(default=Region.us, description="us or eu: where the domains live.")
    endpoint: str | None = Field(
        default=None, description="API base URL override (default by region)."
    )
    default_sender: str | None = Field(
        default=None, description='Default From address, e.g. "Acme <noreply@mg.acme.com>".'
    )
    defaults: MailgunDefaults | None = Field(
        default=None, description="Settings merged under every domain."
    )
    domains: dict[str, MailgunDomainSpec] = Field(
        default_factory=dict, description="Sending domains by name."
    )
