"""httpx transports that answer from a :class:`SandboxApp` in process.

Mount with ``httpx.Client(transport=SandboxTransport(app))`` or the async twin
``httpx.AsyncClient(transport=SandboxTransport(app))``; real hosts
(``api.postmarkapp.com``, ``api.mailgun.net``, ``api.eu.mailgun.net``) and any other
host (with the ``/eu`` prefix scheme) are routed as in :mod:`espctl.sandbox.app`.
"""

from __future__ import annotations

import asyncio
import time

import httpx

from .app import SandboxApp
from .http import Request, Response


def _to_core(request: httpx.Request, body: bytes) -> Request:
    return Request.build(
        request.method,
        str(request.url),
        [(k.decode("latin-1"), v.decode("latin-1")) for k, v in request.headers.raw],
        body,
    )


def _to_httpx(response: Response, request: httpx.Request) -> httpx.Response:
    if response.action == "stall":
        # In process a stall would only burn test time: fail as the client's read
        # timeout would (the write, if any, has been applied for timeout_after_commit).
        raise httpx.ReadTimeout("sandbox: injected stall (no response)", request=request)
    if response.action == "drop":
        raise httpx.RemoteProtocolError(
            "sandbox: server disconnected without sending a response", request=request
        )
    return httpx.Response(
        status_code=response.status,
        headers=list(response.headers),
        content=response.body,
        request=request,
    )


class SandboxTransport(httpx.BaseTransport, httpx.AsyncBaseTransport):
    """One object usable as both a sync and an async httpx transport.

    Injected latency sleeps the calling thread (sync) or the task (async), so concurrent
    async requests overlap exactly as they would against a slow server.
    """

    def __init__(self, app: SandboxApp) -> None:
        self.app = app

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        body = request.read()
        response = self.app.handle(_to_core(request, body))
        if response.delay_s > 0:
            time.sleep(response.delay_s)
        return _to_httpx(response, request)

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        body = await request.aread()
        response = self.app.handle(_to_core(request, body))
        if response.delay_s > 0:
            await asyncio.sleep(response.delay_s)
        return _to_httpx(response, request)

    def close(self) -> None:
        return None

    async def aclose(self) -> None:
        return None
