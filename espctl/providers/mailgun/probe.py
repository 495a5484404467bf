"""Mailgun connection test (``espctl test``): read-only probes and the causes of failures.

Functions of a :class:`~espctl.providers.mailgun.client.MailgunApi`, which keeps a thin
``probe()`` that calls :func:`probe_mailgun`: the API key and region, then each
configured domain's state, sending DNS verification and webhook count, and the
account-level webhooks (every receiver an event goes to). A
:class:`~espctl.errors.ProviderError` becomes a failed probe with the documented cause
(a wrong key, the other region's host, a domain that lives in the other region).
"""

from __future__ import annotations

import asyncio
import time
from typing import TYPE_CHECKING, Any

from espctl.errors import ProviderError
from espctl.model.text import plural
from espctl.model.urls import split_userinfo as model_split_userinfo
from espctl.model.urls import url_identity
from espctl.providers.kit.probing import common_cause
from espctl.providers.kit.protocol import ProbeResult
from espctl.providers.mailgun import wire

if TYPE_CHECKING:
    from espctl.providers.mailgun.client import MailgunApi

DOMAIN_LIST_PAGE = 1000  # v4 domains list maximum (the probe reads the first page)


async def probe_mailgun(api: MailgunApi) -> list[ProbeResult]:
    """Read-only probes, run concurrently and timed one by one.

    ``GET /v4/domains`` (the API key and region), ``GET /v1/webhooks`` (the account-level
    webhooks, listed), then per configured domain
    ``GET /v4/domains/{name}`` (state, SPF/DKIM/tracking DNS verification) with
    ``GET /v3/domains/{name}/webhooks`` (webhook count).
    """
    names = sorted(api.block.domains)
    return list(
        await asyncio.gather(
            _probe_key(api),
            _probe_account_webhooks(api),
            *(_probe_domain(api, name) for name in names),
        )
    )


async def _probe_account_webhooks(api: MailgunApi) -> ProbeResult:
    """``GET /v1/webhooks``: the account-level receivers, which fire for every domain.

    Listed whether the config declares them or not, so that the test shows every receiver
    an event goes to (URLs without credentials; a 403 fails only this probe)."""
    start = time.perf_counter()
    try:
        found = await api.http.get("/v1/webhooks", wire.AccountWebhookList)
    except ProviderError as exc:
        return ProbeResult(
            "account webhooks",
            False,
            str(exc),
            time.perf_counter() - start,
            _cause(api, exc, None),
        )
    hooks = sorted(
        (url_identity(model_split_userinfo(h.url).url), sorted(h.event_types))
        for h in found.webhooks
    )
    listed = "; ".join(f"{url} ({', '.join(events)})" for url, events in hooks)
    detail = f"{plural(len(hooks), 'account-level webhook')} (every {_region(api)} domain)"
    return ProbeResult(
        "account webhooks",
        True,
        f"{detail}: {listed}" if hooks else f"none (every {_region(api)} domain)",
        time.perf_counter() - start,
        facts={"webhooks": [{"url": url, "events": events} for url, events in hooks]},
    )


async def _probe_key(api: MailgunApi) -> ProbeResult:
    start = time.perf_counter()
    try:
        page = await api.http.get("/v4/domains", wire.DomainList, {"limit": DOMAIN_LIST_PAGE})
    except ProviderError as exc:
        return ProbeResult(
            "api key", False, str(exc), time.perf_counter() - start, _cause(api, exc, None)
        )
    names = sorted(i.name for i in page.items)
    total = page.total_count
    missing = sorted(set(api.block.domains) - set(names))
    detail = f"accepted: {plural(total, 'domain')} in {_region(api)}"
    if missing and total <= len(names):
        other = "US" if _region(api) == "EU" else "EU"
        detail += f"; not in this region: {', '.join(missing)} (they may live in {other})"
    return ProbeResult(
        "api key",
        True,
        detail,
        time.perf_counter() - start,
        facts={"region": api.block.region.value, "total": total, "domains": names},
    )


async def _probe_domain(api: MailgunApi, name: str) -> ProbeResult:
    label = f"domain {name}"
    start = time.perf_counter()
    detail_call = api.http.get(f"/v4/domains/{name}", wire.DomainDetail)
    hooks_call = api.http.get(f"/v3/domains/{name}/webhooks", wire.WebhookList)
    answers: tuple[Any, Any] = await asyncio.gather(detail_call, hooks_call, return_exceptions=True)
    found, hooks = answers
    seconds = time.perf_counter() - start
    if isinstance(found, ProviderError):
        return ProbeResult(label, False, str(found), seconds, _cause(api, found, name))
    if isinstance(found, BaseException):
        raise found
    state = found.domain.state
    records = [
        {"check": _record_role(r), "type": r.record_type, "name": r.name, "valid": r.valid}
        for r in found.sending_dns_records
    ]
    all_valid = all(r["valid"] == "valid" for r in records)
    verified = state == "active" and all_valid
    dns = ", ".join(f"{r['check']} {r['valid']}" for r in records) or "no DNS records"
    webhooks: int | None = None
    if isinstance(hooks, wire.WebhookList):
        webhooks = sum(len(entry.all()) for entry in hooks.webhooks.values() if entry)
    hooks_text = f"{webhooks} webhook URLs" if webhooks is not None else "webhooks unreadable"
    cause = None
    if not verified:
        cause = (
            f"Mailgun will not send from {name} until it is active and its sending DNS "
            "records (SPF, DKIM) verify: publish them, then verify the domain at Mailgun"
        )
    return ProbeResult(
        label,
        verified,
        f"{state}; {dns}; {hooks_text}",
        seconds,
        cause,
        {"state": state, "verified": verified, "dns": records, "webhooks": webhooks},
    )


def _cause(api: MailgunApi, exc: ProviderError, domain: str | None) -> str | None:
    region = _region(api)
    other = "us" if region == "EU" else "eu"
    if exc.status in (401, 403):
        return (
            "Mailgun answers 401 'Forbidden' to a wrong API key, and also when the key is "
            f"sent to the other region's host: check `api_key` (a private API key, not a "
            f"sending key) and `region` (now {region.lower()}; EU accounts need "
            "region: eu)"
        )
    if exc.status == 404 and domain is not None:
        return (
            f"Mailgun answers 404 for a domain that does not exist in this region; "
            f"domains live in one region and this config uses {region}: if {domain} "
            f"exists, it may live in the other region (set `region: {other}`)"
        )
    return common_cause(exc, "Mailgun", settings="`endpoint`/`region`")


def _region(api: MailgunApi) -> str:
    return api.block.region.value.upper()


def _record_role(record: wire.DnsRecord) -> str:
    """``spf``, ``dkim``, ``tracking`` or the record type, for a sending DNS record."""
    kind = record.record_type.upper()
    value = record.value
    name = record.name
    if kind == "TXT" and value.lower().startswith("v=spf1"):
        return "spf"
    if kind == "TXT" and "._domainkey." in name.lower():
        return "dkim"
    if kind == "CNAME":
        return "tracking"
    return kind.lower() or "record"
