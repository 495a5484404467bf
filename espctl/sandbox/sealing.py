"""Keep the user's secrets out of the ``--sandbox`` state file.

Under ``--sandbox`` the embedded account receives whatever the config resolved to: a
webhook password the user exported, a token inside a URL, a header value. The state
file must not keep them. Before a save, every occurrence of a sensitive value in a
string of the state (as written, or percent-encoded as in Mailgun's URL userinfo) is
replaced by a token holding a keyed digest, ``espctl-sensitive-v-<hmac>``; the key is a
random salt kept in the file, so the digest cannot be looked up in a table of hashes
of common passwords. After a load, a token whose digest matches a value the current
config supplies becomes that value again, so a converged account stays converged;
any other token stays as it is (the account holds a value this config does not know,
and plans say so). Tokens use only URL-safe characters, so a URL stays a URL.

Values shorter than :data:`MIN_INSIDE` characters are replaced only where they are a
whole string: inside longer text they would hit unrelated words.
"""

from __future__ import annotations

import hashlib
import hmac
import re
import secrets
from collections.abc import Callable, Collection
from types import UnionType
from typing import Any, Literal, Union, get_args, get_origin
from urllib.parse import quote

from pydantic import BaseModel

MIN_INSIDE = 4
_TOKEN = re.compile(r"espctl-sensitive-([vq])-([0-9a-f]{32})")


def new_salt() -> str:
    """A fresh random key for one state file."""
    return secrets.token_hex(16)


def _digest(salt: str, value: str) -> str:
    return hmac.new(salt.encode(), value.encode(), hashlib.sha256).hexdigest()[:32]


def _forms(value: str) -> dict[str, str]:
    """The ways a value appears in the state: as is (``v``) and percent-encoded (``q``)."""
    forms = {"v": value}
    encoded = quote(value, safe="")
    if encoded != value:
        forms["q"] = encoded
    return forms


def conceal(
    data: Any, values: Collection[str], salt: str, model: type[BaseModel] | None = None
) -> Any:
    """``data`` (JSON-like) with every sensitive value replaced by its token.

    With ``model`` (the class ``data`` was dumped from), fields typed as a ``Literal``
    are left alone: they hold the provider's enumerations ("Transactional", "active"),
    never text a user sent, and a token there would not load back.
    """
    replacements = []
    for value in {v for v in values if v}:
        digest = _digest(salt, value)
        for form, text in _forms(value).items():
            replacements.append((text, f"espctl-sensitive-{form}-{digest}"))
    replacements.sort(key=lambda item: len(item[0]), reverse=True)

    def scrub(text: str) -> str:
        for found, token in replacements:
            if text == found:
                return token
            if len(found) >= MIN_INSIDE and found in text:
                text = text.replace(found, token)
        return text

    if not replacements:
        return data
    return _map_free_text(data, scrub, model) if model is not None else _map_strings(data, scrub)


def reveal(data: Any, values: Collection[str], salt: str) -> Any:
    """``data`` with each token whose digest matches one of ``values`` made clear again."""
    known = {_digest(salt, v): v for v in values if v}

    def restore(match: re.Match[str]) -> str:
        value = known.get(match.group(2))
        if value is None:
            return match.group(0)
        return _forms(value).get(match.group(1), value)

    def scrub(text: str) -> str:
        return _TOKEN.sub(restore, text) if "espctl-sensitive-" in text else text

    return _map_strings(data, scrub)


def _map_strings(data: Any, fn: Callable[[str], str]) -> Any:
    if isinstance(data, str):
        return fn(data)
    if isinstance(data, dict):
        return {k: _map_strings(v, fn) for k, v in data.items()}
    if isinstance(data, list):
        return [_map_strings(v, fn) for v in data]
    return data


def _map_free_text(data: Any, fn: Callable[[str], str], annotation: Any) -> Any:
    """Like :func:`_map_strings`, following the model's annotations to skip Literals."""
    origin = get_origin(annotation)
    if origin is Literal:
        return data
    if origin in (Union, UnionType):
        for option in get_args(annotation):
            if option is not type(None):
                return _map_free_text(data, fn, option)
        return data
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        if not isinstance(data, dict):
            return data
        fields = annotation.model_fields
        return {
            k: _map_free_text(v, fn, fields[k].annotation) if k in fields else v
            for k, v in data.items()
        }
    if origin is list and isinstance(data, list):
        (item,) = get_args(annotation)
        return [_map_free_text(v, fn, item) for v in data]
    if origin is dict and isinstance(data, dict):
        _, item = get_args(annotation)
        return {k: _map_free_text(v, fn, item) for k, v in data.items()}
    return _map_strings(data, fn)
