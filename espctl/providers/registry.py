"""The fixed provider registry: config ``type`` -> provider class. No dynamic imports."""

from __future__ import annotations

import asyncio
from typing import assert_never

import httpx

from espctl.providers.kit.http import HttpOptions, Sleep
from espctl.providers.kit.protocol import Provider
from espctl.providers.mailgun.client import MailgunApi
from espctl.providers.mailgun.resources import MailgunProvider
from espctl.providers.postmark.client import PostmarkApi
from espctl.providers.postmark.resources import PostmarkProvider

#: provider types espctl can read and write today (SendGrid and Amazon SES are next)
SUPPORTED = ("postmark", "mailgun")


def create_provider(
    provider_id: str,
    block: PostmarkProvider | MailgunProvider,
    *,
    options: HttpOptions | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep = asyncio.sleep,
) -> Provider:
    """The provider client for one config block."""
    match block:
        case PostmarkProvider():
            return PostmarkApi(
                provider_id, block, options=options, transport=transport, sleep=sleep
            )
        case MailgunProvider():
            return MailgunApi(provider_id, block, options=options, transport=transport, sleep=sleep)
        case _:
            assert_never(block)
