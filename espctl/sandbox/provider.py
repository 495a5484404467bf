"""What every simulated provider shares: :class:`Target`, and the :class:`SandboxProvider`
protocol that :mod:`.registry` lists and the shared modules use.

A provider lives in ``espctl/sandbox/<type>/``; its ``provider`` module holds one object,
``PROVIDER``, implementing :class:`SandboxProvider`: its plain description (``info``:
credentials and their defaults), the real API hosts it answers for, the paths it claimed
on a served sandbox before providers had prefixes (``legacy_target``), its credential
check and handlers, its own error bodies for injected faults, and its part of the
account (``state_model``, ``seed``, ``blank``, ``complete``) and of the traffic (``traffic``).
"""

from __future__ import annotations

import builtins
import random
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Protocol

from .credentials import SandboxCredentials
from .faults import FaultDecision
from .http import Request, Response
from .info import ProviderInfo
from .state import AccountState, ProviderState, Region
from .traffic import Traffic, TrafficSource

__all__ = ["App", "SandboxCredentials", "SandboxProvider", "Target"]


@dataclass(frozen=True)
class Target:
    """Where a request goes: provider type, region (where the provider has regions), the
    path prefix it was reached under (for links the provider returns) and the path the
    provider sees."""

    provider: str
    region: Region | None
    prefix: str
    path: str


class App(Protocol):
    """What a provider's handlers use of the app: the account, the traffic truth, the
    accepted credentials, and the lock handlers run under."""

    state: AccountState
    credentials: SandboxCredentials
    lock: threading.RLock

    @property
    def traffic(self) -> Traffic: ...


class SandboxProvider(Protocol):
    """One simulated provider API, with its part of the account and of the traffic."""

    #: the provider type: a served sandbox answers for it under ``/<type>/...``
    type: str
    #: its plain description (``<type>/info.py``): label, credentials and their defaults
    info: ProviderInfo
    #: real API host -> the region it serves (None: the provider has no regions)
    hosts: Mapping[str, Region | None]
    #: the class of its part of the account (``AccountState.providers[type]``)
    state_model: builtins.type[ProviderState]
    #: the seeded traffic it sends: the truth its stats and events add up to, and that
    #: report tests compare with (``Traffic.total(provider=type, ...)``)
    traffic: tuple[TrafficSource, ...]

    def target(self, path: str, prefix: str) -> Target:
        """The target of ``path`` under this provider's prefix (``/<type>`` or a legacy
        one): it may pick a region from the path (Mailgun's ``/eu``)."""
        ...

    def legacy_target(self, path: str) -> Target | None:
        """The target of a path this provider answered at a served sandbox's root before
        prefixes existed, or None."""
        ...

    def handle(self, app: App, request: Request, target: Target) -> Response:
        """Check credentials (``app.credentials.get(type, key)``) and answer (under
        ``app.lock``)."""
        ...

    def fault(self, decision: FaultDecision) -> Response | None:
        """This provider's answer for an injected 429, 429 without header, 500 or 503
        (None for faults every provider answers alike)."""
        ...

    def seed(self, rng: random.Random, now: datetime) -> ProviderState:
        """Its part of the seeded account (:func:`.seed.seed_account`): deterministic in
        what it draws from ``rng`` (shared, in registry order) and ``now``."""
        ...

    def blank(self, seed: int, now: datetime) -> ProviderState:
        """Its part of an account with nothing configured (:mod:`.blank`): what a new
        account of the provider has before anyone touches it."""
        ...

    def complete(
        self, part: ProviderState, seed: int, now: datetime, held: tuple[object, ...]
    ) -> list[str]:
        """Add to ``part`` what a config declares that it lacks (``held``: what the
        provider's spec's ``sandbox_account`` returns for its blocks, e.g. domains); a
        line per thing added. Never removes anything."""
        ...
