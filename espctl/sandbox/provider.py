"""What every simulated provider shares: :class:`Target`, the accepted credentials, and
the :class:`SandboxProvider` protocol that :mod:`.registry` lists and :mod:`.app` routes to.

A provider lives in ``espctl/sandbox/<type>/``; its ``provider`` module holds one object
implementing :class:`SandboxProvider`: the real API hosts it answers for, the paths it
claimed on a served sandbox before providers had prefixes (``legacy_target``), its
credential check and handlers, and its own error bodies for injected faults.
"""

from __future__ import annotations

import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Protocol

from .defaults import (
    DEFAULT_MAILGUN_API_KEY,
    DEFAULT_POSTMARK_ACCOUNT_TOKEN,
    DEFAULT_POSTMARK_SERVER_TOKEN,
)
from .faults import FaultDecision
from .http import Request, Response
from .state import AccountState, Region
from .traffic import Traffic


@dataclass(frozen=True)
class SandboxCredentials:
    """The only credentials the sandbox accepts; anything else gets the provider's 401.

    A field is named ``<type>_<key>``: the provider type and the key of the config block
    that holds the credential (espctl's session relies on it).
    """

    postmark_server_token: str = DEFAULT_POSTMARK_SERVER_TOKEN
    postmark_account_token: str = DEFAULT_POSTMARK_ACCOUNT_TOKEN
    mailgun_api_key: str = DEFAULT_MAILGUN_API_KEY


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
    """One simulated provider API."""

    #: the provider type: a served sandbox answers for it under ``/<type>/...``
    type: str
    #: real API host -> the region it serves (None: the provider has no regions)
    hosts: Mapping[str, Region | None]

    def target(self, path: str, prefix: str) -> Target:
        """The target of ``path`` under this provider's prefix (``/<type>`` or a legacy
        one): it may pick a region from the path (Mailgun's ``/eu``)."""
        ...

    def legacy_target(self, path: str) -> Target | None:
        """The target of a path this provider answered at a served sandbox's root before
        prefixes existed, or None."""
        ...

    def handle(self, app: App, request: Request, target: Target) -> Response:
        """Check credentials and answer (under ``app.lock``)."""
        ...

    def fault(self, decision: FaultDecision) -> Response | None:
        """This provider's answer for an injected 429, 429 without header, 500 or 503
        (None for faults every provider answers alike)."""
        ...
