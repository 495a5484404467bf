"""Postmark: the config block, its vocabulary and its desired resources."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Literal

from pydantic import Field

from espctl.model.common import BasicAuth, EnvStr, Event, Frozen, Secret
from espctl.model.resources import Resource
from espctl.model.urls import is_credential_name, url_identity

KIND_SERVER = "postmark.server"
KIND_STREAM = "postmark.message_stream"
KIND_WEBHOOK = "postmark.webhook"

#: normalized event -> Postmark webhook trigger (DESIGN.md "Normalized events")
EVENT_TO_TRIGGER: dict[Event, str] = {
    Event.delivered: "Delivery",
    Event.bounced: "Bounce",
    Event.complained: "SpamComplaint",
    Event.opened: "Open",
    Event.clicked: "Click",
    Event.unsubscribed: "SubscriptionChange",
}
TRIGGER_TO_EVENT: dict[str, Event] = {v: k for k, v in EVENT_TO_TRIGGER.items()}
#: triggers Postmark refuses on Broadcasts streams (ESP-API.md 1.6)
BROADCAST_FORBIDDEN: frozenset[Event] = frozenset({Event.bounced, Event.complained})
MAX_STREAMS = 10  # per server, defaults included (ESP-API.md 1.7)
DEFAULT_STREAMS = ("outbound", "inbound")
#: a new server's third stream (postmark.js's integration test counts 3 streams on a new
#: server: outbound, inbound and a broadcast one). Its id ``broadcast`` is the UI's default
#: and what mock servers of the API use; that Postmark gives it this id is UNCONFIRMED, as
#: is whether servers made before broadcast streams existed have it.
DEFAULT_BROADCAST_STREAM = "broadcast"


class TrackLinks(StrEnum):
    """Link tracking, as Postmark's ``TrackLinks`` (``None``, ``HtmlAndText``, ...)."""

    none = "none"
    html_and_text = "html_and_text"
    html_only = "html_only"
    text_only = "text_only"


class StreamType(StrEnum):
    """Stream types espctl can create (Inbound streams are Postmark's own)."""

    transactional = "transactional"
    broadcasts = "broadcasts"


class PostmarkTracking(Frozen):
    """Server-wide tracking defaults. An omitted key is left unmanaged."""

    opens: bool | None = Field(default=None, description="TrackOpens: open tracking on or off.")
    links: TrackLinks | None = Field(
        default=None, description="TrackLinks: none, html_and_text, html_only or text_only."
    )


class MessageStreamSpec(Frozen):
    """One message stream. Its id is the mapping key; id and type are immutable."""

    type: StreamType = Field(description="transactional or broadcasts (immutable).")
    name: str = Field(min_length=1, max_length=100, description="Display name (max 100).")
    description: str | None = Field(
        default=None, max_length=1000, description="Optional description (max 1000, no HTML)."
    )


class PostmarkProvider(Frozen):
    """A Postmark server, addressed by its server token."""

    type: Literal["postmark"] = Field(description="Provider type.")
    server_token: Secret = Field(description="Server API token: ${env:NAME}.")
    account_token: Secret | None = Field(
        default=None, description="Account API token (optional): enables sender/domain checks."
    )
    endpoint: str | None = Field(
        default=None, description="API base URL override (default https://api.postmarkapp.com)."
    )
    default_sender: str | None = Field(
        default=None, description='Default From address, e.g. "Acme <noreply@acme.com>".'
    )
    tracking: PostmarkTracking | None = Field(default=None, description="Server tracking defaults.")
    message_streams: dict[str, MessageStreamSpec] = Field(
        default_factory=dict,
        description="Message streams by id ([a-z0-9-], not starting with pm-).",
    )


class PostmarkWebhookOptions(Frozen):
    """Postmark-only webhook trigger options."""

    first_open_only: bool = Field(default=False, description="Open.PostFirstOpenOnly.")
    include_content: bool = Field(default=False, description="Bounce/SpamComplaint IncludeContent.")


@dataclass(frozen=True)
class WebhookBinding:
    """One config webhook as it applies to one target of this provider.

    A dataclass, not a model: its strings keep their :class:`EnvStr` tags.
    """

    stream: str
    url: str
    events: tuple[Event, ...]
    basic_auth: BasicAuth | None
    headers: tuple[tuple[str, str], ...]
    options: PostmarkWebhookOptions


def webhook_key(stream: str, url: str) -> str:
    """Natural key of a Postmark webhook: (stream, url without credentials).

    ``url`` is the identity URL (:func:`espctl.model.urls.url_identity`): no userinfo,
    credential-like query values and environment values masked.
    """
    return f"{stream} {url}"


def header_value(name: str, value: str | Secret) -> str | Secret:
    """A webhook header's value as a field: a Secret when the name says credential."""
    if isinstance(value, str) and is_credential_name(name):
        return Secret(str(value))
    return value


def server_resource(provider: str, track_opens: bool | None, track_links: str | None) -> Resource:
    fields: dict[str, object] = {}
    if track_opens is not None:
        fields["track_opens"] = track_opens
    if track_links is not None:
        fields["track_links"] = track_links
    return Resource(provider, KIND_SERVER, "server", fields)


def stream_resource(
    provider: str, stream_id: str, name: str, stream_type: str, description: str | None
) -> Resource:
    fields: dict[str, object] = {"name": name, "type": stream_type}
    if description is not None:
        fields["description"] = description
    return Resource(provider, KIND_STREAM, stream_id, fields)


def webhook_resource(
    provider: str,
    stream: str,
    url: str,
    triggers: Iterable[str],
    basic_auth: BasicAuth | None,
    headers: Iterable[tuple[str, str]],
    options: PostmarkWebhookOptions,
    ref: str | None = None,
    identity: str | None = None,
) -> Resource:
    """A webhook on ``stream`` calling ``url`` (without userinfo), config or live alike.

    The key holds the identity URL (``identity``, or ``url`` with its credentials and
    environment values masked); when that differs from ``url``, the real URL is the
    sensitive field ``url``, so that a rotated token is an update, not a new webhook.
    Header values whose names say credential are Secrets.
    """
    triggers = sorted(set(triggers))
    if identity is None:
        identity = url_identity(url, url.substituted if isinstance(url, EnvStr) else ())
    fields: dict[str, object] = {
        "triggers": triggers,
        "basic_auth_username": basic_auth.username if basic_auth else None,
        "basic_auth_password": basic_auth.password if basic_auth else None,
        "headers": {name: header_value(name, value) for name, value in sorted(headers)},
        "first_open_only": options.first_open_only if "Open" in triggers else False,
        "include_content": options.include_content
        if {"Bounce", "SpamComplaint"} & set(triggers)
        else False,
    }
    if identity != url:
        fields["url"] = Secret(str(url))
    return Resource(
        provider,
        KIND_WEBHOOK,
        webhook_key(stream, identity),
        fields,
        sensitive=frozenset({"basic_auth_password"}),
        ref=ref,
        parent=stream,
    )


def desired_resources(
    provider_id: str, block: PostmarkProvider, webhooks: Iterable[WebhookBinding]
) -> list[Resource]:
    """The resources a Postmark config block (plus its webhook bindings) declares."""
    out: list[Resource] = []
    tracking = block.tracking
    if tracking is not None and (tracking.opens is not None or tracking.links is not None):
        out.append(
            server_resource(
                provider_id,
                tracking.opens,
                tracking.links.value if tracking.links is not None else None,
            )
        )
    for stream_id, spec in block.message_streams.items():
        out.append(
            stream_resource(provider_id, stream_id, spec.name, spec.type.value, spec.description)
        )
    for hook in webhooks:
        out.append(
            webhook_resource(
                provider_id,
                hook.stream,
                hook.url,
                (EVENT_TO_TRIGGER[e] for e in hook.events),
                hook.basic_auth,
                hook.headers,
                hook.options,
            )
        )
    return out
