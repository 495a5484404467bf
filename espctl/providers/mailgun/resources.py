"""Mailgun's resources: the kinds, their natural keys and fields, and the desired state
of a config block with its webhook bindings (one resource per target and URL)."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import TypeVar

from espctl.model.common import Secret
from espctl.model.resources import Resource
from espctl.providers.kit.spec import ResourceKind, WebhookBinding
from espctl.providers.kit.userinfo import UserinfoUrl
from espctl.providers.mailgun.config import MailgunProvider, MailgunTracking, Unsubscribe
from espctl.providers.mailgun.events import EVENT_TO_WEBHOOK, event_labels

KIND_DOMAIN = "mailgun.domain"
KIND_TRACKING = "mailgun.tracking"
#: one URL of a domain's webhooks: key (domain, URL without credentials), field ``events``
KIND_WEBHOOK = "mailgun.webhook"
#: one account-level webhook (every domain of the region): key URL without credentials
KIND_ACCOUNT_WEBHOOK = "mailgun.account_webhook"
WEBHOOK_KINDS = frozenset({KIND_WEBHOOK, KIND_ACCOUNT_WEBHOOK})

MAX_URLS_PER_EVENT = 3  # ESP-API.md 2.6; account level: "3 unique URLs per event type"
#: the ``description`` espctl gives the account-level webhooks it creates (not managed:
#: an update sends the live description back unchanged)
ACCOUNT_WEBHOOK_DESCRIPTION = "managed by espctl"

KINDS = (
    # a domain must exist: its state and DNS verification are checks, never changes
    ResourceKind(KIND_DOMAIN, unmanaged=True),
    ResourceKind(KIND_TRACKING, parent=KIND_DOMAIN),
    ResourceKind(
        KIND_WEBHOOK,
        create=True,
        delete=True,
        unmanaged=True,
        sensitive=frozenset({"basic_auth_password"}),
        parent=KIND_DOMAIN,
        limited=True,
        labels={"events": event_labels},
    ),
    ResourceKind(
        KIND_ACCOUNT_WEBHOOK,
        create=True,
        delete=True,
        unmanaged=True,
        sensitive=frozenset({"basic_auth_password"}),
        limited=True,
        labels={"events": event_labels},
    ),
)
_T = TypeVar("_T")


#: one webhook URL without userinfo, with the basic auth Mailgun carries in it
MailgunWebhookUrl = UserinfoUrl


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


def webhook_key(domain: str, identity: str) -> str:
    """Natural key of a domain webhook URL: (domain, URL without credentials)."""
    return f"{domain} {identity}"


def _webhook_fields(url: MailgunWebhookUrl, event_ids: Iterable[str]) -> dict[str, object]:
    auth = url.basic_auth
    fields: dict[str, object] = {
        "events": sorted(set(event_ids)),
        "basic_auth_username": auth.username if auth else None,
        "basic_auth_password": auth.password if auth else None,
    }
    if url.shown != url.url:
        fields["url"] = Secret(str(url.url))  # the real URL, where the key masks a part
    return fields


def _live_fields(fields: dict[str, object], stored: str | None) -> dict[str, object]:
    """``stored_url``: the URL exactly as Mailgun holds it (userinfo included), when it is
    not the key's URL. Live only, never compared: the v4 API names a URL by that text."""
    if stored is not None:
        fields["stored_url"] = Secret(stored)
    return fields


def webhook_resource(
    provider: str,
    domain: str,
    url: MailgunWebhookUrl,
    event_ids: Iterable[str],
    *,
    stored: str | None = None,
    copy: int = 0,
) -> Resource:
    """One URL of ``domain``'s webhooks and the Mailgun events it receives, config or live.

    The key holds the URL without credentials (its identity); basic auth, which Mailgun
    carries as URL userinfo, is two fields, the password sensitive; a URL whose identity
    masks a part keeps the real URL in the sensitive ``url`` field, so a rotated token or
    password is an update, never a second URL. ``stored`` is the live URL's exact text;
    ``copy`` numbers the further live URLs with the same key (other credentials), which
    are duplicates of the first.
    """
    key = webhook_key(domain, url.shown)
    duplicate_of = None
    if copy:
        key, duplicate_of = f"{key} (copy {copy})", key
    return Resource(
        provider,
        KIND_WEBHOOK,
        key,
        _live_fields(_webhook_fields(url, event_ids), stored),
        sensitive=frozenset({"basic_auth_password"}),
        parent=domain,
        duplicate_of=duplicate_of,
    )


def account_webhook_resource(
    provider: str,
    url: MailgunWebhookUrl,
    event_ids: Iterable[str],
    *,
    ref: str | None = None,
    stored: str | None = None,
    description: str | None = None,
    copy: bool = False,
) -> Resource:
    """An account-level webhook (it fires for every domain of the region), config or live.

    Keyed by its URL without credentials; fields as :func:`webhook_resource`. ``ref`` is
    Mailgun's ``webhook_id``; ``description`` (live only, not managed) is kept so that
    an update, which replaces the whole webhook, sends it back unchanged. A ``copy`` (a
    later webhook with the same key) is keyed by its id and is a duplicate of the first.
    """
    fields = _live_fields(_webhook_fields(url, event_ids), stored)
    if description is not None:
        fields["description"] = description
    key, duplicate_of = url.shown, None
    if copy:
        key, duplicate_of = f"{url.shown} (copy {ref})", url.shown
    return Resource(
        provider,
        KIND_ACCOUNT_WEBHOOK,
        key,
        fields,
        sensitive=frozenset({"basic_auth_password"}),
        ref=ref,
        duplicate_of=duplicate_of,
    )


def events_of(resource: Resource | None) -> frozenset[str]:
    """The Mailgun event ids a webhook resource receives (none for None)."""
    if resource is None:
        return frozenset()
    return frozenset(str(e) for e in resource.fields.get("events") or ())


def desired_resources(
    provider_id: str, block: MailgunProvider, webhooks: Sequence[WebhookBinding]
) -> list[Resource]:
    """The resources a Mailgun block declares, one webhook resource per (target, URL):
    a binding whose ``sub`` is empty is the account level."""
    out: list[Resource] = []
    for domain in block.domains:
        out.append(Resource(provider_id, KIND_DOMAIN, domain, {}))
        fields = tracking_fields(merged_tracking(block, domain))
        if fields:
            out.append(Resource(provider_id, KIND_TRACKING, domain, fields, parent=domain))
    grouped: dict[tuple[str, str], tuple[MailgunWebhookUrl, set[str]]] = {}
    for hook in webhooks:
        # the same URL twice for one target is one URL at Mailgun (validate refuses two
        # entries that disagree on its credentials): the first entry's URL, every event
        url = MailgunWebhookUrl(url=hook.url, basic_auth=hook.basic_auth)
        _, events = grouped.setdefault((hook.sub, url.shown), (url, set()))
        events.update(EVENT_TO_WEBHOOK[event] for event in hook.events)
    for (scope, _), (url, events) in sorted(grouped.items()):
        if scope:
            out.append(webhook_resource(provider_id, scope, url, events))
        else:
            out.append(account_webhook_resource(provider_id, url, events))
    return out
