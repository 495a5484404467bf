"""What configures and observes one provider's HTTP client (see :mod:`.http`).

:class:`HttpOptions` (timeouts, size cap, retries, parallelism), :class:`Credential`
(what a 401 message names) and :class:`RequestStats` (counters and current waits for
benchmarks and the progress line). :mod:`espctl.providers.kit.http` re-exports them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

import httpx

from espctl import defaults


@dataclass(frozen=True)
class HttpOptions:
    """Timeouts, size cap, retry budget and parallelism for one provider.

    ``connect_timeout``/``read_timeout`` are httpx's (to connect; between two bytes);
    ``request_timeout`` bounds one attempt, body included, by the wall clock;
    ``command_timeout`` bounds everything the client sends, retries and waits included
    (None: no bound); ``max_response_bytes`` caps each response body;
    ``max_listing_items`` caps each paged listing.
    """

    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    request_timeout: float = defaults.REQUEST_TIMEOUT
    command_timeout: float | None = defaults.COMMAND_TIMEOUT
    max_response_bytes: int = defaults.MAX_RESPONSE_BYTES
    max_listing_items: int = defaults.MAX_LISTING_ITEMS  # per paged listing (.paging)
    max_attempts: int = 5
    backoff_base: float = 0.25
    backoff_cap: float = 8.0
    max_retry_after: float = 60.0  # a longer Retry-After is an error, not a silent hang
    parallelism: int = defaults.PARALLELISM


@dataclass(frozen=True)
class Credential:
    """What a client authenticates with, for the message when it is rejected.

    ``label`` is how users know it (``server token``, ``API key``); ``key`` its config
    key (``server_token``); ``variable`` the environment variable it came from
    (``Secret.source``), named in the message when known; ``code`` the provider's short
    reason from a 401 response (``ErrorCode 10``, ``Forbidden``), the same for every path.
    """

    label: str
    key: str
    variable: str | None = None
    code: Callable[[httpx.Response], str] | None = None

    @property
    def check(self) -> str:
        """What the user should look at: the variable, else the config key."""
        return self.variable or f"`{self.key}`"


@dataclass
class RequestStats:
    """Counters a benchmark or a progress line can read."""

    requests: int = 0
    retries: int = 0
    by_status: dict[int, int] = field(default_factory=dict)
    #: what the client is waiting for right now (a rate limit), for the progress line
    waiting: dict[int, str] = field(default_factory=dict)
