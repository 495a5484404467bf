"""One-line descriptions of pydantic validation errors that never quote a value.

Used where untrusted JSON is checked against a model (provider responses, saved plan
files): the message names field paths and the JSON types found, never the data, which
may hold a secret (a webhook password in a provider response).
"""

from __future__ import annotations

from typing import Any

from pydantic import ValidationError

SHOWN_ERRORS = 3


def json_type(value: object) -> str:
    """How a JSON value is called in messages: ``an object``, ``a list``, ``null``..."""
    match value:
        case None:
            return "null"
        case bool():
            return "a boolean"
        case int() | float():
            return "a number"
        case str():
            return "a string"
        case list():
            return "a list"
        case dict():
            return "an object"
        case _:
            return type(value).__name__


def _problem(error: Any) -> str:
    where = ".".join(str(part) for part in error.get("loc", ())) or "the body"
    kind = str(error.get("type", ""))
    found = json_type(error.get("input"))
    if kind == "missing":
        return f"{where}: missing"
    if kind in ("model_type", "model_attributes_type", "dict_type"):
        return f"{where}: expected an object, got {found}"
    if kind == "list_type":
        return f"{where}: expected a list, got {found}"
    return f"{where}: {error.get('msg', 'invalid')} (got {found})"


def validation_problems(exc: ValidationError, shown: int = SHOWN_ERRORS) -> str:
    """``changes: expected a list, got a string; fingerprint: missing (+2 more)``."""
    problems = [_problem(e) for e in exc.errors()]
    text = "; ".join(problems[:shown])
    if len(problems) > shown:
        text += f" (+{len(problems) - shown} more)"
    return text
