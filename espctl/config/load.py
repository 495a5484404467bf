"""Load a config file: YAML with positions, env refs, schema, semantic checks.

``load_config`` returns the validated :class:`Config` or raises one
:class:`~espctl.errors.ConfigError` carrying every problem, each positioned as
``file:line:column``. Warnings (e.g. an unset variable under ``validate``) come back
with the result.
"""

from __future__ import annotations

import difflib
import os
import re
import types
import typing
from collections.abc import Mapping
from dataclasses import dataclass
from enum import Enum
from typing import Any, Literal, get_args, get_origin

from pydantic import BaseModel, ValidationError

from espctl.config.models import Config
from espctl.config.semantic import semantic_problems
from espctl.config.yamlpos import MissingEnv, PathKey, SourceDoc, load_yaml
from espctl.errors import ConfigError, FileRefused, Problem, add_sensitive
from espctl.files import read_input
from espctl.model.common import EnvStr, Secret

EnvMode = Literal["strict", "lenient"]


@dataclass(frozen=True)
class LoadedConfig:
    """A validated config with its source positions and any warnings."""

    config: Config
    source: SourceDoc
    warnings: tuple[Problem, ...]
    text: str

    @property
    def path(self) -> str:
        return self.source.file

    @property
    def sensitive_values(self) -> frozenset[str]:
        """Every value taken from the environment (credentials included): the secrets in play.

        What must never be written anywhere, e.g. the ``--sandbox`` state file.
        """
        return frozenset(self.env_values)

    @property
    def env_values(self) -> dict[str, str]:
        """Each non-empty value taken from the environment -> the variable it came from."""
        found: dict[str, str] = {}
        for path in sorted(self.source.substituted, key=str):
            for name, value in self.source.substituted[path][0]:
                if value:
                    found.setdefault(value, name)
        return found


def _no_substitute(name: str, path: str) -> str | None:
    return None


def load_config(
    path: str | os.PathLike[str],
    *,
    env: Mapping[str, str] | None = None,
    env_mode: EnvMode = "strict",
    missing: MissingEnv = _no_substitute,
) -> LoadedConfig:
    """Read and validate a config file.

    ``env_mode="lenient"`` (``validate``) turns unset variables into warnings; in
    ``"strict"`` mode (plan, apply, ...) they are errors. ``missing`` may supply a
    value for an unset variable (the ``--sandbox`` mode's credentials).
    """
    file = str(path)
    try:
        raw = read_input(file)
    except FileNotFoundError as exc:
        raise ConfigError(
            [Problem(file, 1, 1, "", "no such file (use -c FILE to name the config)")]
        ) from exc
    except FileRefused as exc:
        raise ConfigError([Problem(file, 1, 1, "", exc.reason)]) from exc
    except OSError as exc:
        raise ConfigError([Problem(file, 1, 1, "", f"cannot read: {exc.strerror}")]) from exc
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ConfigError([Problem(file, 1, 1, "", "the file is not UTF-8 text")]) from exc
    return load_config_text(
        text, file, env=os.environ if env is None else env, env_mode=env_mode, missing=missing
    )


def load_config_text(
    text: str,
    file: str,
    *,
    env: Mapping[str, str],
    env_mode: EnvMode = "strict",
    missing: MissingEnv = _no_substitute,
) -> LoadedConfig:
    """Like :func:`load_config` for text already in memory."""
    doc = load_yaml(text, file, env, missing)
    # messages of this command (a config error echoing a value included) never show them
    add_sensitive(value for pairs, _ in doc.substituted.values() for _, value in pairs)
    problems = list(doc.problems)
    config: Config | None = None
    try:
        config = Config.model_validate(doc.data)
    except ValidationError as exc:
        problems.extend(_schema_problems(exc, doc))
    problems.extend(semantic_problems(doc))
    problems.extend(_secret_problems(doc))
    severity = "warning" if env_mode == "lenient" else "error"
    for var_path, name in sorted(doc.unresolved.items(), key=lambda item: str(item[0])):
        problems.append(
            doc.problem(
                var_path,
                f"environment variable {name} is not set"
                + (" (plan, apply and report will need it)" if severity == "warning" else ""),
                severity=severity,
            )
        )
    errors = [p for p in problems if p.severity == "error"]
    if errors or config is None:
        raise ConfigError(errors or problems)
    _name_secrets(config, doc)
    _tag_substituted(config, doc)
    warnings = tuple(sorted((p for p in problems if p.severity == "warning"), key=_order))
    return LoadedConfig(config=config, source=doc, warnings=warnings, text=text)


def _order(p: Problem) -> tuple[int, int]:
    return (p.line, p.column)


# -- schema problems ----------------------------------------------------------------------

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


def _step(tp: Any, item: str | int) -> Any:
    """One step down the model tree, for 'did you mean' on unknown keys."""
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
        return list(tp.model_fields)
    return []


def _allowed_keys(loc: tuple[int | str, ...]) -> list[str]:
    tp: Any = Config
    for item in loc[:-1]:
        tp = _step(tp, item)
        if tp is None:
            return []
    return _fields_of(tp)


def _did_you_mean(word: str, choices: list[str]) -> str:
    close = difflib.get_close_matches(word, choices, n=1, cutoff=0.6)
    return f" (did you mean '{close[0]}'?)" if close else ""


def _message(err: Any) -> str:
    kind = err["type"]
    loc = err["loc"]
    ctx = err.get("ctx") or {}
    given = err.get("input")
    if kind == "extra_forbidden":
        allowed = _allowed_keys(loc)
        hint = _did_you_mean(str(loc[-1]), allowed)
        listed = f"; allowed: {', '.join(allowed)}" if allowed and not hint else ""
        return f"unknown key '{loc[-1]}'{hint}{listed}"
    if kind == "missing":
        return f"missing required key '{loc[-1]}'"
    if kind in ("enum", "literal_error"):
        expected = _QUOTED.findall(str(ctx.get("expected", "")))
        shown = given.value if isinstance(given, Enum) else given
        hint = _did_you_mean(str(shown), expected) if isinstance(shown, str) else ""
        return f"{shown!r} is not one of: {', '.join(expected)}{hint}"
    if kind == "union_tag_invalid":
        expected = _QUOTED.findall(str(ctx.get("expected_tags", "")))
        tag = str(ctx.get("tag", ""))
        return f"unknown provider type '{tag}'; expected {' or '.join(expected)}" + (
            _did_you_mean(tag, expected)
        )
    if kind == "union_tag_not_found":
        return "missing required key 'type' (postmark or mailgun)"
    if kind == "string_pattern_mismatch":
        return f"does not match the pattern {ctx.get('pattern')}"
    text = str(err["msg"])
    return text.removeprefix("Value error, ")


def _schema_problems(exc: ValidationError, doc: SourceDoc) -> list[Problem]:
    grouped: dict[tuple[PathKey, bool], list[str]] = {}
    for err in exc.errors(include_url=False):
        path, is_key = _data_path(err["loc"], doc.data)
        if err["type"] == "extra_forbidden":
            is_key = True
        message = _message(err)
        bucket = grouped.setdefault((path, is_key), [])
        if message not in bucket:
            bucket.append(message)
    problems = []
    for (path, is_key), messages in grouped.items():
        if len(messages) > 1 and all(m.startswith("Input should") for m in messages):
            text = "invalid value: " + "; or ".join(m[0].lower() + m[1:] for m in messages)
        else:
            text = "; ".join(messages)
        problems.append(doc.problem(path, text, key=is_key))
    return problems


# -- secrets ------------------------------------------------------------------------------

SECRET_KEYS = frozenset({"server_token", "account_token", "api_key", "password"})


def _secret_paths(value: Any, path: PathKey) -> list[PathKey]:
    found: list[PathKey] = []
    if isinstance(value, dict):
        for key, child in value.items():
            if key in SECRET_KEYS and isinstance(child, str):
                found.append((*path, key))
            else:
                found.extend(_secret_paths(child, (*path, key)))
    elif isinstance(value, list):
        for i, child in enumerate(value):
            found.extend(_secret_paths(child, (*path, i)))
    return found


def _secret_problems(doc: SourceDoc) -> list[Problem]:
    """Credentials must be ``${env:NAME}`` references, never written in the file."""
    return [
        doc.problem(
            path,
            "credentials must come from the environment: write ${env:NAME}, not the value itself",
        )
        for path in _secret_paths(doc.data, ())
        if path not in doc.env_refs
    ]


def _child(value: Any, part: str | int) -> Any:
    if isinstance(value, BaseModel) and isinstance(part, str):
        return getattr(value, part, None)
    if isinstance(value, dict):
        return value.get(part)
    if isinstance(value, list) and isinstance(part, int) and part < len(value):
        return value[part]
    return None


def _at(config: Config, path: PathKey) -> Any:
    value: Any = config
    for part in path:
        value = _child(value, part)
    return value


def _name_secrets(config: Config, doc: SourceDoc) -> None:
    """Tell each Secret which variable it came from, for messages that name it."""
    for path, name in doc.env_refs.items():
        value = _at(config, path)
        if isinstance(value, Secret):
            value.source = name


def _tag_substituted(config: Config, doc: SourceDoc) -> None:
    """Turn each validated string holding an environment value into an :class:`EnvStr`.

    Only plain strings are tagged: a Secret is sensitive already, and a bool, number or
    enum read from the environment is a setting, not a secret.
    """
    for path, (pairs, text) in doc.substituted.items():
        if not path:
            continue
        parent = _at(config, path[:-1])
        last = path[-1]
        value = _child(parent, last)
        if type(value) is not str:
            continue
        tagged = EnvStr(value, tuple(v for _, v in pairs if v), text)
        if isinstance(parent, BaseModel) and isinstance(last, str):
            object.__setattr__(parent, last, tagged)  # frozen model: tag in place, once
        elif isinstance(parent, dict):
            parent[last] = tagged
        elif isinstance(parent, list):
            assert isinstance(last, int)
            parent[last] = tagged
