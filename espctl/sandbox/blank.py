"""An account made for a config, with nothing configured: a plan against it is meaningful.

The demo's seeded account (:mod:`.seed`) is Acme's, drifted on purpose; a plan of any
other config against it shows Acme's domains missing and Acme's streams unmanaged. For a
pull request from a fork (no secrets, so no real account) the useful question is "what
would this config change on an account that has its domains and nothing else?". This
module builds that account from an :class:`AccountSpec`: each provider's blank part
(``SandboxProvider.blank``: e.g. a Postmark server with its default streams, no Mailgun
domains), completed with what the config declares (``SandboxProvider.complete``: the
Postmark default senders' domains verified, each Mailgun domain active in its region).

The spec is neutral data: the sandbox imports nothing from ``espctl.config``, so the
caller (``espctl.session``) describes the config in these terms, with what each
provider's spec says an account made for its block holds (``sandbox_account``). A config
read this way goes through espctl's own loader first (limits, schema, positions in
errors), rather than a second, laxer YAML reader here.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from types import MappingProxyType

from . import registry
from .state import AccountState, ProviderState, today_utc


@dataclass(frozen=True)
class AccountSpec:
    """What an account made for a config holds, in plain values.

    ``held``: provider type -> what its part holds, in the provider's terms (Mailgun:
    (domain, region) pairs; Postmark: the domains of the default senders).
    """

    held: Mapping[str, tuple[object, ...]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        unknown = sorted(set(self.held) - set(registry.TYPES))
        if unknown:
            raise ValueError(f"no simulated provider {', '.join(unknown)}")
        object.__setattr__(self, "held", MappingProxyType(dict(self.held)))

    def count(self, provider_type: str) -> int:
        """How many things the part of ``provider_type`` is made with."""
        return len(self.held.get(provider_type, ()))


def account_for(spec: AccountSpec, seed: int = 0, now: datetime | None = None) -> AccountState:
    """A fresh account holding what ``spec`` names and nothing configured (see module)."""
    now = now or today_utc()
    parts: dict[str, ProviderState] = {
        provider_type: provider.blank(seed, now)
        for provider_type, provider in registry.providers().items()
    }
    state = AccountState(seed=seed, now=now, providers=parts)
    complete(state, spec)
    return state


def complete(state: AccountState, spec: AccountSpec) -> list[str]:
    """Add what ``spec`` names that ``state`` lacks; what was added, in order.

    Run on every load of a state made for a config, so a domain the config gains later
    exists too (domains are the one thing espctl cannot create). Nothing is removed.
    """
    added: list[str] = []
    for provider_type, provider in registry.providers().items():
        held = spec.held.get(provider_type, ())
        added += provider.complete(state.providers[provider_type], state.seed, state.now, held)
    return added
