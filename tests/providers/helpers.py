"""Helpers for respx provider tests."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from espctl.model.common import Secret
from espctl.providers.kit.http import HttpOptions
from espctl.providers.mailgun.config import MailgunProvider
from espctl.providers.postmark.config import PostmarkProvider

T = TypeVar("T")
PM = "https://api.postmarkapp.com"
MG_EU = "https://api.eu.mailgun.net"
SERVER_TOKEN = "canary-server-token-1234"
ACCOUNT_TOKEN = "canary-account-token-5678"
API_KEY = "canary-mailgun-key-9012"
FAST = HttpOptions(backoff_base=0.0, max_attempts=3, read_timeout=1.0)


class Sleeps:
    """An injectable sleep that records what the client asked for and returns at once."""

    def __init__(self) -> None:
        self.calls: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.calls.append(seconds)


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def postmark_block(**extra: Any) -> PostmarkProvider:
    return PostmarkProvider.model_validate(
        {
            "type": "postmark",
            "server_token": Secret(SERVER_TOKEN),
            "account_token": Secret(ACCOUNT_TOKEN),
            "default_sender": "Acme <noreply@acme-mail.com>",
            **extra,
        }
    )


def mailgun_block(**extra: Any) -> MailgunProvider:
    return MailgunProvider.model_validate(
        {"type": "mailgun", "api_key": Secret(API_KEY), "region": "eu", **extra}
    )


def account_webhooks(*hooks: dict[str, Any], base: str = MG_EU) -> Any:
    """``GET /v1/webhooks`` answering ``hooks`` (every Mailgun read lists them)."""
    import httpx
    import respx

    return respx.get(f"{base}/v1/webhooks").mock(
        return_value=httpx.Response(200, json={"webhooks": list(hooks)})
    )
