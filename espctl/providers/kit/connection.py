"""How a provider client reaches its API: :class:`Connection`.

The same for every client kind. ``options`` bound time, size, retries and parallelism
(an HTTP client applies them to its requests; an SDK-based client to the calls it runs
in its thread pool). ``transport`` replaces the network in tests and under ``--sandbox``:
an httpx transport that answers in process. The sandbox's answers both sync and async
requests, so a client built on another library (a synchronous SDK run in threads) can
adapt it, e.g. from the SDK's before-send hook. ``sleep`` is what retries wait with.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

from espctl.providers.kit.http_options import HttpOptions

if TYPE_CHECKING:
    import httpx

Sleep = Callable[[float], Awaitable[None]]
C_co = TypeVar("C_co", covariant=True)


class ClientClass(Protocol[C_co]):
    """A client class taking a provider id, a config block and the connection's parts."""

    def __call__(
        self,
        provider_id: str,
        block: Any,
        *,
        options: HttpOptions | None = ...,
        transport: httpx.AsyncBaseTransport | None = ...,
        sleep: Sleep = ...,
    ) -> C_co: ...


@dataclass(frozen=True)
class Connection:
    """Options, an optional in-process transport and the sleep of one provider client."""

    options: HttpOptions = field(default_factory=HttpOptions)
    transport: httpx.AsyncBaseTransport | None = None
    sleep: Sleep = asyncio.sleep

    def make(self, client: ClientClass[C_co], provider_id: str, block: Any) -> C_co:
        """A ``client`` for ``block`` reaching its API through this connection."""
        return client(
            provider_id, block, options=self.options, transport=self.transport, sleep=self.sleep
        )
