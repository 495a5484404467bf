"""Postmark: read server tracking, message streams and webhooks; apply changes.

Wire facts follow ESP-API.md Part 1: JSON bodies, PascalCase fields, ``ID`` integers
for webhooks, string ids for streams, ``Broadcasts`` (plural), PATCH to edit a stream,
POST .../archive to "delete" one, and errors as ``{"ErrorCode", "Message"}``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from typing import Any

import httpx

from espctl.errors import ProviderError
from espctl.model import postmark as pm
from espctl.model.common import BasicAuth, Secret, parse_address
from espctl.model.postmark import PostmarkProvider, PostmarkWebhookOptions
from espctl.model.resources import Check, LiveState, Resource
from espctl.model.traffic import TrafficData, TrafficQuery
from espctl.providers.base import Capabilities, ChangeRequest, ProbeResult
from espctl.providers.concurrency import settle
from espctl.providers.http import Credential, HttpClient, HttpOptions, Sleep
from espctl.providers.postmark_webhooks import TRIGGERS, apply_webhook
from espctl.providers.probe_postmark import probe_postmark
from espctl.providers.traffic_postmark import read_postmark_traffic

DEFAULT_ENDPOINT = "https://api.postmarkapp.com"
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


def rejection_code(response: httpx.Response) -> str:
    """``ErrorCode 10``: the part of a 401 that is the same whatever the request."""
    try:
        body = response.json()
    except ValueError:
        return response.text[:80].strip()
    if isinstance(body, dict) and "ErrorCode" in body:
        return f"ErrorCode {body.get('ErrorCode')}"
    return response.text[:80].strip()


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

        def client(header: str, token: Secret, key: str) -> HttpClient:
            """Server and account endpoints take different token headers (ESP-API 1.1)."""
            return HttpClient(
                provider_id,
                self.base_url,
                headers={header: token.reveal()},
                options=options,
                transport=transport,
                error_detail=error_detail,
                credential=Credential(key.replace("_", " "), key, token.source, rejection_code),
                sleep=sleep,
            )

        self.server = client("X-Postmark-Server-Token", block.server_token, "server_token")
        self.account = (
            client("X-Postmark-Account-Token", block.account_token, "account_token")
            if block.account_token is not None
            else None
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
        server, streams, hooks, checks = await settle(
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
        signatures, domains = await settle(
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
        server, streams = await settle(
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
                await apply_webhook(self, change)
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

    # -- report ----------------------------------------------------------------------
    async def read_traffic(self, query: TrafficQuery) -> TrafficData:
        """Outbound stats per stream (all live outbound streams when none are given)."""
        streams = list(query.buckets)
        if not streams:
            listing = await self.server.get_json("/message-streams")
            streams = sorted(
                str(s["ID"])
                for s in listing.get("MessageStreams") or []
                if s.get("MessageStreamType") != "Inbound" and not s.get("ArchivedAt")
            )
        return await read_postmark_traffic(self, query, streams)

    # -- connection test ---------------------------------------------------------------
    async def probe(self) -> list[ProbeResult]:
        """Read-only probes, run concurrently and timed one by one (see :mod:`.probe_postmark`)."""
        return await probe_postmark(self)
