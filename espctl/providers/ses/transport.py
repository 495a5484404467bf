"""botocore's requests sent through an httpx transport (``Connection.transport``).

When espctl runs against the embedded sandbox (``--sandbox``, ``espctl demo``, tests),
the HTTP providers reach it through ``Connection.transport``, an in-process httpx
transport. botocore has its own HTTP stack (urllib3): this module hooks botocore's
``before-send`` event, which lets a handler answer instead of the network, and sends
the signed request through that transport instead, so that the embedded sandbox (and
any test transport) answers SES's calls as it answers the others'. botocore still
signs, retries and parses. Every attempt is logged like the HTTP providers' (``-v``).

botocore runs in worker threads and the transport is async: each request is run on the
event loop the command runs on (which is free: it is awaiting the worker).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
from botocore.awsrequest import AWSPreparedRequest, AWSResponse
from botocore.client import BaseClient
from botocore.compat import HTTPHeaders
from botocore.exceptions import ConnectionClosedError, EndpointConnectionError, ReadTimeoutError

from espctl.providers.kit.http_log import log_attempt


class _Raw:
    """The body of an answered request, as botocore reads a urllib3 response."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **_: Any) -> Iterator[bytes]:
        yield self._body


class TransportSender:
    """Sends one client's requests through ``transport`` on the loop ``loop()`` returns
    (the loop of the call that is waiting for the answer)."""

    def __init__(
        self,
        provider_id: str,
        transport: httpx.AsyncBaseTransport,
        loop: Callable[[], asyncio.AbstractEventLoop],
    ) -> None:
        self.provider_id = provider_id
        self.transport = transport
        self.loop = loop

    def attach(self, client: BaseClient) -> None:
        """Answer every request of ``client`` through the transport."""
        # botocore's stubs type handlers as returning None; before-send may answer
        client.meta.events.register("before-send", self.send)  # type: ignore[arg-type]

    def send(self, request: AWSPreparedRequest, **_: Any) -> AWSResponse:
        """botocore's ``before-send`` handler: the transport's answer to ``request``."""
        started = time.monotonic()
        body: object = request.body
        read = getattr(body, "read", None)
        if callable(read):
            body = read()
        content = body.encode("utf-8") if isinstance(body, str) else bytes(body or b"")  # type: ignore[call-overload]
        outgoing = httpx.Request(
            request.method, request.url, headers=list(request.headers.items()), content=content
        )
        future = asyncio.run_coroutine_threadsafe(self._send(outgoing), self.loop())
        try:
            answer = future.result()
        except httpx.TimeoutException as exc:
            self._log(request, "timed out", started)
            raise ReadTimeoutError(endpoint_url=request.url, error=exc) from exc
        except httpx.RemoteProtocolError as exc:
            self._log(request, "connection closed", started)
            raise ConnectionClosedError(endpoint_url=request.url, error=exc) from exc
        except httpx.TransportError as exc:
            self._log(request, "connection failed", started)
            raise EndpointConnectionError(endpoint_url=request.url, error=exc) from exc
        status, headers, data = answer
        self._log(request, str(status), started)
        return AWSResponse(request.url, status, HTTPHeaders.from_pairs(headers), _Raw(data))

    async def _send(self, request: httpx.Request) -> tuple[int, list[tuple[str, str]], bytes]:
        response = await self.transport.handle_async_request(request)
        data = await response.aread()
        await response.aclose()
        return response.status_code, list(response.headers.multi_items()), data

    def _log(self, request: AWSPreparedRequest, outcome: str, started: float) -> None:
        path = httpx.URL(request.url).path
        log_attempt(self.provider_id, request.method, path, outcome, time.monotonic() - started, 1)
