"""Amazon SES as espctl knows it: one AWS account in one region per block (botocore's
credential chain, a profile or ``${env:}`` keys), the identities it must have, the
configuration sets it manages, and webhooks as SNS event destinations of those sets.

Pure: the API client (:mod:`.client`, which imports botocore) is imported when the
first one is made.
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
from espctl.providers.ses import resources, rules
from espctl.providers.ses.config import SesProvider, SesWebhookOptions
from espctl.providers.ses.events import VOCABULARY
from espctl.providers.ses.info import INFO
from espctl.providers.ses.routing import route_check
from espctl.providers.ses.samples import RECEIVER, sample

if TYPE_CHECKING:
    from espctl.model.events import NormalizedEvent
    from espctl.providers.kit.connection import Connection
    from espctl.providers.kit.importing import ImportDoc, ProviderSource
    from espctl.providers.kit.protocol import Provider, Snapshot
    from espctl.providers.kit.spec import Summary

#: regions where the SES v2 API is offered (the AWS general reference); a region not
#: listed is still accepted by the config (AWS adds regions): this is what ``import``
#: offers and the report shows
REGIONS = (
    "us-east-1",
    "us-east-2",
    "us-west-1",
    "us-west-2",
    "af-south-1",
    "ap-northeast-1",
    "ap-northeast-2",
    "ap-northeast-3",
    "ap-south-1",
    "ap-southeast-1",
    "ap-southeast-2",
    "ap-southeast-3",
    "ca-central-1",
    "eu-central-1",
    "eu-north-1",
    "eu-south-1",
    "eu-west-1",
    "eu-west-2",
    "eu-west-3",
    "il-central-1",
    "me-south-1",
    "sa-east-1",
    "us-gov-east-1",
    "us-gov-west-1",
)


def _client(provider_id: str, block: SesProvider, connection: Connection) -> Provider:
    from espctl.providers.ses.client import SesApi

    return SesApi(provider_id, block, connection)


def _where(block: SesProvider) -> tuple[str, str | None]:
    return redact(block.endpoint or f"https://email.{block.region}.amazonaws.com"), block.region


def _parse(payload: object) -> list[NormalizedEvent]:
    from espctl.providers.ses.parsing import parse_ses_webhook

    return parse_ses_webhook(payload)


def _import(doc: ImportDoc, source: ProviderSource, snapshot: Snapshot) -> dict[str, Any]:
    from espctl.providers.ses.importer import import_ses

    return import_ses(doc, source, snapshot)


def _summary() -> Summary:
    from espctl.providers.ses.summary import SesAdapter

    return SesAdapter()


SPEC: ProviderSpec[SesProvider] = ProviderSpec(
    type="ses",
    label=INFO.label,
    account_noun="account and region",
    config=SesProvider,
    credentials=(
        CredentialField(
            "access_key_id",
            "AWS access key id",
            "AWS access key id (optional: botocore's credential chain otherwise)",
            required=False,
        ),
        CredentialField(
            "secret_access_key",
            "AWS secret access key",
            "AWS secret access key (with the access key id)",
            required=False,
        ),
        CredentialField(
            "session_token",
            "AWS session token",
            "AWS session token (temporary keys only)",
            required=False,
        ),
    ),
    targets=TargetForm(
        key="configuration_set",
        noun="configuration set",
        kind=resources.KIND_CONFIGURATION_SET,
        declared=rules.configuration_sets,
        names=lambda block: tuple(block.configuration_sets),
        example="transactional",
    ),
    events=VOCABULARY,
    webhooks=WebhookTraits(
        keyed_by="by configuration set",
        options=SesWebhookOptions,
        options_description="Amazon SES options of this webhook.",
    ),
    kinds=resources.KINDS,
    desired=resources.desired_resources,
    rules=rules.check_block,
    client=_client,
    where=_where,
    route_check=route_check,
    importer=_import,
    summary=LazySummary(_summary),
    report_buckets=lambda block: tuple(sorted(block.configuration_sets)),
    sample=sample,
    receiver=RECEIVER,
    parse_webhook=_parse,
    sandbox_account=lambda block: tuple(block.identities),
    regions=REGIONS,
)
