"""Postmark response bodies espctl reads, as validated models (see :mod:`.shapes`).

Field names are Postmark's PascalCase (ESP-API.md Part 1). Only the fields espctl reads
are modelled; unknown fields are ignored. Required: what Postmark always sends (the
documented objects and recorded responses); optional with a default: what older
responses or some accounts omit (``SubscriptionChange`` in ``Triggers``, ``HttpAuth``
and ``HttpHeaders`` on a webhook without them, ``Description``/``ArchivedAt`` as null).
"""

from __future__ import annotations

from typing import Literal

from pydantic import ConfigDict, Field, model_validator

from espctl.providers.kit.shapes import WireModel


class Server(WireModel):
    """a Postmark server object"""

    Name: str
    TrackOpens: bool
    TrackLinks: str  # None | HtmlAndText | HtmlOnly | TextOnly (any case, ESP-API 1.5)
    DeliveryType: str | None = None  # Live | Sandbox; absent in old recorded responses


class Stream(WireModel):
    """a Postmark message stream"""

    ID: str
    Name: str
    MessageStreamType: str  # Transactional | Broadcasts | Inbound
    Description: str | None = None
    ArchivedAt: str | None = None


class Streams(WireModel):
    """a Postmark message-stream listing"""

    MessageStreams: list[Stream]
    TotalCount: int


class ArchivedStream(WireModel):
    """an archived Postmark message stream"""

    ID: str


class AuthBody(WireModel):
    """a webhook's basic auth: ``{null, null}``, ``""`` and absent all mean none"""

    Username: str | None = None
    Password: str | None = None


class HeaderBody(WireModel):
    """a webhook's custom header"""

    Name: str
    Value: str


class TriggerBody(WireModel):
    """one webhook trigger"""

    Enabled: bool = False
    PostFirstOpenOnly: bool = False
    IncludeContent: bool = False


class TriggerSet(WireModel):
    """a webhook's triggers (older responses lack SubscriptionChange)"""

    Open: TriggerBody | None = None
    Click: TriggerBody | None = None
    Delivery: TriggerBody | None = None
    Bounce: TriggerBody | None = None
    SpamComplaint: TriggerBody | None = None
    SubscriptionChange: TriggerBody | None = None


class Webhook(WireModel):
    """a Postmark webhook"""

    ID: int
    Url: str
    MessageStream: str
    HttpAuth: AuthBody | None = None
    HttpHeaders: list[HeaderBody] | None = None
    Triggers: TriggerSet


class Webhooks(WireModel):
    """a Postmark webhook listing"""

    Webhooks: list[Webhook]


class Deleted(WireModel):
    """Postmark's success envelope (ErrorCode 0)"""

    ErrorCode: Literal[0]
    Message: str


class SenderSignature(WireModel):
    """a Postmark sender signature"""

    ID: int
    EmailAddress: str
    Confirmed: bool


class SenderSignatures(WireModel):
    """a Postmark sender-signature listing"""

    TotalCount: int
    SenderSignatures: list[SenderSignature]


class Domain(WireModel):
    """a Postmark domain"""

    ID: int
    Name: str
    DKIMVerified: bool
    SPFVerified: bool = False  # deprecated by Postmark; still sent today
    ReturnPathDomainVerified: bool


class Domains(WireModel):
    """a Postmark domain listing"""

    TotalCount: int
    Domains: list[Domain]


class StatsDay(WireModel):
    """one day of a Postmark stats breakdown: its ``Date`` and counters (zero keys absent)"""

    model_config = ConfigDict(frozen=True, extra="allow", hide_input_in_errors=True)

    Date: str

    @model_validator(mode="after")
    def _counters_are_numbers(self) -> StatsDay:
        for name, value in (self.model_extra or {}).items():
            if isinstance(value, bool) or not isinstance(value, int | float):
                raise ValueError(f"counter {name} is not a number")
        return self

    def count(self, name: str) -> int:
        """A counter of this day; an absent key is 0 (ESP-API 1.11)."""
        value = (self.model_extra or {}).get(name)
        return int(value) if isinstance(value, int | float) else 0


class StatsDays(WireModel):
    """a Postmark outbound stats breakdown"""

    Days: list[StatsDay]


class StatsOverview(WireModel):
    """a Postmark outbound stats overview"""

    # the overview returns every key, even when zero (ESP-API 1.11)
    Sent: int
    Bounced: int
    SpamComplaints: int
    UniqueOpens: int
    UniqueLinksClicked: int


class Bounces(WireModel):
    """a Postmark bounce listing"""

    TotalCount: int
    Bounces: list[dict[str, object]]


class OutboundMessage(WireModel):
    """a Postmark outbound message (listing row)"""

    MessageID: str
    Tag: str | None = None


class OutboundMessages(WireModel):
    """a Postmark outbound message listing"""

    TotalCount: int
    Messages: list[OutboundMessage]


class MessageDetails(WireModel):
    """a Postmark outbound message's details"""

    MessageID: str
    MessageEvents: list[dict[str, object]] = Field(default_factory=list)
