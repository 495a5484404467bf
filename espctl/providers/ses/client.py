"""Amazon SES: read identities, configuration sets and their event destinations (with
the SNS subscriptions of espctl's topics); apply changes; snapshot, probe, traffic.

Every call goes through :class:`~.aws.AwsCaller` (botocore in a bounded thread pool,
botocore's standard retries, errors translated at that edge). Configuration sets are
created and updated, never deleted; webhooks are SNS event destinations
(:mod:`.resources` says why one per URL) written by :mod:`.webhooks`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from botocore.client import BaseClient

from espctl.errors import ProviderError
from espctl.model.resources import Check, LiveState, Resource
from espctl.model.traffic import TrafficData, TrafficQuery
from espctl.providers.kit.concurrency import settle, settle_each
from espctl.providers.kit.connection import Connection
from espctl.providers.kit.protocol import ChangeRequest, ProbeResult, Snapshot
from espctl.providers.kit.spec import capabilities_of
from espctl.providers.ses import live
from espctl.providers.ses import resources as ses
from espctl.providers.ses.aws import AwsCaller
from espctl.providers.ses.config import SesProvider
from espctl.providers.ses.probe import probe_ses
from espctl.providers.ses.traffic import read_ses_traffic
from espctl.providers.ses.webhooks import apply_webhook

#: what reading one configuration set gives: its resources, checks and facts
SetRead = tuple[list[Resource], list[Check], dict[str, Any]]


def is_not_found(exc: ProviderError) -> bool:
    """An AWS ``NotFoundException`` (SESv2) or ``NotFound`` (SNS)."""
    return exc.status == 404 or exc.detail.split(":", 1)[0] in ("NotFoundException", "NotFound")


class SesApi:
    """An AWS account's SES in one region (see the module docstring)."""

    type = "ses"
    capabilities = capabilities_of(ses.KINDS)

    def __init__(
        self,
        provider_id: str,
        block: SesProvider,
        connection: Connection | None = None,
        *,
        clients: Mapping[str, BaseClient] | None = None,
    ) -> None:
        self.id = provider_id
        self.block = block
        connection = connection or Connection()
        self.aws = AwsCaller(
            provider_id,
            block,
            connection.options,
            clients=clients,
            transport=connection.transport,
        )
        #: the last ``GetConfigurationSet`` answer per set: an update sends back the
        #: options espctl does not manage (a delivery pool, max delivery time) unchanged
        self.set_answers: dict[str, Mapping[str, Any]] = {}
        #: webhook key -> (topic ARN, subscription ARN or PendingConfirmation)
        self.subscriptions: dict[str, tuple[str, str]] = {}

    @property
    def requests(self) -> int:
        return self.aws.stats.requests

    @property
    def waiting(self) -> tuple[str, ...]:
        return ()  # botocore waits inside its own retries: nothing to show

    async def aclose(self) -> None:
        self.aws.close()

    # -- read ------------------------------------------------------------------------
    async def read(self, desired: Sequence[Resource]) -> LiveState:
        return await self._read(desired, everything=False)

    async def snapshot(self) -> Snapshot:
        """Everything live: every identity and configuration set with all its options."""
        names, identities = await settle(self.set_names(), self.identity_names())
        pseudo = [Resource(self.id, ses.KIND_IDENTITY, i, {}) for i in identities]
        pseudo += [Resource(self.id, ses.KIND_CONFIGURATION_SET, n, {}) for n in names]
        state = await self._read(pseudo, everything=True, listed=(names, identities))
        return Snapshot(state, {"configuration_sets": dict(self.set_answers)})

    async def set_names(self) -> list[str]:
        found = await self.aws.pages("sesv2", "ListConfigurationSets", "ConfigurationSets")
        return sorted(str(n) for n in found)

    async def identity_names(self) -> list[str]:
        found = await self.aws.pages("sesv2", "ListEmailIdentities", "EmailIdentities")
        return sorted(str(i.get("IdentityName")) for i in found if isinstance(i, Mapping))

    async def _read(
        self,
        desired: Sequence[Resource],
        *,
        everything: bool,
        listed: tuple[list[str], list[str]] | None = None,
    ) -> LiveState:
        """The live state of ``desired``'s sets and identities (``everything``: every
        option of each set, for import). ``listed``: the set and identity names, when the
        caller has listed them already."""
        sets = {r.key: r for r in desired if r.kind == ses.KIND_CONFIGURATION_SET}
        identities = sorted({r.key for r in desired if r.kind == ses.KIND_IDENTITY})
        hooks: dict[str, dict[str, Resource]] = {}
        for r in desired:
            if r.kind == ses.KIND_WEBHOOK and r.parent is not None:
                identity = r.key.removeprefix(f"{r.parent} ")
                hooks.setdefault(r.parent, {})[ses.destination_name(identity)] = r

        async def listings() -> tuple[list[str], list[str]]:
            if listed is not None:
                return listed
            found: list[Any] = await settle(self.set_names(), self.identity_names())
            return found[0], found[1]

        account, (all_sets, all_identities), per_identity = await settle(
            self.aws.call("sesv2", "GetAccount"),
            listings(),
            settle_each([self.identity(name) for name in identities]),
        )
        existing = [name for name in sorted(sets) if name in set(all_sets)]
        per_set: list[SetRead] = await settle_each(
            [
                self._read_set(name, None if everything else sets[name], hooks.get(name, {}))
                for name in existing
            ]
        )
        resources: list[Resource] = []
        checks: list[Check] = []
        account_facts = live.account_facts(account)
        checks.extend(live.account_checks(self.id, self.block.region, account_facts))
        identity_facts: dict[str, Any] = {}
        for name, facts in zip(identities, per_identity, strict=True):
            identity_facts[name] = facts
            checks.extend(live.identity_checks(self.id, name, facts))
            if facts.get("exists"):
                resources.append(Resource(self.id, ses.KIND_IDENTITY, name, {}))
        for name in all_identities:
            if name not in identity_facts:
                resources.append(Resource(self.id, ses.KIND_IDENTITY, name, {}))
        set_facts: dict[str, Any] = {}
        for name, (found, found_checks, facts) in zip(existing, per_set, strict=True):
            resources.extend(found)
            checks.extend(found_checks)
            set_facts[name] = facts
        for name in all_sets:
            if name not in sets:
                resources.append(Resource(self.id, ses.KIND_CONFIGURATION_SET, name, {}))
        return LiveState(
            self.id,
            tuple(resources),
            tuple(checks),
            {
                "region": self.block.region,
                "account": account_facts,
                "identities": identity_facts,
                "configuration_sets": set_facts,
                "all_configuration_sets": list(all_sets),
            },
        )

    async def identity(self, name: str) -> dict[str, Any]:
        try:
            answer = await self.aws.call("sesv2", "GetEmailIdentity", EmailIdentity=name)
        except ProviderError as exc:
            if is_not_found(exc):
                return live.identity_facts(None)
            raise
        return live.identity_facts(answer)

    async def _read_set(
        self, name: str, declared: Resource | None, hooks: Mapping[str, Resource]
    ) -> SetRead:
        answer, destinations = await settle(
            self.aws.call("sesv2", "GetConfigurationSet", ConfigurationSetName=name),
            self.aws.call(
                "sesv2", "GetConfigurationSetEventDestinations", ConfigurationSetName=name
            ),
        )
        self.set_answers[name] = answer
        fields = live.set_fields(answer)
        resources = [
            Resource(
                self.id,
                ses.KIND_CONFIGURATION_SET,
                name,
                live.managed_fields(fields, declared),
            )
        ]
        checks: list[Check] = []
        items = [d for d in destinations.get("EventDestinations") or () if isinstance(d, Mapping)]
        ours = [d for d in items if live.is_ours(name, d)]
        subscriptions = await settle_each(
            [self.topic_subscriptions(live.topic_of(d)) for d in ours]
        )
        hook_facts: dict[str, Any] = {}
        for destination, subs in zip(ours, subscriptions, strict=True):
            hook, hook_checks, facts = live.webhook_from(self.id, name, destination, subs, hooks)
            checks.extend(hook_checks)
            if hook is not None:
                resources.append(hook)
                hook_facts[hook.key] = facts
                self.subscriptions[hook.key] = (facts["topic"], facts["subscription"])
        resources.extend(
            live.other_destination(self.id, name, d) for d in items if not live.is_ours(name, d)
        )
        facts = {
            "sending": fields["sending"],
            "destinations": len(items),
            "webhooks": hook_facts,
        }
        if len(items) >= ses.MAX_DESTINATIONS:
            checks.append(
                Check(
                    self.id,
                    "event destinations",
                    name,
                    False,
                    f"configuration set {name} has {len(items)} event destinations, SES's "
                    f"limit is {ses.MAX_DESTINATIONS}: a new webhook URL cannot be added",
                    severity="warning",
                )
            )
        return resources, checks, facts

    async def topic_subscriptions(self, topic: str | None) -> list[Mapping[str, Any]]:
        if topic is None:
            return []
        try:
            found = await self.aws.pages(
                "sns", "ListSubscriptionsByTopic", "Subscriptions", TopicArn=topic
            )
        except ProviderError as exc:
            if is_not_found(exc):
                return []  # the topic was deleted by hand: the plan creates it again
            raise
        return [s for s in found if isinstance(s, Mapping)]

    # -- apply -----------------------------------------------------------------------
    async def apply(self, change: ChangeRequest) -> None:
        if change.kind == ses.KIND_CONFIGURATION_SET:
            await self._apply_set(change)
        elif change.kind == ses.KIND_WEBHOOK:
            await apply_webhook(self.aws, change, self.subscriptions)
        else:
            raise ProviderError(
                self.id, "espctl", change.kind, None, f"cannot {change.action} a {change.kind}"
            )

    async def _apply_set(self, change: ChangeRequest) -> None:
        after = change.after
        assert after is not None, "configuration sets are never deleted"
        name = after.key
        if change.action == "create":
            try:
                await self.aws.call(
                    "sesv2",
                    "CreateConfigurationSet",
                    ConfigurationSetName=name,
                    **set_options(after.fields, {}),
                    Tags=[{"Key": ses.MANAGED_TAG[0], "Value": ses.MANAGED_TAG[1]}],
                )
                return
            except ProviderError as exc:
                # created by an earlier attempt that timed out: make its options match
                if not exc.detail.startswith("AlreadyExistsException"):
                    raise
            answer = await self.aws.call("sesv2", "GetConfigurationSet", ConfigurationSetName=name)
            self.set_answers[name] = answer
            before: Mapping[str, object] = live.set_fields(answer)
        else:
            before = change.before.fields if change.before is not None else {}
        for operation, params in set_updates(
            name, before, after.fields, self.set_answers.get(name)
        ):
            await self.aws.call("sesv2", operation, **params)

    # -- probe, traffic --------------------------------------------------------------
    async def probe(self) -> list[ProbeResult]:
        return await probe_ses(self)

    async def read_traffic(self, query: TrafficQuery) -> TrafficData:
        return await read_ses_traffic(self, query)


def set_options(fields: Mapping[str, object], answer: Mapping[str, Any]) -> dict[str, Any]:
    """``CreateConfigurationSet``'s option members for the declared ``fields``."""
    params: dict[str, Any] = {}
    tracking = _tracking(fields, answer)
    if tracking:
        params["TrackingOptions"] = tracking
    if "tls" in fields:
        params["DeliveryOptions"] = _delivery(fields, answer)
    if "reputation_metrics" in fields:
        params["ReputationOptions"] = {
            "ReputationMetricsEnabled": bool(fields["reputation_metrics"])
        }
    if "sending" in fields:
        params["SendingOptions"] = {"SendingEnabled": bool(fields["sending"])}
    if "suppression" in fields:
        params["SuppressionOptions"] = {"SuppressedReasons": _reasons(fields["suppression"])}
    return params


def _reasons(value: object) -> list[str]:
    return [str(r).upper() for r in value] if isinstance(value, list) else []


def _tracking(fields: Mapping[str, object], answer: Mapping[str, Any]) -> dict[str, Any]:
    """``TrackingOptions`` (the Put call replaces both members: an undeclared one is sent
    back as live)."""
    if "custom_redirect_domain" not in fields and "https_policy" not in fields:
        return {}
    live_tracking = answer.get("TrackingOptions") or {}
    out: dict[str, Any] = {}
    domain = fields.get("custom_redirect_domain", live_tracking.get("CustomRedirectDomain"))
    if domain:
        out["CustomRedirectDomain"] = domain
    policy = fields.get("https_policy")
    if policy is not None:
        out["HttpsPolicy"] = str(policy).upper()
    elif live_tracking.get("HttpsPolicy"):
        out["HttpsPolicy"] = live_tracking["HttpsPolicy"]
    return out


def _delivery(fields: Mapping[str, object], answer: Mapping[str, Any]) -> dict[str, Any]:
    """``DeliveryOptions`` with the live pool and max delivery time kept (the Put call
    replaces the whole object)."""
    live_delivery = answer.get("DeliveryOptions") or {}
    out: dict[str, Any] = {"TlsPolicy": str(fields["tls"]).upper()}
    for key in ("SendingPoolName", "MaxDeliverySeconds"):
        if live_delivery.get(key) is not None:
            out[key] = live_delivery[key]
    return out


def set_updates(
    name: str,
    before: Mapping[str, object],
    after: Mapping[str, object],
    answer: Mapping[str, Any] | None,
) -> list[tuple[str, dict[str, Any]]]:
    """The ``PutConfigurationSet*`` calls that make ``before`` into ``after``, in a fixed
    order, one per option group that changes."""
    answer = answer or {}
    changed = {k for k in after if before.get(k) != after[k]}
    base = {"ConfigurationSetName": name}
    calls: list[tuple[str, dict[str, Any]]] = []
    if changed & {"custom_redirect_domain", "https_policy"}:
        calls.append(("PutConfigurationSetTrackingOptions", {**base, **_tracking(after, answer)}))
    if "tls" in changed:
        calls.append(("PutConfigurationSetDeliveryOptions", {**base, **_delivery(after, answer)}))
    if "reputation_metrics" in changed:
        calls.append(
            (
                "PutConfigurationSetReputationOptions",
                {**base, "ReputationMetricsEnabled": bool(after["reputation_metrics"])},
            )
        )
    if "sending" in changed:
        calls.append(
            (
                "PutConfigurationSetSendingOptions",
                {**base, "SendingEnabled": bool(after["sending"])},
            )
        )
    if "suppression" in changed:
        calls.append(
            (
                "PutConfigurationSetSuppressionOptions",
                {**base, "SuppressedReasons": _reasons(after["suppression"])},
            )
        )
    return calls
