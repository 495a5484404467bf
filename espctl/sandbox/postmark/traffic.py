"""The Postmark part of the seeded traffic: its streams' daily mail, by tag.

How a report reads the numbers: ``Sent = sent``, ``Bounced = hard_bounced +
soft_bounced``, bounce report ``HardBounce``/``SoftBounce``/``Transient = deferred``,
``SpamComplaints = complained``, ``Opens``/``UniqueOpens``, ``TotalClicks = clicked``,
``UniqueLinksClicked``.
"""

from __future__ import annotations

from ..traffic import RateProfile, TrafficSource

TRANSACTIONAL_PM = RateProfile(0.004, 0.002, 0.008, 0.00005, 0.38, 0.45, 0.09, 0.0)
ALERTS_PM = RateProfile(0.009, 0.003, 0.010, 0.0001, 0.20, 0.40, 0.02, 0.0)
BROADCAST_PM = RateProfile(0.011, 0.004, 0.015, 0.0006, 0.22, 0.50, 0.030, 0.002)

#: Tags named by quickstart.yaml's routing rules plus some no rule names.
SOURCES: tuple[TrafficSource, ...] = (
    TrafficSource("postmark", "outbound", "password_reset", 180, TRANSACTIONAL_PM),
    TrafficSource("postmark", "outbound", "magic_link", 260, TRANSACTIONAL_PM),
    TrafficSource("postmark", "outbound", "email_verification", 120, TRANSACTIONAL_PM),
    TrafficSource("postmark", "outbound", "receipt", 340, TRANSACTIONAL_PM),
    TrafficSource("postmark", "outbound", "invoice", 60, TRANSACTIONAL_PM),
    TrafficSource("postmark", "outbound", "welcome", 90, TRANSACTIONAL_PM),
    TrafficSource("postmark", "outbound", "account_alert", 40, TRANSACTIONAL_PM),
    TrafficSource("postmark", "newsletters", "product_update", 900, BROADCAST_PM, (3,), 1.0),
    TrafficSource("postmark", "legacy-alerts", "system_alert", 25, ALERTS_PM),
)
