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
from espctl.model.common import Secret
from espctl.model.resources import Check, LiveState, Resource, plain
from espctl.model.traffic import TrafficData, TrafficQuery
from espctl.providers.kit.concurrency import settle
from espctl.providers.kit.http import Credential, HttpClient, HttpOptions, Sleep
from espctl.providers.kit.protocol import ChangeRequest, ProbeResult, Snapshot
from espctl.providers.kit.spec import capabilities_of
from espctl.providers.postmark import resources as pm
from espctl.providers.postmark import wire
from espctl.providers.postmark.account import sender_checks
from espctl.providers.postmark.config import DEFAULT_ENDPOINT, PostmarkProvider
from espctl.providers.postmark.hooks_read import live_webhooks
from espctl.providers.postmark.probe import probe_postmark
from espctl.providers.postmark.traffic import read_postmark_traffic
from espctl.providers.postmark.webhooks import apply_webhook, error_code

_LINKS_TO_WIRE = {
    "none": "None",
    "html_and_text": "HtmlAndText",
    "html_only": "HtmlOnly",
    "text_only": "TextOnly",
}
_LINKS_FROM_WIRE = {k.lower(): v for v, k in _LINKS_TO_WIRE.items()}
_TYPE_TO_WIRE = {"transactional": "Transactional", "broadcasts": "Broadcasts"}
STREAM_QUERY = {"MessageStreamType": "All", "IncludeArchivedStreams": "true"}


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


def stream_limit_check(
    provider_id: str, live: Sequence[wire.Stream], desired: Sequence[Resource]
) -> list[Check]:
    """A failed error check when the config's new streams would pass the server's limit.

    ``validate`` counts only the config's streams; here every live stream counts too:
    inbound, the default broadcast stream, streams made by others and archived ones
    (whether Postmark counts archived streams until it purges them is UNCONFIRMED; the
    sandbox does, and counting them can only refuse a plan, never fail an apply). The
    check blocks every stream the plan would create (and their webhooks): which of them
    Postmark would refuse is not ours to pick, so the config is what must change.
    """
    existing = {s.ID for s in live}
    new = sorted({r.key for r in desired if r.kind == pm.KIND_STREAM} - existing)
    total = len(existing) + len(new)
    if not new or total <= pm.MAX_STREAMS:
        return []
    archived = sorted(s.ID for s in live if s.ArchivedAt)
    counted = f"{len(existing)} exist ({', '.join(sorted(existing))})"
    if archived:
        counted += f", {len(archived)} of them archived ({', '.join(archived)})"
    return [
        Check(
            provider_id,
            "stream_limit",
            "message_streams",
            False,
            f"the server would have {total} message streams, over Postmark's limit of "
            f"{pm.MAX_STREAMS} (ErrorCode 1225): {counted}, and the config adds {len(new)} "
            f"({', '.join(new)}); declare fewer streams, or remove unused ones at Postmark",
            severity="error",
            blocks=tuple(new),
        )
    ]


class PostmarkApi:
    """A Postmark server (server token) and optionally its account (account token)."""

    type = "postmark"
    capabilities = capabilities_of(pm.KINDS)

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

    @property
    def waiting(self) -> tuple[str, ...]:
        """What the clients wait for now (a rate limit), for the progress line."""
        return self.server.waiting + (self.account.waiting if self.account else ())

    async def aclose(self) -> None:
        await self.server.aclose()
        if self.account:
            await self.account.aclose()

    # -- read ------------------------------------------------------------------------
    async def read(self, desired: Sequence[Resource]) -> LiveState:
        server, streams, hooks, (checks, warnings) = await settle(
            self.server.get("/server", wire.Server),
            self.server.get("/message-streams", wire.Streams, STREAM_QUERY),
            self.server.get("/webhooks", wire.Webhooks),
            sender_checks(self),
        )
        resources: list[Resource] = [self._server_resource(server)]
        archived: list[str] = []
        for stream in streams.MessageStreams:
            if stream.MessageStreamType == "Inbound":
                continue  # Postmark's own; espctl never manages inbound streams
            if stream.ArchivedAt:
                archived.append(stream.ID)
                continue
            resources.append(
                pm.stream_resource(
                    self.id,
                    stream.ID,
                    stream.Name,
                    stream.MessageStreamType.lower(),
                    stream.Description or "",
                )
            )
        # validated above; the reader takes the documented fields as a plain mapping
        hook_bodies = [hook.model_dump() for hook in hooks.Webhooks]
        resources.extend(live_webhooks(self.id, hook_bodies, desired))
        facts = {
            "server_name": server.Name,
            "delivery_type": server.DeliveryType,
            "archived_streams": archived,
            "streams": sorted(s.ID for s in streams.MessageStreams if not s.ArchivedAt),
        }
        limit = stream_limit_check(self.id, streams.MessageStreams, desired)
        return LiveState(self.id, tuple(resources), (*checks, *limit), facts, tuple(warnings))

    def _server_resource(self, server: wire.Server) -> Resource:
        links = (server.TrackLinks or "None").lower()
        return pm.server_resource(self.id, server.TrackOpens, _LINKS_FROM_WIRE.get(links, links))

    async def read_settings(self) -> dict[str, Any]:
        """Raw server and message-stream JSON, read-only, for ``espctl import``.

        ``{"server": GET /server without ApiTokens, "message_streams": every stream of
        GET /message-streams (all types, archived included)}``: import uses it to report
        settings espctl cannot express (legacy hook URLs, inbound options, archived
        streams, unsubscribe handling) instead of dropping them silently.
        """
        server, streams = await settle(
            self.server.get_checked("/server", wire.Server),
            self.server.get_checked("/message-streams", wire.Streams, STREAM_QUERY),
        )
        return {
            "server": {k: v for k, v in dict(server).items() if k != "ApiTokens"},
            "message_streams": list(streams.get("MessageStreams") or []),
        }

    async def snapshot(self) -> Snapshot:
        """Every stream and webhook, with the raw settings (:meth:`read_settings`)."""
        live, settings = await settle(self.read(()), self.read_settings())
        return Snapshot(live, settings)

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
            await self.server.send("PUT", "/server", wire.Server, json_body=body)

    async def _apply_stream(self, change: ChangeRequest) -> None:
        stream_id = change.key
        match change.action:
            case "delete":
                # a stream is never deleted, only archived (Postmark purges after 45 days)
                await self.server.send(
                    "POST",
                    f"/message-streams/{stream_id}/archive",
                    wire.ArchivedStream,
                    json_body={},
                )
            case "update":
                assert change.after is not None
                await self._patch_stream(change.after)
            case "create":
                assert change.after is not None
                await self._create_stream(change.after)

    async def _patch_stream(self, after: Resource) -> None:
        body: dict[str, Any] = {"Name": plain(after.fields["name"])}
        if "description" in after.fields:
            body["Description"] = plain(after.fields["description"])
        await self.server.send(
            "PATCH", f"/message-streams/{after.key}", wire.Stream, json_body=body, retry=True
        )  # the same PATCH twice leaves the same stream

    async def _stream_state(self, stream_id: str) -> wire.Stream | None:
        try:
            return await self.server.get(f"/message-streams/{stream_id}", wire.Stream)
        except ProviderError as exc:
            if exc.status in (404, 422):
                return None
            raise

    async def _create_stream(self, after: Resource) -> None:
        stream_type = str(after.fields["type"])
        body: dict[str, Any] = {
            "ID": after.key,
            "Name": plain(after.fields["name"]),
            "MessageStreamType": _TYPE_TO_WIRE[stream_type],
        }
        if after.fields.get("description"):
            body["Description"] = plain(after.fields["description"])
        if stream_type == "broadcasts":
            # Broadcast streams require unsubscribe management (ESP-API.md 1.7)
            body["SubscriptionManagementConfiguration"] = {"UnsubscribeHandlingType": "Postmark"}
        try:
            await self.server.send("POST", "/message-streams", wire.Stream, json_body=body)
            return
        except ProviderError as exc:
            code = error_code(exc)
            if exc.status is not None and exc.status < 500 and code != 1230:
                raise
            failure = exc
        # Timed out, 5xx, or "ID already exists": find out what is there before acting.
        existing = await self._stream_state(after.key)
        if existing is None:
            raise failure
        if existing.ArchivedAt:
            await self.server.send(
                "POST", f"/message-streams/{after.key}/unarchive", wire.Stream, json_body={}
            )
        if existing.MessageStreamType.lower() != stream_type:
            raise ProviderError(
                self.id,
                "POST",
                "/message-streams",
                None,
                f"stream {after.key} exists as {existing.MessageStreamType}; "
                "a stream's type cannot change",
            )
        await self._patch_stream(after)

    # -- report ----------------------------------------------------------------------
    async def read_traffic(self, query: TrafficQuery) -> TrafficData:
        """Outbound stats per stream (all live outbound streams when none are given)."""
        streams = list(query.buckets)
        if not streams:
            listing = await self.server.get("/message-streams", wire.Streams)
            streams = sorted(
                s.ID
                for s in listing.MessageStreams
                if s.MessageStreamType != "Inbound" and not s.ArchivedAt
            )
        return await read_postmark_traffic(self, query, streams)

    # -- connection test ---------------------------------------------------------------
    async def probe(self) -> list[ProbeResult]:
        """Read-only probes, run concurrently and timed one by one (see :mod:`.probe_postmark`)."""
        return await probe_postmark(self)
