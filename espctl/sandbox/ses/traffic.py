"""The Amazon SES part of the seeded traffic: its configuration sets' daily mail, by tag.

How a report reads the numbers (VDM ``BatchGetMetricData``, :mod:`.metrics`): ``SEND =
sent``, ``DELIVERY = delivered``, ``PERMANENT_BOUNCE = hard_bounced``,
``TRANSIENT_BOUNCE = soft_bounced``, ``COMPLAINT = complained``, ``OPEN =
unique_opened``, ``CLICK = unique_clicked``; per configuration set (the bucket).
"""

from __future__ import annotations

from ..traffic import RateProfile, TrafficSource

# complaints: 0.08% of deliveries, under the 0.1% AWS asks senders to stay below. At the
# fallback's ~95 messages a day a 30-day window holds ~2 complaints; at the former
# 0.008% it held none (0 of 2,572 in the demo report), a rate no real account shows
TRANSACTIONAL_SES = RateProfile(0.005, 0.003, 0.006, 0.0008, 0.30, 0.45, 0.07, 0.0)
MARKETING_SES = RateProfile(0.012, 0.005, 0.012, 0.0008, 0.18, 0.50, 0.025, 0.003)

#: the fallback share of the quick start's transactional mail, and a set no config names
SOURCES: tuple[TrafficSource, ...] = (
    TrafficSource("ses", "transactional", "password_reset", 30, TRANSACTIONAL_SES),
    TrafficSource("ses", "transactional", "magic_link", 45, TRANSACTIONAL_SES),
    TrafficSource("ses", "transactional", "receipt", 20, TRANSACTIONAL_SES),
    TrafficSource("ses", "marketing", "product_update", 400, MARKETING_SES, (1,), 1.0),
)
