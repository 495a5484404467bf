"""A small, hand-checkable :class:`ReportData` for tests, demos and screenshots.

Numbers are chosen so the interesting cases appear: a complaint rate between the two
lines, a rate with "not enough data", a routing rule that matched nothing, drift, a
partial provider (one domain could not be read), failed checks, a webhook that fires
twice, a previous window to compare with, and latency samples too small for p99.
"""

from __future__ import annotations

import random
from datetime import date

from espctl.model.events import EventType, NormalizedEvent, RejectReason
from espctl.model.summary import (
    AccountInfo,
    DomainInfo,
    StreamInfo,
    TrackingInfo,
    WebhookInfo,
    WebhookTrigger,
)
from espctl.model.traffic import ReasonSample, TrafficFailure
from espctl.report.data import (
    BounceReason,
    CheckInfo,
    Counters,
    Coverage,
    DriftRow,
    Latency,
    PreviousWindow,
    ProviderReport,
    ReportData,
    RoutingRuleInfo,
    SourceInfo,
    StreamSeries,
    TagCounts,
    daily_series,
    utc,
)

START = date(2024, 5, 1)
DAYS = 7
PREVIOUS = date(2024, 4, 24)


def _previous(totals: Counters) -> PreviousWindow:
    """The week before the sample window, fully covered."""
    return PreviousWindow(
        PREVIOUS, START, totals, Coverage(DAYS, DAYS, PREVIOUS, date(2024, 4, 30))
    )


def _seconds(n: int, seed: int) -> list[float]:
    """``n`` plausible delivery times: mostly seconds, a tail of retried minutes."""
    rng = random.Random(seed)
    return [
        rng.lognormvariate(0.3, 0.6) if rng.random() > 0.03 else 300 + rng.random() * 900
        for _ in range(n)
    ]


def _days(sent: int, delivered: int, hard: int, soft: int, complained: int) -> list[Counters]:
    """``DAYS`` identical days (totals = 7 x the arguments)."""
    return [
        Counters(
            sent=sent,
            delivered=delivered,
            hard_bounced=hard,
            soft_bounced=soft,
            complained=complained,
            opened_unique=delivered // 2,
            clicked_unique=delivered // 10,
            unsubscribed=1,
            deferred=soft * 2,
        )
        for _ in range(DAYS)
    ]


def postmark_provider() -> ProviderReport:
    """Postmark: 7,000 sent, 6,930 delivered, 14 complaints (0.20 %)."""
    daily = daily_series(START, _days(1000, 990, 4, 6, 2))
    return ProviderReport(
        id="postmark",
        type="postmark",
        account=AccountInfo(
            description="Acme production server",
            servers=("Acme production",),
            streams=(
                StreamInfo("outbound", "Transactional", "transactional"),
                StreamInfo("newsletters", "Newsletters", "broadcasts"),
            ),
            domains=(DomainInfo("acme-mail.com", "verified", True),),
        ),
        tracking=TrackingInfo(opens=True, clicks=True, detail="links: html_and_text"),
        webhook_count=2,
        pending_changes=0,
        daily=daily,
        tags=(
            TagCounts("password_reset", Counters(sent=4000, delivered=3960)),
            TagCounts("receipt", Counters(sent=3000, delivered=2970)),
        ),
        streams=(StreamSeries("outbound", daily),),
        reason_samples=(
            ReasonSample(
                "permanent",
                70,
                70,
                (
                    BounceReason(
                        "bounced",
                        "Bounce/SoftBounce",
                        452,
                        42,
                        "smtp;452 4.2.2 The email account that you tried to reach is over quota.",
                    ),
                    BounceReason(
                        "bounced",
                        "Bounce/HardBounce",
                        550,
                        28,
                        "smtp;550 5.1.1 The email account that you tried to reach does not exist.",
                    ),
                ),
                "latest 500 per stream and type (HardBounce, SoftBounce) from /bounces",
            ),
            ReasonSample(
                "temporary",
                84,
                84,
                (
                    BounceReason(
                        "deferred", "Bounce/Transient", 421, 84, "smtp;421 4.7.0 Try later"
                    ),
                ),
                "latest 500 per stream and type (Transient) from /bounces",
            ),
        ),
        latency=Latency.of(_seconds(1500, 1), "submitted to delivered (sample)"),
        first_attempt=(6800, 6930),
        coverage=Coverage(DAYS, DAYS, START, date(2024, 5, 7)),
        previous=_previous(
            Counters(sent=6800, delivered=6740, hard_bounced=20, soft_bounced=40, complained=5)
        ),
        checks=(
            CheckInfo(
                "default_sender",
                "noreply@acme-mail.com",
                True,
                "noreply@acme-mail.com: confirmed sender signature",
            ),
        ),
        sources=(
            SourceInfo("stats API", "day buckets in US Eastern time", utc(2024, 5, 8, 1)),
            SourceInfo("bounces API"),
        ),
    )


def mailgun_provider() -> ProviderReport:
    """Mailgun: 350 sent over the week (small: "not enough data" for complaints)."""
    daily = daily_series(START, _days(50, 48, 1, 1, 0))
    return ProviderReport(
        id="mailgun",
        type="mailgun",
        bucket_label="domain",
        status="partial",
        status_message="1 unit of traffic not read",
        failures=(
            TrafficFailure(
                "domain typo.acme-mail.com",
                "permanent failures",
                "GET /v3/typo.acme-mail.com/events: HTTP 404: Domain not found",
            ),
            TrafficFailure(
                "domain typo.acme-mail.com",
                "recent events",
                "GET /v3/typo.acme-mail.com/events: HTTP 404: Domain not found",
            ),
        ),
        units=12,
        account=AccountInfo(
            description="EU region account",
            domains=(
                DomainInfo("mg.acme-mail.com", "active", True),
                DomainInfo("news.acme-mail.com", "unverified", False),
            ),
        ),
        tracking=TrackingInfo(opens=True, clicks=True),
        webhook_count=1,
        pending_changes=2,
        drift=(
            DriftRow("mailgun.tracking[news.acme-mail.com]", "click", "html_only", "true"),
            DriftRow(
                "mailgun.webhook[mg.acme-mail.com https://hooks.acme-mail.com/esp/events]",
                "events",
                "4 events",
                "6 events",
            ),
        ),
        daily=daily,
        tags=(TagCounts("newsletter", Counters(sent=350, delivered=336)),),
        streams=(StreamSeries("mg.acme-mail.com", daily),),
        reason_samples=(
            ReasonSample(
                "permanent",
                11,
                14,
                (
                    BounceReason("bounced", "failed/permanent", 550, 7, "5.1.1 No such user"),
                    BounceReason("bounced", "failed/permanent", 552, 4, "5.2.2 Mailbox full"),
                ),
                "latest 300 per domain from /v3/{domain}/events",
            ),
            ReasonSample("temporary", 0, 14, (), "latest 300 per domain"),
        ),
        latency=Latency.of(_seconds(30, 2), "accepted to delivered (sample)"),
        first_attempt=(320, 336),
        coverage=Coverage(DAYS, DAYS, START, date(2024, 5, 7)),
        previous=_previous(
            Counters(sent=360, delivered=352, hard_bounced=5, soft_bounced=3, complained=1)
        ),
        checks=(
            CheckInfo(
                "domain",
                "news.acme-mail.com",
                False,
                "news.acme-mail.com is unverified; DNS records not valid: TXT news.acme-mail.com",
                severity="warning",
            ),
            CheckInfo(
                "routing_target",
                "mailgun/news.acme-mail.com",
                False,
                "mailgun/news.acme-mail.com (rule 'marketing'): domain news.acme-mail.com is "
                "unverified: Mailgun will not send routed mail from it until it is active and "
                "verified",
                severity="warning",
            ),
        ),
        sources=(SourceInfo("metrics API", "UTC days"), SourceInfo("events API")),
    )


def sample_events() -> tuple[NormalizedEvent, ...]:
    """Three normalized events for the delivery log."""
    return (
        NormalizedEvent(
            provider="postmark",
            event_type=EventType.delivered,
            timestamp=utc(2024, 5, 7, 10),
            provider_event_type="Delivery",
            event_id="e1",
            message_id="0000-1",
            recipient="alice@example.com",
            recipient_domain="example.com",
        ),
        NormalizedEvent(
            provider="mailgun",
            event_type=EventType.bounced,
            timestamp=utc(2024, 5, 7, 11),
            provider_event_type="failed/permanent",
            event_id="e2",
            message_id="<1@mg.acme-mail.com>",
            recipient="bob@example.org",
            reject_reason=RejectReason.bounced,
            smtp_code=550,
            mta_response="No Such User Here",
        ),
        NormalizedEvent(
            provider="postmark",
            event_type=EventType.complained,
            timestamp=utc(2024, 5, 7, 12),
            provider_event_type="SpamComplaint/SpamComplaint",
            event_id="bounce:42",
            recipient="carol@example.net",
            reject_reason=RejectReason.spam,
        ),
    )


def sample_report_data(**overrides: object) -> ReportData:
    """The sample report; keyword arguments replace top-level fields."""
    values: dict[str, object] = {
        "window_start": utc(2024, 5, 1),
        "window_end": utc(2024, 5, 8),
        "generated_at": utc(2024, 5, 8, 2),
        "espctl_version": "0.1.0",
        "config_path": "espctl.yaml",
        "config_digest": "sha256:3f2a9c1d",
        "providers": (postmark_provider(), mailgun_provider()),
        "routing_rules": (
            RoutingRuleInfo(
                "auth-mail",
                ("password_reset", "magic_link"),
                "postmark/outbound",
                ("mailgun/mg.acme-mail.com",),
            ),
            RoutingRuleInfo("receipts", ("receipt", "invoice"), "postmark/receipts"),
            RoutingRuleInfo("marketing", ("newsletter", "digest"), "mailgun/news.acme-mail.com"),
            RoutingRuleInfo("alerts", ("alert",), "mailgun/mg.acme-mail.com"),
        ),
        "routing_default": "postmark/outbound",
        "webhooks": (
            WebhookInfo(
                "postmark",
                "https://esp:***@hooks.acme-mail.com/esp/events",
                "stream outbound",
                "basic auth",
                (
                    WebhookTrigger("delivered", "Delivery"),
                    WebhookTrigger("bounced", "Bounce"),
                    WebhookTrigger("complained", "SpamComplaint"),
                ),
            ),
            WebhookInfo(
                "postmark",
                "https://hooks.acme-mail.com/esp/events",
                "stream outbound",
                "none",
                (WebhookTrigger("delivered", "Delivery"),),
            ),
            WebhookInfo(
                "mailgun",
                "https://hooks.acme-mail.com/esp/events",
                "domain mg.acme-mail.com",
                "signing key",
                (
                    WebhookTrigger("delivered", "delivered"),
                    WebhookTrigger("bounced", "permanent_fail"),
                    WebhookTrigger("deferred", "temporary_fail"),
                ),
            ),
        ),
        "recent_events": sample_events(),
        "data_notes": (
            "Postmark buckets its stats by US Eastern day. espctl moved the part of each "
            "Eastern day that falls on the next UTC day onto that day (7 stream-days "
            "measured).",
        ),
        "previous_window": (PREVIOUS, START),
    }
    values.update(overrides)
    return ReportData(**values)  # type: ignore[arg-type]
