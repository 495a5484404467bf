"""Bounds the HTTP layer puts on every provider response: size, time, rate-limit waits.

- :func:`read_capped` reads a streamed body up to a cap (default 32 MiB) and stops
  there: a 400 MB answer must not take 15 GB of memory. The cap counts decoded bytes,
  so a compressed "bomb" is stopped too.
- :func:`rate_limit_wait` says how long a 429 asks espctl to wait: ``Retry-After``
  (seconds or a date), else ``X-RateLimit-Reset`` (epoch seconds), else Mailgun's
  documented body ``{"retry-seconds": N}`` (ESP-API.md 2.2/2.3), which carries no header.
  The body's wait is capped, and the wait is described for the progress line.

The hints name the option and environment variable that raise each limit.
"""

from __future__ import annotations

import email.utils
import json
import math
import time
from dataclasses import dataclass

import httpx

from espctl.defaults import MIB

SIZE_HINT = "raise the cap with --max-response-mb or ESPCTL_MAX_RESPONSE_MB"
REQUEST_TIME_HINT = "raise it with --request-timeout or ESPCTL_REQUEST_TIMEOUT"
COMMAND_TIME_HINT = "raise it with --command-timeout or ESPCTL_COMMAND_TIMEOUT"


class ResponseTooLarge(Exception):
    """A body went over the cap (internal: the client turns it into a provider error)."""

    def __init__(self, cap: int, declared: int | None) -> None:
        self.cap = cap
        self.declared = declared
        self.status: int | None = None  # set by the client: the status the body came with
        super().__init__(f"over {cap} bytes")

    def detail(self) -> str:
        said = f" (it announced {size_text(self.declared)})" if self.declared else ""
        return f"response body over the {size_text(self.cap)} cap{said}; {SIZE_HINT}"


def size_text(size: int) -> str:
    """``32 MiB``, ``64 KiB``, ``512 bytes``."""
    if size >= MIB and size % MIB == 0:
        return f"{size // MIB} MiB"
    if size >= MIB:
        return f"{size / MIB:.1f} MiB"
    if size >= 1024:
        return f"{size / 1024:.0f} KiB"
    return f"{size} bytes"


async def read_capped(response: httpx.Response, cap: int) -> bytes:
    """The (decoded) body of a streamed response, or ResponseTooLarge past ``cap`` bytes.

    A ``Content-Length`` over the cap is refused before anything is read.
    """
    declared_text = response.headers.get("Content-Length", "")
    declared = int(declared_text) if declared_text.isdigit() else None
    if declared is not None and declared > cap:
        raise ResponseTooLarge(cap, declared)
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > cap:
            raise ResponseTooLarge(cap, declared)
        chunks.append(chunk)
    return b"".join(chunks)


def buffered(response: httpx.Response, body: bytes) -> httpx.Response:
    """A response holding ``body`` (already decoded) in place of a streamed one."""
    headers = [
        (name, value)
        for name, value in response.headers.multi_items()
        if name.lower() not in ("content-encoding", "content-length", "transfer-encoding")
    ]
    return httpx.Response(
        response.status_code,
        headers=headers,
        content=body,
        request=response.request,
        extensions=response.extensions,
    )


@dataclass(frozen=True)
class RateLimitWait:
    """How long a 429 asks to wait, and where that came from (for the progress line)."""

    seconds: float
    source: str  # "Retry-After" | "X-RateLimit-Reset" | "retry-seconds"
    asked: float  # what the provider asked for, before any cap

    @property
    def capped(self) -> bool:
        return self.seconds < self.asked

    def note(self, provider: str) -> str:
        """``mailgun is rate limited: waiting 60s (retry-seconds 600s, capped at 60s)``."""
        asked = f"{self.source} {self.asked:g}s"
        if self.capped:
            asked += f", capped at {self.seconds:g}s"
        return f"{provider} is rate limited: waiting {self.seconds:.0f}s ({asked})"


class TimeBudget:
    """A client's wall-clock budget for everything it sends (None: unbounded).

    Counted from the client's creation, i.e. the start of the command.
    """

    def __init__(self, seconds: float | None) -> None:
        self.seconds = seconds
        self._deadline = None if seconds is None else time.monotonic() + seconds

    def remaining(self) -> float | None:
        return None if self._deadline is None else self._deadline - time.monotonic()

    def attempt_limit(self, request_timeout: float) -> tuple[float, bool] | None:
        """The limit of the next attempt and whether the budget (not ``request_timeout``)
        sets it; None when the budget is spent."""
        left = self.remaining()
        if left is not None and left <= 0:
            return None
        if left is not None and left < request_timeout:
            return left, True
        return request_timeout, False

    def allows(self, seconds: float) -> bool:
        """Whether a wait of ``seconds`` ends before the budget does."""
        left = self.remaining()
        return left is None or seconds < left


def rate_limit_wait(response: httpx.Response, now: float, cap: float) -> RateLimitWait | None:
    """The wait a 429 asks for (None when it says nothing).

    Header waits are returned as asked (the caller refuses one over its cap: a wait
    that long is an error, not a silent hang). Mailgun's body ``retry-seconds`` is a
    documented default rather than a precise promise, so it is honoured up to ``cap``.
    """
    value = response.headers.get("Retry-After")
    if value:
        try:
            seconds = max(0.0, float(value))
            return RateLimitWait(seconds, "Retry-After", seconds)
        except ValueError:
            try:
                parsed = email.utils.parsedate_to_datetime(value)
            except (TypeError, ValueError):
                parsed = None
            if parsed is not None:
                seconds = max(0.0, parsed.timestamp() - now)
                return RateLimitWait(seconds, "Retry-After", seconds)
    reset = response.headers.get("X-RateLimit-Reset")
    if reset:
        try:
            seconds = max(0.0, float(reset) - now)
            return RateLimitWait(seconds, "X-RateLimit-Reset", seconds)
        except ValueError:
            pass
    try:
        body = json.loads(response.content)
    except (ValueError, UnicodeDecodeError):
        return None
    asked = body.get("retry-seconds") if isinstance(body, dict) else None
    if isinstance(asked, bool) or not isinstance(asked, int | float):
        return None
    if not math.isfinite(asked) or asked < 0:
        return None
    return RateLimitWait(min(float(asked), cap), "retry-seconds", float(asked))


def quota_exhausted(response: httpx.Response, now: float) -> float | None:
    """When a response says the rate-limit window is used up (``X-RateLimit-Remaining:
    0``), the epoch second its ``X-RateLimit-Reset`` names (None: requests may go on).

    SendGrid sends both headers on every answer (its "Rate Limits" page), so the next
    request can wait for the reset instead of spending an attempt on a certain 429.
    """
    remaining = response.headers.get("X-RateLimit-Remaining")
    reset = response.headers.get("X-RateLimit-Reset")
    if remaining is None or reset is None:
        return None
    try:
        if int(remaining.strip()) > 0:
            return None
        until = float(reset)
    except ValueError:
        return None
    return until if math.isfinite(until) and until > now else None
