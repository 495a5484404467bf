"""Seeded traffic: the known truth behind every stats endpoint.

The truth is a set of daily counts per (provider, bucket, tag) where the bucket is what
the provider reports by (a Postmark stream id, a Mailgun domain name); each provider lists
its sources (``SandboxProvider.traffic``, in ``<type>/traffic.py``, whose docstring says
how a report reads the provider's numbers). Each day's counts are drawn from their own
``random.Random`` seeded by ``(seed, provider, bucket, tag, day)``, so any day can be
computed lazily, in any order, in any process, with the same result. Stats endpoints
aggregate these counts; concrete events (:mod:`espctl.sandbox.events`) are generated
from the same counts for the most recent days only, so they are consistent with them.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from dataclasses import dataclass, fields
from datetime import date, datetime, timedelta
from functools import lru_cache

from . import registry


@dataclass(frozen=True)
class RateProfile:
    """Per-message probabilities of one kind of traffic."""

    hard: float
    soft: float
    deferred: float
    complaint: float
    human_open: float
    apple_share: float  # share of recipients behind Apple Mail Privacy Protection
    click: float  # unique clicks per delivered
    unsubscribe: float


@dataclass(frozen=True)
class TrafficSource:
    """One stream of mail: who sends it, where, with which tag, how much and how well."""

    provider: str
    bucket: str
    tag: str
    daily_volume: int
    profile: RateProfile
    weekdays: tuple[int, ...] = (0, 1, 2, 3, 4, 5, 6)  # days it is sent (Mon=0)
    weekend_factor: float = 0.6


@dataclass(frozen=True)
class DayCounts:
    """Counts of one day (or a sum of days). ``delivered = sent - hard - soft``."""

    sent: int = 0
    delivered: int = 0
    hard_bounced: int = 0
    soft_bounced: int = 0
    deferred: int = 0
    complained: int = 0
    opened: int = 0
    unique_opened: int = 0
    clicked: int = 0
    unique_clicked: int = 0
    unsubscribed: int = 0

    def __add__(self, other: DayCounts) -> DayCounts:
        return DayCounts(*(getattr(self, f.name) + getattr(other, f.name) for f in fields(self)))

    @property
    def bounced(self) -> int:
        """Permanent failures (hard + soft)."""
        return self.hard_bounced + self.soft_bounced


def _binom(rng: random.Random, n: int, p: float) -> int:
    """Binomial draw by normal approximation (Python 3.11 has no binomialvariate)."""
    if n <= 0 or p <= 0:
        return 0
    if n * p < 20:
        return sum(1 for _ in range(n) if rng.random() < p)
    mean = n * p
    value = round(rng.gauss(mean, math.sqrt(mean * (1 - p))))
    return max(0, min(n, value))


def draw_day(seed: int, source: TrafficSource, day: date) -> DayCounts:
    """The counts of ``source`` on ``day`` (deterministic)."""
    rng = random.Random(f"{seed}|{source.provider}|{source.bucket}|{source.tag}|{day}")
    weekday = day.weekday()
    if weekday not in source.weekdays:
        return DayCounts()
    factor = source.weekend_factor if weekday >= 5 else 1.0
    sent = max(0, round(rng.gauss(source.daily_volume * factor, source.daily_volume * 0.08)))
    p = source.profile
    hard = _binom(rng, sent, p.hard)
    soft = _binom(rng, sent - hard, p.soft)
    delivered = sent - hard - soft
    deferred = _binom(rng, delivered, p.deferred)
    complained = _binom(rng, delivered, p.complaint)
    # Apple MPP: proxies open nearly every message they receive, read or not.
    open_p = p.human_open + p.apple_share * (1 - p.human_open) * 0.95
    unique_opened = _binom(rng, delivered, open_p)
    opened = unique_opened + _binom(rng, unique_opened, 0.2 + 0.3 * p.apple_share)
    unique_clicked = min(unique_opened, _binom(rng, delivered, p.click))
    clicked = unique_clicked + _binom(rng, unique_clicked, 0.4)
    unsubscribed = min(unique_opened, _binom(rng, delivered, p.unsubscribe))
    return DayCounts(
        sent=sent,
        delivered=delivered,
        hard_bounced=hard,
        soft_bounced=soft,
        deferred=deferred,
        complained=complained,
        opened=opened,
        unique_opened=unique_opened,
        clicked=clicked,
        unique_clicked=unique_clicked,
        unsubscribed=unsubscribed,
    )


@lru_cache(maxsize=16384)
def _cached_day(seed: int, source: TrafficSource, day: date) -> DayCounts:
    return draw_day(seed, source, day)


class Traffic:
    """The known truth: 90 days of daily counts ending the day before ``now``.

    Use :meth:`total` and :meth:`daily` in report tests to compare numbers, e.g.
    ``app.traffic.total(provider="mailgun", bucket="news.acme-mail.com", tag="digest")``.
    """

    def __init__(self, seed: int, now: datetime, days: int = 90) -> None:
        self.seed = seed
        self.now = now
        end = now.date()
        self.days: tuple[date, ...] = tuple(
            end - timedelta(days=offset) for offset in range(days, 0, -1)
        )
        self._day_set = frozenset(self.days)
        self._sources = tuple(s for p in registry.providers().values() for s in p.traffic)

    @property
    def sources(self) -> tuple[TrafficSource, ...]:
        """Every registered provider's sources (``SandboxProvider.traffic``), in order."""
        return self._sources

    def select(
        self,
        provider: str | None = None,
        bucket: str | None = None,
        tag: str | None = None,
    ) -> list[TrafficSource]:
        """Sources matching every given filter (``bucket`` and ``tag`` case-insensitive)."""
        return [
            s
            for s in self.sources
            if (provider is None or s.provider == provider)
            and (bucket is None or s.bucket == bucket.lower())
            and (tag is None or s.tag.lower() == tag.lower())
        ]

    def day(self, source: TrafficSource, day: date) -> DayCounts:
        """One source's counts on one day (zero outside the 90-day window)."""
        if day not in self._day_set:
            return DayCounts()
        return _cached_day(self.seed, source, day)

    def daily(
        self,
        provider: str | None = None,
        bucket: str | None = None,
        tag: str | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> dict[date, DayCounts]:
        """Per-day sums over matching sources, for days in ``[start, end]`` (inclusive)."""
        chosen = self.select(provider, bucket, tag)
        out: dict[date, DayCounts] = {}
        for day in self._window(start, end):
            total = DayCounts()
            for source in chosen:
                total = total + _cached_day(self.seed, source, day)
            out[day] = total
        return out

    def total(
        self,
        provider: str | None = None,
        bucket: str | None = None,
        tag: str | None = None,
        start: date | None = None,
        end: date | None = None,
    ) -> DayCounts:
        """Sum over matching sources and days in ``[start, end]`` (inclusive)."""
        return sum_counts(self.daily(provider, bucket, tag, start, end).values())

    def _window(self, start: date | None, end: date | None) -> list[date]:
        return [d for d in self.days if (start is None or d >= start) and (end is None or d <= end)]


def sum_counts(items: Iterable[DayCounts]) -> DayCounts:
    total = DayCounts()
    for item in items:
        total = total + item
    return total
