"""Credentials inside webhook URLs and headers: what they are and how identity ignores them.

Providers carry webhook credentials in three places besides a basic-auth setting: URL
userinfo (``https://user:pass@host/path``, Mailgun's only way and one Postmark's docs
suggest), URL query parameters (``?token=...``) and HTTP headers (``Authorization``,
``X-Api-Key``). A value there is a secret by nature, whatever espctl's config says, so
it is never shown, and a webhook's identity (its natural key, which every output shows)
is its URL *without* credentials: userinfo removed, credential-like query values and
values substituted from the environment replaced by :data:`MASK`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from urllib.parse import unquote, unquote_plus, urlsplit, urlunsplit

from espctl.errors import CREDENTIAL_NAMES, CREDENTIAL_WORDS

MASK = "(sensitive)"

_WORD = re.compile("|".join(CREDENTIAL_WORDS), re.IGNORECASE)


def is_credential_name(name: str) -> bool:
    """True when a header or query-parameter name says its value is a credential."""
    bare = name.strip()
    return bool(_WORD.search(bare)) or bare.lower() in CREDENTIAL_NAMES


@dataclass(frozen=True)
class SplitUrl:
    """A URL with its userinfo taken out (``username``/``password`` None when absent)."""

    url: str
    username: str | None = None
    password: str | None = None


def split_userinfo(url: str) -> SplitUrl:
    """``https://u:p@h/x`` -> ``SplitUrl("https://h/x", "u", "p")`` (percent-decoded).

    A URL that does not parse is returned whole: the caller's validation reports it.
    """
    try:
        parts = urlsplit(url)
        username = parts.username
        host = parts.hostname or ""
        port = parts.port
    except ValueError:
        return SplitUrl(url)
    if username is None and "@" not in parts.netloc:
        return SplitUrl(url)
    if ":" in host:
        host = f"[{host}]"  # IPv6 literal
    if port is not None:
        host = f"{host}:{port}"
    bare = urlunsplit((parts.scheme, host, parts.path, parts.query, parts.fragment))
    return SplitUrl(bare, unquote(username or ""), unquote(parts.password or ""))


def credential_query(url: str) -> list[tuple[str, str]]:
    """(name, raw value) of every non-empty query parameter whose name is a credential."""
    query = urlsplit(url).query if "?" in url else ""
    found = []
    for part in query.split("&"):
        name, eq, value = part.partition("=")
        if eq and value and is_credential_name(unquote_plus(name)):
            found.append((unquote_plus(name), value))
    return found


def url_identity(url: str, secrets: Iterable[str] = ()) -> str:
    """The URL as identity and display: credential query values and ``secrets`` masked.

    ``url`` must already be without userinfo (see :func:`split_userinfo`). Each value in
    ``secrets`` (those substituted from the environment into the URL) is replaced
    wherever it occurs, longest first.
    """
    head, sep, rest = url.partition("?")
    if sep:
        query, hash_, fragment = rest.partition("#")
        parts = []
        for part in query.split("&"):
            name, eq, value = part.partition("=")
            secret = eq and value and is_credential_name(unquote_plus(name))
            parts.append(f"{name}={MASK}" if secret else part)
        url = f"{head}?{'&'.join(parts)}{hash_}{fragment}"
    for value in sorted({s for s in secrets if s}, key=len, reverse=True):
        url = url.replace(value, MASK)
    return url
