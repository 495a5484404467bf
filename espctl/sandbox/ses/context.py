"""What every SES v2 handler shares: its context and the refusals SES v2 sends for a
bad body, a bad page token or a configuration set that does not exist."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..http import BadRequestBody, Request
from ..traffic import Traffic
from .state import SesAccount, SesConfigurationSet
from .wire import refuse


@dataclass
class SesCtx:
    """What a handler works on: the account's SES part and the traffic truth."""

    part: SesAccount
    traffic: Traffic
    now: datetime


def bad(message: str) -> Exception:
    """SES v2's 400 ``BadRequestException`` with ``message``, to raise."""
    return refuse("rest-json", 400, "BadRequestException", message)


def body_of(request: Request) -> dict[str, Any]:
    """The request's JSON object (an empty body: ``{}``; anything else: 400)."""
    try:
        body = request.json()
    except BadRequestBody as exc:
        raise bad(f"Malformed JSON body: {exc}") from exc
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise bad("The request body must be a JSON object.")
    return body


def configuration_set(ctx: SesCtx, name: str) -> SesConfigurationSet:
    """The configuration set ``name`` (404 ``NotFoundException`` if it does not exist)."""
    found = ctx.part.configuration_set(name)
    if found is None:
        raise refuse(
            "rest-json", 404, "NotFoundException", f"Configuration set <{name}> does not exist."
        )
    return found


def page(
    request: Request, items: list[Any], size_key: str = "PageSize"
) -> tuple[list[Any], str | None]:
    """One page of ``items`` from the body's ``NextToken`` and page size."""
    body = body_of(request)
    start = 0
    token = body.get("NextToken")
    if token:
        if not str(token).isdigit():
            raise bad("Invalid NextToken.")
        start = int(token)
    size = body.get(size_key) or 1000
    if not isinstance(size, int) or not 1 <= size <= 1000:
        raise bad(f"{size_key} must be between 1 and 1000.")
    found = items[start : start + size]
    rest = start + size
    return found, (str(rest) if rest < len(items) else None)
