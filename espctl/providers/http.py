"""The HTTP layer every provider shares.

One :class:`HttpClient` per provider wraps an ``httpx.AsyncClient`` with: connect/read
timeouts, a User-Agent naming the espctl version, bounded parallelism (a semaphore),
retries with capped exponential backoff and full jitter on 429 (honouring Retry-After
and X-RateLimit-Reset), 5xx and connection errors, for idempotent methods only, and
translation of every failure into a :class:`~espctl.errors.ProviderError` naming the
provider, method, path and status, never a credential.

A 401 is about the credential, not the request: the first one a client meets becomes a
:class:`~espctl.errors.CredentialRejected` naming the credential and its variable, every
request of that client still in flight is cancelled, and every later one fails at once
with the same error. So a wrong token gives one message whatever request met it first
(reads run concurrently), and no further requests are sent with it.
"""

from __future__ import annotations

import asyncio
import email.utils
import json
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import httpx

from espctl import __version__
from espctl.errors import (
    CredentialRejected,
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
)

USER_AGENT = f"espctl/{__version__} (+https://github.com/espctl/espctl)"
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

Sleep = Callable[[float], Awaitable[None]]
ErrorDetail = Callable[[httpx.Response], str]


@dataclass(frozen=True)
class HttpOptions:
    """Timeouts, retry budget and parallelism for one provider."""

    connect_timeout: float = 5.0
    read_timeout: float = 20.0
    max_attempts: int = 5
    backoff_base: float = 0.25
    backoff_cap: float = 8.0
    max_retry_after: float = 60.0  # a longer Retry-After is an error, not a silent hang
    parallelism: int = 8


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


def _looks_like_json(response: httpx.Response) -> bool:
    """A JSON content type with an undecodable body: corruption worth a second try
    (unlike Mailgun's plain-text 'Magnificent API' answer to an unknown path)."""
    return "json" in response.headers.get("Content-Type", "")


def _retry_after(response: httpx.Response, now: float) -> float | None:
    value = response.headers.get("Retry-After")
    if value:
        try:
            return max(0.0, float(value))
        except ValueError:
            parsed = email.utils.parsedate_to_datetime(value) if value else None
            if parsed is not None:
                return max(0.0, parsed.timestamp() - now)
    reset = response.headers.get("X-RateLimit-Reset")
    if reset:
        try:
            return max(0.0, float(reset) - now)
        except ValueError:
            return None
    return None


class HttpClient:
    """A provider's HTTP client: retries, bounded concurrency, error translation."""

    def __init__(
        self,
        provider: str,
        base_url: str,
        *,
        headers: Mapping[str, str] | None = None,
        auth: httpx.Auth | tuple[str, str] | None = None,
        options: HttpOptions | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        error_detail: ErrorDetail | None = None,
        credential: Credential | None = None,
        sleep: Sleep = asyncio.sleep,
        rng: random.Random | None = None,
    ) -> None:
        self.provider = provider
        self.credential = credential
        self.rejected: CredentialRejected | None = None
        self._rejected_event = asyncio.Event()
        self.options = options or HttpOptions()
        self.stats = RequestStats()
        self._error_detail = error_detail or (lambda r: r.text[:200])
        self._sleep = sleep
        self._rng = rng or random.Random()
        self._semaphore = asyncio.Semaphore(self.options.parallelism)
        timeout = httpx.Timeout(self.options.read_timeout, connect=self.options.connect_timeout)
        self._client = httpx.AsyncClient(
            base_url=base_url.rstrip("/"),
            headers={"User-Agent": USER_AGENT, "Accept": "application/json", **(headers or {})},
            auth=auth,
            timeout=timeout,
            transport=transport,
            limits=httpx.Limits(
                max_connections=self.options.parallelism,
                max_keepalive_connections=self.options.parallelism,
            ),
        )

    async def aclose(self) -> None:
        await self._client.aclose()

    def _backoff(self, attempt: int) -> float:
        ceiling = min(self.options.backoff_cap, self.options.backoff_base * 2**attempt)
        return self._rng.uniform(0, ceiling)

    async def request(
        self,
        method: str,
        path: str,
        *,
        params: Any = None,
        json_body: Any = None,
        form: list[tuple[str, str]] | None = None,
        ok: frozenset[int] = frozenset({200}),
        retry: bool | None = None,
    ) -> httpx.Response:
        """Send one request; return the response when its status is in ``ok``.

        ``retry`` defaults to "method is idempotent": a POST is never repeated blindly.
        ``path`` may be absolute (Mailgun paging URLs); errors show it without query.
        """
        retry = method in IDEMPOTENT if retry is None else retry
        shown = path.split("?", 1)[0]
        content: bytes | None = None
        headers: dict[str, str] = {}
        if json_body is not None:
            content = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        elif form is not None:
            content = urlencode(form).encode()  # repeated keys stay repeated (Mailgun url=)
            headers["Content-Type"] = "application/x-www-form-urlencoded"
        attempt = 0
        while True:
            attempt += 1
            try:
                async with self._semaphore:
                    if self.rejected is not None:
                        raise self.rejected
                    self.stats.requests += 1
                    response = await self._send_unless_rejected(
                        method, path, params=params, content=content, headers=headers
                    )
            except httpx.TransportError as exc:  # timeouts included
                if retry and attempt < self.options.max_attempts:
                    self.stats.retries += 1
                    await self._sleep(self._backoff(attempt))
                    continue
                what = (
                    "timed out"
                    if isinstance(exc, httpx.TimeoutException)
                    else f"connection failed ({type(exc).__name__})"
                )
                plural = "s" if attempt > 1 else ""
                maybe = "" if retry else " (not retried: the request may have been applied)"
                raise ProviderUnavailable(
                    self.provider,
                    method,
                    shown,
                    None,
                    f"{what} after {attempt} attempt{plural}{maybe}",
                ) from exc
            status = response.status_code
            self.stats.by_status[status] = self.stats.by_status.get(status, 0) + 1
            if status in ok:
                return response
            # 429 was refused before any work was done, so even a POST may be repeated
            may_retry = (retry or status == 429) and status in RETRY_STATUSES
            if may_retry and attempt < self.options.max_attempts:
                wait = _retry_after(response, time.time()) if status == 429 else None
                if wait is not None and wait > self.options.max_retry_after:
                    raise ProviderRateLimited(
                        self.provider,
                        method,
                        shown,
                        status,
                        f"rate limited; the provider asks to wait {wait:.0f}s",
                    )
                self.stats.retries += 1
                await self._sleep(wait if wait is not None else self._backoff(attempt))
                continue
            raise self._error(method, shown, response, attempt)

    async def _send_unless_rejected(
        self,
        method: str,
        path: str,
        *,
        params: Any,
        content: bytes | None,
        headers: dict[str, str],
    ) -> httpx.Response:
        """Send and read one request, cancelled as soon as the credential is rejected."""

        async def send() -> httpx.Response:
            response = await self._client.request(
                method, path, params=params, content=content, headers=headers
            )
            await response.aread()
            return response

        sending = asyncio.ensure_future(send())
        rejected = asyncio.ensure_future(self._rejected_event.wait())
        try:
            await asyncio.wait({sending, rejected}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            rejected.cancel()
            if not sending.done():
                sending.cancel()
                # let the cancelled request unwind (closing its connection) before going on
                await asyncio.gather(sending, return_exceptions=True)
        if sending.cancelled():
            assert self.rejected is not None
            raise self.rejected
        return sending.result()

    def _reject(self, method: str, path: str, response: httpx.Response) -> CredentialRejected:
        """Latch the credential as rejected (the first 401 wins) and wake every request."""
        if self.rejected is None:
            assert self.credential is not None
            code = self.credential.code or self._error_detail
            self.rejected = CredentialRejected(
                self.provider,
                method,
                path,
                response.status_code,
                code(response) or response.reason_phrase,
                credential=self.credential.label,
                check=self.credential.check,
            )
            self._rejected_event.set()
        return self.rejected

    def _error(
        self, method: str, path: str, response: httpx.Response, attempts: int
    ) -> ProviderError:
        status = response.status_code
        if status == 401 and self.credential is not None:
            return self._reject(method, path, response)
        detail = self._error_detail(response) or response.reason_phrase
        if attempts > 1:
            detail += f" (after {attempts} attempts)"
        if status in (401, 403):
            return ProviderAuthError(self.provider, method, path, status, detail)
        if status == 429:
            return ProviderRateLimited(self.provider, method, path, status, detail)
        if status >= 500:
            return ProviderUnavailable(self.provider, method, path, status, detail)
        return ProviderError(self.provider, method, path, status, detail)

    async def get_json(
        self,
        path: str,
        params: Mapping[str, Any] | None = None,
        *,
        ok: frozenset[int] = frozenset({200}),
    ) -> Any:
        """GET and decode JSON; a non-JSON body is a provider error, not a crash.

        A body that arrives corrupted (truncated in transit) is fetched again, within
        the retry budget: a GET may always be repeated.
        """
        for attempt in range(1, self.options.max_attempts + 1):
            response = await self.request("GET", path, params=params, ok=ok)
            try:
                return self.decode(response, "GET", path)
            except ProviderError:
                if attempt == self.options.max_attempts or not _looks_like_json(response):
                    raise
                self.stats.retries += 1
                await self._sleep(self._backoff(attempt))
        raise AssertionError("unreachable")  # the loop returns or raises

    def decode(self, response: httpx.Response, method: str, path: str) -> Any:
        """The JSON body, or a ProviderError naming what came back instead."""
        shown = path.split("?", 1)[0]
        try:
            return response.json()
        except (json.JSONDecodeError, UnicodeDecodeError) as exc:
            snippet = response.text[:80].replace("\n", " ")
            raise ProviderError(
                self.provider,
                method,
                shown,
                response.status_code,
                f"expected JSON, got {response.headers.get('Content-Type', 'no content type')}:"
                f" {snippet!r}",
            ) from exc
