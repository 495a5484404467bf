"""Per-provider readers of live settings for the report: account, tracking, webhooks.

The shared report code (collect, view, render) knows providers only through
:class:`LiveAdapter`. A new provider adds one module here and one entry in
:data:`ADAPTERS`; a provider without an adapter still gets its traffic shown, with
its settings left empty.
"""

from __future__ import annotations

from typing import Protocol

from espctl.model.resources import LiveState
from espctl.report.adapters.mailgun import MailgunAdapter
from espctl.report.adapters.postmark import PostmarkAdapter
from espctl.report.data import AccountInfo, TrackingInfo, WebhookInfo


class LiveAdapter(Protocol):
    """How one provider type's live state reads in the report."""

    #: what a traffic bucket is called: "stream" (Postmark), "domain" (Mailgun)
    bucket_label: str

    def account(self, live: LiveState) -> AccountInfo:
        """Servers, streams or domains and their state."""
        ...

    def tracking(self, live: LiveState) -> TrackingInfo:
        """Open and click tracking as live."""
        ...

    def webhooks(self, provider_id: str, live: LiveState) -> list[WebhookInfo]:
        """Every live webhook URL with its triggers (credentials masked)."""
        ...


class _Unknown:
    bucket_label = "bucket"

    def account(self, live: LiveState) -> AccountInfo:
        return AccountInfo()

    def tracking(self, live: LiveState) -> TrackingInfo:
        return TrackingInfo()

    def webhooks(self, provider_id: str, live: LiveState) -> list[WebhookInfo]:
        return []


ADAPTERS: dict[str, LiveAdapter] = {"postmark": PostmarkAdapter(), "mailgun": MailgunAdapter()}


def adapter(provider_type: str) -> LiveAdapter:
    """The adapter of ``provider_type`` (an empty one for types without)."""
    return ADAPTERS.get(provider_type, _Unknown())
