"""Postmark: read server tracking, message streams and webhooks; apply changes.

Wire facts follow ESP-API.md Part 1: JSON bodies, PascalCase fields, ``ID`` integers
for webhooks, string ids for streams, ``Broadcasts`` (plural), PATCH to edit a stream,
POST .../archive to "delete" one, and errors as ``{"ErrorCode", "Message"}``.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from datetime import date
from typing import Any

import httpx

from espctl.errors import ProviderError
from espctl.model import postmark as pm
from espctl.model.common import BasicAuth, Secret, parse_address
from espctl.model.postmark import PostmarkProvider, PostmarkWebhookOptions
from espctl.model.resources import Check, LiveState, Resource
from espctl.model.traffic import TrafficData
from espctl.providers.base import Capabilities, ChangeRequest, ProbeResult
from espctl.providers.http import HttpClient, HttpOptions, Sleep
from espctl.providers.traffic_postmark import read_postmark_traffic

DEFAULT_ENDPOINT = "https://api.postmarkapp.com"
TRIGGERS = ("Open", "Click", "Delivery", "Bounce", "SpamComplaint", "SubscriptionChange")
_LINKS_TO_WIRE = {
    "none": "None",
    "html_and_text": "HtmlAndText",
    "html_only": "HtmlOnly",
    "text_only": "TextOnly",
}
_LINKS_FROM_WIRE = {k.lower(): v for v, k in _LINKS_TO_WIRE.items()}
_TYPE_TO_WIRE = {"transactional": "Transactional", "broadcasts": "Broadcasts"}
PAGE = 500  # Postmark's maximum count per page


def error_detail(response: httpx.Response) -> str:
    """``ErrorCode n: Message`` from Postmark's error envelope (or the raw text)."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:200]
    if isinstance(body, dict) and "Message" in body:
        return f"ErrorCode {body.get('ErrorCode')}: {body.get('Message')}"
    return response.text[:200]


def _error_code(exc: ProviderError) -> int | None:
    text = exc.detail
    if text.startswith("ErrorCode "):
        try:
            return int(text.split(":", 1)[0].removeprefix("ErrorCode "))
        except ValueError:
            return None
    return None


class PostmarkApi:
    """A Postmark server (server token) and optionally its account (account token)."""

    type = "postmark"
    capabilities = Capabilities(
        creatable=frozenset({pm.KIND_STREAM, pm.KIND_WEBHOOK}),
        deletable=frozenset({pm.KIND_STREAM, pm.KIND_WEBHOOK}),
        unmanaged=frozenset({pm.KIND_STREAM, pm.KIND_WEBHOOK}),
        immutable={pm.KIND_STREAM: frozenset({"type"})},
    )

    def __init__(
        self,
        provider_id: str,
        block: PostmarkProvider,
        *,
        options: HttpOptions | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.id = provider_id
        self.block = block
        self.base_url = block.endpoint or DEFAULT_ENDPOINT
        self.server = HttpClient(
            provider_id,
            self.base_url,
            headers={"X-Postmark-Server-Token": block.server_token.reveal()},
            options=options,
            transport=transport,
            error_detail=error_detail,
            sleep=sleep,
        )
        self.account: HttpClient | None = None
        if block.account_token is not None:
            self.account = HttpClient(
                provider_id,
                self.base_url,
                headers={"X-Postmark-Account-Token": block.account_token.reveal()},
                options=options,
                transport=transport,
                error_detail=error_detail,
                sleep=sleep,
            )

    @property
    def requests(self) -> int:
        return self.server.stats.requests + (self.account.stats.requests if self.account else 0)

    async def aclose(self) -> None:
        await self.server.aclose()
        if self.account:
            await self.account.aclose()

    # -- read ------------------------------------------------------------------------
    async def read(self, desired: Sequence[Resource]) -> LiveState:
        server, streams, hooks, checks = await asyncio.gather(
            self.server.get_json("/server"),
            self.server.get_json(
                "/message-streams",
                {"MessageStreamType": "All", "IncludeArchivedStreams": "true"},
            ),
            self.server.get_json("/webhooks"),
            self._sender_checks(),
        )
        resources: list[Resource] = [self._server_resource(server)]
        archived: list[str] = []
        for stream in streams.get("MessageStreams") or []:
            if stream.get("MessageStreamType") == "Inbound":
                continue  # Postmark's own; espctl never manages inbound streams
            if stream.get("ArchivedAt"):
                archived.append(str(stream["ID"]))
                continue
            resources.append(
                pm.stream_resource(
                    self.id,
                    str(stream["ID"]),
                    str(stream.get("Name") or ""),
                    str(stream.get("MessageStreamType", "")).lower(),
                    stream.get("Description") or "",
                )
            )
        seen: set[str] = set()
        for hook in hooks.get("Webhooks") or []:
            resource = self._webhook_resource(hook)
            if resource.key in seen:  # a duplicate made by hand: report it, never match it
                resource = Resource(
                    resource.provider,
                    resource.kind,
                    f"{resource.key} (duplicate ID {resource.ref})",
                    resource.fields,
                    resource.sensitive,
                    resource.ref,
                    resource.parent,
                )
            seen.add(resource.key)
            resources.append(resource)
        facts = {
            "server_name": server.get("Name"),
            "delivery_type": server.get("DeliveryType"),
            "archived_streams": archived,
            "streams": sorted(
                str(s["ID"]) for s in streams.get("MessageStreams") or [] if not s.get("ArchivedAt")
            ),
        }
        return LiveState(self.id, tuple(resources), tuple(checks), facts)

    def _server_resource(self, server: dict[str, Any]) -> Resource:
        links = str(server.get("TrackLinks") or "None").lower()
        return pm.server_resource(
            self.id, bool(server.get("TrackOpens")), _LINKS_FROM_WIRE.get(links, links)
        )

    def _webhook_resource(self, hook: dict[str, Any]) -> Resource:
        triggers = hook.get("Triggers") or {}
        enabled = [t for t in TRIGGERS if (triggers.get(t) or {}).get("Enabled")]
        auth = hook.get("HttpAuth") or {}
        username, password = auth.get("Username"), auth.get("Password")
        basic = (
            BasicAuth(username=username, password=Secret(password or ""))
            if username
            else None  # {null, null}, absent and "" all mean "no auth" (ESP-API.md 1.6)
        )
        headers = [(str(h.get("Name")), str(h.get("Value"))) for h in hook.get("HttpHeaders") or []]
        content = [
            bool((triggers.get(t) or {}).get("IncludeContent"))
            for t in ("Bounce", "SpamComplaint")
            if t in enabled
        ]
        options = PostmarkWebhookOptions(
            first_open_only=bool((triggers.get("Open") or {}).get("PostFirstOpenOnly")),
            include_content=bool(content) and all(content),
        )
        resource = pm.webhook_resource(
            self.id,
            str(hook.get("MessageStream") or "outbound"),
            str(hook.get("Url") or ""),
            enabled,
            basic,
            headers,
            options,
            ref=str(hook.get("ID")),
        )
        if content and any(content) and not all(content):
            # mixed IncludeContent cannot be said in config: show it as a difference
            fields = dict(resource.fields, include_content="mixed")
            resource = Resource(
                resource.provider,
                resource.kind,
                resource.key,
                fields,
                resource.sensitive,
                resource.ref,
                resource.parent,
            )
        return resource

    async def _pages(self, client: HttpClient, path: str, items_key: str) -> list[dict[str, Any]]:
        items: list[dict[str, Any]] = []
        offset = 0
        while True:
            page = await client.get_json(path, {"count": PAGE, "offset": offset})
            batch = page.get(items_key) or []
            items.extend(batch)
            offset += len(batch)
            if not batch or offset >= int(page.get("TotalCount") or 0) or offset >= 10_000:
                return items

    async def _sender_checks(self) -> list[Check]:
        sender = self.block.default_sender
        if self.account is None or not sender:
            return []
        address = parse_address(sender)
        if address is None:
            return []
        signatures, domains = await asyncio.gather(
            self._pages(self.account, "/senders", "SenderSignatures"),
            self._pages(self.account, "/domains", "Domains"),
        )
        domain = address.rsplit("@", 1)[-1].lower()
        confirmed = any(
            str(s.get("EmailAddress", "")).lower() == address.lower() and s.get("Confirmed")
            for s in signatures
        )
        verified = any(
            str(d.get("Name", "")).lower() == domain and d.get("DKIMVerified") for d in domains
        )
        if confirmed or verified:
            how = "confirmed sender signature" if confirmed else f"DKIM-verified domain {domain}"
            return [Check(self.id, "default_sender", address, True, f"{address}: {how}")]
        return [
            Check(
                self.id,
                "default_sender",
                address,
                False,
                f"default sender {address} has no confirmed sender signature and its domain "
                f"{domain} is not DKIM-verified at Postmark: sends will be refused",
            )
        ]

    async def read_settings(self) -> dict[str, Any]:
        """Raw server and message-stream JSON, read-only, for ``espctl import``.

        ``{"server": GET /server without ApiTokens, "message_streams": every stream of
        GET /message-streams (all types, archived included)}``: import uses it to report
        settings espctl cannot express (legacy hook URLs, inbound options, archived
        streams, unsubscribe handling) instead of dropping them silently.
        """
        server, streams = await asyncio.gather(
            self.server.get_json("/server"),
            self.server.get_json(
                "/message-streams",
                {"MessageStreamType": "All", "IncludeArchivedStreams": "true"},
            ),
        )
        return {
            "server": {k: v for k, v in dict(server).items() if k != "ApiTokens"},
            "message_streams": list(streams.get("MessageStreams") or []),
        }

    # -- apply -----------------------------------------------------------------------
    async def apply(self, change: ChangeRequest) -> None:
        match change.kind:
            case pm.KIND_SERVER:
                assert change.after is not None
                await self._put_server(change.after)
            case pm.KIND_STREAM:
                await self._apply_stream(change)
            case pm.KIND_WEBHOOK:
                await self._apply_webhook(change)
            case _:
                raise ProviderError(self.id, "-", change.kind, None, "unsupported resource kind")

    async def _put_server(self, after: Resource) -> None:
        body: dict[str, Any] = {}
        if "track_opens" in after.fields:
            body["TrackOpens"] = after.fields["track_opens"]
        if "track_links" in after.fields:
            body["TrackLinks"] = _LINKS_TO_WIRE[str(after.fields["track_links"])]
        if body:
            await self.server.request("PUT", "/server", json_body=body)

    async def _apply_stream(self, change: ChangeRequest) -> None:
        stream_id = change.key
        match change.action:
            case "delete":
                # a stream is never deleted, only archived (Postmark purges after 45 days)
                await self.server.request(
                    "POST", f"/message-streams/{stream_id}/archive", json_body={}
                )
            case "update":
                assert change.after is not None
                await self._patch_stream(change.after)
            case "create":
                assert change.after is not None
                await self._create_stream(change.after)

    async def _patch_stream(self, after: Resource) -> None:
        body: dict[str, Any] = {"Name": after.fields["name"]}
        if "description" in after.fields:
            body["Description"] = after.fields["description"]
        await self.server.request(
            "PATCH", f"/message-streams/{after.key}", json_body=body, retry=True
        )  # the same PATCH twice leaves the same stream

    async def _stream_state(self, stream_id: str) -> dict[str, Any] | None:
        try:
            found = await self.server.get_json(f"/message-streams/{stream_id}")
        except ProviderError as exc:
            if exc.status in (404, 422):
                return None
            raise
        return found if isinstance(found, dict) else None

    async def _create_stream(self, after: Resource) -> None:
        stream_type = str(after.fields["type"])
        body: dict[str, Any] = {
            "ID": after.key,
            "Name": after.fields["name"],
            "MessageStreamType": _TYPE_TO_WIRE[stream_type],
        }
        if after.fields.get("description"):
            body["Description"] = after.fields["description"]
        if stream_type == "broadcasts":
            # Broadcast streams require unsubscribe management (ESP-API.md 1.7)
            body["SubscriptionManagementConfiguration"] = {"UnsubscribeHandlingType": "Postmark"}
        try:
            await self.server.request("POST", "/message-streams", json_body=body)
            return
        except ProviderError as exc:
            code = _error_code(exc)
            if exc.status is not None and exc.status < 500 and code != 1230:
                raise
            failure = exc
        # Timed out, 5xx, or "ID already exists": find out what is there before acting.
        existing = await self._stream_state(after.key)
        if existing is None:
            raise failure
        if existing.get("ArchivedAt"):
            await self.server.request(
                "POST", f"/message-streams/{after.key}/unarchive", json_body={}
            )
        if str(existing.get("MessageStreamType", "")).lower() != stream_type:
            raise ProviderError(
                self.id,
                "POST",
                "/message-streams",
                None,
                f"stream {after.key} exists as {existing.get('MessageStreamType')}; "
                "a stream's type cannot change",
            )
        await self._patch_stream(after)

    def _webhook_body(self, after: Resource, stream: str, url: str) -> dict[str, Any]:
        fields = after.fields
        triggers = set(fields["triggers"])
        body_triggers: dict[str, dict[str, bool]] = {}
        for trigger in TRIGGERS:  # always all six: partial Triggers is UNCONFIRMED
            entry = {"Enabled": trigger in triggers}
            if trigger == "Open":
                entry["PostFirstOpenOnly"] = bool(fields.get("first_open_only"))
            if trigger in ("Bounce", "SpamComplaint"):
                entry["IncludeContent"] = fields.get("include_content") is True
            body_triggers[trigger] = entry
        password = fields.get("basic_auth_password")
        username = fields.get("basic_auth_username")
        return {
            "Url": url,
            "MessageStream": stream,
            # clearing auth: empty strings (UNCONFIRMED how Postmark clears it; "" reads
            # back as "no auth" either way)
            "HttpAuth": {
                "Username": username or "",
                "Password": password.reveal() if isinstance(password, Secret) else "",
            },
            "HttpHeaders": [
                {"Name": name, "Value": value} for name, value in dict(fields["headers"]).items()
            ],
            "Triggers": body_triggers,
        }

    async def _find_webhook(self, stream: str, url: str) -> str | None:
        listing = await self.server.get_json("/webhooks", {"MessageStream": stream})
        for hook in listing.get("Webhooks") or []:
            if hook.get("Url") == url and hook.get("MessageStream", stream) == stream:
                return str(hook["ID"])
        return None

    async def _apply_webhook(self, change: ChangeRequest) -> None:
        stream, _, url = change.key.partition(" ")
        url = url.split(" (duplicate ID", 1)[0]
        match change.action:
            case "delete":
                assert change.before is not None and change.before.ref
                await self._delete_webhook(change.before.ref)
            case "update":
                assert change.after is not None and change.before is not None
                body = self._webhook_body(change.after, stream, url)
                body.pop("MessageStream")  # not accepted on edit: a webhook's stream is fixed
                await self.server.request("PUT", f"/webhooks/{change.before.ref}", json_body=body)
            case "create":
                assert change.after is not None
                await self._create_webhook(change.after, stream, url)

    async def _delete_webhook(self, ref: str) -> None:
        try:
            await self.server.request("DELETE", f"/webhooks/{ref}")
        except ProviderError as exc:
            if exc.status in (404, 422):
                return  # already gone: the desired state holds
            raise

    async def _create_webhook(self, after: Resource, stream: str, url: str) -> None:
        body = self._webhook_body(after, stream, url)
        for attempt in range(3):
            try:
                await self.server.request("POST", "/webhooks", json_body=body)
                return
            except ProviderError as exc:
                if exc.status is not None and exc.status < 500 and exc.status != 429:
                    raise
                failure = exc
            # The POST may have been applied (timeout, dropped connection, 5xx after
            # commit): read back before trying again, so no run leaves a duplicate.
            await asyncio.sleep(0)
            existing = await self._find_webhook(stream, url)
            if existing is not None:
                edit = dict(body)
                edit.pop("MessageStream")
                await self.server.request("PUT", f"/webhooks/{existing}", json_body=edit)
                return
            if attempt == 2:
                raise failure

    # -- report ----------------------------------------------------------------------
    async def read_traffic(
        self, start: date, end: date, buckets: Sequence[str], tags: Sequence[str]
    ) -> TrafficData:
        """Outbound stats per stream (all live outbound streams when none are given)."""
        streams = list(buckets)
        if not streams:
            listing = await self.server.get_json("/message-streams")
            streams = sorted(
                str(s["ID"])
                for s in listing.get("MessageStreams") or []
                if s.get("MessageStreamType") != "Inbound" and not s.get("ArchivedAt")
            )
        return await read_postmark_traffic(self, start, end, streams, tags)

    # -- connection test ---------------------------------------------------------------
    async def probe(self) -> list[ProbeResult]:
        """Read-only probes, run concurrently and timed one by one.

        Server token: ``GET /server``, ``GET /message-streams``, ``GET /webhooks``;
        account token (when configured): ``GET /senders`` and ``GET /domains`` (first
        page), with SPF, DKIM and Return-Path verification per domain and whether the
        default sender is confirmed.
        """
        server, streams, hooks, account = await asyncio.gather(
            _timed("server token", self._probe_server),
            _timed("message streams", self._probe_streams),
            _timed("webhooks", self._probe_webhooks),
            self._probe_account(),
        )
        return [server, streams, hooks, *account]

    async def _probe_server(self) -> tuple[bool, str, dict[str, Any]]:
        server = await self.server.get_json("/server")
        delivery = server.get("DeliveryType") or "Live"
        return (
            True,
            f"accepted: server {server.get('Name')!r} ({delivery})",
            {"server_name": server.get("Name"), "delivery_type": delivery},
        )

    async def _probe_streams(self) -> tuple[bool, str, dict[str, Any]]:
        listing = await self.server.get_json(
            "/message-streams", {"MessageStreamType": "All", "IncludeArchivedStreams": "true"}
        )
        found: list[str] = []
        archived: list[str] = []
        for stream in listing.get("MessageStreams") or []:
            sid = str(stream.get("ID"))
            (archived if stream.get("ArchivedAt") else found).append(sid)
        missing = sorted(set(self.block.message_streams) - set(found))
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

    async def _probe_webhooks(self) -> tuple[bool, str, dict[str, Any]]:
        listing = await self.server.get_json("/webhooks")
        hooks = listing.get("Webhooks") or []
        per_stream: dict[str, int] = {}
        for hook in hooks:
            stream = str(hook.get("MessageStream") or "outbound")
            per_stream[stream] = per_stream.get(stream, 0) + 1
        where = ", ".join(f"{s}: {n}" for s, n in sorted(per_stream.items()))
        return (
            True,
            f"{len(hooks)}" + (f" ({where})" if where else ""),
            {
                "count": len(hooks),
                "per_stream": per_stream,
            },
        )

    async def _probe_account(self) -> list[ProbeResult]:
        account = self.account
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
            senders, domains = await asyncio.gather(
                account.get_json("/senders", {"count": PAGE, "offset": 0}),
                account.get_json("/domains", {"count": PAGE, "offset": 0}),
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
        for domain in domains.get("Domains") or []:
            rows.append(
                {
                    "name": str(domain.get("Name")),
                    "spf": bool(domain.get("SPFVerified")),
                    "dkim": bool(domain.get("DKIMVerified")),
                    "return_path": bool(domain.get("ReturnPathDomainVerified")),
                }
            )
        signatures = senders.get("SenderSignatures") or []
        confirmed = sum(1 for s in signatures if s.get("Confirmed"))

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
                f"accepted: {len(signatures)} sender signatures ({confirmed} confirmed), "
                f"{len(rows)} domains" + (f": {listed}" if listed else ""),
                seconds,
                facts={
                    "present": True,
                    "sender_signatures": len(signatures),
                    "confirmed_signatures": confirmed,
                    "domains": rows,
                },
            )
        ]
        sender = self.block.default_sender
        address = parse_address(sender) if sender else None
        if address is not None:
            domain_name = address.rsplit("@", 1)[-1].lower()
            signed = any(
                str(s.get("EmailAddress", "")).lower() == address.lower() and s.get("Confirmed")
                for s in signatures
            )
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


ProbeCall = Callable[[], Awaitable[tuple[bool, str, dict[str, Any]]]]


async def _timed(name: str, call: ProbeCall) -> ProbeResult:
    """Run one probe, timing it; a ProviderError becomes a failed probe with its cause."""
    start = time.perf_counter()
    try:
        ok, detail, facts = await call()
    except ProviderError as exc:
        return ProbeResult(name, False, str(exc), time.perf_counter() - start, _server_cause(exc))
    return ProbeResult(name, ok, detail, time.perf_counter() - start, None, facts)


def _common_cause(exc: ProviderError) -> str | None:
    if exc.status is None:
        return "no answer from the endpoint: check `endpoint` and the network"
    if exc.status == 429:
        return "Postmark rate limited the requests (HTTP 429); try again shortly"
    if exc.status >= 500:
        return "Postmark is failing or in maintenance (HTTP 5xx); try again later"
    if exc.status in (404, 415) or exc.detail.startswith("expected JSON"):
        return "the endpoint does not answer like the Postmark API: check `endpoint`"
    return None


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
            "token used as `account_token` gets 401 (ESP-API.md 1.1). Use the token from "
            "Account -> API Tokens"
        )
    return _common_cause(exc)
