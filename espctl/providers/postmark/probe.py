"""Postmark connection test (``espctl test``): read-only probes and the causes of failures.

Functions of a :class:`~espctl.providers.postmark.client.PostmarkApi`, which keeps a thin
``probe()`` that calls :func:`probe_postmark`. Each probe is timed on its own; a
:class:`~espctl.errors.ProviderError` becomes a failed probe with the documented cause
(a server token where an account token is needed, rate limits, a wrong endpoint).
"""

from __future__ import annotations

import time
from collections.abc import Awaitable
from typing import TYPE_CHECKING, Any

from espctl.errors import ProviderError
from espctl.model.common import parse_address
from espctl.model.text import plural
from espctl.providers.kit.concurrency import settle
from espctl.providers.kit.probing import common_cause
from espctl.providers.kit.protocol import ProbeResult
from espctl.providers.postmark import wire

if TYPE_CHECKING:
    from espctl.providers.postmark.client import PostmarkApi

ACCOUNT_PAGE = 500  # Postmark's maximum count per page (the probe reads the first page)
ProbeAnswer = tuple[bool, str, dict[str, Any]]


async def probe_postmark(api: PostmarkApi) -> list[ProbeResult]:
    """Read-only probes, run concurrently and timed one by one.

    Server token: ``GET /server``, ``GET /message-streams``, ``GET /webhooks``;
    account token (when configured): ``GET /senders`` and ``GET /domains`` (first
    page), with SPF, DKIM and Return-Path verification per domain and whether the
    default sender is confirmed.
    """
    server, streams, hooks, account = await settle(
        _timed("server token", _probe_server(api)),
        _timed("message streams", _probe_streams(api)),
        _timed("webhooks", _probe_webhooks(api)),
        _probe_account(api),
    )
    return [server, streams, hooks, *account]


async def _probe_server(api: PostmarkApi) -> ProbeAnswer:
    server = await api.server.get("/server", wire.Server)
    delivery = server.DeliveryType or "Live"
    return (
        True,
        f"accepted: server {server.Name!r} ({delivery})",
        {"server_name": server.Name, "delivery_type": delivery},
    )


async def _probe_streams(api: PostmarkApi) -> ProbeAnswer:
    listing = await api.server.get(
        "/message-streams",
        wire.Streams,
        {"MessageStreamType": "All", "IncludeArchivedStreams": "true"},
    )
    found: list[str] = []
    archived: list[str] = []
    for stream in listing.MessageStreams:
        (archived if stream.ArchivedAt else found).append(stream.ID)
    missing = sorted(set(api.block.message_streams) - set(found))
    text = f"{len(found)} found: {', '.join(sorted(found)) or 'none'}"
    if missing:
        text += f"; not yet created: {', '.join(missing)} (apply creates them)"
    if archived:
        text += f"; archived: {', '.join(sorted(archived))}"
    return (
        True,
        text,
        {"streams": sorted(found), "archived": sorted(archived), "missing": missing},
    )


async def _probe_webhooks(api: PostmarkApi) -> ProbeAnswer:
    listing = await api.server.get("/webhooks", wire.Webhooks)
    hooks = listing.Webhooks
    per_stream: dict[str, int] = {}
    for hook in hooks:
        per_stream[hook.MessageStream] = per_stream.get(hook.MessageStream, 0) + 1
    where = ", ".join(f"{s}: {n}" for s, n in sorted(per_stream.items()))
    return (
        True,
        f"{len(hooks)}" + (f" ({where})" if where else ""),
        {
            "count": len(hooks),
            "per_stream": per_stream,
        },
    )


async def _probe_account(api: PostmarkApi) -> list[ProbeResult]:
    account = api.account
    if account is None:
        return [
            ProbeResult(
                "account token",
                True,
                "not configured: sender signature and domain checks skipped",
                0.0,
                facts={"present": False},
            )
        ]
    start = time.perf_counter()
    try:
        senders, domains = await settle(
            account.get("/senders", wire.SenderSignatures, {"count": ACCOUNT_PAGE, "offset": 0}),
            account.get("/domains", wire.Domains, {"count": ACCOUNT_PAGE, "offset": 0}),
        )
    except ProviderError as exc:
        return [
            ProbeResult(
                "account token",
                False,
                str(exc),
                time.perf_counter() - start,
                _account_cause(exc),
                {"present": True},
            )
        ]
    seconds = time.perf_counter() - start
    rows: list[dict[str, Any]] = []
    for domain in domains.Domains:
        rows.append(
            {
                "name": domain.Name,
                "spf": domain.SPFVerified,
                "dkim": domain.DKIMVerified,
                "return_path": domain.ReturnPathDomainVerified,
            }
        )
    signatures = senders.SenderSignatures
    confirmed = sum(1 for s in signatures if s.Confirmed)

    def yes(flag: object) -> str:
        return "verified" if flag else "not verified"

    listed = "; ".join(
        f"{r['name']} SPF {yes(r['spf'])}, DKIM {yes(r['dkim'])}, "
        f"Return-Path {yes(r['return_path'])}"
        for r in rows
    )
    results = [
        ProbeResult(
            "account token",
            True,
            f"accepted: {plural(len(signatures), 'sender signature')} ({confirmed} "
            f"confirmed), {plural(len(rows), 'domain')}" + (f": {listed}" if listed else ""),
            seconds,
            facts={
                "present": True,
                "sender_signatures": len(signatures),
                "confirmed_signatures": confirmed,
                "domains": rows,
            },
        )
    ]
    sender = api.block.default_sender
    address = parse_address(sender) if sender else None
    if address is not None:
        domain_name = address.rsplit("@", 1)[-1].lower()
        signed = any(s.EmailAddress.lower() == address.lower() and s.Confirmed for s in signatures)
        verified = any(r["name"].lower() == domain_name and r["dkim"] for r in rows)
        ok = signed or verified
        how = (
            "confirmed sender signature"
            if signed
            else f"DKIM-verified domain {domain_name}"
            if verified
            else f"no confirmed signature and domain {domain_name} not DKIM-verified"
        )
        results.append(
            ProbeResult(
                "default sender",
                ok,
                f"{address}: {how}",
                seconds,
                None
                if ok
                else "Postmark refuses mail from an address without a confirmed sender "
                "signature or a DKIM-verified domain (ErrorCode 400/401)",
                {"address": address, "ok": ok},
            )
        )
    return results


async def _timed(name: str, call: Awaitable[ProbeAnswer]) -> ProbeResult:
    """Run one probe, timing it; a ProviderError becomes a failed probe with its cause."""
    start = time.perf_counter()
    try:
        ok, detail, facts = await call
    except ProviderError as exc:
        return ProbeResult(name, False, str(exc), time.perf_counter() - start, _server_cause(exc))
    return ProbeResult(name, ok, detail, time.perf_counter() - start, None, facts)


def _common_cause(exc: ProviderError) -> str | None:
    return common_cause(
        exc, "Postmark", failing="is failing or in maintenance", not_the_api=(404, 415)
    )


def _server_cause(exc: ProviderError) -> str | None:
    if exc.status == 401:
        return (
            "Postmark refused the server token (ErrorCode 10): `server_token` must be a "
            "Server API token (the server's API Tokens tab); an account token sent as the "
            "server token also gets 401"
        )
    return _common_cause(exc)


def _account_cause(exc: ProviderError) -> str | None:
    if exc.status == 401:
        return (
            "account endpoints (/senders, /domains) need the Account API token: a server "
            "token used as `account_token` gets 401. Use the token from "
            "Account -> API Tokens"
        )
    return _common_cause(exc)
