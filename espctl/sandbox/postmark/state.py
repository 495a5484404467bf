"""The Postmark part of a sandbox account: one server with its streams, webhooks, sender
signatures and domains (the simulator's own snake_case names; :mod:`.wire` makes the
PascalCase ones)."""

from __future__ import annotations

from datetime import datetime
from typing import ClassVar, Literal

from pydantic import Field

from ..state import AccountState, ProviderState, StateModel

StreamType = Literal["Transactional", "Inbound", "Broadcasts"]


class PmServer(StateModel):
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


class PmStream(StateModel):
    """A Postmark message stream."""

    id: str
    name: str
    description: str | None = None
    type: StreamType
    created_at: datetime
    updated_at: datetime | None = None
    archived_at: datetime | None = None
    unsubscribe_handling: Literal["None", "Postmark", "Custom"] = "None"


class PmTriggers(StateModel):
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


class PmHeader(StateModel):
    name: str
    value: str


class PmWebhook(StateModel):
    """A Postmark webhook (one URL on one stream)."""

    id: int
    url: str
    message_stream: str
    auth_username: str | None = None
    auth_password: str | None = None
    headers: list[PmHeader] = Field(default_factory=list)
    triggers: PmTriggers = Field(default_factory=PmTriggers)


class PmSender(StateModel):
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


class PmDomain(StateModel):
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


class PostmarkAccount(ProviderState):
    """One Postmark account with one server (the server token's server)."""

    TYPE: ClassVar[str] = "postmark"

    server: PmServer
    streams: list[PmStream]
    webhooks: list[PmWebhook]
    senders: list[PmSender]
    domains: list[PmDomain]
    next_webhook_id: int = 1


def postmark(state: AccountState) -> PostmarkAccount:
    """The Postmark part of ``state`` (typed)."""
    return state.of(PostmarkAccount)
