"""Webhook writes: an espctl SNS topic, its HTTPS subscription and the configuration
set's event destination publishing to it (naming rule in :mod:`.resources`).

Every step is idempotent, so a create that timed out after AWS committed it converges
on the next run without a duplicate: ``CreateTopic`` with an existing name (and the
same tags) returns that topic, ``Subscribe`` with an existing endpoint returns that
subscription, and a destination that already exists is updated instead.
"""

from __future__ import annotations

from collections.abc import Mapping, MutableMapping
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

from espctl.errors import ProviderError
from espctl.model.common import Secret
from espctl.model.resources import Resource, plain
from espctl.providers.kit.protocol import ChangeRequest
from espctl.providers.ses import resources as ses
from espctl.providers.ses.aws import AwsCaller
from espctl.providers.ses.live import PENDING


def endpoint_of(resource: Resource) -> str:
    """The URL SNS posts to: basic auth as URL userinfo (SNS supports it), the real URL
    where the key masks a part. Sensitive: sent to AWS, never shown."""
    real = resource.fields.get("url")
    url = (
        real.reveal()
        if isinstance(real, Secret)
        else resource.key.removeprefix(f"{resource.parent} ")
    )
    user = resource.fields.get("basic_auth_username")
    if not user:
        return url
    password = plain(resource.fields.get("basic_auth_password")) or ""
    parts = urlsplit(url)
    netloc = f"{quote(str(user), safe='')}:{quote(str(password), safe='')}@{parts.netloc}"
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def _names(resource: Resource) -> tuple[str, str, str]:
    """(configuration set, destination name, topic name) of a webhook resource."""
    cs = resource.parent or ""
    identity = resource.key.removeprefix(f"{cs} ")
    if resource.ref:  # a live one: its topic names it (its URL may be keyed otherwise now)
        topic = resource.ref.rsplit(":", 1)[-1]
        return cs, f"{ses.PREFIX}{topic.rsplit('-', 1)[-1]}", topic
    return cs, ses.destination_name(identity), ses.topic_name(cs, identity)


def _destination(resource: Resource, topic: str) -> dict[str, Any]:
    return {
        "Enabled": bool(resource.fields.get("enabled", True)),
        "MatchingEventTypes": list(resource.fields["events"]),
        "SnsDestination": {"TopicArn": topic},
    }


async def apply_webhook(
    aws: AwsCaller, change: ChangeRequest, subscriptions: MutableMapping[str, tuple[str, str]]
) -> None:
    """Make one webhook change (``subscriptions``: what the read found, by key)."""
    match change.action:
        case "create":
            assert change.after is not None
            await _create(aws, change.after, subscriptions)
        case "update":
            assert change.before is not None and change.after is not None
            await _update(aws, change.before, change.after, subscriptions)
        case "delete":
            assert change.before is not None
            await _delete(aws, change.before)


async def _create(
    aws: AwsCaller, after: Resource, subscriptions: MutableMapping[str, tuple[str, str]]
) -> None:
    cs, name, topic_name = _names(after)
    created = await aws.call(
        "sns",
        "CreateTopic",
        Name=topic_name,
        Tags=[{"Key": ses.MANAGED_TAG[0], "Value": ses.MANAGED_TAG[1]}],
    )
    topic = str(created["TopicArn"])
    subscription = await _subscribe(aws, topic, after)
    subscriptions[after.key] = (topic, subscription)
    try:
        await aws.call(
            "sesv2",
            "CreateConfigurationSetEventDestination",
            ConfigurationSetName=cs,
            EventDestinationName=name,
            EventDestination=_destination(after, topic),
        )
    except ProviderError as exc:
        if not exc.detail.startswith("AlreadyExistsException"):
            raise
        await _put_destination(aws, after, topic)


async def _subscribe(aws: AwsCaller, topic: str, resource: Resource) -> str:
    answer = await aws.call(
        "sns",
        "Subscribe",
        TopicArn=topic,
        Protocol="https",
        Endpoint=endpoint_of(resource),
        ReturnSubscriptionArn=True,
    )
    return str(answer.get("SubscriptionArn") or PENDING)


async def _put_destination(aws: AwsCaller, resource: Resource, topic: str) -> None:
    cs, name, _ = _names(resource)
    await aws.call(
        "sesv2",
        "UpdateConfigurationSetEventDestination",
        ConfigurationSetName=cs,
        EventDestinationName=name,
        EventDestination=_destination(resource, topic),
    )


def _topic(resource: Resource, aws: AwsCaller) -> str:
    if resource.ref:
        return resource.ref
    raise ProviderError(
        aws.provider_id,
        "sns",
        "(topic)",
        None,
        f"{resource.key}: topic ARN unknown; run plan again",
    )


async def _update(
    aws: AwsCaller,
    before: Resource,
    after: Resource,
    subscriptions: MutableMapping[str, tuple[str, str]],
) -> None:
    """Events or ``enabled`` changed: update the destination. The URL's credentials
    changed: subscribe the new endpoint, then remove the old subscription (a pending one
    has no ARN to remove; SNS deletes unconfirmed subscriptions after 48 hours)."""
    topic = _topic(before, aws)
    if (before.fields.get("events"), before.fields.get("enabled")) != (
        after.fields.get("events"),
        after.fields.get("enabled"),
    ):
        await _put_destination(aws, after, topic)
    if endpoint_of(before) != endpoint_of(after):
        new = await _subscribe(aws, topic, after)
        _, old = subscriptions.get(before.key, (topic, PENDING))
        if old not in (PENDING, new) and old.startswith("arn:"):
            await aws.call("sns", "Unsubscribe", SubscriptionArn=old)
        subscriptions[after.key] = (topic, new)


async def _delete(aws: AwsCaller, before: Resource) -> None:
    """The destination, then espctl's topic (deleting a topic deletes its subscriptions).
    Gone already (an earlier attempt) is done."""
    cs, name, _ = _names(before)
    try:
        await aws.call(
            "sesv2",
            "DeleteConfigurationSetEventDestination",
            ConfigurationSetName=cs,
            EventDestinationName=name,
        )
    except ProviderError as exc:
        if not (exc.status == 404 or exc.detail.startswith("NotFoundException")):
            raise
    if before.ref:
        await aws.call("sns", "DeleteTopic", TopicArn=before.ref)  # idempotent in SNS


def subscription_states(subscriptions: Mapping[str, tuple[str, str]]) -> dict[str, str]:
    """Webhook key -> ``confirmed`` or ``pending confirmation``."""
    return {
        key: "pending confirmation" if arn == PENDING else "confirmed"
        for key, (_, arn) in subscriptions.items()
    }
