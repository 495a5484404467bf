"""The Mailgun part of a sandbox account: domains in their regions, with tracking and
webhooks, and account-level webhooks (the simulator's own names; :mod:`.wire` makes the
API's)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal, get_args

from pydantic import Field

from ..state import AccountState, ProviderState, Region, StateModel

#: a Mailgun webhook event id
MgEvent = Literal[
    "accepted",
    "delivered",
    "opened",
    "clicked",
    "unsubscribed",
    "complained",
    "temporary_fail",
    "permanent_fail",
]
#: Mailgun webhook event ids, in the order the API lists them.
MAILGUN_WEBHOOK_EVENTS: tuple[str, ...] = get_args(MgEvent)


class MgTracking(StateModel):
    """Mailgun per-domain tracking. ``click_active`` is "true", "false" or "htmlonly".

    ``click_reads_as_boolean``: GET answers ``click.active`` as the spec types it, a
    boolean, so "htmlonly" reads back as ``true`` (UNCONFIRMED which accounts answer so;
    ESP-API.md 2.5 documents "htmlonly", the spec a boolean): a switch for tests.
    """

    open_active: bool = False
    open_place_at_the_top: bool = False
    click_active: Literal["true", "false", "htmlonly"] = "false"
    click_reads_as_boolean: bool = False
    unsubscribe_active: bool = False
    html_footer: str = '\n<br>\n<p><a href="%unsubscribe_url%">unsubscribe</a></p>\n'
    text_footer: str = "\n\nTo unsubscribe click: <%unsubscribe_url%>\n\n"


class MgDomain(StateModel):
    """A Mailgun sending domain, bound to one region."""

    id: str
    name: str
    region: Region
    state: Literal["active", "unverified", "disabled"]
    type: Literal["custom", "sandbox"] = "custom"
    created_at: datetime
    spam_action: Literal["disabled", "tag", "block"] = "disabled"
    web_scheme: Literal["http", "https"] = "https"
    web_prefix: str = "email"
    wildcard: bool = False
    require_tls: bool = False
    skip_verification: bool = False
    use_automatic_sender_security: bool = True
    encrypt_incoming_message: bool = False
    message_ttl: int = 259200
    dns_valid: Literal["valid", "unknown", "invalid"] = "valid"
    dkim_selector: str = "mx"
    dkim_key: str
    tracking: MgTracking = Field(default_factory=MgTracking)
    #: event id -> URLs (1-3); events without webhooks are absent.
    webhooks: dict[str, list[str]] = Field(default_factory=dict)


class MgAccountWebhook(StateModel):
    """An account-level webhook: it fires for every domain of its region."""

    id: str
    region: Region
    url: str
    event_types: list[MgEvent]
    description: str = ""
    created_at: datetime


class MailgunAccount(ProviderState):
    """One Mailgun account: its domains (US and EU) and account-level webhooks."""

    TYPE: ClassVar[str] = "mailgun"

    domains: list[MgDomain]
    #: account-level webhooks, US and EU configured separately
    account_webhooks: list[MgAccountWebhook] = Field(default_factory=list)
    next_account_webhook: int = 1

    def find(self, name: str, region: Region) -> MgDomain | None:
        """The domain called ``name`` in ``region`` (names are case-insensitive)."""
        wanted = name.lower()
        for domain in self.domains:
            if domain.name == wanted and domain.region == region:
                return domain
        return None


def mailgun(state: AccountState) -> MailgunAccount:
    """The Mailgun part of ``state`` (typed)."""
    return state.of(MailgunAccount)
