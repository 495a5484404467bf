"""The SendGrid part of the seeded traffic: each (sub)user's daily mail, by category.

Buckets are usernames (``/v3/stats`` answers for the user the request acts for: the
account, or the subuser ``on-behalf-of`` names); tags are categories. How a report reads
the numbers: sent = ``processed``, delivered, hard bounces = ``bounces``, soft bounces =
``blocks``, ``deferred``, complained = ``spam_reports``, unique opens and clicks,
``unsubscribes``; the drops (``bounce_drops``, ``spam_report_drops``,
``unsubscribe_drops``, ``invalid_emails``) are requests SendGrid never processed, drawn
beside the day's counts (:func:`drops`), so ``requests = processed + drops``.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date

from ..traffic import RateProfile, TrafficSource, _binom

#: marketing mail: more blocks and complaints than transactional, Apple-heavy opens
PROMOTIONS_SG = RateProfile(0.012, 0.009, 0.04, 0.0008, 0.2, 0.5, 0.03, 0.003)
NEWSLETTER_SG = RateProfile(0.008, 0.006, 0.03, 0.0005, 0.28, 0.55, 0.04, 0.002)

#: usernames of the seeded account (global), its subuser, and the EU account
ACME = "acme"
MARKETING = "marketing"
ACME_EU = "acme-eu"

SOURCES: tuple[TrafficSource, ...] = (
    TrafficSource("sendgrid", ACME, "promotion", 1400, PROMOTIONS_SG, (1, 3)),
    TrafficSource("sendgrid", ACME, "product_update", 900, PROMOTIONS_SG, (2,)),
    TrafficSource("sendgrid", ACME, "winback", 300, PROMOTIONS_SG),
    TrafficSource("sendgrid", MARKETING, "newsletter", 800, NEWSLETTER_SG, (0,)),
    TrafficSource("sendgrid", ACME_EU, "promotion", 250, PROMOTIONS_SG, (1, 3)),
)


@dataclass(frozen=True)
class Drops:
    """Requests dropped before processing, by reason (``/v3/stats`` metrics)."""

    bounce_drops: int = 0
    spam_report_drops: int = 0
    unsubscribe_drops: int = 0
    invalid_emails: int = 0

    @property
    def total(self) -> int:
        return (
            self.bounce_drops
            + self.spam_report_drops
            + self.unsubscribe_drops
            + (self.invalid_emails)
        )

    def __add__(self, other: Drops) -> Drops:
        return Drops(
            self.bounce_drops + other.bounce_drops,
            self.spam_report_drops + other.spam_report_drops,
            self.unsubscribe_drops + other.unsubscribe_drops,
            self.invalid_emails + other.invalid_emails,
        )


def drops(seed: int, source: TrafficSource, day: date, sent: int) -> Drops:
    """The day's drops of ``source`` (deterministic; zero on a day without mail):
    addresses that bounced, complained or unsubscribed before, and invalid ones."""
    if sent <= 0:
        return Drops()
    rng = random.Random(f"{seed}|sendgrid-drops|{source.bucket}|{source.tag}|{day}")
    p = source.profile
    return Drops(
        bounce_drops=_binom(rng, sent, p.hard * 0.35),
        spam_report_drops=_binom(rng, sent, p.complaint * 0.5),
        unsubscribe_drops=_binom(rng, sent, p.unsubscribe * 0.6),
        invalid_emails=_binom(rng, sent, 0.0012),
    )
