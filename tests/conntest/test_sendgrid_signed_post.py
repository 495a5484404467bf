"""``espctl test --webhooks`` for a signed SendGrid webhook: the sample is a batch, and
the POST carries the two Twilio signature headers over exactly the bytes it sends."""

from __future__ import annotations

import asyncio
import json
from datetime import UTC, datetime
from typing import Any

import httpx

from espctl.config import load_config_text
from espctl.conntest import post_sample, webhook_posts
from espctl.providers.sendgrid import signature

CONFIG = """\
version: 1
providers:
  sg:
    type: sendgrid
    api_key: ${{env:SG}}
webhooks:
  signed:
    url: {url}
    events: [bounced, opened]
    targets: [sg]
    sendgrid: {{signed: true}}
  plain:
    url: {url}/plain
    events: [dropped]
    targets: [sg]
"""


def test_a_signed_hook_is_posted_signed_and_a_plain_one_not(receiver: Any) -> None:
    local = receiver(200)
    loaded = load_config_text(CONFIG.format(url=local.url), "c.yaml", env={"SG": "k"})
    posts = {p.webhook: p for p in webhook_posts(loaded, datetime(2026, 12, 1, tzinfo=UTC))}
    signed, plain = posts["signed"], posts["plain"]
    assert signed.record == "bounce" and plain.record == "dropped"
    assert plain.headers == {} and plain.content is None
    assert signed.content is not None

    async def run() -> None:
        async with httpx.AsyncClient() as client:
            for post in (signed, plain):
                result = await post_sample(client, post, 5.0, allow_private_receivers=True)
                assert result.ok, result

    asyncio.run(run())
    first, second = local.requests
    assert first["json"] == signed.payload == json.loads(signed.content)
    sig = first["headers"][signature.SIGNATURE_HEADER.lower()]
    stamp = first["headers"][signature.TIMESTAMP_HEADER.lower()]
    key = signature.public_key_of(signature.test_key())
    assert signature.verify_signature(key, signed.content, sig, stamp)
    assert signature.SIGNATURE_HEADER.lower() not in second["headers"]
    assert isinstance(second["json"], list) and second["json"][0]["event"] == "dropped"
