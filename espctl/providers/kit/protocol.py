"""The provider protocol: what the engine may ask of any ESP.

The engine sees providers only through :class:`Provider`. A provider reads the live
settings it manages into :class:`~espctl.model.resources.Resource` values (the same
types the config produces, so diff is equality) and applies one change at a time.
What else espctl knows of a provider type is its
:class:`~espctl.providers.kit.spec.ProviderSpec`; ``docs/adding-a-provider.md`` says how
a new one is added. Nothing here assumes a client library: HTTP clients build on
:mod:`.http`, others (an SDK run in threads) implement the same methods.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal, Protocol, runtime_checkable

from espctl.model.resources import Check, LiveState, Resource
from espctl.model.traffic import TrafficData, TrafficQuery

Action = Literal["create", "update", "delete"]


@dataclass(frozen=True)
class Capabilities:
    """What a provider can do, so the engine needs no provider-specific branches.

    ``creatable``/``deletable``: kinds the provider can create / delete (a Postmark
    stream "delete" is an archive). ``unmanaged``: kinds whose live-only resources are
    reported as unmanaged. ``immutable``: per kind, fields that cannot change once
    created (a change is refused at plan time). ``permanent``: per kind, keys of live
    resources the provider itself put there and espctl never deletes, with why (a
    Postmark server's default streams): unmanaged, they are listed as kept even under
    ``policy.unmanaged: prune``.

    ``limits`` checks provider limits that count resources the config does not own
    (Mailgun's 3 URLs per event): called with the declared resources, the live ones the
    plan keeps and the live state of the declared ones, it returns failed checks (errors
    that block the declared resources taking the places that are lacking). ``releases`` says
    whether a change only frees room under such a limit (a delete, an update dropping
    events); apply runs those before the changes of those kinds that take room.
    """

    creatable: frozenset[str]
    deletable: frozenset[str]
    unmanaged: frozenset[str]
    immutable: dict[str, frozenset[str]]
    permanent: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    limits: (
        Callable[[Sequence[Resource], Sequence[Resource], Sequence[Resource]], list[Check]] | None
    ) = None
    #: kinds under a shared limit, and which of their changes only free room
    limited: frozenset[str] = frozenset()
    releases: Callable[[ChangeRequest], bool] | None = None


@dataclass(frozen=True)
class ChangeRequest:
    """One change for a provider to make: the resource before (live) and after (desired)."""

    action: Action
    kind: str
    key: str
    before: Resource | None
    after: Resource | None


@dataclass(frozen=True)
class ProbeResult:
    """One connection-test probe: what was asked, whether it passed, and how long it took.

    ``detail`` is the provider's answer in one line (or its own error message);
    ``cause`` the documented reason for a failure when one is known (e.g. a server token
    sent where an account token is needed); ``facts`` structured findings for JSON
    output (streams, domains and their DNS verification, webhook counts). Nothing here
    ever holds a credential.
    """

    name: str
    ok: bool
    detail: str
    seconds: float
    cause: str | None = None
    facts: Mapping[str, Any] = field(default_factory=dict)

    def as_json(self) -> dict[str, Any]:
        return {
            "name": self.name,
            "ok": self.ok,
            "detail": self.detail,
            "seconds": round(self.seconds, 4),
            "cause": self.cause,
            "facts": dict(self.facts),
        }


@dataclass(frozen=True)
class Snapshot:
    """Everything live at a provider, for ``espctl import``: the state that ``read`` gives
    for every resource (not only the config's), plus ``raw`` settings the provider's
    importer reports on when the config language cannot express them."""

    live: LiveState
    raw: Mapping[str, Any] = field(default_factory=dict)


class Provider(Protocol):
    """One configured ESP account (a Postmark server, a Mailgun account+region)."""

    id: str
    type: str
    capabilities: Capabilities

    async def read(self, desired: Sequence[Resource]) -> LiveState:
        """Read the live resources this provider manages, plus its checks.

        ``desired`` tells the provider which resources the config declares, so it reads
        only what it must (e.g. the Mailgun domains named in the config).
        """
        ...

    async def apply(self, change: ChangeRequest) -> None:
        """Make one change. Raise a ProviderError on failure; never retry a create blindly.

        A create that may or may not have happened (timeout) must be resolved by
        reading back before any retry, so that no run leaves a duplicate.
        """
        ...

    async def read_traffic(self, query: TrafficQuery) -> TrafficData:
        """Report numbers for ``query``: per bucket (stream or domain), tag and sample.

        Reads unit by unit (one domain, stream or tag at a time): a unit that fails is
        listed in ``TrafficData.failures`` and the rest is returned. Raise only when
        nothing of this provider can be read (e.g. its stream listing fails).
        """
        ...

    async def snapshot(self) -> Snapshot:
        """Read everything live (every stream, domain... of the account), for import."""
        ...

    async def probe(self) -> list[ProbeResult]:
        """Connection test: read-only probes of credentials, endpoint and setup, timed."""
        ...

    async def aclose(self) -> None:
        """Release connections."""
        ...


@runtime_checkable
class SendsTestEvents(Protocol):
    """A provider that can ask the ESP itself to send a test event to a webhook (SendGrid's
    ``POST /v3/user/webhooks/event/test``): ``espctl test --webhooks`` offers it beside its
    own sample POSTs. Not a probe: it makes the provider post to the receiver."""

    async def send_test_events(self, desired: Sequence[Resource]) -> list[ProbeResult]:
        """One result per webhook of ``desired`` (the config's resources of this provider)
        that the provider was asked to test, timed; never a credential in them."""
        ...
