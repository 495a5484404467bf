"""What the command line knows of a simulated provider without loading it: plain values.

``espctl sandbox --help`` lists each provider's credential options with their defaults
and ``serve`` prints where each provider answers; both come from these descriptions, which
import nothing but :mod:`dataclasses` (README "Benchmarks": ``--help`` loads no simulator).
Each provider's ``info`` module holds one :class:`ProviderInfo`, listed by :mod:`.registry`.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Credential:
    """One credential the simulated API checks.

    ``key`` is the key of the config block that holds it (``server_token``): espctl's
    session matches the two by (provider type, key). ``default`` is what the sandbox
    accepts unless told otherwise; ``help`` the text of its ``sandbox serve`` option.
    """

    key: str
    default: str
    help: str


@dataclass(frozen=True)
class ProviderInfo:
    """A simulated provider's plain description.

    ``served``: (label, path after the served base URL) of each place ``sandbox serve``
    prints for it (a provider with regions may have several). ``new_account``: what an
    account made for a config has before anyone configures it, beyond the config's
    domains, as ``sandbox serve --from-config``'s help says it (empty: nothing).
    """

    type: str
    label: str
    credentials: tuple[Credential, ...]
    served: tuple[tuple[str, str], ...]
    new_account: str = ""

    def option(self, credential: Credential) -> str:
        """The ``sandbox serve`` option of a credential: ``--<type>-<key>``."""
        return f"--{self.type}-{credential.key}".replace("_", "-")

    def credential(self, key: str) -> Credential:
        """The credential called ``key`` (KeyError if the provider has none)."""
        for credential in self.credentials:
            if credential.key == key:
                return credential
        raise KeyError(f"{self.type} has no sandbox credential {key!r}")
