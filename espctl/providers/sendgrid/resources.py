"""SendGrid's resources: the kinds, their natural keys and fields, and the desired state
of a config block with its webhook bindings.

- ``sendgrid.tracking``: one per tracking setting (``open``, ``click``, ``subscription``,
  ``google_analytics``), with only the fields the config sets (the rest is unmanaged).
- ``sendgrid.webhook``: one Event Webhook per URL (without credentials): its event
  flags, ``enabled``, ``friendly_name`` (the config webhook's name), ``signed`` and the
  basic auth SendGrid carries as URL userinfo.

Authenticated domains and verified senders are checks, never resources: espctl cannot
create them (DNS records are the user's).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from espctl.model.common import Secret
from espctl.model.resources import Resource
from espctl.providers.kit.spec import ResourceKind, WebhookBinding
from espctl.providers.kit.userinfo import UserinfoUrl
from espctl.providers.sendgrid.config import SendGridProvider, SendGridWebhookOptions
from espctl.providers.sendgrid.events import EVENT_FLAGS, FLAGS, event_labels

KIND_TRACKING = "sendgrid.tracking"
KIND_WEBHOOK = "sendgrid.webhook"
#: the tracking settings, in the order they are read and written
TRACKING_SETTINGS = ("open", "click", "subscription", "google_analytics")

KINDS = (
    # the settings always exist: updated, never created or deleted
    ResourceKind(KIND_TRACKING),
    ResourceKind(
        KIND_WEBHOOK,
        create=True,
        delete=True,
        unmanaged=True,
        sensitive=frozenset({"basic_auth_password"}),
        labels={"events": event_labels},
    ),
)


#: one webhook URL without userinfo, with the basic auth SendGrid carries in it
WebhookUrl = UserinfoUrl


def tracking_fields(block: SendGridProvider) -> dict[str, dict[str, object]]:
    """Per tracking setting, the API fields the config sets (unset keys are absent; a
    setting with none is not managed at all). Field names are SendGrid's own."""
    t = block.tracking
    if t is None:
        return {}
    out: dict[str, dict[str, object]] = {}

    def put(setting: str, pairs: Iterable[tuple[str, object]]) -> None:
        fields = {name: value for name, value in pairs if value is not None}
        if fields:
            out[setting] = fields

    put("open", [("enabled", t.opens)])
    if t.clicks is not None:
        put("click", [("enabled", t.clicks.enabled), ("enable_text", t.clicks.text)])
    if t.subscription is not None:
        s = t.subscription
        put(
            "subscription",
            [
                ("enabled", s.enabled),
                ("html_content", s.html),
                ("plain_content", s.text),
                ("replace", s.replace_tag),
                ("url", s.url),
                ("landing", s.landing),
            ],
        )
    if t.google_analytics is not None:
        g = t.google_analytics
        put(
            "google_analytics",
            [
                ("enabled", g.enabled),
                ("utm_source", g.utm_source),
                ("utm_medium", g.utm_medium),
                ("utm_term", g.utm_term),
                ("utm_content", g.utm_content),
                ("utm_campaign", g.utm_campaign),
            ],
        )
    return out


def tracking_resource(provider: str, setting: str, fields: Mapping[str, object]) -> Resource:
    """One tracking setting (config: the fields it sets; live: every field read)."""
    return Resource(provider, KIND_TRACKING, setting, dict(fields))


def webhook_resource(
    provider: str,
    url: WebhookUrl,
    flags: Iterable[str],
    *,
    friendly_name: str | None,
    signed: bool,
    enabled: bool = True,
    ref: str | None = None,
    public_key: str | None = None,
    duplicate_of: str | None = None,
) -> Resource:
    """One Event Webhook, config or live alike, keyed by its URL without credentials.

    Basic auth (URL userinfo at SendGrid) is two fields, the password sensitive; a URL
    whose identity masks a part keeps the real URL in the sensitive ``url`` field, so
    that a rotated token is an update, never a second webhook. ``ref`` is SendGrid's
    webhook id (None: the legacy single webhook, which has none); ``public_key`` (live,
    never compared) is the key its signatures verify with.
    """
    auth = url.basic_auth
    fields: dict[str, object] = {
        "events": sorted(set(flags)),
        "enabled": enabled,
        "friendly_name": friendly_name,
        "signed": signed,
        "basic_auth_username": auth.username if auth else None,
        "basic_auth_password": auth.password if auth else None,
    }
    if url.shown != url.url:
        fields["url"] = Secret(str(url.url))
    if public_key:
        fields["public_key"] = public_key
    key = url.shown if duplicate_of is None else f"{url.shown} (copy {ref})"
    return Resource(
        provider,
        KIND_WEBHOOK,
        key,
        fields,
        sensitive=frozenset({"basic_auth_password"}),
        ref=ref,
        duplicate_of=duplicate_of,
    )


def desired_resources(
    provider_id: str, block: SendGridProvider, webhooks: Sequence[WebhookBinding]
) -> list[Resource]:
    """The resources a SendGrid block declares: its tracking settings, and one Event
    Webhook per URL (two config webhooks with one URL are one webhook at SendGrid, which
    refuses a second with the same URL: every event of both, the first one's name)."""
    out = [
        tracking_resource(provider_id, setting, fields)
        for setting, fields in tracking_fields(block).items()
    ]
    urls: dict[str, WebhookUrl] = {}
    names: dict[str, str] = {}
    signed: dict[str, bool] = {}
    flags: dict[str, set[str]] = {}
    for hook in webhooks:
        url = WebhookUrl(hook.url, hook.basic_auth)
        key = url.shown
        urls.setdefault(key, url)
        names.setdefault(key, hook.name)
        options = hook.options
        wants = isinstance(options, SendGridWebhookOptions) and options.signed
        signed[key] = signed.get(key, False) or wants
        for event in hook.events:
            flags.setdefault(key, set()).update(EVENT_FLAGS[event])
    for key in sorted(urls):
        out.append(
            webhook_resource(
                provider_id,
                urls[key],
                [f for f in FLAGS if f in flags.get(key, set())],
                friendly_name=names[key],
                signed=signed[key],
            )
        )
    return out
