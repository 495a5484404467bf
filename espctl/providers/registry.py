"""The provider registry: config ``type`` -> the provider package that implements it.

The only module that names the provider packages: one line per type, the module holding
its :class:`~espctl.providers.kit.spec.ProviderSpec`. Everything else (config, engine,
routing, report, importer, the connection test, the session, the commands) asks
:func:`spec` or :func:`specs` and names no provider. An unknown type is an error here, in
one place (:class:`UnknownProviderType`), never a silent fall-through.

Importing this module loads nothing but the standard library, so that the command line
can list the types (``import --type``) and start fast; a spec module is imported on first
use, and it loads only the provider's pure modules (config block, resources, events,
rules, importer, report summary), never its API client.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from espctl.errors import EspctlError

if TYPE_CHECKING:
    import httpx

    from espctl.providers.kit.config import ProviderConfig
    from espctl.providers.kit.connection import Sleep
    from espctl.providers.kit.http_options import HttpOptions
    from espctl.providers.kit.info import ProviderInfo
    from espctl.providers.kit.protocol import Provider
    from espctl.providers.kit.spec import ProviderSpec, ResourceKind

#: provider type -> the module holding its ``SPEC``, in the order espctl lists them
PROVIDERS: dict[str, str] = {
    "postmark": "espctl.providers.postmark.spec",
    "mailgun": "espctl.providers.mailgun.spec",
    "sendgrid": "espctl.providers.sendgrid.spec",
    "ses": "espctl.providers.ses.spec",
}
#: provider types on the way: the report's overview shows them as coming soon
PLANNED: dict[str, str] = {}

TYPES: tuple[str, ...] = tuple(PROVIDERS)


class UnknownProviderType(EspctlError):
    """A provider type no package implements."""


def spec(provider_type: str) -> ProviderSpec[Any]:
    """The spec of ``provider_type`` (imported on first use)."""
    from espctl.providers.kit.spec import ProviderSpec

    module = PROVIDERS.get(provider_type)
    if module is None:
        raise UnknownProviderType(
            f"unknown provider type '{provider_type}' (espctl knows {', '.join(TYPES)})"
        )
    found = getattr(importlib.import_module(module), "SPEC", None)
    if not isinstance(found, ProviderSpec) or found.type != provider_type:
        raise TypeError(f"{module}.SPEC is not the ProviderSpec of '{provider_type}'")
    return found


def info(provider_type: str) -> ProviderInfo:
    """The plain description of ``provider_type`` for help texts: the ``info`` module
    beside its spec, which loads nothing but the standard library."""
    from espctl.providers.kit.info import ProviderInfo

    module = PROVIDERS.get(provider_type)
    if module is None:
        raise UnknownProviderType(
            f"unknown provider type '{provider_type}' (espctl knows {', '.join(TYPES)})"
        )
    info_module = module.rpartition(".")[0] + ".info"
    found = getattr(importlib.import_module(info_module), "INFO", None)
    if not isinstance(found, ProviderInfo) or found.type != provider_type:
        raise TypeError(f"{info_module}.INFO is not the ProviderInfo of '{provider_type}'")
    return found


def specs() -> tuple[ProviderSpec[Any], ...]:
    """Every provider's spec, in registry order."""
    return tuple(spec(t) for t in TYPES)


def resource_kind(name: str) -> ResourceKind | None:
    """The kind called ``name`` (``postmark.webhook``: a kind is named after its type), or
    None for a name no registered provider declares."""
    provider_type = name.partition(".")[0]
    return spec(provider_type).kind(name) if provider_type in PROVIDERS else None


def create_provider(
    provider_id: str,
    block: ProviderConfig,
    *,
    options: HttpOptions | None = None,
    transport: httpx.AsyncBaseTransport | None = None,
    sleep: Sleep | None = None,
) -> Provider:
    """The API client for one config block (its provider's client module is imported now).

    ``options``, ``transport`` and ``sleep`` make its :class:`~.kit.connection.Connection`.
    """
    from espctl.providers.kit.connection import Connection
    from espctl.providers.kit.http_options import HttpOptions

    connection = Connection(options or HttpOptions(), transport)
    if sleep is not None:
        connection = Connection(connection.options, transport, sleep)
    return spec(block.type).client(provider_id, block, connection)
