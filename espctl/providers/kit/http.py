"""The HTTP layer every provider shares.

One :class:`HttpClient` per provider wraps an ``httpx.AsyncClient`` with: connect/read
timeouts, a User-Agent naming the espctl version, bounded parallelism (a semaphore),
retries with capped exponential backoff and full jitter on 429 (honouring Retry-After
and X-RateLimit-Reset), 5xx and connection errors, for idempotent methods only, and
translation of every failure into a :class:`~espctl.errors.ProviderError` naming the
provider, method, path and status, never a credential.

Every request is bounded (see :mod:`espctl.providers.kit.limits`): its body is streamed and
refused past ``max_response_bytes``; each attempt, body included, has a wall-clock
deadline (``request_timeout``: httpx's own timeouts apply between bytes, so a server
trickling one byte a second would otherwise hold a command for ever); and everything
a client sends shares one wall-clock budget (``command_timeout``), after which no
request starts, no retry waits and no answer is awaited. Decoded bodies are checked
against response models by :meth:`HttpClient.get` / :meth:`HttpClient.send`
(:mod:`espctl.providers.kit.shapes`).

A 401 is about the credential, not the request: the first one a client meets becomes a
:class:`~espctl.errors.CredentialRejected` naming the credential and its variable, every
request of that client still in flight is cancelled, and every later one fails at once
with the same error. So a wrong token gives one message whatever request met it first
(reads run concurrently), and no further requests are sent with it.
"""

from __future__ import annotations

import asyncio
import json
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, TypeVar
from urllib.parse import urlencode

import httpx
from pydantic import BaseModel

from espctl import __version__
from espctl.errors import (
    CredentialRejected,
    ProviderAuthError,
    ProviderBadResponse,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from espctl.providers.kit.http_log import log_attempt
from espctl.providers.kit.http_options import Credential, HttpOptions, RequestStats
from espctl.providers.kit.limits import (
    COMMAND_TIME_HINT,
    REQUEST_TIME_HINT,
    ResponseTooLarge,
    TimeBudget,
    buffered,
    quota_exhausted,
    rate_limit_wait,
    read_capped,
)
from espctl.providers.kit.shapes import parse

__all__ = ["USER_AGENT", "Credential", "HttpClient", "HttpOptions", "RequestStats", "Sleep"]

USER_AGENT = f"espctl/{__version__} (+https://github.com/espctl/espctl)"
IDEMPOTENT = frozenset({"GET", "HEAD", "PUT", "DELETE", "OPTIONS"})
RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})

Sleep = Callable[[float], Awaitable[None]]
ErrorDetail = Callable[[httpx.Response], str]
M = TypeVar("M", bound=BaseModel)


def _looks_like_json(response: httpx.Response) -> bool:
    """A JSON content type with an undecodable body: corruption worth a second try
    (unlike Mailgun's plain-text 'Magnificent API' answer to an unknown path)."""
    return "json" in response.headers.get("Content-Type", "")


def _retry_in(seconds: float, why: str = "backoff") -> str:
    return f"retrying in {seconds:.2f}s ({why})"


class _Overdue(Exception):
    """An attempt ran past its wall-clock limit (internal: retried like a timeout)."""

    def __init__(self, limit: float) -> None:
        super().__init__(f"no complete answer within {limit:g}s")


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
        self._budget = TimeBudget(self.options.command_timeout)
        self._waits = 0
        #: epoch second until which the provider's rate-limit window is used up (0: none)
        self._quota_until = 0.0
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
        headers: Mapping[str, str] | None = None,
    ) -> httpx.Response:
        """Send one request; return the response when its status is in ``ok``.

        ``headers`` are added to this request only (over the client's own): what one
        call needs, e.g. the subuser a SendGrid request acts for (``on-behalf-of``).

        ``retry`` defaults to "method is idempotent": a POST is never repeated blindly.
        ``path`` may be absolute (Mailgun paging URLs); errors show it without query.
        """
        retry = method in IDEMPOTENT if retry is None else retry
        shown = path.split("?", 1)[0]
        content: bytes | None = None
        sent: dict[str, str] = dict(headers or {})
        if json_body is not None:
            content = json.dumps(json_body).encode()
            sent["Content-Type"] = "application/json"
        elif form is not None:
            content = urlencode(form).encode()  # repeated keys stay repeated (Mailgun url=)
            sent["Content-Type"] = "application/x-www-form-urlencoded"
        attempt = 0
        while True:
            attempt += 1
            await self._respect_quota(method, shown, attempt)
            try:
                async with self._semaphore:
                    if self.rejected is not None:
                        raise self.rejected
                    limit, by_budget = self._attempt_limit(method, shown, attempt)
                    self.stats.requests += 1
                    started = time.monotonic()
                    response = await self._send_unless_rejected(
                        method, path, params=params, content=content, headers=sent, limit=limit
                    )
            except ResponseTooLarge as exc:
                self._log(method, shown, "response too large", started, attempt)
                # not transient: the same request would bring the same flood again
                raise ProviderBadResponse(
                    self.provider, method, shown, exc.status, exc.detail()
                ) from exc
            except (httpx.TransportError, _Overdue) as exc:  # timeouts included
                failure = (
                    "timed out"
                    if isinstance(exc, (_Overdue, httpx.TimeoutException))
                    else f"connection failed ({type(exc).__name__})"
                )
                if by_budget and isinstance(exc, _Overdue):
                    self._log(method, shown, failure, started, attempt, then="out of time")
                    raise self._out_of_time(method, shown, attempt) from exc
                if retry and attempt < self.options.max_attempts:
                    self.stats.retries += 1
                    seconds = self._backoff(attempt)
                    self._log(method, shown, failure, started, attempt, then=_retry_in(seconds))
                    await self._pause(seconds, method, shown, attempt)
                    continue
                self._log(method, shown, failure, started, attempt)
                if isinstance(exc, _Overdue):
                    what = f"timed out: no complete answer within {limit:g}s ({REQUEST_TIME_HINT})"
                elif isinstance(exc, httpx.TimeoutException):
                    what = "timed out"
                else:
                    what = f"connection failed ({type(exc).__name__})"
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
            # a 429's own wait covers its window (rate_limit_wait, below)
            until = quota_exhausted(response, time.time()) if status != 429 else None
            if until is not None:
                self._quota_until = max(self._quota_until, until)
            if status in ok:
                self._log(method, shown, str(status), started, attempt)
                return response
            # 429 was refused before any work was done, so even a POST may be repeated
            may_retry = (retry or status == 429) and status in RETRY_STATUSES
            if may_retry and attempt < self.options.max_attempts:
                wait = (
                    rate_limit_wait(response, time.time(), self.options.max_retry_after)
                    if status == 429
                    else None
                )
                if wait is not None and wait.seconds > self.options.max_retry_after:
                    self._log(method, shown, str(status), started, attempt, then="wait too long")
                    raise ProviderRateLimited(
                        self.provider,
                        method,
                        shown,
                        status,
                        f"rate limited; the provider asks to wait {wait.seconds:.0f}s",
                    )
                self.stats.retries += 1
                if wait is None:
                    seconds = self._backoff(attempt)
                    self._log(method, shown, str(status), started, attempt, then=_retry_in(seconds))
                    await self._pause(seconds, method, shown, attempt)
                else:
                    self._log(
                        method,
                        shown,
                        str(status),
                        started,
                        attempt,
                        then=_retry_in(wait.seconds, "as the provider asks"),
                    )
                    await self._pause(
                        wait.seconds, method, shown, attempt, note=wait.note(self.provider)
                    )
                continue
            self._log(method, shown, str(status), started, attempt)
            raise self._error(method, shown, response, attempt)

    def _log(
        self, method: str, shown: str, outcome: str, started: float, attempt: int, *, then: str = ""
    ) -> None:
        log_attempt(
            self.provider, method, shown, outcome, time.monotonic() - started, attempt, then=then
        )

    def _attempt_limit(self, method: str, shown: str, attempt: int) -> tuple[float, bool]:
        """This attempt's wall-clock limit, and whether the command's budget is what sets it."""
        limit = self._budget.attempt_limit(self.options.request_timeout)
        if limit is None:
            raise self._out_of_time(method, shown, attempt - 1)
        return limit

    def _out_of_time(self, method: str, shown: str, attempts: int) -> ProviderUnavailable:
        tried = f" after {attempts} attempt{'s' if attempts != 1 else ''}" if attempts else ""
        return ProviderUnavailable(
            self.provider,
            method,
            shown,
            None,
            f"gave up{tried}: the command's time limit of {self.options.command_timeout:g}s "
            f"ran out ({COMMAND_TIME_HINT})",
        )

    async def _pause(
        self, seconds: float, method: str, shown: str, attempt: int, *, note: str | None = None
    ) -> None:
        """Sleep before a retry, unless the command's time budget would run out first."""
        if not self._budget.allows(seconds):
            raise self._out_of_time(method, shown, attempt)
        self._waits += 1
        token = self._waits
        if note is not None:
            self.stats.waiting[token] = note
        try:
            await self._sleep(seconds)
        finally:
            self.stats.waiting.pop(token, None)

    async def _respect_quota(self, method: str, shown: str, attempt: int) -> None:
        """Wait for the reset of a used-up rate-limit window (``X-RateLimit-Remaining: 0``)
        before sending, when that wait is within ``max_retry_after``; a longer one is not
        waited for here (the 429 it may bring is handled, and refused, as any other)."""
        until = self._quota_until
        if not until:
            return
        seconds = until - time.time()
        if 0 < seconds <= self.options.max_retry_after:
            note = (
                f"{self.provider} rate limit used up: waiting {seconds:.0f}s "
                "(X-RateLimit-Remaining 0, until X-RateLimit-Reset)"
            )
            await self._pause(seconds, method, shown, attempt, note=note)
        if self._quota_until == until:  # no later answer moved it meanwhile
            self._quota_until = 0.0

    @property
    def waiting(self) -> tuple[str, ...]:
        """What this client is waiting for now (rate limits), for the progress line."""
        return tuple(dict.fromkeys(self.stats.waiting.values()))

    async def _send_unless_rejected(
        self,
        method: str,
        path: str,
        *,
        params: Any,
        content: bytes | None,
        headers: dict[str, str],
        limit: float,
    ) -> httpx.Response:
        """Send and read one request within ``limit`` seconds (wall clock, body included),
        cancelled as soon as the credential is rejected; the body is read up to the cap."""

        async def send() -> httpx.Response:
            request = self._client.build_request(
                method, path, params=params, content=content, headers=headers
            )
            response = await self._client.send(request, stream=True)
            try:
                body = await read_capped(response, self.options.max_response_bytes)
            except ResponseTooLarge as exc:
                exc.status = response.status_code
                raise
            finally:
                await response.aclose()
            return buffered(response, body)

        sending = asyncio.ensure_future(send())
        rejected = asyncio.ensure_future(self._rejected_event.wait())
        try:
            await asyncio.wait(
                {sending, rejected}, timeout=limit, return_when=asyncio.FIRST_COMPLETED
            )
        finally:
            rejected.cancel()
            if not sending.done():
                sending.cancel()
                # let the cancelled request unwind (closing its connection) before going on
                await asyncio.gather(sending, return_exceptions=True)
        if sending.cancelled():
            if self.rejected is not None:
                raise self.rejected
            raise _Overdue(limit)
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
                seconds = self._backoff(attempt)
                log_attempt(
                    self.provider,
                    "GET",
                    path,
                    "undecodable body",
                    0.0,
                    attempt,
                    then=_retry_in(seconds),
                )
                await self._pause(seconds, "GET", path.split("?", 1)[0], attempt)
        raise AssertionError("unreachable")  # the loop returns or raises

    async def get(
        self,
        path: str,
        model: type[M],
        params: Mapping[str, Any] | None = None,
        *,
        ok: frozenset[int] = frozenset({200}),
    ) -> M:
        """GET, decode and validate the body as ``model`` (a ProviderBadResponse if not)."""
        body = await self.get_json(path, params, ok=ok)
        return parse(model, body, provider=self.provider, method="GET", path=path)

    async def get_checked(
        self, path: str, model: type[BaseModel], params: Mapping[str, Any] | None = None
    ) -> Any:
        """GET and validate as ``model``, but return the decoded body itself: for callers
        that report fields beyond the model (``espctl import`` lists unknown settings)."""
        body = await self.get_json(path, params)
        parse(model, body, provider=self.provider, method="GET", path=path)
        return body

    async def send(
        self,
        method: str,
        path: str,
        model: type[M],
        *,
        params: Any = None,
        json_body: Any = None,
        form: list[tuple[str, str]] | None = None,
        retry: bool | None = None,
        ok: frozenset[int] = frozenset({200}),
    ) -> M:
        """:meth:`request`, then the body decoded and validated as ``model``.

        For writes: a 200 whose body is not the documented answer (an error envelope,
        an empty object) did not do what was asked and must not count as applied.
        ``ok`` are the statuses that answer success (SendGrid's create: 201).
        """
        response = await self.request(
            method, path, params=params, json_body=json_body, form=form, retry=retry, ok=ok
        )
        body = self.decode(response, method, path)
        return parse(
            model,
            body,
            provider=self.provider,
            method=method,
            path=path,
            status=response.status_code,
        )

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


class OverOneHttpClient:
    """What the engine asks of a provider client whose requests all go through one
    :class:`HttpClient` (``self.http``): its request count, what it waits for now (a rate
    limit, for the progress line) and its close."""

    http: HttpClient

    @property
    def requests(self) -> int:
        return self.http.stats.requests

    @property
    def waiting(self) -> tuple[str, ...]:
        """What the client waits for now (a rate limit), for the progress line."""
        return self.http.waiting

    async def aclose(self) -> None:
        await self.http.aclose()
