"""Postmark as espctl knows it: one server per block (server token), its tracking, message
streams and their webhooks; an optional account token for sender and domain checks.

Pure: the API client (:mod:`.client`) is imported when the first one is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from espctl.errors import redact
from espctl.model.common import parse_address
from espctl.providers.kit.spec import (
    CredentialField,
    LazySummary,
    ProviderSpec,
    TargetForm,
    WebhookTraits,
)
from espctl.providers.postmark import resources, rules
from espctl.providers.postmark.config import (
    DEFAULT_ENDPOINT,
    PostmarkProvider,
    PostmarkWebhookOptions,
)
from espctl.providers.postmark.events import VOCABULARY
from espctl.providers.postmark.info import INFO
from espctl.providers.postmark.routing import route_check
from espctl.providers.postmark.samples import RECEIVER, sample

if TYPE_CHECKING:
    from espctl.model.events import NormalizedEvent
    from espctl.providers.kit.connection import Connection
    from espctl.providers.kit.importing import ImportDoc, ProviderSource
    from espctl.providers.kit.protocol import Provider, Snapshot
    from espctl.providers.kit.spec import Summary


def _client(provider_id: str, block: PostmarkProvider, connection: Connection) -> Provider:
    from espctl.providers.postmark.client import PostmarkApi

    return connection.make(PostmarkApi, provider_id, block)


def _where(block: PostmarkProvider) -> tuple[str, str | None]:
    return redact(block.endpoint or DEFAULT_ENDPOINT), None


def _sender_domains(block: PostmarkProvider) -> tuple[str, ...]:
    """The default sender's domain: a sandbox made for the config has it verified."""
    address = parse_address(block.default_sender) if block.default_sender else None
    return (address.rsplit("@", 1)[-1],) if address is not None else ()


def _parse(payload: object) -> list[NormalizedEvent]:
    from espctl.providers.postmark.parsing import parse_postmark_webhook

    event = parse_postmark_webhook(payload)
    return [event] if event is not None else []


def _import(doc: ImportDoc, source: ProviderSource, snapshot: Snapshot) -> dict[str, Any]:
    from espctl.providers.postmark.importer import import_postmark

    return import_postmark(doc, source, snapshot)


def _summary() -> Summary:
    from espctl.providers.postmark.summary import PostmarkAdapter

    return PostmarkAdapter()


SPEC: ProviderSpec[PostmarkProvider] = ProviderSpec(
    type="postmark",
    label=INFO.label,
    account_noun="server",
    config=PostmarkProvider,
    credentials=(
        CredentialField("server_token", "server token", "Postmark server API token"),
        CredentialField(
            "account_token",
            "account token",
            "Postmark account API token (optional checks)",
            required=False,
        ),
    ),
    targets=TargetForm(
        key="stream",
        noun="message stream",
        kind=resources.KIND_STREAM,
        declared=rules.streams,
        names=lambda block: tuple(block.message_streams),
        example="outbound",
    ),
    events=VOCABULARY,
    webhooks=WebhookTraits(
        keyed_by="by stream",
        options=PostmarkWebhookOptions,
        options_description="Postmark-only trigger options.",
        max_headers=30,
    ),
    kinds=resources.KINDS,
    desired=resources.desired_resources,
    rules=rules.check_block,
    client=_client,
    where=_where,
    route_check=route_check,
    importer=_import,
    summary=LazySummary(_summary),
    report_buckets=lambda block: (),  # every live outbound stream
    sample=sample,
    receiver=RECEIVER,
    parse_webhook=_parse,
    sandbox_account=_sender_domains,
)
