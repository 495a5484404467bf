"""The Mailgun part of the seeded traffic: its domains' daily mail, by tag.

How a report reads the numbers: ``accepted = processed = sent``, ``delivered``, permanent
failures = ``hard + soft``, temporary failures = ``deferred`` (every deferred message is
delivered later), ``complained``, ``opened``/``unique_opened``, ``clicked``...
"""

from __future__ import annotations

from ..traffic import RateProfile, TrafficSource

TRANSACTIONAL_MG = RateProfile(0.011, 0.005, 0.028, 0.0002, 0.33, 0.45, 0.07, 0.0)
BROADCAST_MG = RateProfile(0.018, 0.006, 0.035, 0.0009, 0.18, 0.55, 0.028, 0.0035)
#: alerts send like Postmark's alerts stream (the same profile)
ALERTS_MG = RateProfile(0.009, 0.003, 0.010, 0.0001, 0.20, 0.40, 0.02, 0.0)

#: Tags named by quickstart.yaml's routing rules plus some no rule names.
SOURCES: tuple[TrafficSource, ...] = (
    TrafficSource("mailgun", "mg.acme-mail.com", "password_reset", 20, TRANSACTIONAL_MG),
    TrafficSource("mailgun", "mg.acme-mail.com", "magic_link", 25, TRANSACTIONAL_MG),
    TrafficSource("mailgun", "mg.acme-mail.com", "receipt", 30, TRANSACTIONAL_MG),
    TrafficSource("mailgun", "mg.acme-mail.com", "order_shipped", 150, TRANSACTIONAL_MG),
    TrafficSource("mailgun", "news.acme-mail.com", "newsletter", 1800, BROADCAST_MG, (1,), 1.0),
    TrafficSource("mailgun", "news.acme-mail.com", "digest", 420, BROADCAST_MG, (0, 1, 2, 3, 4)),
    TrafficSource("mailgun", "alerts.acme-mail.com", "system_alert", 30, ALERTS_MG),
)
