"""The SendGrid part of a sandbox account: one account per region (``us`` is SendGrid's
global host, ``eu`` its EU host), each with subusers, tracking settings, Event Webhooks,
authenticated domains and verified senders (the simulator's own names; :mod:`.wire`
makes the API's)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from ..state import AccountState, ProviderState, Region, StateModel

#: the event flags of an Event Webhook, in the order the API lists them
#: (``account_status_change`` is answered but cannot be written: the request schema
#: lacks it)
WEBHOOK_FLAGS: tuple[str, ...] = (
    "group_resubscribe",
    "delivered",
    "group_unsubscribe",
    "spam_report",
    "bounce",
    "deferred",
    "unsubscribe",
    "processed",
    "open",
    "click",
    "dropped",
)

#: SendGrid's default subscription footer of a new account (what its UI shows)
DEFAULT_SUB_HTML = (
    "<p>If you would like to unsubscribe and stop receiving these emails <% click here %>.</p>"
)
DEFAULT_SUB_TEXT = (
    "If you would like to unsubscribe and stop receiving these emails click here: <% %>."
)


class SgSubscription(StateModel):
    """``/v3/tracking_settings/subscription`` (SendGrid fills the footers in)."""

    enabled: bool = False
    html_content: str = DEFAULT_SUB_HTML
    plain_content: str = DEFAULT_SUB_TEXT
    replace: str = ""
    url: str = ""
    landing: str = ""


class SgAnalytics(StateModel):
    """``/v3/tracking_settings/google_analytics`` (the utm_* answer "" when unset)."""

    enabled: bool = False
    utm_source: str = ""
    utm_medium: str = ""
    utm_term: str = ""
    utm_content: str = ""
    utm_campaign: str = ""


class SgTracking(StateModel):
    """A (sub)user's tracking settings: a new account has opens and clicks on."""

    open_enabled: bool = True
    click_enabled: bool = True
    click_enable_text: bool = False
    subscription: SgSubscription = Field(default_factory=SgSubscription)
    google_analytics: SgAnalytics = Field(default_factory=SgAnalytics)


class SgWebhook(StateModel):
    """One Event Webhook. ``id`` None: the single webhook of a legacy account."""

    id: str | None
    url: str
    enabled: bool = True
    friendly_name: str | None = None
    flags: list[str] = Field(default_factory=list)
    #: the private scalar of its ECDSA P-256 key (hex) while signing is on
    signing_key: str | None = None
    oauth_client_id: str | None = None
    oauth_token_url: str | None = None
    created_date: datetime | None = None
    updated_date: datetime


class SgDomain(StateModel):
    """An authenticated domain; ``invalid`` lists its DNS records that do not validate."""

    id: int
    user_id: int
    domain: str
    subdomain: str
    username: str
    default: bool = False
    legacy: bool = False
    automatic_security: bool = True
    custom_spf: bool = False
    invalid: list[str] = Field(default_factory=list)

    @property
    def valid(self) -> bool:
        return not self.invalid


class SgSender(StateModel):
    """A verified sender (single sender verification)."""

    id: int
    nickname: str
    from_email: str
    from_name: str
    reply_to: str
    verified: bool = True
    locked: bool = False


class SgUser(StateModel):
    """One SendGrid user (an account, or a subuser of it): its own settings."""

    username: str
    user_id: int
    tracking: SgTracking = Field(default_factory=SgTracking)
    #: ``legacy``: the account is still on the single-webhook API (its one webhook has
    #: no id; creating more is refused)
    webhook_mode: Literal["multiple", "legacy"] = "multiple"
    max_allowed: int = 5
    webhooks: list[SgWebhook] = Field(default_factory=list)
    domains: list[SgDomain] = Field(default_factory=list)
    senders: list[SgSender] = Field(default_factory=list)
    #: the URLs ``POST /v3/user/webhooks/event/test`` was asked to post to, in order
    tested: list[str] = Field(default_factory=list)


class SgAccount(SgUser):
    """A parent account and its subusers (reached with ``on-behalf-of``)."""

    subusers: list[SgUser] = Field(default_factory=list)

    def user(self, name: str | None) -> SgUser | None:
        """The account itself (``name`` None) or its subuser ``name``."""
        if name is None:
            return self
        return next((u for u in self.subusers if u.username == name), None)


class SendGridAccount(ProviderState):
    """SendGrid's part: one account per region, and what the sandbox's key may do."""

    TYPE: ClassVar[str] = "sendgrid"

    accounts: dict[Region, SgAccount]
    #: the scopes of the sandbox's API key (``GET /v3/scopes``); a call that needs one
    #: it lacks is answered 403: tests take some away for a key of fewer scopes
    scopes: list[str]
    #: set: the key belongs to this region only, and the other host answers 401 (real
    #: keys do; the sandbox accepts its key on both hosts unless told so)
    key_region: Region | None = None
    next_id: int = 1


def sendgrid(state: AccountState) -> SendGridAccount:
    """The SendGrid part of ``state`` (typed)."""
    return state.of(SendGridAccount)
