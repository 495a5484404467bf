"""The shared HTTP layer: retries, Retry-After, idempotency, error translation."""

from __future__ import annotations

import httpx
import pytest
import respx

from espctl.errors import (
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from espctl.providers.kit.http import USER_AGENT, HttpClient, HttpOptions
from tests.providers.helpers import Sleeps, run

BASE = "https://api.example-esp.com"
TOKEN = "canary-token-abc"


def client(sleeps: Sleeps, **options: float) -> HttpClient:
    return HttpClient(
        "esp",
        BASE,
        headers={"X-Token": TOKEN},
        options=HttpOptions(backoff_base=0.1, max_attempts=3, **options),  # type: ignore[arg-type]
        sleep=sleeps,
    )


@respx.mock
def test_429_honours_retry_after_then_succeeds() -> None:
    route = respx.get(f"{BASE}/things").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}),
            httpx.Response(200, json={"ok": True}),
        ]
    )
    sleeps = Sleeps()
    http = client(sleeps)
    assert run(http.get_json("/things")) == {"ok": True}
    assert route.call_count == 2
    assert sleeps.calls == [7.0]
    request = route.calls[0].request
    assert request.headers["User-Agent"] == USER_AGENT
    assert request.headers["X-Token"] == TOKEN
    assert http.stats.retries == 1


@respx.mock
def test_x_ratelimit_reset_is_honoured(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("espctl.providers.kit.http.time.time", lambda: 1000.0)
    respx.get(f"{BASE}/things").mock(
        side_effect=[
            httpx.Response(429, headers={"X-RateLimit-Reset": "1003.5"}),
            httpx.Response(200, json=[]),
        ]
    )
    sleeps = Sleeps()
    run(client(sleeps).get_json("/things"))
    assert sleeps.calls == [3.5]


@respx.mock
def test_retry_after_beyond_the_cap_is_an_error_not_a_hang() -> None:
    respx.get(f"{BASE}/things").mock(
        return_value=httpx.Response(429, headers={"Retry-After": "3600"})
    )
    with pytest.raises(ProviderRateLimited, match="asks to wait 3600s"):
        run(client(Sleeps()).get_json("/things"))


@respx.mock
def test_5xx_on_get_is_retried_with_capped_backoff_then_fails() -> None:
    route = respx.get(f"{BASE}/things").mock(return_value=httpx.Response(503, text="down"))
    sleeps = Sleeps()
    with pytest.raises(ProviderUnavailable) as info:
        run(client(sleeps).get_json("/things"))
    assert route.call_count == 3
    assert len(sleeps.calls) == 2
    assert all(0 <= s <= 0.8 for s in sleeps.calls)
    assert str(info.value) == "esp: GET /things: HTTP 503: down (after 3 attempts)"


@respx.mock
def test_post_is_not_retried_on_5xx_or_connection_errors() -> None:
    route = respx.post(f"{BASE}/things").mock(return_value=httpx.Response(502, text="bad gw"))
    with pytest.raises(ProviderUnavailable, match="HTTP 502"):
        run(client(Sleeps()).request("POST", "/things", json_body={"a": 1}))
    assert route.call_count == 1
    boom = respx.post(f"{BASE}/other").mock(side_effect=httpx.ConnectError("refused"))
    with pytest.raises(ProviderUnavailable, match="may have been applied"):
        run(client(Sleeps()).request("POST", "/other", json_body={}))
    assert boom.call_count == 1


@respx.mock
def test_post_is_retried_on_429_which_means_not_processed() -> None:
    route = respx.post(f"{BASE}/things").mock(
        side_effect=[httpx.Response(429), httpx.Response(200, json={})]
    )
    run(client(Sleeps()).request("POST", "/things", json_body={}))
    assert route.call_count == 2


@respx.mock
def test_timeout_becomes_provider_unavailable() -> None:
    route = respx.get(f"{BASE}/slow").mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(ProviderUnavailable) as info:
        run(client(Sleeps()).get_json("/slow"))
    assert route.call_count == 3
    assert str(info.value) == "esp: GET /slow: no response: timed out after 3 attempts"


@respx.mock
def test_401_is_an_auth_error_without_the_token() -> None:
    respx.get(f"{BASE}/me").mock(return_value=httpx.Response(401, text="Forbidden"))
    with pytest.raises(ProviderAuthError) as info:
        run(client(Sleeps()).get_json("/me"))
    assert str(info.value) == "esp: GET /me: HTTP 401: Forbidden"
    assert TOKEN not in str(info.value)


@respx.mock
def test_non_json_200_is_an_error() -> None:
    respx.get(f"{BASE}/v9/nothing").mock(
        return_value=httpx.Response(
            200, text="Mailgun Magnificent API", headers={"Content-Type": "text/plain"}
        )
    )
    with pytest.raises(ProviderError, match="expected JSON, got text/plain: 'Mailgun Magnificent"):
        run(client(Sleeps()).get_json("/v9/nothing"))


@respx.mock
def test_query_strings_are_not_shown_in_errors() -> None:
    respx.get(f"{BASE}/things").mock(return_value=httpx.Response(400, text="bad"))
    with pytest.raises(ProviderError) as info:
        run(client(Sleeps()).get_json("/things?token=abc"))
    assert "token=abc" not in str(info.value)


@respx.mock
def test_a_get_whose_json_arrives_truncated_is_fetched_again() -> None:
    route = respx.get(f"{BASE}/things").mock(
        side_effect=[
            httpx.Response(
                200, content=b'{"items": [1, 2', headers={"Content-Type": "application/json"}
            ),
            httpx.Response(200, json={"items": [1, 2, 3]}),
        ]
    )
    assert run(client(Sleeps()).get_json("/things")) == {"items": [1, 2, 3]}
    assert route.call_count == 2


@respx.mock
def test_per_request_headers_go_with_that_request_only_and_its_retries() -> None:
    route = respx.post(f"{BASE}/things").mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "1"}),
            httpx.Response(200, json={}),
            httpx.Response(200, json={}),
        ]
    )
    http = client(Sleeps())
    extra = {"on-behalf-of": "subuser-a"}
    assert (
        run(http.request("POST", "/things", json_body={"a": 1}, headers=extra)).status_code == 200
    )
    assert run(http.request("POST", "/things", json_body={"a": 2})).status_code == 200
    first, retried, other = (call.request for call in route.calls)
    for request in (first, retried):
        assert request.headers["on-behalf-of"] == "subuser-a"
        assert request.headers["X-Token"] == TOKEN  # the client's own stay
        assert request.headers["Content-Type"] == "application/json"
    assert "on-behalf-of" not in other.headers
