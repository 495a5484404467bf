"""Amazon SES's resources: kinds, natural keys and fields, and the desired state of a
config block with its webhook bindings.

A webhook on SES is an event destination of a configuration set publishing to an SNS
topic espctl owns, with an HTTPS subscription to the URL. SNS delivers every event type
a destination matches to every subscription of its topic, so the mapping is one
destination and one topic per (configuration set, URL): each URL receives exactly the
events its webhook entries name, however many entries with other events share the set.

Naming rule (``destination_name``, ``topic_name``): the destination is
``espctl-<digest>`` and the topic ``espctl-<configuration set>-<digest>``, where
``<digest>`` is the first 12 hex digits of the SHA-256 of the URL without credentials
(its identity, as plans show it). The topic is tagged ``managed-by: espctl``. espctl
manages only destinations named by this rule whose topic follows it; every other
destination (EventBridge, CloudWatch, Firehose, Pinpoint, SNS topics of others) is read
and shown as unmanaged, never changed.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

from espctl.model.common import BasicAuth, EnvStr, Secret
from espctl.model.resources import Resource
from espctl.model.urls import url_identity
from espctl.providers.kit.spec import ResourceKind, WebhookBinding
from espctl.providers.ses.config import ConfigurationSetSpec, SesProvider, SesWebhookOptions
from espctl.providers.ses.events import EVENT_TO_TYPE, RENDERING_FAILURE, event_labels

KIND_IDENTITY = "ses.identity"
KIND_CONFIGURATION_SET = "ses.configuration_set"
#: an espctl-owned SNS event destination: key ``<set> <URL identity>``
KIND_WEBHOOK = "ses.webhook"
#: any other event destination of a configuration set (read only): key ``<set> <name>``
KIND_DESTINATION = "ses.destination"
#: the tag espctl puts on the topics it creates
MANAGED_TAG = ("managed-by", "espctl")
PREFIX = "espctl-"
#: SES allows this many event destinations per configuration set (service quota)
MAX_DESTINATIONS = 10

KINDS = (
    # an identity must exist and be verified: checks, never changes
    ResourceKind(KIND_IDENTITY, unmanaged=True),
    # espctl creates configuration sets and updates their options; it never deletes one
    # (a send naming a missing set is refused by SES: deleting is the user's call)
    ResourceKind(KIND_CONFIGURATION_SET, create=True, unmanaged=True),
    ResourceKind(
        KIND_WEBHOOK,
        create=True,
        delete=True,
        unmanaged=True,
        sensitive=frozenset({"basic_auth_password"}),
        parent=KIND_CONFIGURATION_SET,
        labels={"events": event_labels},
    ),
    ResourceKind(KIND_DESTINATION, unmanaged=True, parent=KIND_CONFIGURATION_SET),
)


def digest(identity: str) -> str:
    """The 12 hex digits naming a URL's destination and topic."""
    return hashlib.sha256(identity.encode()).hexdigest()[:12]


def destination_name(identity: str) -> str:
    """The event destination espctl names after a URL (``espctl-<digest>``)."""
    return f"{PREFIX}{digest(identity)}"


def topic_name(configuration_set: str, identity: str) -> str:
    """The SNS topic espctl owns for one URL of one configuration set."""
    return f"{PREFIX}{configuration_set}-{digest(identity)}"


def webhook_key(configuration_set: str, identity: str) -> str:
    """Natural key of a webhook: (configuration set, URL without credentials)."""
    return f"{configuration_set} {identity}"


def set_fields(spec: ConfigurationSetSpec) -> dict[str, object]:
    """The managed options of a configuration set (unset keys are unmanaged and absent)."""
    fields: dict[str, object] = {}
    if spec.tracking is not None:
        if spec.tracking.custom_redirect_domain is not None:
            fields["custom_redirect_domain"] = spec.tracking.custom_redirect_domain
        if spec.tracking.https_policy is not None:
            fields["https_policy"] = spec.tracking.https_policy.value
    if spec.tls is not None:
        fields["tls"] = spec.tls.value
    if spec.reputation_metrics is not None:
        fields["reputation_metrics"] = spec.reputation_metrics
    if spec.sending is not None:
        fields["sending"] = spec.sending
    if spec.suppression is not None:
        fields["suppression"] = sorted({r.value for r in spec.suppression})
    return fields


@dataclass(frozen=True)
class SesWebhookUrl:
    """One webhook URL without userinfo; SNS takes basic auth as URL userinfo.

    A dataclass, not a model: ``url`` keeps its :class:`EnvStr` tag.
    """

    url: str
    basic_auth: BasicAuth | None = None

    @property
    def identity(self) -> str:
        return url_identity(self.url, self.url.substituted if isinstance(self.url, EnvStr) else ())


def webhook_resource(
    provider: str,
    configuration_set: str,
    url: SesWebhookUrl,
    types: Sequence[str],
    *,
    identity: str | None = None,
    ref: str | None = None,
    enabled: bool = True,
) -> Resource:
    """One URL of a configuration set and the SES event types its destination matches.

    ``identity`` overrides the URL's own (a live URL matched to a declared one);
    ``ref`` is the topic ARN of a live one (its subscription state is a check and a
    fact of the read, never a field: fields are compared).
    """
    shown = identity if identity is not None else url.identity
    auth = url.basic_auth
    fields: dict[str, object] = {
        "events": sorted(set(types)),
        "enabled": enabled,
        "basic_auth_username": auth.username if auth else None,
        "basic_auth_password": auth.password if auth else None,
    }
    if shown != url.url:
        fields["url"] = Secret(str(url.url))  # the real URL, where the key masks a part
    return Resource(
        provider,
        KIND_WEBHOOK,
        webhook_key(configuration_set, shown),
        fields,
        sensitive=frozenset({"basic_auth_password"}),
        ref=ref,
        parent=configuration_set,
    )


def desired_resources(
    provider_id: str, block: SesProvider, webhooks: Sequence[WebhookBinding]
) -> list[Resource]:
    """The resources an SES block declares: identities, configuration sets and one
    webhook resource per (configuration set, URL) with the union of its entries' events."""
    out: list[Resource] = [Resource(provider_id, KIND_IDENTITY, i, {}) for i in block.identities]
    for name, spec in block.configuration_sets.items():
        out.append(Resource(provider_id, KIND_CONFIGURATION_SET, name, set_fields(spec)))
    grouped: dict[tuple[str, str], tuple[SesWebhookUrl, set[str]]] = {}
    for hook in webhooks:
        url = SesWebhookUrl(url=hook.url, basic_auth=hook.basic_auth)
        _, types = grouped.setdefault((hook.sub, url.identity), (url, set()))
        types.update(EVENT_TO_TYPE[event] for event in hook.events)
        if isinstance(hook.options, SesWebhookOptions) and hook.options.rendering_failures:
            types.add(RENDERING_FAILURE)
    for (configuration_set, _), (url, types) in sorted(grouped.items()):
        out.append(webhook_resource(provider_id, configuration_set, url, sorted(types)))
    return out
