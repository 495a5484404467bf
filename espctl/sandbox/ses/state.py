"""The Amazon SES part of a sandbox account: one AWS account in one region, with its
SES v2 settings (account, email identities, configuration sets and their event
destinations) and its SNS topics and subscriptions (the simulator's own snake_case
names; :mod:`.wire` makes the AWS ones)."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import ClassVar, Literal

from pydantic import Field

from ..state import AccountState, ProviderState, StateModel

#: how long SNS keeps a subscription nobody confirmed: 48 hours since May 2023 (72
#: before; the SNS guide, "Deleting an Amazon SNS subscription and topic")
UNCONFIRMED_LIFETIME = timedelta(hours=48)

DestinationType = Literal["sns", "eventbridge", "cloudwatch", "firehose", "pinpoint"]


class SesIdentity(StateModel):
    """An SES v2 email identity (a domain or an address)."""

    name: str
    type: Literal["DOMAIN", "EMAIL_ADDRESS"] = "DOMAIN"
    verification_status: Literal["PENDING", "SUCCESS", "FAILED", "TEMPORARY_FAILURE", "NOT_STARTED"]
    sending_enabled: bool = True
    dkim_status: Literal["PENDING", "SUCCESS", "FAILED", "TEMPORARY_FAILURE", "NOT_STARTED"] = (
        "SUCCESS"
    )
    dkim_signing: bool = True
    dkim_tokens: list[str] = Field(default_factory=list)
    mail_from_domain: str | None = None
    mail_from_status: Literal["PENDING", "SUCCESS", "FAILED", "TEMPORARY_FAILURE"] | None = None
    feedback_forwarding: bool = True
    configuration_set: str | None = None


class SesDestination(StateModel):
    """An event destination of a configuration set (one target of the five kinds)."""

    name: str
    enabled: bool = True
    event_types: list[str]
    type: DestinationType
    #: the target's ARN (topic, event bus, stream, application); empty for CloudWatch
    arn: str = ""
    #: CloudWatch dimension configurations: (name, value source, default value)
    dimensions: list[tuple[str, str, str]] = Field(default_factory=list)
    #: Firehose's IAM role
    role_arn: str = ""


class SesConfigurationSet(StateModel):
    """A configuration set with every option SES v2 returns for it."""

    name: str
    custom_redirect_domain: str | None = None
    https_policy: Literal["REQUIRE", "REQUIRE_OPEN_ONLY", "OPTIONAL"] | None = None
    tls_policy: Literal["REQUIRE", "OPTIONAL"] = "OPTIONAL"
    sending_pool: str | None = None
    max_delivery_seconds: int | None = None
    reputation_metrics: bool = False
    sending_enabled: bool = True
    suppressed_reasons: list[Literal["BOUNCE", "COMPLAINT"]] | None = None
    tags: list[tuple[str, str]] = Field(default_factory=list)
    #: VDM options another tool set (engagement metrics, optimized shared delivery)
    vdm_engagement: Literal["ENABLED", "DISABLED"] | None = None
    vdm_shared_delivery: Literal["ENABLED", "DISABLED"] | None = None
    destinations: list[SesDestination] = Field(default_factory=list)

    def destination(self, name: str) -> SesDestination | None:
        return next((d for d in self.destinations if d.name == name), None)


class SnsSubscription(StateModel):
    """An SNS subscription; an HTTPS one is pending until its endpoint confirms.

    ``created``: when it was made, on the account's clock (``None``: a state saved before
    the sandbox kept it, never expired); a pending one older than
    :data:`UNCONFIRMED_LIFETIME` is gone, as SNS deletes it."""

    arn: str
    protocol: str
    endpoint: str
    confirmed: bool = True
    created: datetime | None = None

    def expired(self, now: datetime) -> bool:
        """Whether SNS has deleted it by ``now`` (left unconfirmed too long)."""
        return (
            not self.confirmed
            and self.created is not None
            and now - self.created >= UNCONFIRMED_LIFETIME
        )


class SnsTopic(StateModel):
    """An SNS topic with its tags and subscriptions."""

    arn: str
    tags: list[tuple[str, str]] = Field(default_factory=list)
    subscriptions: list[SnsSubscription] = Field(default_factory=list)

    @property
    def name(self) -> str:
        return self.arn.rsplit(":", 1)[-1]


class SesAccount(ProviderState):
    """One AWS account's SES and SNS (the sandbox answers every region with it)."""

    TYPE: ClassVar[str] = "ses"

    account_id: str = "111122223333"
    user: str = "espctl-sandbox"
    production_access: bool = True
    sending_enabled: bool = True
    enforcement_status: str = "HEALTHY"
    max_24h_send: float = 50000.0
    max_send_rate: float = 14.0
    sent_last_24h: float = 0.0
    vdm_enabled: bool = True
    #: the production access request (``Details.ReviewDetails``: status PENDING, FAILED,
    #: GRANTED or DENIED, and its support case), None when none was made
    review_status: Literal["PENDING", "FAILED", "GRANTED", "DENIED"] | None = None
    review_case: str | None = None
    #: whether the receivers of new HTTP(S) subscriptions confirm them at once, as a
    #: receiver following SNS's guide does (False: they stay pending, as the seeded
    #: events collector's does, and ``espctl test`` says so)
    receivers_confirm: bool = True
    suppressed_reasons: list[Literal["BOUNCE", "COMPLAINT"]] = Field(
        default_factory=lambda: list[Literal["BOUNCE", "COMPLAINT"]](("BOUNCE", "COMPLAINT"))
    )
    identities: list[SesIdentity] = Field(default_factory=list)
    configuration_sets: list[SesConfigurationSet] = Field(default_factory=list)
    topics: list[SnsTopic] = Field(default_factory=list)
    #: how many ids were handed out (subscription and request ids stay unique)
    counter: int = 0

    def configuration_set(self, name: str) -> SesConfigurationSet | None:
        return next((c for c in self.configuration_sets if c.name == name), None)

    def identity(self, name: str) -> SesIdentity | None:
        wanted = name.lower()
        return next((i for i in self.identities if i.name.lower() == wanted), None)

    def expire_subscriptions(self, now: datetime) -> None:
        """Delete the subscriptions SNS has deleted by ``now`` (unconfirmed too long)."""
        for topic in self.topics:
            topic.subscriptions = [s for s in topic.subscriptions if not s.expired(now)]

    def topic(self, arn: str) -> SnsTopic | None:
        return next((t for t in self.topics if t.arn == arn), None)

    def next_id(self) -> int:
        self.counter += 1
        return self.counter


def ses_part(state: AccountState) -> SesAccount:
    """The SES part of ``state``, typed."""
    return state.of(SesAccount)
