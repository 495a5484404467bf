"""SendGrid as espctl knows it: one account (or one subuser of it) per block, addressed
by an API key, with account-wide tracking settings and Event Webhooks; authenticated
domains and the default sender are checks.

Pure: the API client (:mod:`.client`) is imported when the first one is made.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from espctl.errors import redact
from espctl.providers.kit.spec import (
    CredentialField,
    LazySummary,
    ProviderSpec,
    TargetForm,
    WebhookTraits,
)
from espctl.providers.sendgrid import resources, rules
from espctl.providers.sendgrid.config import (
    REGION_HOSTS,
    Region,
    SendGridProvider,
    SendGridWebhookOptions,
)
from espctl.providers.sendgrid.events import VOCABULARY
from espctl.providers.sendgrid.info import INFO
from espctl.providers.sendgrid.routing import route_check
from espctl.providers.sendgrid.samples import RECEIVER, sample

if TYPE_CHECKING:
    from espctl.model.events import NormalizedEvent
    from espctl.providers.kit.connection import Connection
    from espctl.providers.kit.importing import ImportDoc, ProviderSource
    from espctl.providers.kit.protocol import Provider, Snapshot
    from espctl.providers.kit.spec import Summary


def _client(provider_id: str, block: SendGridProvider, connection: Connection) -> Provider:
    from espctl.providers.sendgrid.client import SendGridApi

    return connection.make(SendGridApi, provider_id, block)


def _where(block: SendGridProvider) -> tuple[str, str | None]:
    region = block.region.value
    return redact(block.endpoint or REGION_HOSTS[region]), region


def _parse(payload: object) -> list[NormalizedEvent]:
    from espctl.providers.sendgrid.parsing import parse_sendgrid_webhook

    return parse_sendgrid_webhook(payload)


def _import(doc: ImportDoc, source: ProviderSource, snapshot: Snapshot) -> dict[str, Any]:
    from espctl.providers.sendgrid.importer import import_sendgrid

    return import_sendgrid(doc, source, snapshot)


def _summary() -> Summary:
    from espctl.providers.sendgrid.summary import SendGridAdapter

    return SendGridAdapter()


SPEC: ProviderSpec[SendGridProvider] = ProviderSpec(
    type="sendgrid",
    label=INFO.label,
    account_noun="account",
    config=SendGridProvider,
    credentials=(CredentialField("api_key", "API key", "SendGrid API key"),),
    targets=TargetForm(
        key="account",
        noun="account",
        kind=None,
        declared=rules.targets,
        names=lambda block: (),
        account="its Event Webhooks (SendGrid's settings are account-wide)",
        routes_to_account=True,
        example="",
    ),
    events=VOCABULARY,
    webhooks=WebhookTraits(
        keyed_by="account-wide",
        options=SendGridWebhookOptions,
        options_description="SendGrid-only Event Webhook options.",
    ),
    kinds=resources.KINDS,
    desired=resources.desired_resources,
    rules=rules.check_block,
    client=_client,
    where=_where,
    route_check=route_check,
    importer=_import,
    summary=LazySummary(_summary),
    report_buckets=lambda block: (),
    sample=sample,
    receiver=RECEIVER,
    parse_webhook=_parse,
    sandbox_account=lambda block: tuple(block.domains),
    regions=tuple(r.value for r in Region),
)
