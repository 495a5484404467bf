"""Concrete messages and events, generated from the daily truth of :mod:`traffic`.

For a (source, day) with counts ``c``, message ``i`` of ``c.sent`` has a fate decided by
one seeded shuffle: the first ``hard_bounced`` indices bounce hard, the next
``soft_bounced`` bounce soft, and among the delivered ones exactly ``deferred`` were
deferred first, ``complained`` complained, ``unique_opened`` opened (``opened`` opens in
all), and so on. Concrete events therefore add up to the truth exactly.

Only recent days are materialised (:func:`recent_days`: how many is each provider's
choice, e.g. two days of events or messages); bounces may be materialised for the whole
window because they are few. A message's id is the provider's own form of
:attr:`Message.key` (made in the provider's package).
"""

from __future__ import annotations

import hashlib
import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from functools import cached_property, lru_cache

from .traffic import DayCounts, Traffic, TrafficSource

_RECIPIENT_DOMAINS: tuple[tuple[str, str], ...] = (
    ("gmail.com", "Gmail"),
    ("gmail.com", "Gmail"),
    ("gmail.com", "Gmail"),
    ("icloud.com", "Apple"),
    ("icloud.com", "Apple"),
    ("outlook.com", "Microsoft"),
    ("yahoo.com", "Yahoo"),
    ("example.com", "Other"),
    ("acme-customers.com", "Other"),
)
_NAMES = ("alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi", "ivan", "judy")


@dataclass(frozen=True)
class DayPlan:
    """The fate of every message of one source on one day."""

    sent: int
    hard: frozenset[int]
    soft: frozenset[int]
    deferred: frozenset[int]
    complained: frozenset[int]
    opens: dict[int, int]
    clicks: dict[int, int]
    unsubscribed: frozenset[int]


def _spread(rng: random.Random, chosen: list[int], total: int) -> dict[int, int]:
    counts = dict.fromkeys(chosen, 1)
    if chosen:
        for _ in range(total - len(chosen)):
            counts[rng.choice(chosen)] += 1
    return counts


@lru_cache(maxsize=4096)
def plan_day(seed: int, source: TrafficSource, day: date, counts: DayCounts) -> DayPlan:
    """Assign fates to the ``counts.sent`` messages of ``source`` on ``day``."""
    rng = random.Random(f"plan|{seed}|{source.provider}|{source.bucket}|{source.tag}|{day}")
    order = list(range(counts.sent))
    rng.shuffle(order)
    hard = order[: counts.hard_bounced]
    soft = order[counts.hard_bounced : counts.bounced]
    delivered = order[counts.bounced :]
    deferred = delivered[: counts.deferred]
    complained = rng.sample(delivered, min(counts.complained, len(delivered)))
    openers = rng.sample(delivered, min(counts.unique_opened, len(delivered)))
    clickers = rng.sample(openers, min(counts.unique_clicked, len(openers)))
    unsub = rng.sample(openers, min(counts.unsubscribed, len(openers)))
    return DayPlan(
        sent=counts.sent,
        hard=frozenset(hard),
        soft=frozenset(soft),
        deferred=frozenset(deferred),
        complained=frozenset(complained),
        opens=_spread(rng, openers, counts.opened),
        clicks=_spread(rng, clickers, counts.clicked),
        unsubscribed=frozenset(unsub),
    )


def _digest(*parts: object) -> bytes:
    return hashlib.sha256("|".join(str(p) for p in parts).encode()).digest()


@dataclass(frozen=True)
class Message:
    """One concrete message with the facts every event about it is built from."""

    source: TrafficSource
    day: date
    index: int
    seed: int

    @cached_property
    def key(self) -> bytes:
        return _digest(self.seed, self.source.bucket, self.source.tag, self.day, self.index)

    @cached_property
    def recipient_info(self) -> tuple[str, str]:
        domain, provider = _RECIPIENT_DOMAINS[self.key[16] % len(_RECIPIENT_DOMAINS)]
        name = _NAMES[self.key[17] % len(_NAMES)]
        return f"{name}.{self.key[18:21].hex()}@{domain}", provider

    @property
    def recipient(self) -> str:
        return self.recipient_info[0]

    @cached_property
    def sent_at(self) -> datetime:
        # Mail goes out between 06:00 and 20:00 UTC so that follow-up events (at most
        # a few hours later) stay inside the day and never pass the account's "now".
        seconds = 6 * 3600 + int.from_bytes(self.key[21:24], "big") % (14 * 3600)
        micro = int.from_bytes(self.key[24:27], "big") % 1_000_000
        start = datetime.combine(self.day, time(0, 0), tzinfo=UTC)
        return start + timedelta(seconds=seconds, microseconds=micro)

    def after(self, n: int, max_seconds: int) -> datetime:
        """A deterministic moment 1..max_seconds after sending (n-th such moment)."""
        delta = int.from_bytes(_digest(self.key.hex(), n)[:4], "big") % max_seconds
        return self.sent_at + timedelta(seconds=1 + delta, microseconds=n * 731 % 1_000_000)

    @property
    def subject(self) -> str:
        return self.source.tag.replace("_", " ").capitalize()


def recent_days(traffic: Traffic, count: int) -> tuple[date, ...]:
    return traffic.days[-count:]


def iter_messages(
    traffic: Traffic, source: TrafficSource, days: tuple[date, ...]
) -> list[tuple[Message, DayPlan]]:
    """Every message of ``source`` on ``days`` with its day's plan."""
    out: list[tuple[Message, DayPlan]] = []
    for day in days:
        counts = traffic.day(source, day)
        plan = plan_day(traffic.seed, source, day, counts)
        out.extend((Message(source, day, i, traffic.seed), plan) for i in range(plan.sent))
    return out
