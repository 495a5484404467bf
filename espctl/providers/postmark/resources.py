"""Postmark's resources: the kinds, their natural keys and fields, and the desired state
of a config block with its webhook bindings."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from espctl.model.common import BasicAuth, EnvStr, Secret
from espctl.model.resources import Resource
from espctl.model.urls import is_credential_name, url_identity
from espctl.providers.kit.spec import ResourceKind, WebhookBinding
from espctl.providers.postmark.config import PostmarkProvider, PostmarkWebhookOptions
from espctl.providers.postmark.events import EVENT_TO_TRIGGER

KIND_SERVER = "postmark.server"
KIND_STREAM = "postmark.message_stream"
KIND_WEBHOOK = "postmark.webhook"

MAX_STREAMS = 10  # per server, defaults included (ESP-API.md 1.7)
DEFAULT_STREAMS = ("outbound", "inbound")
#: a new server's third stream (postmark.js's integration test counts 3 streams on a new
#: server: outbound, inbound and a broadcast one). Its id ``broadcast`` is the UI's default
#: and what mock servers of the API use; that Postmark gives it this id is UNCONFIRMED, as
#: is whether servers made before broadcast streams existed have it.
DEFAULT_BROADCAST_STREAM = "broadcast"

KINDS = (
    ResourceKind(KIND_SERVER),
    ResourceKind(
        KIND_STREAM,
        create=True,
        delete=True,
        unmanaged=True,
        immutable=frozenset({"type"}),
        # a server's own streams: Postmark refuses to archive outbound (ErrorCode 1229),
        # and prune never archives the default broadcast stream either
        permanent={
            "outbound": "Postmark's default transactional stream, never archived",
            DEFAULT_BROADCAST_STREAM: "Postmark's default broadcast stream, never archived",
        },
        delete_note="archived: Postmark purges archived streams after 45 days",
    ),
    ResourceKind(
        KIND_WEBHOOK,
        create=True,
        delete=True,
        unmanaged=True,
        sensitive=frozenset({"basic_auth_password"}),
        parent=KIND_STREAM,
    ),
)


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
    provider_id: str, block: PostmarkProvider, webhooks: Sequence[WebhookBinding]
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
        options = hook.options
        out.append(
            webhook_resource(
                provider_id,
                hook.sub,
                hook.url,
                (EVENT_TO_TRIGGER[e] for e in hook.events),
                hook.basic_auth,
                hook.headers,
                options
                if isinstance(options, PostmarkWebhookOptions)
                else PostmarkWebhookOptions(),
            )
        )
    return out
