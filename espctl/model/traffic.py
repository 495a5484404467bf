"""Provider-neutral traffic numbers for the report, as the providers' APIs give them.

Counter names are the report's: sent, delivered, hard_bounced, soft_bounced,
complained, opened_unique, clicked_unique, unsubscribed, deferred, rejected.
Days are UTC calendar days.

A provider's traffic reader answers one :class:`TrafficQuery` with one
:class:`TrafficData`. Reads are split into small units (one domain, one stream, one
tag, one endpoint); a unit that fails is recorded as a :class:`TrafficFailure` and
the others are still returned, so one bad domain never hides a whole provider.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Literal

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
EXAMPLE_CHARS = 120
FailureKind = Literal["permanent", "temporary"]


@dataclass(frozen=True)
class TrafficQuery:
    """What the report asks a provider for.

    ``[start, end)`` is the report window (UTC days). Daily series are read from
    ``history_start`` (the start of the previous window of equal length, for the
    period-over-period comparison); tags, failure samples and events cover the window
    only. ``buckets`` are the streams or domains to read (empty: the provider picks),
    ``tags`` the message tags the routing rules name.
    """

    start: date
    end: date
    history_start: date
    buckets: tuple[str, ...] = ()
    tags: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if not self.history_start <= self.start < self.end:
            raise ValueError("TrafficQuery needs history_start <= start < end")


@dataclass(frozen=True)
class BounceReasonCount:
    """One bounce/reject reason with its provider type, SMTP code and count."""

    reason: str
    provider_type: str
    smtp_code: int | None
    count: int
    example: str = ""  # the most common server response of this reason, shortened


@dataclass(frozen=True)
class ReasonSample:
    """Failure reasons counted over a *sample* of failure records, never all of them.

    ``sampled`` records were read out of ``total`` failures of this ``kind`` in the
    window (``None`` when the provider does not say how many there were).
    """

    kind: FailureKind
    sampled: int
    total: int | None
    reasons: tuple[BounceReasonCount, ...]
    detail: str = ""  # how the sample was drawn, e.g. "latest 300 per domain"


@dataclass(frozen=True)
class TrafficFailure:
    """One unit of a provider's traffic that could not be read."""

    unit: str  # e.g. "domain typo.example.com", "stream newsletters", "tag receipt"
    what: str  # e.g. "events", "daily stats", "tag totals"
    error: str  # the provider error in one line (never a credential)

    @property
    def text(self) -> str:
        """``"domain x: events: HTTP 404 ..."``."""
        return f"{self.unit}: {self.what}: {self.error}"


@dataclass(frozen=True)
class TrafficData:
    """One provider's numbers for one :class:`TrafficQuery`.

    ``buckets`` are per Postmark stream or Mailgun domain, per day, from the query's
    ``history_start`` to its ``end``; the provider-wide daily series is their sum.
    ``tags`` are window totals per message tag; ``tags_complete`` says whether every
    tag the provider saw is listed (Mailgun's tag dimension) or only the tags espctl
    knew to ask about (Postmark has no tag listing).
    """

    buckets: Mapping[str, Mapping[date, Counts]]
    tags: Mapping[str, Counts] = field(default_factory=dict)
    tags_complete: bool = False
    unread_tags: tuple[str, ...] = ()  # tags whose totals could not be read
    reason_samples: tuple[ReasonSample, ...] = ()
    events: tuple[NormalizedEvent, ...] = ()
    first_attempt: tuple[int, int] | None = None  # (delivered on 1st attempt, delivered)
    delivery_seconds: tuple[float, ...] = ()  # time to deliver samples
    latency_source: str = ""  # how delivery_seconds were measured
    sources: tuple[tuple[str, str], ...] = ()  # (kind, detail)
    notes: tuple[str, ...] = ()
    unmeasured: tuple[str, ...] = ()  # counters the provider's APIs do not report
    failures: tuple[TrafficFailure, ...] = ()
    units: int = 0  # how many units were read (failed ones included)

    def daily(self) -> dict[date, dict[str, int]]:
        """The provider-wide series: buckets summed per day."""
        out: dict[date, dict[str, int]] = {}
        for series in self.buckets.values():
            for day, counts in series.items():
                row = out.setdefault(day, dict.fromkeys(COUNTERS, 0))
                for name in COUNTERS:
                    row[name] += int(counts.get(name, 0))
        return dict(sorted(out.items()))


def tally_reasons(events: list[NormalizedEvent], limit: int = 10) -> tuple[BounceReasonCount, ...]:
    """The ``limit`` most common (reason, provider type, SMTP code) among ``events``."""
    counts: dict[tuple[str, str, int | None], int] = {}
    texts: dict[tuple[str, str, int | None], dict[str, int]] = {}
    for event in events:
        reason = event.reject_reason.value if event.reject_reason else event.event_type.value
        key = (reason, event.provider_event_type, event.smtp_code)
        counts[key] = counts.get(key, 0) + 1
        text = (event.mta_response or event.description or "").strip()[:EXAMPLE_CHARS]
        if text:
            seen = texts.setdefault(key, {})
            seen[text] = seen.get(text, 0) + 1
    ranked = sorted(counts.items(), key=lambda kv: (-kv[1], kv[0][0], kv[0][1], kv[0][2] or 0))
    out = []
    for (r, p, code), n in ranked[:limit]:
        seen = texts.get((r, p, code), {})
        example = min(seen, key=lambda t: (-seen[t], t)) if seen else ""
        out.append(BounceReasonCount(r, p, code, n, example))
    return tuple(out)
