"""Response shapes: every provider body is validated at the boundary before it is used.

A body of the wrong shape (``{}``, a JSON list or ``null`` where an object is expected,
an error envelope sent with status 200) must never read as "nothing exists": that is
how a plan proposes to create everything. Each provider module declares pydantic models
of the responses it reads (:class:`WireModel`: frozen, and tolerant of fields espctl
does not read, because providers add fields); :func:`parse` validates a decoded body
against one and turns a mismatch into a one-line
:class:`~espctl.errors.ProviderBadResponse` naming the provider, method and path.

Rule for the models: espctl models only the fields it reads; of those, a field is
required where the provider always sends it (per ESP-API.md and the specs) and
optional, with the documented default, where it may be absent or null.

No message built here contains a value from the body (a webhook password may be in
it): only field paths, the JSON type found, and an error envelope's own message.
"""

from __future__ import annotations

from typing import TypeVar

from pydantic import BaseModel, ConfigDict, ValidationError

from espctl.errors import ProviderBadResponse
from espctl.model.validation import validation_problems

M = TypeVar("M", bound=BaseModel)


class WireModel(BaseModel):
    """Base of the provider response models: frozen, unknown fields ignored."""

    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True)


def error_envelope(body: object) -> str | None:
    """The message of an error body (Postmark ``ErrorCode``/``Message``, Mailgun
    ``message``/``Reason``/``Description``, SendGrid ``errors[0].message``), when
    ``body`` looks like one."""
    if not isinstance(body, dict):
        return None
    errors = body.get("errors")  # SendGrid: {"errors": [{"message", "field"}]}
    if isinstance(errors, list) and errors and isinstance(errors[0], dict):
        text = errors[0].get("message")
        if isinstance(text, str) and text:
            return " ".join(text.split())[:120]
    for key in ("Message", "message", "Reason", "Description", "error"):
        text = body.get(key)
        if isinstance(text, str) and text:
            code = body.get("ErrorCode")
            prefix = f"ErrorCode {code}: " if isinstance(code, int) else ""
            return (prefix + " ".join(text.split()))[:120]
    return None


def describe(exc: ValidationError, body: object, what: str) -> str:
    """One line: what was expected and the first few problems (never a value)."""
    text = f"unexpected response, not {what}: {validation_problems(exc)}"
    envelope = error_envelope(body)
    if envelope is not None:
        text += f"; the body reads like an error: {envelope}"
    return text


def parse(
    model: type[M],
    body: object,
    *,
    provider: str,
    method: str,
    path: str,
    status: int | None = 200,
    what: str | None = None,
) -> M:
    """``body`` validated as ``model``, or a ProviderBadResponse naming the endpoint.

    ``what`` names the expected thing in the message (default: the model's docstring's
    first line, e.g. "a Postmark server").
    """
    try:
        return model.model_validate(body)
    except ValidationError as exc:
        expected = what or (model.__doc__ or model.__name__).strip().splitlines()[0].rstrip(".")
        raise ProviderBadResponse(
            provider, method, path.split("?", 1)[0], status, describe(exc, body, expected)
        ) from exc
