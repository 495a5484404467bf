"""What one provider's live settings look like, for the report: pure value types.

Each provider's report summary (:attr:`espctl.providers.kit.spec.ProviderSpec.summary`)
fills these from its live state; :mod:`espctl.report.data` uses them in its cards and
webhook table.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class StreamInfo:
    """A message stream (a named channel of one account)."""

    id: str
    name: str = ""
    type: str = ""


@dataclass(frozen=True, slots=True)
class DomainInfo:
    """A sending domain and its verification state as the provider reports it."""

    name: str
    state: str = "unknown"  # e.g. "active", "unverified", "disabled"
    verified: bool | None = None


@dataclass(frozen=True, slots=True)
class AccountInfo:
    """What one provider account looks like live."""

    description: str = ""  # e.g. "server Acme", "EU region, 3 domains in the account"
    servers: tuple[str, ...] = ()
    streams: tuple[StreamInfo, ...] = ()
    domains: tuple[DomainInfo, ...] = ()


@dataclass(frozen=True, slots=True)
class TrackingInfo:
    """Open/click tracking as live at the provider. ``None`` = unknown."""

    opens: bool | None = None
    clicks: bool | None = None
    detail: str = ""  # e.g. "links: html_and_text", "clicks: html_only on 1 domain"

    @property
    def any_on(self) -> bool:
        """Whether open or click tracking is on."""
        return bool(self.opens or self.clicks)


@dataclass(frozen=True, slots=True)
class WebhookTrigger:
    """One normalized event a webhook receives, with the provider-native name."""

    event: str  # normalized, e.g. "bounced"
    native: str  # the provider's own name, e.g. "permanent_fail"


@dataclass(frozen=True, slots=True)
class WebhookInfo:
    """One live webhook URL at one scope."""

    provider: str
    url: str  # credentials already masked
    scope: str  # e.g. "server Acme / stream outbound", "domain mg.example.com"
    auth: str  # e.g. "basic auth", "custom header", "signing key", "none"
    triggers: tuple[WebhookTrigger, ...] = ()
    #: the provider sends an event once per URL however many of its scopes list that URL
    #: (one that de-duplicates across account and domain level), so it never fires twice
    deduplicated: bool = False
