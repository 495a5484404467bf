"""``espctl test --webhooks`` against hostile receivers: a receiver gets the stated
timeout of wall-clock time for the whole exchange, and at most 64 KiB of its answer
is read, however it answers."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from espctl.config import load_config
from espctl.conntest import WebhookResult, post_sample, webhook_posts
from espctl.sandbox import SandboxApp, seed_account
from tests.conntest.conftest import ENV, config_text
from tests.hostile.server import RECEIVER, HostileServer, Mode, hostile_server

GUARD = 30.0  # a test guard only: without the limits, the trickle lasts 2 minutes


@pytest.fixture
def hostile(request: pytest.FixtureRequest) -> Iterator[HostileServer]:
    mode: Mode = request.param
    with hostile_server(mode, SandboxApp(seed_account())) as server:
        yield server


def post_to(server: HostileServer, tmp_path: Path, timeout: float) -> list[WebhookResult]:
    url = f"http://127.0.0.1:{server.server_port}{RECEIVER}"
    hooks = (
        "webhooks:\n  hostile:\n"
        f"    url: {url}\n    events: [delivered]\n"
        "    targets: [postmark/outbound, mailgun/mg.acme-mail.com]\n"
    )
    path = tmp_path / "espctl.yaml"
    path.write_text(config_text("http://127.0.0.1:9", "http://127.0.0.1:9/eu", webhooks=hooks))
    posts = webhook_posts(load_config(path, env=ENV))

    async def run() -> list[WebhookResult]:
        async with httpx.AsyncClient() as client:
            return list(
                await asyncio.gather(
                    *(post_sample(client, p, timeout, allow_private_receivers=True) for p in posts)
                )
            )

    return asyncio.run(asyncio.wait_for(run(), GUARD))


@pytest.mark.parametrize("hostile", ["trickle"], indirect=True)
def test_a_trickling_receiver_is_cut_off_at_the_webhook_timeout(
    hostile: HostileServer, tmp_path: Path
) -> None:
    results = post_to(hostile, tmp_path, 0.5)
    assert [(r.ok, r.status) for r in results] == [(False, None), (False, None)]
    for result in results:
        assert result.detail.startswith("no answer within 0.5s")
        assert "answer quickly" in (result.cause or "")


@pytest.mark.parametrize("hostile", ["huge"], indirect=True)
def test_a_receiver_answering_without_end_is_read_no_further_than_64_kib(
    hostile: HostileServer, tmp_path: Path
) -> None:
    results = post_to(hostile, tmp_path, 5.0)
    assert [(r.ok, r.status) for r in results] == [(True, 200), (True, 200)]
    # the server could push at most what fits in the socket buffers before espctl hung up
    sent = hostile.seen.sent_by(2)
    assert len(sent) == 2 and max(sent) < 16 * 1024 * 1024
