"""Concurrent reads fail deterministically: one message per rejected credential, a
fixed order for every other error, whatever request happens to fail first."""

from __future__ import annotations

import asyncio
import random
from collections.abc import Callable

import httpx
import pytest

from espctl.errors import CredentialRejected, ProviderError
from espctl.model.common import Secret
from espctl.model.resources import Resource
from espctl.providers.mailgun import resources as mg
from espctl.providers.mailgun.client import MailgunApi
from espctl.providers.postmark.client import PostmarkApi
from tests.providers.helpers import (
    FAST,
    SERVER_TOKEN,
    Sleeps,
    mailgun_block,
    postmark_block,
    run,
)

Answer = Callable[[httpx.Request], httpx.Response | None]


class ScriptedTransport(httpx.AsyncBaseTransport):
    """Answers each request after its own delay; ``None`` from ``answer`` = never answer.

    Records every request that reached it and every one that was cancelled mid-flight,
    so a test can prove that a rejected credential stops the rest of the reads.
    """

    def __init__(self, answer: Answer, delay: Callable[[httpx.Request], float]) -> None:
        self.answer = answer
        self.delay = delay
        self.seen: list[str] = []
        self.cancelled: list[str] = []

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        self.seen.append(request.url.path)
        try:
            await asyncio.sleep(self.delay(request))
            response = self.answer(request)
            if response is None:
                await asyncio.Event().wait()  # hangs until cancelled
                raise AssertionError("unreachable")
            return response
        except asyncio.CancelledError:
            self.cancelled.append(request.url.path)
            raise


def postmark_401(request: httpx.Request) -> httpx.Response:
    return httpx.Response(
        401,
        json={"ErrorCode": 10, "Message": "Request does not contain a valid Server token."},
    )


def postmark_api(transport: httpx.AsyncBaseTransport, **extra: object) -> PostmarkApi:
    token = Secret(SERVER_TOKEN, source="POSTMARK_SERVER_TOKEN")
    block = postmark_block(server_token=token, **extra)
    return PostmarkApi("postmark", block, options=FAST, transport=transport, sleep=Sleeps())


def test_wrong_server_token_gives_one_message_whatever_request_fails_first() -> None:
    """20 runs, random latency per request: the identical message every time."""
    messages = set()
    first_failures = set()
    for seed in range(20):
        rng = random.Random(seed)
        transport = ScriptedTransport(postmark_401, lambda _r, rng=rng: rng.uniform(0, 0.02))
        with pytest.raises(CredentialRejected) as info:
            run(postmark_api(transport, account_token=None).read(()))
        messages.add(str(info.value))
        first_failures.add(info.value.path)  # which request met the 401 first: varies
    assert messages == {
        "postmark: the server token was rejected (HTTP 401, ErrorCode 10)"
        " — check POSTMARK_SERVER_TOKEN"
    }
    assert len(first_failures) > 1, "the jitter should let different requests fail first"


def test_a_rejected_credential_cancels_the_requests_still_in_flight() -> None:
    # /server is refused at once; every other read would hang for ever
    def answer(request: httpx.Request) -> httpx.Response | None:
        return postmark_401(request) if request.url.path == "/server" else None

    transport = ScriptedTransport(answer, lambda r: 0.0 if r.url.path == "/server" else 0.001)
    with pytest.raises(CredentialRejected):
        run(asyncio.wait_for(postmark_api(transport, account_token=None).read(()), timeout=10))
    assert sorted(transport.cancelled) == ["/message-streams", "/webhooks"]


def test_requests_after_a_rejection_are_not_sent() -> None:
    transport = ScriptedTransport(postmark_401, lambda _r: 0.0)
    api = postmark_api(transport, account_token=None)

    async def twice() -> tuple[str, str]:
        with pytest.raises(CredentialRejected) as first:
            await api.server.get_json("/server")
        sent = len(transport.seen)
        with pytest.raises(CredentialRejected) as second:
            await api.server.get_json("/webhooks")
        assert len(transport.seen) == sent  # refused locally: the token is known bad
        return str(first.value), str(second.value)

    one, two = run(twice())
    assert one == two


def test_mailgun_forbidden_names_the_key_variable() -> None:
    def answer(request: httpx.Request) -> httpx.Response:
        return httpx.Response(401, text="Forbidden", headers={"Content-Type": "text/plain"})

    messages = set()
    for seed in range(20):
        rng = random.Random(seed)
        block = mailgun_block(api_key=Secret("wrong", source="MAILGUN_API_KEY"))
        transport = ScriptedTransport(answer, lambda _r, rng=rng: rng.uniform(0, 0.02))
        api = MailgunApi("mailgun", block, options=FAST, transport=transport, sleep=Sleeps())
        wanted = [Resource("mailgun", mg.KIND_DOMAIN, d, {}) for d in ("a.com", "b.com")]
        with pytest.raises(CredentialRejected) as info:
            run(api.read(wanted))
        messages.add(str(info.value))
    assert messages == {
        "mailgun: the API key was rejected (HTTP 401, Forbidden) — check MAILGUN_API_KEY"
    }


def test_other_errors_follow_the_read_order_not_the_arrival_order() -> None:
    """Two domains fail differently; the first in sorted order is reported, although its
    answer arrives last."""

    def answer(request: httpx.Request) -> httpx.Response:
        path = request.url.path
        if path == "/v4/domains":
            listed = [{"name": d, "state": "active"} for d in ("a.com", "b.com")]
            return httpx.Response(200, json={"items": listed, "total_count": 2})
        if path == "/v1/webhooks":
            return httpx.Response(200, json={"webhooks": []})
        if path.startswith("/v4/domains/"):
            name = path.rsplit("/", 1)[1]
            return httpx.Response(
                200,
                json={"domain": {"name": name, "state": "active"}, "sending_dns_records": []},
            )
        if path.endswith("/tracking"):
            name = path.split("/")[3]
            return httpx.Response(400, json={"message": f"bad request for {name}"})
        return httpx.Response(200, json={"webhooks": {}})

    def delay(request: httpx.Request) -> float:
        # a.com's failure arrives well after b.com's
        return 0.05 if "a.com" in request.url.path else 0.0

    transport = ScriptedTransport(answer, delay)
    api = MailgunApi("mailgun", mailgun_block(), options=FAST, transport=transport, sleep=Sleeps())
    wanted = [Resource("mailgun", mg.KIND_DOMAIN, d, {}) for d in ("a.com", "b.com")]
    with pytest.raises(ProviderError) as info:
        run(api.read(wanted))
    assert str(info.value) == (
        "mailgun: GET /v3/domains/a.com/tracking: HTTP 400: bad request for a.com"
    )
