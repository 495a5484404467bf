"""What a provider's importer builds on: the document being written and its webhook items.

``espctl import`` (:mod:`espctl.importer`) reads each provider's
:class:`~espctl.providers.kit.protocol.Snapshot` and hands it to the provider's
importer (:attr:`~espctl.providers.kit.spec.ProviderSpec.importer`) with the
:class:`ImportDoc` the import is writing. The importer returns its config block and adds
to the document: comments, warnings (what the config cannot express), the variables to
set, the live resources it declared (:meth:`ImportDoc.manage`) and one
:class:`ImportHook` per live webhook binding, which the import groups into entries.
Pure: the checks here decide what the config language can express.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from espctl.model.common import EnvStr, Event, Secret
from espctl.model.resources import Resource
from espctl.providers.kit.config import ProviderConfig
from espctl.providers.kit.rules import UrlFault, forbidden_host, url_faults

#: a place in the written document (``("providers", "pm")``), for comments
DocPath = tuple[str, ...]

EVENT_ORDER = {event: i for i, event in enumerate(Event)}
SLUG = re.compile(r"[^a-z0-9]+")
#: a provider's own name for a webhook that a config entry may take as it is
WEBHOOK_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
#: a live URL the config language refuses, in words for a warning
_URL_FAULTS: dict[UrlFault, str] = {
    "invalid": "it is not a valid URL",
    "not_absolute": "it is not an absolute http(s) URL",
    "plain_http": "the config language needs https (http only for localhost)",
    "credentials": "it carries credentials in the URL",
}


@dataclass(frozen=True)
class ProviderSource:
    """How the output declares one provider: its block and its credentials' variables.

    ``credentials`` maps a credential key of the block (``server_token``) to the
    environment variable the output references.
    """

    provider_id: str
    block: ProviderConfig
    credentials: Mapping[str, str]


@dataclass(frozen=True)
class EnvVar:
    """A variable the imported config references, and what it is for (never its value)."""

    name: str
    purpose: str


@dataclass(frozen=True)
class HookOptions:
    """A webhook's options block for one provider type (``webhooks.<name>.<type>``).

    ``values`` holds every option in the block's order (items are compared and sorted by
    them); ``written`` those the entry writes (the ones not at their default).
    """

    provider_type: str
    values: tuple[tuple[str, Any], ...]
    written: tuple[tuple[str, Any], ...]


@dataclass(frozen=True)
class ImportHook:
    """One live webhook binding as config sees it: a URL receiving events from a target."""

    target: str
    url: str  # the real URL: credential query values in clear (never shown)
    events: frozenset[Event]
    username: str | None
    password: Secret | None
    headers: tuple[tuple[str, str | Secret], ...] = ()  # credential values are Secrets
    options: HookOptions | None = None
    #: the name the provider keeps for this webhook (SendGrid's ``friendly_name``, which
    #: espctl sets to the entry's name): the entry is given it when it is free
    name: str | None = None

    def group_key(self) -> tuple[Any, ...]:
        """What items must share to become one entry (everything but the target)."""
        password = self.password.reveal() if self.password is not None else None
        return (
            self.name,
            self.url,
            self.username,
            password,
            self.headers,
            self.options,
            tuple(sorted(self.events, key=EVENT_ORDER.__getitem__)),
        )


@dataclass
class ImportDoc:
    """The config an import is writing, and what it learnt on the way."""

    data: dict[str, Any] = field(default_factory=dict)
    comments: dict[DocPath, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    env: dict[str, EnvVar] = field(default_factory=dict)
    managed: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    hooks: list[ImportHook] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)
    #: variable -> value, for the round-trip check only (never written)
    values: dict[str, str] = field(default_factory=dict)
    #: the config's values from the environment -> their variables (written as references)
    references: Mapping[str, str] = field(default_factory=dict)
    #: an existing config's webhook entries (``KnownWebhook``): names and variables kept
    known: tuple[Any, ...] = ()

    def warn(self, provider_id: str, message: str) -> None:
        """A warning about ``provider_id``: something live the config cannot express."""
        self.warnings.append(f"{provider_id}: {message}")

    def manage(self, resource: Resource) -> None:
        """``resource`` is declared by the written config (the round trip checks it)."""
        self.managed.setdefault(resource.provider, set()).add((resource.kind, resource.key))

    def credential(self, source: ProviderSource, key: str, purpose: str) -> str:
        """The reference that declares credential ``key`` (``${env:NAME}``), its variable
        listed with ``purpose``."""
        name = source.credentials[key]
        self.env[name] = EnvVar(name, purpose)
        return ref(name)


def default_env_name(provider_id: str, provider_type: str, key: str) -> str:
    """``POSTMARK_SERVER_TOKEN``, ``MAILGUN_API_KEY``...; prefixed by the id if not the type.

    >>> default_env_name("mailgun-us", "mailgun", "api_key")
    'MAILGUN_US_MAILGUN_API_KEY'
    """
    base = f"{provider_type}_{key}".upper()
    if provider_id == provider_type:
        return base
    return f"{SLUG.sub('_', provider_id.lower()).strip('_').upper()}_{base}"


def has_ref(text: str) -> bool:
    """True if the config loader would read ``${`` in ``text`` as a reference."""
    return "${" in text


def shown_url(url: str) -> str:
    """A URL for a message: scheme, host, port and path only (no userinfo, no query)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        return "(unparsable URL)"
    return f"{parts.scheme}://{host}{port}{parts.path}" + ("?..." if parts.query else "")


def url_problem(url: str) -> str | None:
    """Why the config language refuses ``url`` as a webhook URL, or None."""
    if has_ref(url):
        return "it contains '${', which the config loader reads as a reference"
    faults = url_faults(url)
    if faults:
        return _URL_FAULTS[faults[0]]
    refused = forbidden_host(urlsplit(url).hostname or "")
    if refused:
        return f"validation refuses it: {refused}"
    return None


def ref(name: str) -> str:
    """``${env:NAME}``."""
    return "${env:" + name + "}"


def as_written(value: str) -> str:
    """A config string as the config wrote it: its ``${env:...}`` references, not their values."""
    return value.source if isinstance(value, EnvStr) else value


def one_line(text: str) -> str:
    """``text`` with its whitespace runs (line breaks included) made single spaces."""
    return " ".join(text.split())


def live_hook_url(hook: Resource, shown: str) -> tuple[str, str | None, str | None]:
    """A live webhook resource's real URL, its basic-auth user name, and why the config
    language cannot write it (None: it can). ``shown`` is the URL its key shows; the
    real one is the sensitive ``url`` field where the key masks a part."""
    real = hook.fields.get("url")
    url = real.reveal() if isinstance(real, Secret) else shown
    username = hook.fields.get("basic_auth_username")
    user = str(username) if username else None
    problem = url_problem(url)
    if problem is None and user is not None and has_ref(user):
        problem = "its basic-auth user name contains '${'"
    return url, user, problem
