"""Mailgun response bodies espctl reads, as validated models (see :mod:`.shapes`).

Field names are Mailgun's snake_case (ESP-API.md Part 2; the events API's items stay
raw and are parsed by :mod:`.events_mailgun`). Only the fields espctl reads are
modelled; unknown fields are ignored. Required: what the official spec
(``api-specs/mailgun/openapi.yaml``) marks required and espctl reads; optional: what
the spec or ESP-API.md says may be absent or null (``web_scheme`` inside ``tracking``,
``place_at_the_top``, unconfigured webhook events, the very old ``{"url": ...}`` form).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from espctl.providers.kit.shapes import WireModel

#: open/unsubscribe ``active``: a boolean (the spec), or the ``"yes"``/``"no"`` and
#: ``"true"``/``"false"`` strings of older answers (ESP-API.md 2.5). Anything else is not
#: a tracking answer: strict, so that a garbled body is an error, not "tracking off".
Active = bool | Literal["yes", "no", "true", "false"]
#: click ``active``, tolerant exactly here: the spec types it boolean in GET while PUT
#: takes ``htmlonly``, and clients parse ``"htmlonly"`` back (mg-php); either shape is
#: read, see ``providers.mailgun.click_setting`` for what a boolean ``true`` means
ClickActive = bool | Literal["htmlonly", "yes", "no", "true", "false"]


class Domain(WireModel):
    """a Mailgun domain"""

    name: str
    state: str  # active | unverified | disabled (mailgun-go also: inactive)
    web_scheme: str | None = None


class DomainList(WireModel):
    """a Mailgun domain listing"""

    total_count: int
    items: list[Domain]


class DnsRecord(WireModel):
    """a Mailgun DNS record"""

    record_type: str
    name: str = ""  # not required in the spec
    value: str
    valid: str  # "valid" | "unknown" | "invalid": a string, not a bool


class DomainDetail(WireModel):
    """a Mailgun domain with its DNS records"""

    domain: Domain
    sending_dns_records: list[DnsRecord] = Field(default_factory=list)


class OpenTracking(WireModel):
    """open tracking settings"""

    active: Active
    place_at_the_top: bool | None = None  # required in the spec, absent from its example


class ClickTracking(WireModel):
    """click tracking settings"""

    active: ClickActive


class UnsubscribeTracking(WireModel):
    """unsubscribe tracking settings"""

    active: Active
    html_footer: str
    text_footer: str


class Tracking(WireModel):
    """a domain's tracking settings"""

    open: OpenTracking
    click: ClickTracking
    unsubscribe: UnsubscribeTracking
    web_scheme: str | None = None  # current spec only; the legacy sample lacks it


class TrackingResponse(WireModel):
    """a Mailgun tracking settings object"""

    tracking: Tracking


class WebhookUrls(WireModel):
    """one event's webhook URLs (very old webhooks: one ``url`` string)"""

    urls: list[str] | None = None
    url: str | None = None

    def all(self) -> list[str]:
        """The URLs, the old single-``url`` form as a one-item list."""
        if self.urls is not None:
            return list(self.urls)
        return [self.url] if self.url else []


class WebhookList(WireModel):
    """a Mailgun domain webhook listing"""

    # events without webhooks are omitted or null (ESP-API.md 2.6)
    webhooks: dict[str, WebhookUrls | None]


class WebhookMap(WireModel):
    """the v4 webhook answer: the domain's whole (event -> URLs) map after the write"""

    webhooks: dict[str, WebhookUrls | None]


class AccountWebhook(WireModel):
    """an account-level webhook (``/v1/webhooks``, MG-docs; not in the saved spec)"""

    webhook_id: str
    url: str
    event_types: list[str]
    description: str = ""  # required in the docs; absent is read as none
    created_at: str = ""  # RFC 3339


class AccountWebhookList(WireModel):
    """the account-level webhooks of one region"""

    webhooks: list[AccountWebhook]


class AccountWebhookCreated(WireModel):
    """Mailgun's answer to creating an account-level webhook"""

    webhook_id: str


class WebhookResponse(WireModel):
    """a Mailgun webhook"""

    webhook: WebhookUrls


class WebhookWritten(WireModel):
    """Mailgun's answer to a webhook write"""

    message: str
    webhook: WebhookUrls


class TrackingWritten(WireModel):
    """Mailgun's answer to a tracking write"""

    message: str


class MetricDimension(WireModel):
    """one dimension value of a metrics item"""

    dimension: str
    value: str


class MetricsItem(WireModel):
    """one row of a metrics answer"""

    dimensions: list[MetricDimension]
    # counts are integers or null; rates are strings ("0.8300"): espctl reads counts only
    metrics: dict[str, int | float | str | None]


class MetricsPagination(WireModel):
    """the paging of a metrics answer"""

    skip: int = 0
    limit: int | None = None
    total: int | None = None


class MetricsResponse(WireModel):
    """a Mailgun metrics answer"""

    items: list[MetricsItem]
    pagination: MetricsPagination | None = None


class EventsPaging(WireModel):
    """an events page's paging URLs (absolute, on the API's host)"""

    next: str | None = None


class EventsPage(WireModel):
    """a Mailgun events page"""

    items: list[dict[str, object]]
    paging: EventsPaging | None = None
