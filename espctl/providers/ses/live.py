"""SES and SNS answers as espctl's resources, checks and facts (pure: no calls).

The shapes are those of the installed botocore service models (``sesv2``
``GetConfigurationSet``, ``GetConfigurationSetEventDestinations``, ``GetEmailIdentity``,
``GetAccount``; ``sns`` ``ListSubscriptionsByTopic``), parsed by botocore.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from espctl.model.common import BasicAuth, Secret
from espctl.model.resources import Check, Resource
from espctl.model.urls import split_userinfo, url_identity
from espctl.providers.ses import resources as ses

#: ``SubscriptionArn`` of an HTTPS subscription its endpoint has not confirmed yet
PENDING = "PendingConfirmation"
PENDING_MESSAGE = "pending confirmation: your receiver must confirm the SNS subscription"
#: why an espctl topic may have lost its subscription (AWS's SNS guide: unconfirmed
#: subscriptions are deleted after 48 hours, since May 2023; 72 before)
GONE_CAUSE = "SNS deletes a subscription left unconfirmed for 48 hours, or someone removed it"
#: destination types other than SNS, as SESv2 names their members
_TARGETS = {
    "EventBridgeDestination": ("eventbridge", "EventBusArn"),
    "CloudWatchDestination": ("cloudwatch", None),
    "KinesisFirehoseDestination": ("firehose", "DeliveryStreamArn"),
    "PinpointDestination": ("pinpoint", "ApplicationArn"),
    "SnsDestination": ("sns", "TopicArn"),
}


def _m(value: object) -> Mapping[str, Any]:
    return value if isinstance(value, Mapping) else {}


def set_fields(answer: Mapping[str, Any]) -> dict[str, object]:
    """The options of a ``GetConfigurationSet`` answer as the config's fields (all of them:
    the engine compares only the fields a config declares)."""
    tracking = _m(answer.get("TrackingOptions"))
    delivery = _m(answer.get("DeliveryOptions"))
    fields: dict[str, object] = {
        "custom_redirect_domain": tracking.get("CustomRedirectDomain"),
        "https_policy": str(tracking.get("HttpsPolicy") or "OPTIONAL").lower(),
        "tls": str(delivery.get("TlsPolicy") or "OPTIONAL").lower(),
        "reputation_metrics": bool(
            _m(answer.get("ReputationOptions")).get("ReputationMetricsEnabled", False)
        ),
        "sending": bool(_m(answer.get("SendingOptions")).get("SendingEnabled", True)),
        "suppression": sorted(
            str(r).lower()
            for r in _m(answer.get("SuppressionOptions")).get("SuppressedReasons") or ()
        ),
    }
    return fields


def managed_fields(fields: Mapping[str, object], declared: Resource | None) -> dict[str, object]:
    """Live fields kept to those ``declared`` manages (all for an undeclared set), so that
    an option the config leaves out is never a change. ``custom_redirect_domain`` None
    (no custom domain) is dropped when undeclared."""
    if declared is None:
        return {k: v for k, v in fields.items() if v is not None}
    return {k: fields.get(k) for k in declared.fields}


def topic_of(destination: Mapping[str, Any]) -> str | None:
    """The SNS topic ARN of a destination, if it publishes to SNS."""
    topic = _m(destination.get("SnsDestination")).get("TopicArn")
    return str(topic) if topic else None


def is_ours(configuration_set: str, destination: Mapping[str, Any]) -> bool:
    """Whether a destination follows espctl's naming rule (name and topic)."""
    name = str(destination.get("Name") or "")
    topic = topic_of(destination)
    if not name.startswith(ses.PREFIX) or topic is None:
        return False
    digest = name.removeprefix(ses.PREFIX)
    return topic.rsplit(":", 1)[-1] == f"{ses.PREFIX}{configuration_set}-{digest}"


def other_destination(
    provider: str, configuration_set: str, destination: Mapping[str, Any]
) -> Resource:
    """A destination espctl does not manage (EventBridge, CloudWatch, others' topics)."""
    kind, target = "unknown", ""
    for member, (name, key) in _TARGETS.items():
        if member in destination:
            kind = name
            target = str(_m(destination[member]).get(key) or "") if key else "CloudWatch metrics"
    return Resource(
        provider,
        ses.KIND_DESTINATION,
        f"{configuration_set} {destination.get('Name')}",
        {
            "type": kind,
            "target": target,
            "enabled": bool(destination.get("Enabled")),
            "events": sorted(str(t) for t in destination.get("MatchingEventTypes") or ()),
        },
        parent=configuration_set,
    )


def webhook_from(
    provider: str,
    configuration_set: str,
    destination: Mapping[str, Any],
    subscriptions: Sequence[Mapping[str, Any]],
    declared: Mapping[str, Resource],
) -> tuple[Resource | None, list[Check], dict[str, Any]]:
    """An espctl destination with its topic's HTTPS subscriptions as a webhook resource,
    its checks and facts (``subscription``: the ARN or ``PendingConfirmation``).

    The URL is the subscription whose URL names the destination (its digest); a topic
    with none (SNS deleted it unconfirmed after 48 hours, or someone did) reads as no
    webhook, so that the plan creates it again (the topic and the destination are
    reused, the URL subscribed again), with a warning check saying why. ``declared``
    maps destination names to the config's resources: a live URL whose credentials-free
    form matches keeps the declared key (its identity may mask a token from the
    environment)."""
    name = str(destination.get("Name"))
    topic = topic_of(destination) or ""
    https = [s for s in subscriptions if str(s.get("Protocol")) == "https"]
    mine = declared.get(name)
    candidates = [
        sub
        for sub in https
        if ses.destination_name(url_identity(_bare(sub))) == name
        or (mine is not None and _real_url(mine) == _bare(sub))
    ]
    if not candidates:
        return None, [_unsubscribed(provider, configuration_set, name, topic, mine)], {}
    # the URL's credentials changed: the new subscription is the one with the declared
    # credentials, the old one stays until it is removed (a pending one cannot be: SNS
    # deletes it after 48 hours); else a confirmed one, else the first
    chosen = next(
        (s for s in candidates if mine is not None and _same_auth(mine, s)),
        next((s for s in candidates if str(s.get("SubscriptionArn")) != PENDING), candidates[0]),
    )
    # UNCONFIRMED whether SNS returns a basic-auth password in ``Endpoint`` as it was
    # subscribed or masked: read as returned (the safer side: a masked one differs from
    # the config, so the plan shows a credential update rather than hiding a rotation)
    split = split_userinfo(str(chosen.get("Endpoint") or ""))
    auth = (
        BasicAuth(username=split.username, password=Secret(split.password or ""))
        if split.username
        else None
    )
    identity = mine.key.removeprefix(f"{configuration_set} ") if mine is not None else None
    resource = ses.webhook_resource(
        provider,
        configuration_set,
        ses.SesWebhookUrl(split.url, auth),
        [str(t) for t in destination.get("MatchingEventTypes") or ()],
        identity=identity,
        ref=topic,
        enabled=bool(destination.get("Enabled")),
    )
    state = str(chosen.get("SubscriptionArn") or "")
    checks: list[Check] = []
    if state == PENDING:
        checks.append(
            Check(
                provider,
                "sns subscription",
                resource.key,
                False,
                f"{resource.key}: {PENDING_MESSAGE}",
                severity="warning",
            )
        )
    others = [s for s in subscriptions if s is not chosen]
    if others:
        checks.append(
            Check(
                provider,
                "sns subscription",
                f"{resource.key} (others)",
                False,
                f"{resource.key}: topic {topic.rsplit(':', 1)[-1]} has "
                f"{len(others)} other subscription(s): they receive these events too",
                severity="warning",
            )
        )
    facts = {"topic": topic, "destination": name, "subscription": state}
    return resource, checks, facts


def _unsubscribed(
    provider: str, configuration_set: str, name: str, topic: str, mine: Resource | None
) -> Check:
    """The warning of an espctl destination whose topic no longer sends to its URL."""
    where = f"{configuration_set}: destination {name} (topic {topic.rsplit(':', 1)[-1]})"
    if mine is not None:
        then = f"the plan subscribes {mine.key.removeprefix(configuration_set + ' ')} again"
    else:
        then = "no webhook of the config names it: delete the destination and the topic"
    return Check(
        provider,
        "sns subscription",
        f"{configuration_set} {name}",
        False,
        f"{where} has no subscription to its URL ({GONE_CAUSE}): {then}",
        severity="warning",
    )


def _bare(subscription: Mapping[str, Any]) -> str:
    return split_userinfo(str(subscription.get("Endpoint") or "")).url


def _same_auth(resource: Resource, subscription: Mapping[str, Any]) -> bool:
    """Whether a subscription's URL carries the declared basic-auth credentials."""
    split = split_userinfo(str(subscription.get("Endpoint") or ""))
    password = resource.fields.get("basic_auth_password")
    wanted = password.reveal() if isinstance(password, Secret) else None
    return (split.username, split.password if split.username else None) == (
        resource.fields.get("basic_auth_username"),
        wanted if resource.fields.get("basic_auth_username") else None,
    )


def _real_url(resource: Resource) -> str:
    real = resource.fields.get("url")
    if isinstance(real, Secret):
        return real.reveal()
    return resource.key.removeprefix(f"{resource.parent} ")


def identity_facts(answer: Mapping[str, Any] | None) -> dict[str, Any]:
    """``GetEmailIdentity`` as facts (None: the identity does not exist)."""
    if answer is None:
        return {"exists": False}
    dkim = _m(answer.get("DkimAttributes"))
    mail_from = _m(answer.get("MailFromAttributes"))
    return {
        "exists": True,
        "type": str(answer.get("IdentityType") or ""),
        "verified": bool(answer.get("VerifiedForSendingStatus")),
        "status": str(answer.get("VerificationStatus") or "").lower() or None,
        "dkim": str(dkim.get("Status") or "NOT_STARTED"),
        "dkim_signing": bool(dkim.get("SigningEnabled")),
        "mail_from": str(mail_from.get("MailFromDomainStatus") or "") or None,
    }


def identity_checks(provider: str, name: str, facts: Mapping[str, Any]) -> list[Check]:
    """An identity must exist (error: espctl cannot create or verify one) and should be
    verified with DKIM signing (warnings)."""
    if not facts.get("exists"):
        return [
            Check(
                provider,
                "identity",
                name,
                False,
                f"identity {name} does not exist in this region: create and verify it in SES",
                blocks=(name,),
            )
        ]
    checks = [
        Check(
            provider,
            "identity",
            name,
            bool(facts.get("verified")),
            f"identity {name} "
            + (
                "verified for sending"
                if facts.get("verified")
                else f"not verified ({facts.get('status')})"
            ),
            severity="warning",
        )
    ]
    if facts.get("type") != "EMAIL_ADDRESS":
        dkim = str(facts.get("dkim"))
        checks.append(
            Check(
                provider,
                "dkim",
                name,
                dkim == "SUCCESS" and bool(facts.get("dkim_signing")),
                f"identity {name}: DKIM {dkim.lower()}"
                + ("" if facts.get("dkim_signing") else ", signing disabled"),
                severity="warning",
            )
        )
    return checks


def account_facts(answer: Mapping[str, Any]) -> dict[str, Any]:
    """``GetAccount`` as facts."""
    quota = _m(answer.get("SendQuota"))
    return {
        "production_access": bool(answer.get("ProductionAccessEnabled")),
        "sending_enabled": bool(answer.get("SendingEnabled")),
        "enforcement": str(answer.get("EnforcementStatus") or "") or None,
        "max_24h": quota.get("Max24HourSend"),
        "max_rate": quota.get("MaxSendRate"),
        "sent_24h": quota.get("SentLast24Hours"),
        "vdm": str(_m(answer.get("VdmAttributes")).get("VdmEnabled") or "DISABLED") == "ENABLED",
        "review": str(_m(_m(answer.get("Details")).get("ReviewDetails")).get("Status") or "")
        or None,
        "case": str(_m(_m(answer.get("Details")).get("ReviewDetails")).get("CaseId") or "") or None,
    }


def sandbox_cause(region: str, facts: Mapping[str, Any]) -> str:
    """Why an account without production access is limited, and what to do: the SES
    sandbox's limits (its real quota) and the state of its production access request."""
    quota = facts.get("max_24h")
    limit = f"max {quota:g} a day" if isinstance(quota, int | float) else "a small daily quota"
    case_id = f" (support case {facts['case']})" if facts.get("case") else ""
    match facts.get("review"):
        case "PENDING":
            then = f"its production access request{case_id} is pending review"
        case "DENIED" | "FAILED" as status:
            then = (
                f"its production access request{case_id} was {status.lower()}: answer the "
                "case or request again in the SES console"
            )
        case _:
            then = "request production access in the SES console"
    return (
        f"the account is in the SES sandbox in {region}: it sends only to verified "
        f"identities ({limit}); {then}"
    )


def paused_cause(facts: Mapping[str, Any]) -> str:
    """Why sending is paused: AWS's enforcement (``SHUTDOWN``) or the account's owner."""
    if facts.get("enforcement") == "SHUTDOWN":
        return (
            "AWS paused sending (enforcement status SHUTDOWN) over the account's "
            "reputation: fix the cause and ask AWS to resume it"
        )
    return "sending is paused for this account (PutAccountSendingAttributes): resume it"


def account_checks(provider: str, region: str, facts: Mapping[str, Any]) -> list[Check]:
    """The account must be allowed to send; the SES sandbox is a warning with its cause."""
    return [
        Check(
            provider,
            "account",
            region,
            bool(facts.get("sending_enabled")),
            f"sending enabled in {region}"
            if facts.get("sending_enabled")
            else f"sending paused in {region}: {paused_cause(facts)}",
            severity="warning",
        ),
        Check(
            provider,
            "production access",
            region,
            bool(facts.get("production_access")),
            "production access granted"
            if facts.get("production_access")
            else sandbox_cause(region, facts),
            severity="warning",
        ),
    ]
