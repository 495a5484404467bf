"""Mailgun: the config block, its vocabulary and its desired resources."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal, TypeVar

from pydantic import Field

from espctl.model.common import BasicAuth, EnvStr, Event, Frozen, Secret
from espctl.model.resources import Resource
from espctl.model.urls import url_identity

KIND_DOMAIN = "mailgun.domain"
KIND_TRACKING = "mailgun.tracking"
KIND_WEBHOOK = "mailgun.webhook"

#: normalized event -> Mailgun webhook event id (DESIGN.md "Normalized events")
EVENT_TO_WEBHOOK: dict[Event, str] = {
    Event.accepted: "accepted",
    Event.delivered: "delivered",
    Event.deferred: "temporary_fail",
    Event.bounced: "permanent_fail",
    Event.complained: "complained",
    Event.opened: "opened",
    Event.clicked: "clicked",
    Event.unsubscribed: "unsubscribed",
}
WEBHOOK_TO_EVENT: dict[str, Event] = {v: k for k, v in EVENT_TO_WEBHOOK.items()}
MAX_URLS_PER_EVENT = 3  # ESP-API.md 2.6
_T = TypeVar("_T")

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


class MailgunProvider(Frozen):
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


@dataclass(frozen=True)
class MailgunWebhookUrl:
    """One webhook URL (without userinfo): credentials travel as URL userinfo at Mailgun.

    ``identity`` is the URL as shown and compared (credentials masked, see
    :func:`espctl.model.urls.url_identity`); None computes it from ``url``. A
    dataclass, not a model: ``url`` keeps its :class:`EnvStr` tag.
    """

    url: str
    basic_auth: BasicAuth | None = None
    identity: str | None = None

    @property
    def shown(self) -> str:
        if self.identity is not None:
            return self.identity
        return url_identity(self.url, self.url.substituted if isinstance(self.url, EnvStr) else ())


def merged_tracking(block: MailgunProvider, domain: str) -> MailgunTracking:
    """The domain's tracking with the provider defaults merged underneath, key by key."""
    base = block.defaults.tracking if block.defaults and block.defaults.tracking else None
    spec = block.domains[domain].tracking
    if base is None:
        return spec or MailgunTracking()
    if spec is None:
        return base
    unsub: Unsubscribe | None
    if base.unsubscribe and spec.unsubscribe:
        unsub = Unsubscribe(
            enabled=_first(spec.unsubscribe.enabled, base.unsubscribe.enabled),
            html_footer=_first(spec.unsubscribe.html_footer, base.unsubscribe.html_footer),
            text_footer=_first(spec.unsubscribe.text_footer, base.unsubscribe.text_footer),
        )
    else:
        unsub = spec.unsubscribe or base.unsubscribe
    return MailgunTracking(
        opens=_first(spec.opens, base.opens),
        clicks=_first(spec.clicks, base.clicks),
        unsubscribe=unsub,
    )


def _first(a: _T | None, b: _T | None) -> _T | None:
    return a if a is not None else b


def tracking_fields(tracking: MailgunTracking) -> dict[str, object]:
    """Managed tracking fields (unset keys are unmanaged and absent)."""
    fields: dict[str, object] = {}
    if tracking.opens is not None:
        fields["opens"] = tracking.opens
    if tracking.clicks is not None:
        fields["clicks"] = tracking.clicks
    if tracking.unsubscribe is not None:
        u = tracking.unsubscribe
        for name, value in (
            ("unsubscribe", u.enabled),
            ("unsubscribe_html_footer", u.html_footer),
            ("unsubscribe_text_footer", u.text_footer),
        ):
            if value is not None:
                fields[name] = value
    return fields


def webhook_key(domain: str, event_id: str) -> str:
    return f"{domain} {event_id}"


def webhook_label(key: str) -> str:
    """A webhook key as people read it: the normalized event first, Mailgun's name after.

    >>> webhook_label("mg.acme-mail.com permanent_fail")
    'mg.acme-mail.com bounced (permanent_fail)'
    >>> webhook_label("mg.acme-mail.com opened")
    'mg.acme-mail.com opened'
    """
    domain, _, event_id = key.rpartition(" ")
    event = WEBHOOK_TO_EVENT.get(event_id)
    if not domain or event is None or event.value == event_id:
        return key
    return f"{domain} {event.value} ({event_id})"


def webhook_resource(
    provider: str, domain: str, event_id: str, urls: Iterable[MailgunWebhookUrl]
) -> Resource:
    """A (domain, event) webhook: its URL set, and basic auth per URL kept apart.

    ``urls`` lists identity URLs (credentials masked); a URL whose identity differs
    from it is kept whole in the sensitive ``secret_urls`` (identity -> Secret).
    """
    listed = sorted(urls, key=lambda u: u.shown)
    auth = {
        u.shown: {"username": u.basic_auth.username, "password": u.basic_auth.password}
        for u in listed
        if u.basic_auth is not None
    }
    fields: dict[str, object] = {"urls": sorted({u.shown for u in listed}), "basic_auth": auth}
    hidden = {u.shown: Secret(str(u.url)) for u in listed if u.shown != u.url}
    if hidden:
        fields["secret_urls"] = hidden
    return Resource(
        provider,
        KIND_WEBHOOK,
        webhook_key(domain, event_id),
        fields,
        sensitive=frozenset({"basic_auth", "secret_urls"}),
        parent=domain,
    )


def desired_resources(
    provider_id: str,
    block: MailgunProvider,
    webhooks: Iterable[tuple[str, Event, MailgunWebhookUrl]],
) -> list[Resource]:
    """The resources a Mailgun block declares; ``webhooks`` are (domain, event, url)."""
    out: list[Resource] = []
    for domain in block.domains:
        out.append(Resource(provider_id, KIND_DOMAIN, domain, {}))
        fields = tracking_fields(merged_tracking(block, domain))
        if fields:
            out.append(Resource(provider_id, KIND_TRACKING, domain, fields, parent=domain))
    grouped: dict[tuple[str, str], list[MailgunWebhookUrl]] = {}
    for domain, event, url in webhooks:
        grouped.setdefault((domain, EVENT_TO_WEBHOOK[event]), []).append(url)
    for (domain, event_id), urls in sorted(grouped.items()):
        out.append(webhook_resource(provider_id, domain, event_id, urls))
    return out
