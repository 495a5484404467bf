"""Request helpers shared by the Postmark endpoint modules: JSON bodies, field checks.

Validation raises :class:`Invalid` carrying Postmark's own error response; :func:`guard`
turns it into that response, so handlers read top to bottom without error plumbing.
"""

from __future__ import annotations

from typing import Any

from ..http import Answered, BadRequestBody, Request, answering, query_ci
from .state import PmStream
from .wire import PmContext, pm_error

NO_STREAM = "The 'MessageStream' provided does not exist on this server."


class Invalid(Answered):
    """A request Postmark would refuse; ``response`` is its answer."""


def json_body(request: Request) -> dict[str, Any]:
    try:
        data = request.json()
    except BadRequestBody as exc:
        raise Invalid(pm_error(402, "Received invalid JSON input.")) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise Invalid(pm_error(402, "Received invalid JSON input."))
    return data


def field_error(name: str) -> Invalid:
    return Invalid(pm_error(403, f"Invalid request field(s): {name}."))


def str_field(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise field_error(key)
    return value


def bool_field(data: dict[str, Any], key: str) -> bool | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise field_error(key)
    return value


#: validation errors raised anywhere in a handler become their response
guard = answering


def count_offset(request: Request) -> tuple[int, int]:
    """The ``count`` and ``offset`` of a listing (senders, domains, bounces, messages):
    both required, ``count`` 0-500 and ``count + offset`` at most 10,000."""
    query = query_ci(request)
    try:
        count, offset = int(query["count"]), int(query["offset"])
    except (KeyError, ValueError) as exc:
        raise Invalid(pm_error(403, "The 'count' and 'offset' parameters are required.")) from exc
    if count < 0 or offset < 0 or count > 500 or count + offset > 10_000:
        raise Invalid(pm_error(403, "'count' must be 0-500 and count+offset at most 10000."))
    return count, offset


def find_stream(ctx: PmContext, stream_id: str) -> PmStream | None:
    wanted = stream_id.lower()
    return next((s for s in ctx.account.streams if s.id == wanted), None)
