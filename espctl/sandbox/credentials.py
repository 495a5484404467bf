"""The credentials a sandbox accepts: per provider type, per credential key.

Light (it loads only the registry's plain descriptions), so that espctl's session and
demo ask for a provider's credential by (type, key) without loading the simulator.
"""

from __future__ import annotations

from collections.abc import Mapping
from types import MappingProxyType

from . import registry


class SandboxCredentials:
    """The only credentials the sandbox accepts; anything else gets the provider's 401.

    ``values``: provider type -> credential key (the config block's key holding it) ->
    value; a credential not given is the provider's default
    (:attr:`.info.Credential.default`). An unknown type or key is a ValueError, so a
    typo cannot leave a default in place silently.
    """

    __slots__ = ("_values",)

    def __init__(self, values: Mapping[str, Mapping[str, str]] | None = None) -> None:
        given = dict(values or {})
        merged: dict[str, Mapping[str, str]] = {}
        for provider_type, info in registry.INFOS.items():
            mine = dict(given.pop(provider_type, {}))
            row = {c.key: mine.pop(c.key, c.default) for c in info.credentials}
            if mine:
                raise ValueError(f"{provider_type} has no sandbox credential {sorted(mine)}")
            merged[provider_type] = MappingProxyType(row)
        if given:
            raise ValueError(f"no simulated provider {sorted(given)}")
        self._values = MappingProxyType(merged)

    def get(self, provider_type: str, key: str) -> str:
        """The accepted value of credential ``key`` of ``provider_type`` (KeyError if the
        provider has no such credential)."""
        row = self._values.get(provider_type)
        if row is None or key not in row:
            raise KeyError(f"{provider_type} has no sandbox credential {key!r}")
        return row[key]

    @property
    def values(self) -> Mapping[str, Mapping[str, str]]:
        """Provider type -> credential key -> accepted value (every credential)."""
        return self._values

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, SandboxCredentials):
            return NotImplemented
        return self._values == other._values

    def __hash__(self) -> int:
        return hash(tuple((t, tuple(row.items())) for t, row in self._values.items()))

    def __repr__(self) -> str:
        # never the values: they are secrets (canary tests)
        return f"SandboxCredentials(<{sum(len(r) for r in self._values.values())} credentials>)"
