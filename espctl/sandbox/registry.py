"""The sandbox's provider registry: provider type -> the simulated API that answers for it.

The only module of the sandbox that names the provider packages; one entry per provider
in :data:`_ENTRIES`. It loads light: the entries are the providers' plain descriptions
(``<type>/info.py``: credentials and their defaults, what ``sandbox serve`` prints), so
that ``espctl sandbox --help`` shows the credential options without loading the
simulator; the simulated APIs (``<type>/provider.py``) are imported on first use.

A served sandbox routes ``/<type>/...`` to provider ``<type>`` (``/postmark/server``,
``/mailgun/v3/domains``, ``/mailgun/eu/v3/domains``), so providers never collide on paths:
SendGrid answers under ``/sendgrid/v3/...``, whatever Mailgun's ``/v3`` does.

The paths a served sandbox answered before prefixes existed stay, because users' configs
and CI recipes use them (``endpoint: http://127.0.0.1:PORT`` for Postmark,
``.../eu`` for Mailgun EU): :data:`LEGACY_TYPES` lists, in the order they are tried, the
providers that claim such paths: Mailgun claims ``/v1``..``/v5`` and ``/eu/v1``..``/eu/v5``,
Postmark everything else at the root. A provider added later is reached only by its
prefix (and its real API hosts) and never joins this list.
"""

from __future__ import annotations

import importlib
from functools import cache
from typing import TYPE_CHECKING

from .info import ProviderInfo
from .mailgun.info import INFO as MAILGUN
from .postmark.info import INFO as POSTMARK
from .sendgrid.info import INFO as SENDGRID
from .ses.info import INFO as SES

if TYPE_CHECKING:
    from .provider import SandboxProvider

#: the registered providers, in the order their parts of a seeded account are drawn
#: (a provider added later goes last, so the accounts of before stay byte-identical)
_ENTRIES: tuple[ProviderInfo, ...] = (POSTMARK, MAILGUN, SENDGRID, SES)
#: provider type -> its plain description
INFOS: dict[str, ProviderInfo] = {info.type: info for info in _ENTRIES}
#: the registered provider types, in registry order
TYPES: tuple[str, ...] = tuple(INFOS)
#: the providers answering a served sandbox's unprefixed paths, tried in this order
LEGACY_TYPES: tuple[str, ...] = ("mailgun", "postmark")


def info(provider_type: str) -> ProviderInfo:
    """The plain description of ``provider_type`` (KeyError naming it if unknown)."""
    found = INFOS.get(provider_type)
    if found is None:
        raise KeyError(f"no simulated provider {provider_type!r} (known: {', '.join(TYPES)})")
    return found


@cache
def providers() -> dict[str, SandboxProvider]:
    """Provider type -> the simulated API (``espctl.sandbox.<type>.provider.PROVIDER``),
    imported on first use, in registry order."""
    loaded: dict[str, SandboxProvider] = {}
    for provider_type in TYPES:
        module = importlib.import_module(f"{__package__}.{provider_type}.provider")
        provider: SandboxProvider = module.PROVIDER
        assert provider.type == provider_type, f"{module.__name__} answers for {provider.type}"
        loaded[provider_type] = provider
    return loaded


def provider(provider_type: str) -> SandboxProvider:
    """The simulated API of ``provider_type`` (KeyError naming it if unknown)."""
    info(provider_type)
    return providers()[provider_type]


def legacy() -> tuple[SandboxProvider, ...]:
    """The providers of :data:`LEGACY_TYPES`, in order."""
    return tuple(provider(t) for t in LEGACY_TYPES)


def __getattr__(name: str) -> object:
    # PROVIDERS and LEGACY as values, for callers of before (loading the simulator)
    if name == "PROVIDERS":
        return providers()
    if name == "LEGACY":
        return legacy()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
