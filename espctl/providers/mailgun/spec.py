"""Mailgun as espctl knows it: one account in one region per block (API key), the
domains it names with their tracking, and webhooks per domain or at account level.

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
from espctl.providers.mailgun import resources, rules
from espctl.providers.mailgun.config import REGION_HOSTS, MailgunProvider, Region
from espctl.providers.mailgun.events import VOCABULARY
from espctl.providers.mailgun.info import INFO
from espctl.providers.mailgun.limits import releases_room, url_limit_checks
from espctl.providers.mailgun.routing import route_check
from espctl.providers.mailgun.samples import RECEIVER, sample

if TYPE_CHECKING:
    from espctl.model.events import NormalizedEvent
    from espctl.providers.kit.connection import Connection
    from espctl.providers.kit.importing import ImportDoc, ProviderSource
    from espctl.providers.kit.protocol import ChangeRequest, Provider, Snapshot
    from espctl.providers.kit.spec import Summary


def _client(provider_id: str, block: MailgunProvider, connection: Connection) -> Provider:
    from espctl.providers.mailgun.client import MailgunApi

    return connection.make(MailgunApi, provider_id, block)


def _where(block: MailgunProvider) -> tuple[str, str | None]:
    region = block.region.value
    return redact(block.endpoint or REGION_HOSTS[region]), region


def _releases(change: ChangeRequest) -> bool:
    return releases_room(change.action, change.before, change.after)


def _parse(payload: object) -> list[NormalizedEvent]:
    from espctl.providers.mailgun.parsing import parse_mailgun_webhook

    return [parse_mailgun_webhook(payload)]


def _import(doc: ImportDoc, source: ProviderSource, snapshot: Snapshot) -> dict[str, Any]:
    from espctl.providers.mailgun.importer import import_mailgun

    return import_mailgun(doc, source, snapshot)


def _summary() -> Summary:
    from espctl.providers.mailgun.summary import MailgunAdapter

    return MailgunAdapter()


SPEC: ProviderSpec[MailgunProvider] = ProviderSpec(
    type="mailgun",
    label=INFO.label,
    account_noun="account",
    config=MailgunProvider,
    credentials=(CredentialField("api_key", "API key", "Mailgun private API key"),),
    targets=TargetForm(
        key="domain",
        noun="domain",
        kind=resources.KIND_DOMAIN,
        declared=rules.domains,
        names=lambda block: tuple(block.domains),
        account="its account-level webhooks, which fire for every domain of its region",
        example="mg.example.com",
    ),
    events=VOCABULARY,
    webhooks=WebhookTraits(
        keyed_by="by domain (or account level)",
        max_urls=resources.MAX_URLS_PER_EVENT,
    ),
    kinds=resources.KINDS,
    desired=resources.desired_resources,
    rules=rules.check_block,
    client=_client,
    where=_where,
    route_check=route_check,
    importer=_import,
    summary=LazySummary(_summary),
    report_buckets=lambda block: tuple(sorted(block.domains)),
    sample=sample,
    receiver=RECEIVER,
    parse_webhook=_parse,
    sandbox_account=lambda block: tuple((name, block.region.value) for name in block.domains),
    regions=tuple(r.value for r in Region),
    limits=url_limit_checks,
    releases=_releases,
)
