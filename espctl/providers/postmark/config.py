"""Postmark's config block: a server (server token), its tracking and message streams,
and the Postmark options of a webhook entry (``webhooks.<name>.postmark``)."""

from __future__ import annotations

from enum import StrEnum
from typing import Literal

from pydantic import Field

from espctl.model.common import Frozen, Secret
from espctl.providers.kit.config import ProviderConfig

DEFAULT_ENDPOINT = "https://api.postmarkapp.com"


class TrackLinks(StrEnum):
    """Link tracking, as Postmark's ``TrackLinks`` (``None``, ``HtmlAndText``, ...)."""

    none = "none"
    html_and_text = "html_and_text"
    html_only = "html_only"
    text_only = "text_only"


class StreamType(StrEnum):
    """Stream types espctl can create (Inbound streams are Postmark's own)."""

    transactional = "transactional"
    broadcasts = "broadcasts"


class PostmarkTracking(Frozen):
    """Server-wide tracking defaults. An omitted key is left unmanaged."""

    opens: bool | None = Field(default=None, description="TrackOpens: open tracking on or off.")
    links: TrackLinks | None = Field(
        default=None, description="TrackLinks: none, html_and_text, html_only or text_only."
    )


class MessageStreamSpec(Frozen):
    """One message stream. Its id is the mapping key; id and type are immutable."""

    type: StreamType = Field(description="transactional or broadcasts (immutable).")
    name: str = Field(min_length=1, max_length=100, description="Display name (max 100).")
    description: str | None = Field(
        default=None, max_length=1000, description="Optional description (max 1000, no HTML)."
    )


class PostmarkProvider(ProviderConfig):
    """A Postmark server, addressed by its server token."""

    type: Literal["postmark"] = Field(description="Provider type.")
    server_token: Secret = Field(description="Server API token: ${env:NAME}.")
    account_token: Secret | None = Field(
        default=None, description="Account API token (optional): enables sender/domain checks."
    )
    endpoint: str | None = Field(
        default=None, description="API base URL override (default https://api.postmarkapp.com)."
    )
    default_sender: str | None = Field(
        default=None, description='Default From address, e.g. "Acme <noreply@acme.com>".'
    )
    tracking: PostmarkTracking | None = Field(default=None, description="Server tracking defaults.")
    message_streams: dict[str, MessageStreamSpec] = Field(
        default_factory=dict,
        description="Message streams by id ([a-z0-9-], not starting with pm-).",
    )


class PostmarkWebhookOptions(Frozen):
    """Postmark-only webhook trigger options."""

    first_open_only: bool = Field(default=False, description="Open.PostFirstOpenOnly.")
    include_content: bool = Field(default=False, description="Bounce/SpamComplaint IncludeContent.")
