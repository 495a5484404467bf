"""SendGrid response bodies espctl reads, as validated models (see :mod:`.kit.shapes`).

Field names are SendGrid's (the official OpenAPI files in ``api-specs/sendgrid/``). Only
the fields espctl reads are modelled; unknown fields are ignored. The webhook settings
mark nothing required: a field espctl compares is read with the default SendGrid means
by its absence (an event flag absent is off; ``public_key`` is returned only for signed
webhooks, as the "Get All Event Webhooks" reference says).
"""

from __future__ import annotations

from pydantic import Field

from espctl.providers.kit.shapes import WireModel


class EventWebhook(WireModel):
    """a SendGrid Event Webhook"""

    id: str | None = None  # absent on the legacy single-webhook account
    url: str | None = None
    enabled: bool = False
    friendly_name: str | None = None
    public_key: str | None = None
    processed: bool = False
    delivered: bool = False
    deferred: bool = False
    bounce: bool = False
    dropped: bool = False
    spam_report: bool = False
    open: bool = False
    click: bool = False
    unsubscribe: bool = False
    group_unsubscribe: bool = False
    group_resubscribe: bool = False


class EventWebhookList(WireModel):
    """a SendGrid Event Webhook listing"""

    max_allowed: int | None = None
    webhooks: list[EventWebhook]


class CreatedWebhook(WireModel):
    """a created SendGrid Event Webhook"""

    id: str


class SignedWebhook(WireModel):
    """a SendGrid Event Webhook's signature setting"""

    public_key: str = ""  # "" when signing is off (the spec's "Disabled" example)


class Scopes(WireModel):
    """a SendGrid scope list"""

    scopes: list[str]


class OpenTracking(WireModel):
    """SendGrid open tracking"""

    enabled: bool


class ClickTracking(WireModel):
    """SendGrid click tracking"""

    enabled: bool
    enable_text: bool


class SubscriptionTracking(WireModel):
    """SendGrid subscription tracking"""

    enabled: bool = False
    html_content: str | None = None
    plain_content: str | None = None
    replace: str | None = None
    url: str | None = None
    landing: str | None = None


class GoogleAnalytics(WireModel):
    """SendGrid Google Analytics tracking"""

    enabled: bool = False
    utm_source: str | None = None
    utm_medium: str | None = None
    utm_term: str | None = None
    utm_content: str | None = None
    utm_campaign: str | None = None


class DnsRecord(WireModel):
    """a SendGrid DNS record"""

    valid: bool
    type: str = ""
    host: str = ""


class AuthenticatedDomain(WireModel):
    """a SendGrid authenticated domain"""

    id: int
    domain: str
    subdomain: str | None = None
    valid: bool
    dns: dict[str, DnsRecord] = Field(default_factory=dict)


class VerifiedSender(WireModel):
    """a SendGrid verified sender"""

    from_email: str
    verified: bool = False


class VerifiedSenders(WireModel):
    """a SendGrid verified sender listing"""

    results: list[VerifiedSender]


class Metrics(WireModel):
    """SendGrid stats metrics"""

    requests: int = 0
    processed: int = 0
    delivered: int = 0
    deferred: int = 0
    bounces: int = 0
    blocks: int = 0
    bounce_drops: int = 0
    invalid_emails: int = 0
    spam_reports: int = 0
    spam_report_drops: int = 0
    unsubscribes: int = 0
    unsubscribe_drops: int = 0
    unique_opens: int = 0
    unique_clicks: int = 0


class StatEntry(WireModel):
    """one SendGrid stats entry"""

    name: str | None = None
    metrics: Metrics


class StatsDay(WireModel):
    """one day of SendGrid stats"""

    date: str
    stats: list[StatEntry]


class Suppression(WireModel):
    """a SendGrid bounce or block"""

    email: str
    created: int
    reason: str | None = None
    status: str | None = None
