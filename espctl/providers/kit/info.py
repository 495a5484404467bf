"""What the command line says of a provider type before loading it: :class:`ProviderInfo`.

``--help`` must not import a provider package's spec (it loads pydantic and the config
models; ``tests/test_startup_imports.py``), yet some help texts depend on the provider
types: which variables ``import --type`` reads, which regions ``--region`` takes. Each
provider package therefore holds an ``info`` module of plain text (standard library only),
and :func:`espctl.providers.registry.info` loads it when a help text is rendered.
``tests/contract/test_spec.py`` checks every info against its spec (label, credential
variables, default region), so the two never disagree.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ProviderInfo:
    """A provider type in words, for help texts.

    ``import_credentials``: the variables ``import --type`` reads for it, as a phrase
    (``POSTMARK_SERVER_TOKEN (+ POSTMARK_ACCOUNT_TOKEN when set)``); ``regions``: the
    regions ``--region`` takes for it, as a phrase naming the default first
    (``us (default) or eu``), empty for a type without regions.
    """

    type: str
    label: str
    import_credentials: str
    regions: str = ""
