"""The config document (version 1) as frozen pydantic models.

Provider blocks come from the provider packages (each spec's ``config``, through
:mod:`espctl.providers.registry`); this module assembles the document around them: the
discriminated union of the blocks, a webhook entry with each provider's options block,
and targets whose descriptions name what each provider's targets are.
``schemas/espctl.schema.json`` is generated from these models and a test keeps the two
identical.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any, Literal, Union

from pydantic import Field, create_model

from espctl.model.common import BasicAuth, Event, Frozen, ProviderId
from espctl.providers import registry
from espctl.providers.kit.config import ProviderConfig

_SPECS = registry.specs()
#: the provider types a block's ``type`` may name, in registry order
PROVIDER_TYPES: tuple[str, ...] = tuple(s.type for s in _SPECS)

if TYPE_CHECKING:
    ProviderBlock = ProviderConfig
else:
    _BLOCKS = tuple(s.config for s in _SPECS)
    ProviderBlock = Annotated[
        Union[_BLOCKS] if len(_BLOCKS) > 1 else _BLOCKS[0],  # noqa: UP007 - built at run time
        Field(discriminator="type"),
    ]


def _examples() -> str:
    return " or ".join(
        f"{s.type}/{s.targets.example}" if s.targets.kind is not None else s.type for s in _SPECS
    )


def _forms() -> str:
    return " or ".join(f"{s.label} {s.targets.noun}" for s in _SPECS if s.targets.kind is not None)


def _routes_to_account() -> str:
    alone = [
        f"a {s.label} provider id alone ({s.type})" for s in _SPECS if s.targets.routes_to_account
    ]
    return f"; {' or '.join(alone)} (its settings are account-wide)" if alone else ""


def _account_webhooks() -> str:
    return "; ".join(
        f"a {s.label} provider id alone ({s.type}) is {s.targets.account}"
        for s in _SPECS
        if s.targets.account
    )


#: a routing target: ``<provider id>/<stream, domain...>``
TARGET_PATTERN = r"^[a-z0-9][a-z0-9-]*/[A-Za-z0-9][A-Za-z0-9._-]*$"
#: a webhook or protect target: also a provider id alone (validation says where allowed)
WEBHOOK_TARGET_PATTERN = r"^[a-z0-9][a-z0-9-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)?$"
#: a routing target where a provider type routes to its account (a provider id alone,
#: :attr:`~espctl.providers.kit.spec.TargetForm.routes_to_account`; validation says which)
_ROUTE_PATTERN = (
    WEBHOOK_TARGET_PATTERN if any(s.targets.routes_to_account for s in _SPECS) else TARGET_PATTERN
)

Target = Annotated[
    str,
    Field(
        pattern=_ROUTE_PATTERN,
        description=f"provider id / {_forms()}, e.g. {_examples()}{_routes_to_account()}",
    ),
]
WebhookTarget = Annotated[
    str,
    Field(
        pattern=WEBHOOK_TARGET_PATTERN,
        description=f"provider id / {_forms()}, e.g. {_examples()}; {_account_webhooks()}",
    ),
]
ProtectTarget = Annotated[
    str,
    Field(
        pattern=WEBHOOK_TARGET_PATTERN,
        description="provider id / stream or domain (that resource and what it holds), or a "
        "provider id alone (everything at that provider)",
    ),
]


def _headers_description() -> str:
    senders = [s for s in _SPECS if s.webhooks.max_headers is not None]
    limits = ", ".join(f"{s.label} only, max {s.webhooks.max_headers}" for s in senders)
    return f"Extra HTTP headers ({limits or 'no provider sends them'})."


class WebhookBase(Frozen):
    """One webhook URL receiving some events from some targets."""

    url: str = Field(description="https URL (http only for localhost); no credentials in it.")
    events: list[Event] = Field(min_length=1, description="Normalized events to send.")
    targets: list[WebhookTarget] = Field(
        min_length=1,
        description=" or ".join(f"provider/{s.targets.key}" for s in _SPECS)
        + " targets; "
        + _account_webhooks()
        + ".",
    )
    basic_auth: BasicAuth | None = Field(
        default=None, description="Basic auth the provider uses to call the URL."
    )
    headers: dict[str, str] = Field(default_factory=dict, description=_headers_description())

    def options(self, provider_type: str) -> Frozen | None:
        """This entry's options block for ``provider_type`` (``webhooks.<name>.<type>``)."""
        value = getattr(self, provider_type, None)
        return value if isinstance(value, Frozen) else None


_OPTIONS: dict[str, Any] = {
    s.type: (
        s.webhooks.options | None,
        Field(default=None, description=s.webhooks.options_description),
    )
    for s in _SPECS
    if s.webhooks.options is not None
}
if TYPE_CHECKING:
    WebhookSpec = WebhookBase
else:
    WebhookSpec = create_model(
        "WebhookSpec", __base__=WebhookBase, __doc__=WebhookBase.__doc__, **_OPTIONS
    )


class RoutingRule(Frozen):
    """Email types that go to one target, with fallbacks in order."""

    name: str | None = Field(default=None, description="A label shown in route and report.")
    email_types: list[str] = Field(min_length=1, description="Email types this rule routes.")
    to: Target = Field(description="The primary target.")
    fallback: list[Target] = Field(
        default_factory=list, description="Targets to use, in order, when `to` is unavailable."
    )


class Routing(Frozen):
    """How each email type is routed to a provider."""

    default: Target | None = Field(
        default=None, description="Target for email types no rule names."
    )
    rules: list[RoutingRule] = Field(default_factory=list, description="Rules, in order.")


class UnmanagedPolicy(StrEnum):
    """What to do with live resources the config does not declare."""

    ignore = "ignore"
    warn = "warn"
    prune = "prune"


class Policy(Frozen):
    """Safety policy."""

    unmanaged: UnmanagedPolicy = Field(
        default=UnmanagedPolicy.warn,
        description="ignore, warn (list them) or prune (plan their deletion).",
    )
    max_change_ratio: float = Field(
        default=0.3,
        gt=0,
        le=1,
        description="Block apply when a plan changes more than this share of managed "
        "resources (only when 10 or more are managed).",
    )
    protect: list[ProtectTarget] = Field(
        default_factory=list,
        description="Targets never deleted or archived, nor what they hold (a stream's or "
        "domain's webhooks); a provider id alone protects everything at that provider.",
    )


class ThresholdLines(Frozen):
    """Warning and critical lines of one rate, in percent (0.1 means 0.1 %)."""

    warning: float = Field(gt=0, le=100, description="Warning line, percent.")
    critical: float = Field(gt=0, le=100, description="Critical line, percent.")


class ReportThresholds(Frozen):
    """The bands the report's verdict uses; each omitted rate keeps espctl's default."""

    delivery: ThresholdLines = Field(
        default=ThresholdLines(warning=98, critical=95),
        description="Delivery rate (delivered / sent): warning below `warning`, critical "
        "below `critical` (default 98 and 95).",
    )
    hard_bounce: ThresholdLines = Field(
        default=ThresholdLines(warning=2, critical=5),
        description="Hard bounce rate (hard bounces / sent): warning from `warning`, critical "
        "from `critical` (default 2 and 5).",
    )
    complaint: ThresholdLines = Field(
        default=ThresholdLines(warning=0.1, critical=0.3),
        description="Spam complaint rate (complaints / delivered): warning from `warning`, "
        "critical from `critical` (default 0.1 and 0.3, Google's and Yahoo's lines).",
    )


class ReportSettings(Frozen):
    """Defaults of `espctl report`."""

    window: str = Field(
        default="30d",
        pattern=r"^[1-9][0-9]{0,3}[dw]$",
        description="Default window when neither --since nor --from/--to is given: the last "
        "N whole UTC days or weeks, ending yesterday, e.g. 7d, 30d, 12w.",
    )
    thresholds: ReportThresholds = Field(
        default=ReportThresholds(), description="Verdict lines per rate, in percent."
    )


class Config(Frozen):
    """An espctl config file, version 1."""

    version: Literal[1] = Field(description="Config language version: 1.")
    providers: dict[ProviderId, ProviderBlock] = Field(
        min_length=1, description="Providers by id ([a-z0-9-]+)."
    )
    routing: Routing | None = Field(default=None, description="Email type routing.")
    webhooks: dict[str, WebhookSpec] = Field(default_factory=dict, description="Webhooks by name.")
    policy: Policy = Field(
        default=Policy(), description="Unmanaged resources, change limits, protected targets."
    )
    report: ReportSettings = Field(
        default=ReportSettings(), description="Report defaults: window and verdict thresholds."
    )
