"""What an import builds: its inputs and result, the webhook items, the document so far.

Shared by the readers of each provider (:mod:`.postmark`, :mod:`.mailgun`), the webhook
grouping (:mod:`.webhooks`), the YAML writer and the round-trip check: the
:class:`ProviderSource` a provider is declared from, the :class:`ImportResult`, the
:class:`_Hook` items read from live webhooks, the :class:`_Doc` that collects blocks,
comments, warnings and variables, and the checks on strings and URLs that decide what
the config language can express.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from espctl.config.models import Config
from espctl.config.receivers import forbidden_host
from espctl.errors import EspctlError
from espctl.model.common import EnvStr, Event, Secret
from espctl.model.resources import MIN_CONTAINED, Resource
from espctl.providers.mailgun.resources import MailgunProvider
from espctl.providers.postmark.resources import PostmarkProvider

Notify = Callable[[str], None]
Path = tuple[str, ...]

SCHEMA_REF = "./schemas/espctl.schema.json"
MODELINE = "# yaml-language-server: $schema="
EVENT_ORDER = {event: i for i, event in enumerate(Event)}
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
_SLUG = re.compile(r"[^a-z0-9]+")
_WHOLE_REF = re.compile(r"^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$")


class ImportFailed(EspctlError):
    """The import cannot be done (bad arguments) or its output would not round-trip."""


def _quiet(message: str) -> None:
    """The default ``notify``: say nothing."""


# -- inputs and outputs -------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderSource:
    """How the output declares one provider: its block and its credentials' variables.

    ``credentials`` maps a block key (``server_token``, ``account_token``, ``api_key``) to
    the environment variable the output references.
    """

    provider_id: str
    block: PostmarkProvider | MailgunProvider
    credentials: Mapping[str, str]

    @classmethod
    def from_block(
        cls, provider_id: str, block: PostmarkProvider | MailgunProvider
    ) -> ProviderSource:
        """Variables named as in the config (``Secret.source``) or by :func:`default_env_name`."""
        creds: dict[str, str] = {}
        if isinstance(block, PostmarkProvider):
            creds["server_token"] = block.server_token.source or default_env_name(
                provider_id, "postmark", "server_token"
            )
            if block.account_token is not None:
                creds["account_token"] = block.account_token.source or default_env_name(
                    provider_id, "postmark", "account_token"
                )
        else:
            creds["api_key"] = block.api_key.source or default_env_name(
                provider_id, "mailgun", "api_key"
            )
        return cls(provider_id, block, creds)


def default_env_name(provider_id: str, provider_type: str, key: str) -> str:
    """``POSTMARK_SERVER_TOKEN``, ``MAILGUN_API_KEY``...; prefixed by the id if not the type.

    >>> default_env_name("mailgun-us", "mailgun", "api_key")
    'MAILGUN_US_MAILGUN_API_KEY'
    """
    base = f"{provider_type}_{key}".upper()
    if provider_id == provider_type:
        return base
    return f"{_SLUG.sub('_', provider_id.lower()).strip('_').upper()}_{base}"


@dataclass(frozen=True)
class EnvVar:
    """A variable the imported config references, and what it is for (never its value)."""

    name: str
    purpose: str


@dataclass(frozen=True)
class ImportResult:
    """The YAML text, one-line warnings, the variables to set, and what was imported."""

    text: str
    warnings: tuple[str, ...]
    env: tuple[EnvVar, ...]
    counts: Mapping[str, int]
    config: Config


# -- webhook items and entries ------------------------------------------------------------


@dataclass(frozen=True)
class _Hook:
    """One live webhook binding as config sees it: a URL receiving events from a target."""

    target: str
    url: str  # the real URL: credential query values in clear (never shown)
    events: frozenset[Event]
    username: str | None
    password: Secret | None
    headers: tuple[tuple[str, str | Secret], ...] = ()  # credential values are Secrets
    first_open_only: bool = False
    include_content: bool = False

    def group_key(self) -> tuple[Any, ...]:
        password = self.password.reveal() if self.password is not None else None
        return (
            self.url,
            self.username,
            password,
            self.headers,
            self.first_open_only,
            self.include_content,
            tuple(sorted(self.events, key=EVENT_ORDER.__getitem__)),
        )


# -- the document being built -------------------------------------------------------------


@dataclass
class _Doc:
    data: dict[str, Any] = field(default_factory=dict)
    comments: dict[Path, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    env: dict[str, EnvVar] = field(default_factory=dict)
    managed: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    hooks: list[_Hook] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    #: variable -> value, for the round-trip check only (never written)
    values: dict[str, str] = field(default_factory=dict)
    #: the config's values from the environment -> their variables (written as references)
    references: Mapping[str, str] = field(default_factory=dict)
    #: an existing config's webhook entries (``KnownWebhook``): names and variables kept
    known: tuple[Any, ...] = ()

    def warn(self, provider_id: str, message: str) -> None:
        self.warnings.append(f"{provider_id}: {message}")

    def manage(self, resource: Resource) -> None:
        self.managed.setdefault(resource.provider, set()).add((resource.kind, resource.key))


def _has_ref(text: str) -> bool:
    """True if the config loader would read ``${`` in ``text`` as a reference."""
    return "${" in text


def _shown_url(url: str) -> str:
    """A URL for a message: scheme, host, port and path only (no userinfo, no query)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        return "(unparsable URL)"
    return f"{parts.scheme}://{host}{port}{parts.path}" + ("?..." if parts.query else "")


def _url_problem(url: str) -> str | None:
    """Why the config language refuses ``url`` as a webhook URL, or None."""
    if _has_ref(url):
        return "it contains '${', which the config loader reads as a reference"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port
    except ValueError:
        return "it is not a valid URL"
    if parts.scheme not in ("https", "http") or not host:
        return "it is not an absolute http(s) URL"
    if parts.scheme == "http" and host not in _LOCAL_HOSTS:
        return "the config language needs https (http only for localhost)"
    if parts.username is not None or parts.password is not None:
        return "it carries credentials in the URL"
    refused = forbidden_host(host)
    if refused:
        return f"validation refuses it: {refused}"
    return None


def _ref(name: str) -> str:
    return "${env:" + name + "}"


def with_references(data: Any, references: Mapping[str, str], doc: _Doc) -> Any:
    """``data`` with the config's environment values written as their ``${env:NAME}``.

    ``references`` maps each value the config took from the environment to its
    variable. A live string equal to one (a stream named from the environment) becomes
    the reference; a longer one holding one (a URL with a token) gets it in its place.
    Mapping keys are left alone (the loader never substitutes in keys).
    """
    if not references:
        return data
    if isinstance(data, dict):
        return {k: with_references(v, references, doc) for k, v in data.items()}
    if isinstance(data, list):
        return [with_references(v, references, doc) for v in data]
    if not isinstance(data, str) or _WHOLE_REF.match(data):
        return data
    text = data
    for value in sorted(references, key=len, reverse=True):
        if text == value or (len(value) >= MIN_CONTAINED and value in text):
            name = references[value]
            text = text.replace(value, _ref(name))
            doc.values[name] = value
            doc.env.setdefault(name, EnvVar(name, "a value the config takes from the environment"))
    return text


def as_written(value: str) -> str:
    """A config string as the config wrote it: its ``${env:...}`` references, not their values."""
    return value.source if isinstance(value, EnvStr) else value


def _one_line(text: str) -> str:
    return " ".join(text.split())
