"""Provider-neutral traffic numbers for the report, as the providers' APIs give them.

Counter names are the report's: sent, delivered, hard_bounced, soft_bounced,
complained, opened_unique, clicked_unique, unsubscribed, deferred, rejected.
Days are UTC calendar days.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date

from espctl.model.events import NormalizedEvent

COUNTERS = (
    "sent",
    "delivered",
    "hard_bounced",
    "soft_bounced",
    "complained",
    "opened_unique",
    "clicked_unique",
    "unsubscribed",
    "deferred",
    "rejected",
)

Counts = Mapping[str, int]


@dataclass(frozen=True)
class BounceReasonCount:
    """One bounce/reject reason with its provider type, SMTP code and count."""

    reason: str
    provider_type: str
    smtp_code: int | None
    count: int


@dataclass(frozen=True)
class TrafficData:
    """One provider's numbers over a window.

    ``buckets`` are per Postmark stream or Mailgun domain, per day; the provider-wide
    daily series is their sum. ``tags`` are window totals per message tag.
    """

    buckets: Mapping[str, Mapping[date, Counts]]
    tags: Mapping[str, Counts] = field(default_factory=dict)
    bounce_reasons: tuple[BounceReasonCount, ...] = ()
    events: tuple[NormalizedEvent, ...] = ()
    first_attempt: tuple[int, int] | None = None  # (delivered on 1st attempt, delivered)
    delivery_seconds: tuple[float, ...] = ()  # time to deliver samples
    sources: tuple[tuple[str, str], ...] = ()  # (kind, detail)
    notes: tuple[str, ...] = ()
    unmeasured: tuple[str, ...] = ()  # counters the provider's APIs do not report

    def daily(self) -> dict[date, dict[str, int]]:
        """The provider-wide series: buckets summed per day."""
        out: dict[date, dict[str, int]] = {}
        for series in self.buckets.values():
            for day, counts in series.items():
                row = out.setdefault(day, dict.fromkeys(COUNTERS, 0))
                for name in COUNTERS:
                    row[name] += int(counts.get(name, 0))
        return dict(sorted(out.items()))
