"""The sandbox's account model: everything a write can change, and nothing else.

The model is a tree of mutable pydantic models so that it round-trips through JSON
(``AccountState.model_dump_json`` / ``AccountState.model_validate_json``) for the CLI's
``--sandbox`` state file. Field names here are the simulator's own snake_case names; the
wire names (PascalCase for Postmark, snake_case/kebab-case for Mailgun) are produced only
by the endpoint modules, so that the simulator shares no field mapping with espctl's
providers.

Traffic (stats and events) is not stored: it is a pure function of ``seed`` and ``now``
(see :mod:`espctl.sandbox.traffic`), which keeps state files small.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Literal, get_args

from pydantic import BaseModel, ConfigDict, Field

StreamType = Literal["Transactional", "Inbound", "Broadcasts"]
Region = Literal["us", "eu"]

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


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", validate_assignment=False)


class PmServer(_Model):
    """A Postmark server (the object behind ``GET /server``)."""

    id: int
    name: str
    color: str = "blue"
    smtp_api_activated: bool = True
    raw_email_enabled: bool = False
    delivery_type: Literal["Live", "Sandbox"] = "Live"
    inbound_hash: str
    inbound_hook_url: str = ""
    bounce_hook_url: str = ""
    open_hook_url: str = ""
    delivery_hook_url: str = ""
    click_hook_url: str = ""
    post_first_open_only: bool = False
    inbound_domain: str = ""
    inbound_spam_threshold: int = 0
    track_opens: bool = False
    track_links: str = "None"
    include_bounce_content_in_hook: bool = False
    enable_smtp_api_error_hooks: bool = False


class PmStream(_Model):
    """A Postmark message stream."""

    id: str
    name: str
    description: str | None = None
    type: StreamType
    created_at: datetime
    updated_at: datetime | None = None
    archived_at: datetime | None = None
    unsubscribe_handling: Literal["None", "Postmark", "Custom"] = "None"


class PmTriggers(_Model):
    """The six webhook triggers, flattened."""

    open: bool = False
    open_post_first_open_only: bool = False
    click: bool = False
    delivery: bool = False
    bounce: bool = False
    bounce_include_content: bool = False
    spam_complaint: bool = False
    spam_complaint_include_content: bool = False
    subscription_change: bool = False


class PmHeader(_Model):
    name: str
    value: str


class PmWebhook(_Model):
    """A Postmark webhook (one URL on one stream)."""

    id: int
    url: str
    message_stream: str
    auth_username: str | None = None
    auth_password: str | None = None
    headers: list[PmHeader] = Field(default_factory=list)
    triggers: PmTriggers = Field(default_factory=PmTriggers)


class PmSender(_Model):
    """A Postmark sender signature."""

    id: int
    email: str
    name: str
    reply_to: str = ""
    confirmed: bool
    spf_verified: bool
    dkim_verified: bool
    return_path_domain: str = ""
    return_path_verified: bool = False


class PmDomain(_Model):
    """A Postmark sending domain with its DNS verification state."""

    id: int
    name: str
    spf_verified: bool
    dkim_verified: bool
    weak_dkim: bool = False
    dkim_selector: str
    dkim_key: str
    return_path_domain: str = ""
    return_path_verified: bool = False


class PostmarkAccount(_Model):
    """One Postmark account with one server (the server token's server)."""

    server: PmServer
    streams: list[PmStream]
    webhooks: list[PmWebhook]
    senders: list[PmSender]
    domains: list[PmDomain]
    next_webhook_id: int = 1


class MgTracking(_Model):
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


class MgDomain(_Model):
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


class MgAccountWebhook(_Model):
    """An account-level webhook: it fires for every domain of its region."""

    id: str
    region: Region
    url: str
    event_types: list[MgEvent]
    description: str = ""
    created_at: datetime


class MailgunAccount(_Model):
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


class AccountState(_Model):
    """The whole simulated account: settings plus the parameters of its traffic."""

    seed: int
    now: datetime
    postmark: PostmarkAccount
    mailgun: MailgunAccount
    version: int = 1
    #: the key of the digests that stand in for secrets in the state file (sealing.py)
    sealed_salt: str = ""

    def to_json(self) -> str:
        """Serialise to JSON text (used by the state file)."""
        return self.model_dump_json(indent=1)

    @classmethod
    def from_json(cls, text: str | bytes) -> AccountState:
        """Parse JSON text written by :meth:`to_json` (raises pydantic's ValidationError)."""
        return cls.model_validate_json(text)


def today_utc() -> datetime:
    """Current UTC time truncated to the day: the default "now" of a seeded account."""
    current = datetime.now(UTC)
    return current.replace(hour=0, minute=0, second=0, microsecond=0)
