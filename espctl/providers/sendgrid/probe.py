"""SendGrid connection test (``espctl test``): read-only probes and the causes of failures.

Functions of a :class:`~espctl.providers.sendgrid.client.SendGridApi`: the API key and
its scopes (``GET /v3/scopes``: every scope the config needs, the missing ones named),
the region (the host the key answered on), each configured authenticated domain (its
DNS validation), the default sender (verified, or in an authenticated domain) and the
Event Webhooks (their URLs, events and signing keys). The probes only read; SendGrid's
own test event (``POST /v3/user/webhooks/event/test``) is sent by
:func:`send_test_events`, which ``espctl test --webhooks`` calls.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Sequence
from typing import TYPE_CHECKING

from espctl.errors import ProviderError
from espctl.model.resources import Resource
from espctl.model.text import plural
from espctl.providers.kit.probing import common_cause
from espctl.providers.kit.protocol import ProbeResult
from espctl.providers.sendgrid import resources as sg
from espctl.providers.sendgrid import webhooks as hooks
from espctl.providers.sendgrid import wire
from espctl.providers.sendgrid.checks import domain_check, read_domains, sender_check

if TYPE_CHECKING:
    from espctl.providers.sendgrid.client import SendGridApi


async def probe_sendgrid(api: SendGridApi) -> list[ProbeResult]:
    """Read-only probes, run concurrently and timed one by one."""
    return list(await asyncio.gather(_probe_key(api), _probe_domains(api), _probe_webhooks(api)))


def _where(api: SendGridApi) -> str:
    region = "EU" if api.block.region.value == "eu" else "global"
    who = f" for subuser {api.block.subuser}" if api.block.subuser else ""
    return f"{region} region{who}"


async def _probe_key(api: SendGridApi) -> ProbeResult:
    """``GET /v3/scopes``: the key works on this host, and has the scopes the config needs."""
    start = time.perf_counter()
    desired = _desired(api)
    needed = api.needed_scopes(desired)
    try:
        found = await api.http.get("/v3/scopes", wire.Scopes)
    except ProviderError as exc:
        return ProbeResult(
            "api key", False, str(exc), time.perf_counter() - start, _cause(api, exc)
        )
    missing = sorted(needed - set(found.scopes))
    facts = {"region": api.block.region.value, "scopes": len(found.scopes), "missing": missing}
    if missing:
        return ProbeResult(
            "api key",
            False,
            f"accepted ({_where(api)}), but the key lacks scopes: {', '.join(missing)}",
            time.perf_counter() - start,
            "grant the missing scopes to the key under Settings > API Keys at SendGrid "
            "(plan and apply need them)",
            facts,
        )
    return ProbeResult(
        "api key",
        True,
        f"accepted ({_where(api)}): {plural(len(found.scopes), 'scope')}, "
        f"every one this config needs",
        time.perf_counter() - start,
        facts=facts,
    )


async def _probe_domains(api: SendGridApi) -> ProbeResult:
    """The configured authenticated domains and the default sender."""
    start = time.perf_counter()
    try:
        domains = await read_domains(api) if api.block.domains else []
        sender = await sender_check(api)
    except ProviderError as exc:
        return ProbeResult(
            "domains", False, str(exc), time.perf_counter() - start, _cause(api, exc)
        )
    listed = {d.domain: d for d in domains}
    checks = [domain_check(api.id, name, listed.get(name)) for name in api.block.domains]
    parts = [check.message for check, _ in checks]
    if sender is not None:
        parts.append(sender.message)
    ok = all(check.ok for check, _ in checks) and (sender is None or sender.ok)
    return ProbeResult(
        "domains",
        ok,
        "; ".join(parts) or "no authenticated domains or default sender configured",
        time.perf_counter() - start,
        None if ok else "authenticate the domains at SendGrid and publish their DNS records",
        {
            "domains": {
                name: facts for name, (_, facts) in zip(api.block.domains, checks, strict=True)
            }
        },
    )


async def _probe_webhooks(api: SendGridApi) -> ProbeResult:
    """``GET .../settings/all``: every Event Webhook (URLs without credentials)."""
    start = time.perf_counter()
    try:
        listing = await api.http.get(f"{hooks.BASE}/all", wire.EventWebhookList)
    except ProviderError as exc:
        return ProbeResult(
            "event webhooks", False, str(exc), time.perf_counter() - start, _cause(api, exc)
        )
    live = hooks.live_webhooks(api.id, listing, {})
    listed = "; ".join(
        f"{r.key} ({', '.join(str(e) for e in r.fields.get('events') or ())})"
        + (f", signed, public key {r.fields['public_key']}" if r.fields.get("public_key") else "")
        + ("" if r.fields.get("enabled") else ", disabled")
        for r in live
    )
    room = f" of {listing.max_allowed} allowed" if listing.max_allowed is not None else ""
    detail = f"{plural(len(live), 'Event Webhook')}{room}" + (f": {listed}" if listed else "")
    detail += "; espctl test --webhooks also asks SendGrid to send its own test event"
    return ProbeResult(
        "event webhooks",
        True,
        detail,
        time.perf_counter() - start,
        facts={
            "webhooks": [
                {
                    "url": r.key,
                    "events": list(r.fields.get("events") or ()),
                    "signed": bool(r.fields.get("signed")),
                    "public_key": r.fields.get("public_key"),
                }
                for r in live
            ],
            "max_allowed": listing.max_allowed,
        },
    )


def _desired(api: SendGridApi) -> list[Resource]:
    """The block's own resources (no webhook bindings: the probe needs its scopes only)."""
    return sg.desired_resources(api.id, api.block, ())


def _cause(api: SendGridApi, exc: ProviderError) -> str | None:
    if exc.status == 401:
        other = "global" if api.block.region.value == "eu" else "eu"
        return (
            "SendGrid answers 401 to a wrong or revoked API key, and to a key sent to the "
            f"other region's host: check `api_key` and `region` (try `region: {other}`)"
        )
    if exc.status == 403:
        return (
            "SendGrid answers 403 when the key lacks the scope of this call"
            + (" or may not act for the subuser (`subuser`)" if api.block.subuser else "")
            + ": grant it under Settings > API Keys"
        )
    return common_cause(exc, "SendGrid", settings="`endpoint`/`region`")


TEST_PATH = "/v3/user/webhooks/event/test"


async def send_test_events(api: SendGridApi, desired: Sequence[Resource]) -> list[ProbeResult]:
    """``POST /v3/user/webhooks/event/test`` for each of the config's Event Webhooks.

    The body is the spec's ``EventWebhookTestRequest``: ``url`` (the URL SendGrid holds,
    basic auth as userinfo) and, for a webhook that exists live, its ``id``, so that
    SendGrid sends the test as that webhook does (signed when it is signed). A webhook
    not live yet is tested by URL alone (unsigned: no key exists before apply). SendGrid
    answers 204 once it has queued the POST and never says what the receiver answered:
    the result says so (the receiver's own log has that answer; espctl's own sample POST
    beside it reports its answer).
    """
    wanted = [r for r in desired if r.kind == sg.KIND_WEBHOOK]
    if not wanted:
        return []
    try:
        listing = await api.http.get(f"{hooks.BASE}/all", wire.EventWebhookList)
    except ProviderError as exc:
        return [ProbeResult("test events", False, str(exc), 0.0, _cause(api, exc))]
    live = {
        r.key: r
        for r in hooks.live_webhooks(api.id, listing, hooks.url_aliases(wanted))
        if r.duplicate_of is None
    }
    return list(await asyncio.gather(*(_test_one(api, r, live.get(r.key)) for r in wanted)))


async def _test_one(api: SendGridApi, hook: Resource, live: Resource | None) -> ProbeResult:
    start = time.perf_counter()
    body: dict[str, str] = {"url": hooks.url_to_send(hook)}
    if live is not None and live.ref is not None:
        body["id"] = live.ref
    name = f"test event {hook.key}"
    try:
        await api.http.request("POST", TEST_PATH, json_body=body, ok=frozenset({204}))
    except ProviderError as exc:
        return ProbeResult(name, False, str(exc), time.perf_counter() - start, _cause(api, exc))
    # only a test naming the webhook's id is sent as that webhook sends it; the legacy
    # single webhook has no id, so its test goes by URL (whether SendGrid signs that
    # one is not documented: never claimed)
    by_id = "id" in body
    signed = by_id and live is not None and bool(live.fields.get("public_key"))
    how = (
        "as the live webhook sends (signed)"
        if signed
        else "as the live webhook sends"
        if by_id
        else "by URL (the legacy webhook has no id; whether SendGrid signs this test is "
        "not documented)"
        if live is not None
        else "by URL (the webhook is not live yet: unsigned)"
    )
    return ProbeResult(
        name,
        True,
        f"SendGrid accepted the test and POSTs a test event to {hook.key} {how}; "
        "SendGrid does not report the receiver's answer: see the receiver's log",
        time.perf_counter() - start,
        facts={"url": hook.key, "id": body.get("id"), "signed": signed},
    )
