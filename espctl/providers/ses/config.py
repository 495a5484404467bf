"""Amazon SES's config block: an AWS account in one region (the botocore credential chain,
a named profile or ``${env:}`` keys), its identities (checks) and configuration sets, and
the SES options of a webhook entry (``webhooks.<name>.ses``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from espctl.model.common import Frozen, Secret
from espctl.providers.kit.config import ProviderConfig

#: an AWS region name (``eu-west-1``, ``us-gov-west-1``); not an enum: AWS adds regions
REGION_PATTERN = r"^[a-z]{2}(-[a-z]+)+-[0-9]{1,2}$"
#: a configuration set or event destination name (SESv2: letters, digits, _ and -, max 64)
NAME_PATTERN = r"^[A-Za-z0-9_-]{1,64}$"


class TlsPolicy(StrEnum):
    """``DeliveryOptions.TlsPolicy``: ``require`` refuses to deliver without TLS."""

    require = "require"
    optional = "optional"


class HttpsPolicy(StrEnum):
    """``TrackingOptions.HttpsPolicy`` of the open and click tracking links."""

    require = "require"
    require_open_only = "require_open_only"
    optional = "optional"


class SuppressionReason(StrEnum):
    """``SuppressionOptions.SuppressedReasons``: why SES adds an address to the list."""

    bounce = "bounce"
    complaint = "complaint"


class SesTracking(Frozen):
    """Open and click tracking links of a configuration set. Omitted keys are unmanaged."""

    custom_redirect_domain: str | None = Field(
        default=None, description="Custom tracking domain (a verified identity's host name)."
    )
    https_policy: HttpsPolicy | None = Field(
        default=None, description="require, require_open_only or optional."
    )


class ConfigurationSetSpec(Frozen):
    """One configuration set; espctl creates it if missing. Omitted keys are unmanaged."""

    tracking: SesTracking | None = Field(default=None, description="Tracking options.")
    tls: TlsPolicy | None = Field(default=None, description="TLS to receivers: require/optional.")
    reputation_metrics: bool | None = Field(
        default=None, description="Publish reputation metrics (bounce, complaint rates)."
    )
    sending: bool | None = Field(default=None, description="Sending enabled for this set.")
    suppression: list[SuppressionReason] | None = Field(
        default=None, description="Suppression list reasons: [bounce, complaint] or []."
    )


class SesProvider(ProviderConfig):
    """An AWS account's SES in one region: credentials from botocore's chain by default."""

    type: Literal["ses"] = Field(description="Provider type.")
    region: str = Field(pattern=REGION_PATTERN, description="AWS region, e.g. eu-west-1.")
    profile: str | None = Field(
        default=None, min_length=1, description="A named profile of the shared AWS config."
    )
    access_key_id: Secret | None = Field(
        default=None, description="AWS access key id (optional): ${env:NAME}."
    )
    secret_access_key: Secret | None = Field(
        default=None, description="AWS secret access key (with access_key_id): ${env:NAME}."
    )
    session_token: Secret | None = Field(
        default=None, description="AWS session token of temporary keys: ${env:NAME}."
    )
    endpoint: str | None = Field(
        default=None,
        description="Endpoint URL for every AWS API espctl calls (a sandbox); default AWS's.",
    )
    default_sender: str | None = Field(
        default=None, description='Default From address, e.g. "Acme <noreply@mail.acme.com>".'
    )
    identities: list[str] = Field(
        default_factory=list,
        description="Email identities (domains or addresses) that must exist and be verified.",
    )
    configuration_sets: dict[str, ConfigurationSetSpec] = Field(
        default_factory=dict, description="Configuration sets by name ([A-Za-z0-9_-], max 64)."
    )


class SesWebhookOptions(Frozen):
    """SES-only webhook options."""

    rendering_failures: bool = Field(
        default=False,
        description="Also publish SES Rendering Failure events (template errors) to this URL.",
    )
