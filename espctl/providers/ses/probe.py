"""Amazon SES connection test (``espctl test``): read-only probes, timed one by one.

STS ``GetCallerIdentity`` (the credentials: the cheap standard check, allowed to every
principal), SESv2 ``GetAccount`` (region, sending enabled, production access: the SES
sandbox is a warning with its cause), each declared identity (verified, DKIM), the
declared configuration sets, and the SNS subscription of each espctl webhook
(``pending confirmation`` fails with its cause).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from espctl.errors import CredentialRejected, ProviderAuthError, ProviderError
from espctl.model.text import plural
from espctl.providers.kit.protocol import ProbeResult
from espctl.providers.ses import live

if TYPE_CHECKING:
    from espctl.providers.ses.client import SesApi

Outcome = tuple[bool, str, str | None, dict[str, Any]]


async def probe_ses(api: SesApi) -> list[ProbeResult]:
    """Every probe, concurrently; a failing one fails alone with its cause."""
    probes: list[tuple[str, Callable[[], Awaitable[Outcome]]]] = [
        ("credentials", lambda: _caller(api)),
        ("account", lambda: _account(api)),
        ("configuration sets", lambda: _sets(api)),
        *((f"identity {name}", _bind(_email_identity, api, name)) for name in api.block.identities),
        ("webhooks", lambda: _webhooks(api)),
    ]
    return list(await asyncio.gather(*(_timed(api, name, run) for name, run in probes)))


def _bind(
    fn: Callable[[SesApi, str], Awaitable[Outcome]], api: SesApi, name: str
) -> Callable[[], Awaitable[Outcome]]:
    return lambda: fn(api, name)


async def _timed(api: SesApi, name: str, run: Callable[[], Awaitable[Outcome]]) -> ProbeResult:
    start = time.perf_counter()
    try:
        ok, detail, cause, facts = await run()
    except ProviderError as exc:
        return ProbeResult(name, False, str(exc), time.perf_counter() - start, _cause(api, exc))
    return ProbeResult(name, ok, detail, time.perf_counter() - start, cause, facts)


def _cause(api: SesApi, exc: ProviderError) -> str | None:
    if isinstance(exc, CredentialRejected):
        return f"AWS refused the credentials: check {api.aws.credential_check()}"
    if isinstance(exc, ProviderAuthError) and exc.status is None:
        return "no AWS credentials: give the block a profile or keys, or set up the chain"
    if isinstance(exc, ProviderAuthError):
        return "the credentials may not make this call: grant the README's IAM policy"
    if exc.status is None:
        return "no answer from AWS: check `region`, `endpoint` and the network"
    if exc.status == 429:
        return "AWS throttled the requests; try again shortly"
    if exc.status >= 500:
        return "AWS is failing (HTTP 5xx); try again later"
    return None


async def _caller(api: SesApi) -> Outcome:
    answer = await api.aws.call("sts", "GetCallerIdentity")
    account, arn = str(answer.get("Account") or ""), str(answer.get("Arn") or "")
    return True, f"account {account} as {arn}", None, {"account": account, "arn": arn}


def _number(value: object) -> str:
    """AWS answers the quota as doubles: 50000.0 reads 50,000, 14.0 reads 14, 0.5 stays."""
    if isinstance(value, int | float):
        return f"{value:,.0f}" if float(value).is_integer() else f"{value:,g}"
    return "unknown"


async def _account(api: SesApi) -> Outcome:
    facts = live.account_facts(await api.aws.call("sesv2", "GetAccount"))
    region = api.block.region
    quota = f"quota {_number(facts.get('max_24h'))}/24h at {_number(facts.get('max_rate'))}/s"
    if not facts["sending_enabled"]:
        return False, f"{region}: sending paused; {quota}", live.paused_cause(facts), facts
    if not facts["production_access"]:
        cause = f"warning: {live.sandbox_cause(region, facts)}"
        return (
            True,
            f"{region}: sending enabled, SES sandbox (no production access); {quota}",
            cause,
            facts,
        )
    return True, f"{region}: sending enabled, production access; {quota}", None, facts


async def _sets(api: SesApi) -> Outcome:
    found = set(await api.set_names())
    declared = sorted(api.block.configuration_sets)
    missing = [name for name in declared if name not in found]
    facts = {"configuration_sets": sorted(found), "missing": missing}
    if missing:
        detail = f"missing: {', '.join(missing)} ({plural(len(found), 'set')} in the region)"
        return False, detail, "`espctl apply` creates them", facts
    return True, f"{plural(len(declared), 'declared set')} of {len(found)} found", None, facts


async def _email_identity(api: SesApi, name: str) -> Outcome:
    facts = await api.identity(name)
    if not facts["exists"]:
        return False, "does not exist", "create and verify the identity in SES (this region)", facts
    dkim = str(facts.get("dkim")).lower()
    detail = f"{facts.get('status')}, DKIM {dkim}"
    if not facts["verified"]:
        return (
            False,
            detail,
            "SES sends from verified identities only: finish its verification",
            facts,
        )
    if facts.get("type") != "EMAIL_ADDRESS" and dkim != "success":
        return True, detail, "warning: DKIM is not verified: publish its DNS records", facts
    return True, detail, None, facts


async def _webhooks(api: SesApi) -> Outcome:
    """The SNS subscription state of every espctl webhook on the declared sets."""
    found = set(await api.set_names())
    states: dict[str, str] = {}
    for name in sorted(api.block.configuration_sets):
        if name not in found:
            continue
        answer = await api.aws.call(
            "sesv2", "GetConfigurationSetEventDestinations", ConfigurationSetName=name
        )
        for destination in answer.get("EventDestinations") or ():
            if not live.is_ours(name, destination):
                continue
            subs = await api.topic_subscriptions(live.topic_of(destination))
            hook, _, facts = live.webhook_from(api.id, name, destination, subs, {})
            key = hook.key if hook is not None else f"{name} {destination.get('Name')}"
            states[key] = (
                "no subscription"
                if hook is None
                else "pending confirmation"
                if facts["subscription"] == live.PENDING
                else "confirmed"
            )
    pending = [key for key, state in states.items() if state != "confirmed"]
    detail = "; ".join(f"{key}: {state}" for key, state in sorted(states.items())) or "none"
    if "no subscription" in states.values():
        cause = f"no subscription: {live.GONE_CAUSE}; `espctl apply` subscribes the URL again"
        if "pending confirmation" in states.values():
            cause = f"{cause}; {live.PENDING_MESSAGE}"
        return False, detail, cause, {"webhooks": states}
    if pending:
        return False, detail, live.PENDING_MESSAGE, {"webhooks": states}
    return True, f"{plural(len(states), 'SNS webhook')}: {detail}", None, {"webhooks": states}
