"""Schema problems in espctl's words, never pydantic's.

Each pydantic error is turned into one sentence that names the key and says what is
allowed (the problem's config path names the key): ``'yes_please' is not one of: none,
html_and_text, html_only, text_only``, ``must be a number above 0 and at most 1 (got
0)``, ``must not be empty: declare at least 1 entry``, ``unsupported config version 2
(this espctl reads version 1)``. Several errors at one place (a union such as
``true | false | html_only``) become one sentence listing every allowed value.
"""

from __future__ import annotations

import json
import re
import types
import typing
from collections.abc import Sequence
from enum import Enum
from typing import Any, get_args, get_origin

from pydantic import BaseModel, ValidationError

from espctl.config.models import PROVIDER_TYPES, Config
from espctl.config.yamlpos import PathKey, SourceDoc
from espctl.errors import Problem
from espctl.model.text import did_you_mean

SUPPORTED_VERSION = 1
_QUOTED = re.compile(r"'([^']*)'")


def _data_path(loc: tuple[int | str, ...], data: Any) -> tuple[PathKey, bool]:
    """Map a pydantic ``loc`` onto a path in the data (dropping union tags)."""
    out: list[str | int] = []
    cur = data
    is_key = False
    for item in loc:
        if item == "[key]":
            is_key = True
            break
        in_dict = isinstance(cur, dict) and isinstance(item, str) and item in cur
        in_list = isinstance(cur, list) and isinstance(item, int) and item < len(cur)
        if in_dict or in_list:
            out.append(item)
            cur = cur[item]
        elif isinstance(cur, dict) and isinstance(item, str) and cur.get("type") == item:
            continue  # discriminator tag
        elif isinstance(cur, dict) and isinstance(item, str):
            out.append(item)  # a missing or unknown key: position falls back to parent
            cur = None
        else:
            continue  # union member names such as 'bool' or "literal['html_only']"
    return tuple(out), is_key


# -- the model tree, for allowed keys and values --------------------------------------------


def _step(tp: Any, item: str | int) -> Any:
    """One step down the model tree."""
    origin = get_origin(tp)
    if origin is typing.Annotated:
        return _step(get_args(tp)[0], item)
    if origin in (typing.Union, types.UnionType):
        for arg in get_args(tp):
            found = _step(arg, item)
            if found is not None:
                return found
        for arg in get_args(tp):
            if isinstance(arg, type) and issubclass(arg, BaseModel) and _tag_of(arg) == item:
                return arg
        return None
    if origin is dict:
        return get_args(tp)[1] if isinstance(item, str) else None
    if origin is list:
        return get_args(tp)[0] if isinstance(item, int) else None
    if isinstance(tp, type) and issubclass(tp, BaseModel) and isinstance(item, str):
        field = tp.model_fields.get(item)
        return field.annotation if field is not None else None
    return None


def _tag_of(model: type[BaseModel]) -> str | None:
    field = model.model_fields.get("type")
    if field is None:
        return None
    args = get_args(field.annotation)
    return str(args[0]) if args else None


def _fields_of(tp: Any) -> list[str]:
    origin = get_origin(tp)
    if origin is typing.Annotated:
        return _fields_of(get_args(tp)[0])
    if origin in (typing.Union, types.UnionType):
        return [name for arg in get_args(tp) for name in _fields_of(arg)]
    if isinstance(tp, type) and issubclass(tp, BaseModel):
        return list(dict.fromkeys(tp.model_fields))
    return []


def _type_at(loc: Sequence[int | str]) -> Any:
    tp: Any = Config
    for item in loc:
        tp = _step(tp, item)
        if tp is None:
            return None
    return tp


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    tp = _type_at(loc[:-1])
    return [] if tp is None else list(dict.fromkeys(_fields_of(tp)))


def _bounds(loc: tuple[int | str, ...]) -> str:
    """``above 0 and at most 1`` from the field's constraints, or ``""``."""
    parent = _type_at(loc[:-1])
    name = loc[-1] if loc else None
    if not (isinstance(parent, type) and issubclass(parent, BaseModel) and isinstance(name, str)):
        return ""
    field = parent.model_fields.get(name)
    if field is None:
        return ""
    words = {"gt": "above", "ge": "at least", "lt": "below", "le": "at most"}
    parts = []
    for item in field.metadata:  # annotated-types constraints (Gt, Ge, Lt, Le)
        for attribute, word in words.items():
            value = getattr(item, attribute, None)
            if value is not None:
                parts.append(f"{word} {value:g}" if isinstance(value, float) else f"{word} {value}")
    return " and ".join(parts)


# -- one error, one sentence ------------------------------------------------------------------


def _shown(value: Any) -> str:
    """A value as the YAML author would recognise it (``'lots'``, ``0``, ``a list``)."""
    if isinstance(value, Enum):
        value = value.value
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "nothing (null)"
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if isinstance(value, str):
        return repr(value)
    return json.dumps(value)


def _key(path: PathKey) -> str:
    """The key a message names: the last key of ``path`` (a list item as ``events[0]``)."""
    index = ""
    for item in reversed(path):
        if isinstance(item, int):
            index = f"[{item}]{index}"
        else:
            return f"{item}{index}"
    return "the document"


def _expected(ctx: dict[str, Any]) -> list[str]:
    """Allowed values of a literal or enum error, unquoted: ``'a', 'b' or 'c'`` -> a, b, c."""
    text = str(ctx.get("expected", ""))
    quoted = _QUOTED.findall(text)
    if quoted:
        return quoted
    return [part.strip() for part in re.split(r",| or ", text) if part.strip()]


_KIND_WORDS = {
    "bool": "true or false",
    "int": "a whole number",
    "float": "a number",
    "string": "a string",
    "dict": "a mapping (key: value)",
    "model": "a mapping (key: value)",
    "list": "a list",
}


def message(err: Any, path: PathKey) -> str:
    """One pydantic error at ``path`` as an espctl sentence naming the key and what is
    allowed."""
    kind = str(err["type"])
    loc = tuple(err["loc"])
    ctx = err.get("ctx") or {}
    given = err.get("input")
    key = _key(path)
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc)
        hint = did_you_mean(str(loc[-1]), allowed)
        listed = f"; allowed: {', '.join(allowed)}" if allowed and not hint else ""
        return f"unknown key '{loc[-1]}'{hint}{listed}"
    if kind == "missing":
        return f"missing required key '{loc[-1]}'"
    if loc == ("version",):
        return (
            f"unsupported config version {_shown(given)} (this espctl reads version "
            f"{SUPPORTED_VERSION}): write 'version: {SUPPORTED_VERSION}'"
        )
    if kind in ("enum", "literal_error"):
        expected = _expected(ctx)
        shown = given.value if isinstance(given, Enum) else given
        hint = did_you_mean(str(shown), expected) if isinstance(shown, str) else ""
        return f"{_shown(shown)} is not one of: {', '.join(expected)}{hint}"
    if kind == "union_tag_invalid":
        expected = _QUOTED.findall(str(ctx.get("expected_tags", "")))
        tag = str(ctx.get("tag", ""))
        return f"unknown provider type '{tag}'; expected {' or '.join(expected)}" + (
            did_you_mean(tag, expected)
        )
    if kind == "union_tag_not_found":
        return f"missing required key 'type' ({' or '.join(PROVIDER_TYPES)})"
    if kind == "string_pattern_mismatch":
        return f"{_shown(given)} does not match the pattern {ctx.get('pattern')}"
    if kind in ("greater_than", "greater_than_equal", "less_than", "less_than_equal"):
        bounds = _bounds(loc) or str(err["msg"]).removeprefix("Input should be ")
        return f"must be a number {bounds} (got {_shown(given)})"
    if kind == "too_short":
        least = int(ctx.get("min_length", 1))
        if isinstance(given, dict):
            what = "declare at least " + ("1 entry" if least == 1 else f"{least} entries")
        else:
            what = "list at least " + ("1 item" if least == 1 else f"{least} items")
        return f"must not be empty: {what}" if not given else f"too short: {what}"
    if kind == "too_long":
        return f"has too many items: at most {ctx.get('max_length')}"
    if kind == "string_too_long":
        return f"is too long: at most {ctx.get('max_length')} characters"
    if kind == "string_too_short":
        return "must not be empty"
    for prefix, words in _KIND_WORDS.items():
        if kind.startswith(f"{prefix}_"):
            return f"must be {words} (got {_shown(given)})"
    if kind == "value_error":
        return str(err["msg"]).removeprefix("Value error, ")
    text = str(err["msg"])
    if text.startswith("Input should be "):
        return f"must be {text.removeprefix('Input should be ')} (got {_shown(given)})"
    return f"invalid value for '{key}': {text}"


def _combined(errors: list[Any]) -> str | None:
    """One sentence for a union's errors at one place: every allowed value, once."""
    allowed: list[str] = []
    given: Any = None
    for err in errors:
        kind = str(err["type"])
        given = err.get("input")
        if kind.startswith("bool_"):
            allowed += ["true", "false"]
        elif kind in ("enum", "literal_error"):
            allowed += _expected(err.get("ctx") or {})
        elif kind.startswith(("int_", "float_")):
            allowed.append("a number")
        elif kind.startswith("string_type"):
            allowed.append("a string")
        else:
            return None
    allowed = list(dict.fromkeys(allowed))
    hint = did_you_mean(given, allowed) if isinstance(given, str) else ""
    return f"{_shown(given)} is not one of: {', '.join(allowed)}{hint}"


def schema_problems(
    exc: ValidationError, doc: SourceDoc, skip: typing.Collection[PathKey] = ()
) -> list[Problem]:
    """The validation errors as positioned problems, one per place.

    Places in ``skip`` (values from unset variables: judged once they are set) are left
    out, and so is anything under them.
    """
    grouped: dict[tuple[PathKey, bool], list[Any]] = {}
    for err in exc.errors(include_url=False):
        path, is_key = _data_path(err["loc"], doc.data)
        if any(path[: len(s)] == s for s in skip):
            continue
        if err["type"] == "extra_forbidden":
            is_key = True
        bucket = grouped.setdefault((path, is_key), [])
        bucket.append(err)
    problems = []
    for (path, is_key), errors in grouped.items():
        text = _combined(errors) if len(errors) > 1 else None
        if text is None:
            text = "; ".join(dict.fromkeys(message(e, path) for e in errors))
        problems.append(doc.problem(path, text, key=is_key))
    return problems
