"""The HTTP layer's bounds: response size, wall-clock deadlines, rate-limit waits.

respx answers with streamed bodies produced on demand, so a test can tell how much of
an endless body was read and whether a trickling answer is cut off.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import httpx
import pytest
import respx

from espctl.errors import ProviderBadResponse, ProviderRateLimited, ProviderUnavailable
from espctl.providers.kit.http import HttpClient, HttpOptions
from espctl.providers.kit.limits import MIB
from tests.providers.helpers import Sleeps, run

BASE = "https://api.example-esp.com"
CHUNK = b"[" + b"0," * 32767 + b"0"  # 64 KiB of valid-looking JSON, never closed


class Endless(httpx.AsyncByteStream):
    """A body that never ends; counts the chunks the client pulled."""

    def __init__(self, chunk: bytes = CHUNK) -> None:
        self.chunk = chunk
        self.pulled = 0

    async def __aiter__(self) -> AsyncIterator[bytes]:
        while True:
            self.pulled += 1
            yield self.chunk


class Trickle(httpx.AsyncByteStream):
    """One byte, then nothing for a long time (httpx's read timeout never fires in
    process: it applies between network reads, and there are none)."""

    async def __aiter__(self) -> AsyncIterator[bytes]:
        yield b"{"
        await asyncio.Event().wait()  # forever, until cancelled
        yield b"}"  # pragma: no cover


def client(sleeps: Sleeps | None = None, **options: object) -> HttpClient:
    return HttpClient(
        "esp",
        BASE,
        options=HttpOptions(**{"backoff_base": 0.0, "max_attempts": 2, **options}),  # type: ignore[arg-type]
        sleep=sleeps or Sleeps(),
    )


@respx.mock
def test_an_endless_body_is_read_up_to_the_cap_then_refused() -> None:
    body = Endless()
    respx.get(f"{BASE}/things").mock(return_value=httpx.Response(200, stream=body))
    with pytest.raises(ProviderBadResponse) as info:
        run(client(max_response_bytes=1 * MIB).get_json("/things"))
    assert str(info.value) == (
        "esp: GET /things: HTTP 200: response body over the 1 MiB cap; raise the cap with "
        "--max-response-mb or ESPCTL_MAX_RESPONSE_MB"
    )
    assert body.pulled == 1 * MIB // len(CHUNK) + 1  # it stopped right past the cap
    assert respx.calls.call_count == 1  # not retried: the flood would come again


@respx.mock
def test_a_declared_length_over_the_cap_is_refused_before_reading() -> None:
    body = Endless()
    respx.get(f"{BASE}/things").mock(
        return_value=httpx.Response(200, headers={"Content-Length": str(400 * MIB)}, stream=body)
    )
    with pytest.raises(ProviderBadResponse, match=r"it announced 400 MiB"):
        run(client().get_json("/things"))
    assert body.pulled == 0


@respx.mock
def test_a_body_under_the_cap_reads_whole() -> None:
    respx.get(f"{BASE}/things").mock(return_value=httpx.Response(200, json={"ok": [1] * 1000}))
    assert run(client(max_response_bytes=1 * MIB).get_json("/things")) == {"ok": [1] * 1000}


@respx.mock
def test_a_trickling_answer_is_cut_off_by_the_request_deadline() -> None:
    route = respx.get(f"{BASE}/things").mock(
        side_effect=lambda request: httpx.Response(200, stream=Trickle())
    )
    with pytest.raises(ProviderUnavailable) as info:
        run(client(request_timeout=0.2).get_json("/things"))
    assert str(info.value) == (
        "esp: GET /things: no response: timed out: no complete answer within 0.2s (raise it "
        "with --request-timeout or ESPCTL_REQUEST_TIMEOUT) after 2 attempts"
    )
    assert route.call_count == 2  # a GET is retried like any timeout


@respx.mock
def test_the_command_budget_bounds_retries_and_waits() -> None:
    route = respx.get(f"{BASE}/things").mock(
        side_effect=lambda request: httpx.Response(200, stream=Trickle())
    )
    http = client(request_timeout=30, command_timeout=0.3, max_attempts=5)
    with pytest.raises(ProviderUnavailable) as info:
        run(http.get_json("/things"))
    assert "the command's time limit of 0.3s ran out (raise it with --command-timeout" in str(
        info.value
    )
    assert route.call_count == 1  # the budget, not the request deadline, ended it: no retry
    with pytest.raises(ProviderUnavailable, match="gave up: the command's time limit"):
        run(http.get_json("/things"))  # spent: nothing more is sent
    assert route.call_count == 1


@respx.mock
def test_a_retry_after_longer_than_the_budget_left_is_not_awaited() -> None:
    respx.get(f"{BASE}/things").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "30"})
    )
    sleeps = Sleeps()
    with pytest.raises(ProviderUnavailable, match="time limit of 10s ran out"):
        run(client(sleeps, command_timeout=10, max_retry_after=60).get_json("/things"))
    assert sleeps.calls == []


@respx.mock
def test_mailguns_retry_seconds_body_is_honoured_without_headers() -> None:
    route = respx.get(f"{BASE}/v3/domains").mock(
        side_effect=[
            httpx.Response(429, json={"retry-seconds": 7}),
            httpx.Response(200, json={"ok": True}),
        ]
    )
    sleeps = Sleeps()
    assert run(client(sleeps).get_json("/v3/domains")) == {"ok": True}
    assert sleeps.calls == [7.0]
    assert route.call_count == 2


@respx.mock
def test_a_long_retry_seconds_is_capped_and_said_while_waiting() -> None:
    respx.get(f"{BASE}/v3/domains").mock(
        side_effect=[
            httpx.Response(429, json={"retry-seconds": 600}),
            httpx.Response(200, json={"ok": True}),
        ]
    )
    seen: list[tuple[float, tuple[str, ...]]] = []
    http: HttpClient

    async def sleep(seconds: float) -> None:
        seen.append((seconds, http.waiting))

    http = HttpClient("mailgun", BASE, options=HttpOptions(max_retry_after=60), sleep=sleep)
    assert run(http.get_json("/v3/domains")) == {"ok": True}
    assert seen == [
        (60.0, ("mailgun is rate limited: waiting 60s (retry-seconds 600s, capped at 60s)",))
    ]
    assert http.waiting == ()  # said only while waiting


@respx.mock
def test_headers_win_over_the_body_and_a_long_header_wait_is_an_error() -> None:
    respx.get(f"{BASE}/a").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "2"}, json={"retry-seconds": 60}),
            httpx.Response(200, json={}),
        ]
    )
    sleeps = Sleeps()
    run(client(sleeps).get_json("/a"))
    assert sleeps.calls == [2.0]
    respx.get(f"{BASE}/b").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "3600"}, json={})
    )
    with pytest.raises(ProviderRateLimited, match="asks to wait 3600s"):
        run(client().get_json("/b"))


@respx.mock
@pytest.mark.parametrize("body", [{"retry-seconds": -5}, {"retry-seconds": "soon"}, [], "x"])
def test_an_unusable_retry_seconds_falls_back_to_backoff(body: object) -> None:
    respx.get(f"{BASE}/a").mock(
        side_effect=[httpx.Response(429, json=body), httpx.Response(200, json={})]
    )
    sleeps = Sleeps()
    run(client(sleeps, backoff_base=0.1).get_json("/a"))
    assert len(sleeps.calls) == 1 and sleeps.calls[0] <= 0.2
