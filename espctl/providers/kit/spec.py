"""What espctl knows of one provider type: :class:`ProviderSpec`.

Every provider package (``espctl/providers/<type>/``) ends in a ``spec`` module holding
one ``SPEC``; :mod:`espctl.providers.registry` lists those modules, and the rest of
espctl (config, engine, routing, report, importer, the connection test, the session and
the commands) asks the spec instead of naming a provider. A spec is plain data and pure
functions: importing it loads the provider's config block, resources, event table,
rules, importer and report summary, never its API client, which :attr:`ProviderSpec.client`
imports when a command first needs it.

``tests/contract/test_spec.py`` checks every spec for consistency (the kinds the
targets and limits name exist, events map both ways, credentials are block fields...),
as Terraform's ``InternalValidate`` checks a provider schema.
"""

from __future__ import annotations

import builtins
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Generic, Protocol, TypeVar

from espctl.model.common import Event
from espctl.providers.kit.config import ProviderConfig

if TYPE_CHECKING:
    # annotations only: what a command that only reads the config (validate) need not
    # load, the engine's and the report's models (tests/test_startup_imports.py)
    from datetime import datetime

    from espctl.model.common import BasicAuth, Frozen
    from espctl.model.events import NormalizedEvent
    from espctl.model.resources import Check, LiveState, Resource
    from espctl.model.summary import AccountInfo, TrackingInfo, WebhookInfo
    from espctl.providers.kit.connection import Connection
    from espctl.providers.kit.importing import ImportDoc, ProviderSource
    from espctl.providers.kit.protocol import Capabilities, ChangeRequest, Provider, Snapshot

B = TypeVar("B", bound=ProviderConfig)
#: the tag of every sample event ``espctl test --webhooks`` posts, so that a receiver can
#: tell it from real mail
TEST_TAG = "espctl-test"
#: a place in the raw config document: ``("providers", "pm", "message_streams")``
PathKey = tuple[str | int, ...]


# -- credentials ---------------------------------------------------------------------------
@dataclass(frozen=True)
class CredentialField:
    """A credential key of the block: a :class:`~espctl.model.common.Secret`, always
    ``${env:NAME}``.

    ``label`` is how users know it (``server token``); ``purpose`` what the variable is
    for, in ``espctl import``'s list of variables to set; an optional one (``required``
    False) is written by ``import --type`` only when its variable is set. The variable
    ``import --type`` reads is ``<TYPE>_<KEY>`` (``POSTMARK_SERVER_TOKEN``).
    """

    key: str
    label: str
    purpose: str
    required: bool = True


# -- resources -----------------------------------------------------------------------------
@dataclass(frozen=True)
class ResourceKind:
    """One kind of resource the provider manages, and what the engine may do with it.

    ``create``/``delete``: the provider can create / delete it (a delete may be an
    archive: ``delete_note`` says so under the change); ``unmanaged``: live ones the
    config does not declare are reported (and pruned when deletable); ``immutable``:
    fields that cannot change once created (a change is refused at plan time);
    ``sensitive``: fields never shown; ``parent``: the kind this one lives in;
    ``permanent``: keys of live ones the provider itself keeps, never deleted, with why;
    ``limited``: under the provider's shared limit (:attr:`ProviderSpec.limits`);
    ``labels``: per field, how renderings show a value (the JSON keeps it as it is).
    """

    name: str
    create: bool = False
    delete: bool = False
    unmanaged: bool = False
    immutable: frozenset[str] = frozenset()
    sensitive: frozenset[str] = frozenset()
    parent: str | None = None
    permanent: Mapping[str, str] = field(default_factory=dict)
    limited: bool = False
    labels: Mapping[str, Callable[[Any], Any]] = field(default_factory=dict)
    delete_note: str | None = None


# -- targets -------------------------------------------------------------------------------
@dataclass(frozen=True)
class TargetForm:
    """What a target ``<provider id>/<name>`` names at this provider.

    ``key`` names the part after the slash in ``espctl route``'s JSON (``stream``,
    ``domain``); ``noun`` in messages (``message stream``); ``kind`` is the resource kind
    such a target is (a routing target the plan creates counts as existing). ``declared``
    reads the raw block (any value may have the wrong type) and returns each name a
    target may use with its sub-type (a stream's type; ``""`` when there is none), for
    validation; ``names`` the same from a valid block. ``account`` says what a target
    that is the provider id alone means for webhooks (None: not allowed), and
    ``routes_to_account`` whether routing may name the provider id alone (an account
    with no streams or domains). ``example`` is a name to show in messages.
    """

    key: str
    noun: str
    kind: str | None
    declared: Callable[[Mapping[str, Any]], Mapping[str, str]]
    names: Callable[[Any], Sequence[str]]
    account: str | None = None
    routes_to_account: bool = False
    example: str = "name"


# -- events --------------------------------------------------------------------------------
@dataclass(frozen=True)
class Restriction:
    """Events a sub-target of one type cannot deliver: ``what`` names such a target
    (``broadcast stream``), ``why`` says why (``Postmark has no Bounce/SpamComplaint
    triggers there``)."""

    events: frozenset[Event]
    what: str
    why: str


@dataclass(frozen=True)
class EventVocabulary:
    """The provider's one event table: normalized event -> its own name for it.

    An event missing from ``native`` is one the provider cannot deliver (a validation
    error). ``restricted`` maps a sub-target type (see :attr:`TargetForm.declared`) to
    the events it cannot deliver.
    """

    native: Mapping[Event, str]
    restricted: Mapping[str, Restriction] = field(default_factory=dict)

    @property
    def normalized(self) -> dict[str, Event]:
        """The table the other way: the provider's name -> normalized event."""
        return {name: event for event, name in self.native.items()}


def native_labels(to_event: Mapping[str, Event]) -> Callable[[Any], Any]:
    """How renderings show a provider's event names: the normalized name first, the
    provider's after (``bounced (permanent_fail)``), for :attr:`ResourceKind.labels`.

    The plan's JSON keeps the provider's names; anything but a list of strings (a
    redacted value) is shown as it is.
    """

    def labels(names: Any) -> Any:
        if not isinstance(names, list) or not all(isinstance(n, str) for n in names):
            return names
        out = []
        for name in names:
            event = to_event.get(name)
            out.append(name if event is None or event.value == name else f"{event.value} ({name})")
        return out

    return labels


# -- webhooks ------------------------------------------------------------------------------
@dataclass(frozen=True)
class WebhookTraits:
    """How webhooks behave at this provider.

    ``options`` is the model of the provider's own options block in a webhook entry
    (``webhooks.<name>.<type>``), if it has one; ``max_headers`` how many custom headers
    it sends (None: none, a header is then a validation warning); ``max_urls`` how many
    URLs one event may have per target (None: no limit); ``keyed_by`` how it tells
    webhooks apart, for messages (``by stream``).
    """

    keyed_by: str
    options: type[Frozen] | None = None
    options_description: str = ""
    max_headers: int | None = None
    max_urls: int | None = None


@dataclass(frozen=True)
class WebhookBinding:
    """One config webhook as it applies to one target of a provider.

    ``sub`` is the stream, domain... of the target (``""`` for the provider id alone);
    ``url`` keeps its :class:`~espctl.model.common.EnvStr` tag (a dataclass, not a model).
    ``options`` is the entry's options block for this provider type, if any.
    """

    name: str
    sub: str
    url: str
    events: tuple[Event, ...]
    basic_auth: BasicAuth | None
    headers: tuple[tuple[str, str], ...]
    options: Frozen | None


@dataclass(frozen=True)
class WebhookSample:
    """A sample event in the provider's payload format, for ``espctl test --webhooks``:
    ``record`` names it (``Delivery``, ``delivered``), ``payload`` is the JSON body (an
    object, or a batch array), ``headers`` any the provider adds (a signature), and
    ``content`` the exact bytes to send when a header signs them (None: ``payload``
    serialized)."""

    record: str
    payload: Any
    headers: Mapping[str, str] = field(default_factory=dict)
    content: bytes | None = None


@dataclass(frozen=True)
class ReceiverTraits:
    """How the provider treats a webhook receiver's answers, for the connection test.

    ``retries``: what it does with a failed delivery; ``auth_note``: added to the cause
    of a 401/403; ``accepted``: statuses that still show the receiver reachable, with the
    detail to show; ``tls``: the cause when the receiver's certificate does not verify
    (None: the generic one).
    """

    retries: str
    auth_note: str = ""
    accepted: Mapping[int, str] = field(default_factory=dict)
    tls: str | None = None


# -- rules, routing, report ----------------------------------------------------------------
class Findings(Protocol):
    """Where validation rules report: ``error`` and ``warn`` at a place in the document.

    ``key=True`` points at the key rather than its value (an invalid stream id)."""

    def error(self, path: PathKey, message: str, *, key: bool = False) -> None: ...

    def warn(self, path: PathKey, message: str) -> None: ...


#: the name of the check a routing target gets (one per target, in every plan)
ROUTING_CHECK = "routing_target"


@dataclass(frozen=True)
class RoutingTarget:
    """A routing target to check: ``target`` (``pm/outbound``), ``used`` (where the
    routing section uses it), the provider id, the part after the slash, the provider's
    live state and whether the plan creates it."""

    target: str
    used: str
    provider: str
    sub: str
    live: LiveState
    created: bool


class Summary(Protocol):
    """How the provider's live state reads in the report (settings, not traffic)."""

    @property
    def bucket_label(self) -> str:
        """What a traffic bucket is called: ``stream``, ``domain``."""
        ...

    def account(self, live: LiveState) -> AccountInfo:
        """Servers, streams or domains and their state."""
        ...

    def tracking(self, live: LiveState) -> TrackingInfo:
        """Open and click tracking as live."""
        ...

    def webhooks(self, provider_id: str, live: LiveState) -> list[WebhookInfo]:
        """Every live webhook URL with its events (credentials masked)."""
        ...


class LazySummary:
    """A :class:`Summary` made on first use by ``make`` (which imports the provider's
    summary module): only the report needs it, and every command that reads the config
    imports the specs (``validate``; tests/test_startup_imports.py)."""

    def __init__(self, make: Callable[[], Summary]) -> None:
        self._make = make
        self._made: Summary | None = None

    @property
    def _summary(self) -> Summary:
        if self._made is None:
            self._made = self._make()
        return self._made

    @property
    def bucket_label(self) -> str:
        return self._summary.bucket_label

    def account(self, live: LiveState) -> AccountInfo:
        return self._summary.account(live)

    def tracking(self, live: LiveState) -> TrackingInfo:
        return self._summary.tracking(live)

    def webhooks(self, provider_id: str, live: LiveState) -> list[WebhookInfo]:
        return self._summary.webhooks(provider_id, live)


ClientFactory = Callable[[str, B, "Connection"], "Provider"]
Importer = Callable[["ImportDoc", "ProviderSource", "Snapshot"], dict[str, Any]]


# -- the spec ------------------------------------------------------------------------------
@dataclass(frozen=True)
class ProviderSpec(Generic[B]):
    """Everything espctl knows of one provider type (see the module docstring).

    Identity: ``type`` (the config's ``type:``), ``label`` (``Postmark``),
    ``account_noun`` (what one block addresses: ``server``, ``account``), ``regions``
    (the block's ``region`` values, None when it has none).

    Config: ``config`` (the block model), ``credentials``, ``rules`` (validation beyond
    the schema, on the raw block), ``targets``, ``events``, ``webhooks``.

    State: ``kinds`` (whose flags make :attr:`capabilities`), ``desired`` (block and its
    webhook bindings -> resources), ``limits``/``releases`` (a limit counting resources
    the config does not own, see :class:`~espctl.providers.kit.protocol.Capabilities`).

    Functions of the rest of espctl: ``client`` (the API client, imported when called),
    ``where`` (endpoint and region shown by ``espctl test``), ``route_check`` (a routing
    target able to send), ``importer`` (live state -> config block), ``summary`` (report),
    ``report_buckets`` (what the traffic reader reads: ``()`` for everything live),
    ``sample``/``receiver`` (``espctl test --webhooks``; ``sample`` gets the webhook
    entry's options block for this type, None when it has none: a signed webhook's
    sample is signed), ``parse_webhook`` (a webhook
    payload -> normalized events), ``sandbox_account`` (plain data an account made for
    this block holds: ``sandbox serve --from-config``).
    """

    type: str
    label: str
    account_noun: str
    config: builtins.type[B]
    credentials: tuple[CredentialField, ...]
    targets: TargetForm
    events: EventVocabulary
    webhooks: WebhookTraits
    kinds: tuple[ResourceKind, ...]
    desired: Callable[[str, B, Sequence[WebhookBinding]], list[Resource]]
    rules: Callable[[Findings, PathKey, Mapping[str, Any]], None]
    client: ClientFactory[B]
    where: Callable[[B], tuple[str, str | None]]
    route_check: Callable[[RoutingTarget], Check]
    importer: Importer
    summary: Summary
    report_buckets: Callable[[B], tuple[str, ...]]
    sample: Callable[[Event, str, B, datetime, Frozen | None], WebhookSample]
    receiver: ReceiverTraits
    parse_webhook: Callable[[Any], Sequence[NormalizedEvent]]
    sandbox_account: Callable[[B], tuple[Any, ...]]
    regions: tuple[str, ...] | None = None
    limits: (
        Callable[[Sequence[Resource], Sequence[Resource], Sequence[Resource]], list[Check]] | None
    ) = None
    releases: Callable[[ChangeRequest], bool] | None = None

    @property
    def capabilities(self) -> Capabilities:
        """What the engine may do with this provider's resources, from :attr:`kinds`."""
        return capabilities_of(self.kinds, self.limits, self.releases)

    def kind(self, name: str) -> ResourceKind | None:
        """The kind called ``name`` (None if this provider has none)."""
        return next((k for k in self.kinds if k.name == name), None)

    def env_name(self, key: str) -> str:
        """The documented variable of a credential: ``POSTMARK_SERVER_TOKEN``."""
        return f"{self.type}_{key}".upper()


def capabilities_of(
    kinds: Sequence[ResourceKind],
    limits: Callable[[Sequence[Resource], Sequence[Resource], Sequence[Resource]], list[Check]]
    | None = None,
    releases: Callable[[ChangeRequest], bool] | None = None,
) -> Capabilities:
    """The engine's :class:`~espctl.providers.kit.protocol.Capabilities` of these kinds
    (what a client reports, and its spec)."""
    from espctl.providers.kit.protocol import Capabilities  # see the imports above

    return Capabilities(
        creatable=frozenset(k.name for k in kinds if k.create),
        deletable=frozenset(k.name for k in kinds if k.delete),
        unmanaged=frozenset(k.name for k in kinds if k.unmanaged),
        immutable={k.name: k.immutable for k in kinds if k.immutable},
        permanent={k.name: k.permanent for k in kinds if k.permanent},
        limits=limits,
        limited=frozenset(k.name for k in kinds if k.limited),
        releases=releases,
    )
