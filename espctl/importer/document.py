"""What an import produces and the pieces its parts share.

The :class:`ImportResult`, the :class:`ImportFailed` error, the modeline, and
:func:`with_references`, which writes the config's environment values back as
``${env:NAME}``. The document being built and its webhook items live in
:mod:`espctl.providers.kit.importing`, which the providers' importers build on.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from espctl.config.models import Config
from espctl.errors import EspctlError
from espctl.model.common import Secret
from espctl.model.resources import MIN_CONTAINED
from espctl.providers import registry
from espctl.providers.kit.config import ProviderConfig
from espctl.providers.kit.importing import (
    EnvVar,
    ImportDoc,
    ProviderSource,
    default_env_name,
    ref,
)

Notify = Callable[[str], None]

SCHEMA_REF = "./schemas/espctl.schema.json"
MODELINE = "# yaml-language-server: $schema="
_WHOLE_REF = re.compile(r"^\$\{env:[A-Za-z_][A-Za-z0-9_]*\}$")


class ImportFailed(EspctlError):
    """The import cannot be done (bad arguments) or its output would not round-trip."""


def _quiet(message: str) -> None:
    """The default ``notify``: say nothing."""


@dataclass(frozen=True)
class ImportResult:
    """The YAML text, one-line warnings, the variables to set, and what was imported."""

    text: str
    warnings: tuple[str, ...]
    env: tuple[EnvVar, ...]
    counts: Mapping[str, int]
    config: Config


def provider_source(provider_id: str, block: ProviderConfig) -> ProviderSource:
    """How the output declares ``block``: each credential it sets by the variable the
    config names (``Secret.source``), or by :func:`default_env_name`."""
    creds: dict[str, str] = {}
    for credential in registry.spec(block.type).credentials:
        secret = getattr(block, credential.key, None)
        if isinstance(secret, Secret):
            creds[credential.key] = secret.source or default_env_name(
                provider_id, block.type, credential.key
            )
    return ProviderSource(provider_id, block, creds)


def with_references(data: Any, references: Mapping[str, str], doc: ImportDoc) -> Any:
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
            text = text.replace(value, ref(name))
            doc.values[name] = value
            doc.env.setdefault(name, EnvVar(name, "a value the config takes from the environment"))
    return text
