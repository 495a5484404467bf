"""The config document (version 1) as frozen pydantic models.

Provider blocks come from the model layer (one module per provider); this module
assembles the document around them. ``schemas/espctl.schema.json`` is generated from
these models and a test keeps the two identical.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from espctl.model.common import (
    BasicAuth,
    Event,
    Frozen,
    ProtectTarget,
    ProviderId,
    Target,
    WebhookTarget,
)
from espctl.model.mailgun import MailgunProvider
from espctl.model.postmark import PostmarkProvider, PostmarkWebhookOptions

#: the provider registry of the model layer: add a provider's block here
ProviderBlock = Annotated[PostmarkProvider | MailgunProvider, Field(discriminator="type")]
PROVIDER_TYPES: tuple[str, ...] = ("postmark", "mailgun")


class WebhookSpec(Frozen):
    """One webhook URL receiving some events from some targets."""

    url: str = Field(description="https URL (http only for localhost); no credentials in it.")
    events: list[Event] = Field(min_length=1, description="Normalized events to send.")
    targets: list[WebhookTarget] = Field(
        min_length=1,
        description="provider/stream or provider/domain targets; a Mailgun provider id alone "
        "for its account-level webhooks (every domain of its region).",
    )
    basic_auth: BasicAuth | None = Field(
        default=None, description="Basic auth the provider uses to call the URL."
    )
    headers: dict[str, str] = Field(
        default_factory=dict, description="Extra HTTP headers (Postmark only, max 30)."
    )
    postmark: PostmarkWebhookOptions | None = Field(
        default=None, description="Postmark-only trigger options."
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
