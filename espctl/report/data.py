"""The frozen input of the report: :class:`ReportData` and its parts.

The report command fills it from the providers' APIs; the renderer only reads it.
All times are aware UTC datetimes and days are UTC calendar days. Strings coming from
providers (names, tags, reasons, URLs) are stored as received: the renderer escapes
them. Webhook URLs must already have credentials masked (the renderer masks again).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields
from datetime import UTC, date, datetime, timedelta
from typing import Literal

from espctl.model.events import NormalizedEvent
from espctl.model.summary import AccountInfo, TrackingInfo, WebhookInfo
from espctl.model.traffic import BounceReasonCount, ReasonSample, TrafficFailure
from espctl.providers.registry import PLANNED
from espctl.report.metrics import DEFAULT_THRESHOLDS, Thresholds, quantile_rule

#: connected: everything read; partial: some units failed (named); failed: nothing read
ProviderStatus = Literal["connected", "partial", "failed"]
#: a row of the top bounce/reject reasons (kept under the report's name)
BounceReason = BounceReasonCount


@dataclass(frozen=True, slots=True)
class Counters:
    """Message counts for one bucket (a day, a tag, a stream, a whole window).

    ``sent`` is what the provider handed to receiving servers (suppressed/rejected
    messages excluded); ``opened_unique``/``clicked_unique`` count messages with at
    least one open/click.
    """

    sent: int = 0
    delivered: int = 0
    hard_bounced: int = 0
    soft_bounced: int = 0
    complained: int = 0
    opened_unique: int = 0
    clicked_unique: int = 0
    unsubscribed: int = 0
    deferred: int = 0
    rejected: int = 0

    def __add__(self, other: Counters) -> Counters:
        return Counters(
            **{f.name: getattr(self, f.name) + getattr(other, f.name) for f in fields(self)}
        )

    def get(self, name: str) -> int:
        """One counter by field name (metric definitions name their counters)."""
        value: int = getattr(self, name)
        return value

    def as_json(self) -> dict[str, int]:
        """Counter name -> value."""
        return {f.name: getattr(self, f.name) for f in fields(self)}

    @staticmethod
    def total(items: Iterable[Counters]) -> Counters:
        """The sum of ``items`` (zero counters when empty)."""
        # Field-wise sums over tuples: ~10x faster than chained __add__ on big reports.
        columns = list(zip(*map(astuple_fast, items), strict=False))
        if not columns:
            return Counters()
        return Counters(*(sum(col) for col in columns))


COUNTER_NAMES: tuple[str, ...] = tuple(f.name for f in fields(Counters))


def astuple_fast(c: Counters) -> tuple[int, ...]:
    """The counters in field order (``dataclasses.astuple`` deep-copies; this does not)."""
    return (
        c.sent,
        c.delivered,
        c.hard_bounced,
        c.soft_bounced,
        c.complained,
        c.opened_unique,
        c.clicked_unique,
        c.unsubscribed,
        c.deferred,
        c.rejected,
    )


@dataclass(frozen=True, slots=True)
class DailyCounts:
    """Counters of one UTC day. ``measured`` is False for a day the provider reported
    nothing for (before its data starts, after it ends, in the future): a gap, not 0."""

    day: date
    counts: Counters
    measured: bool = True


@dataclass(frozen=True, slots=True)
class TagCounts:
    """Counters of one tag (the send path tags each message with its email type)."""

    tag: str
    counts: Counters


@dataclass(frozen=True, slots=True)
class StreamSeries:
    """Daily counters of one Postmark message stream or Mailgun domain (optional detail)."""

    name: str
    daily: tuple[DailyCounts, ...] = ()

    @property
    def totals(self) -> Counters:
        """The window totals of this stream."""
        return Counters.total(d.counts for d in self.daily)


@dataclass(frozen=True, slots=True)
class DriftRow:
    """One declared-vs-live difference (one row of the plan's drift table)."""

    address: str
    field: str
    declared: str
    actual: str


#: the quantiles of time to deliver, each shown only when its sample is big enough
LATENCY_QUANTILES: tuple[float, ...] = (0.10, 0.25, 0.50, 0.75, 0.90, 0.99)


@dataclass(frozen=True, slots=True)
class Latency:
    """Time to deliver (seconds) over ``samples`` delivered messages.

    ``quantiles`` pairs each of :data:`LATENCY_QUANTILES` with its value, or ``None``
    when ``samples`` is too small for it (:func:`espctl.report.metrics.quantile_rule`).
    """

    samples: int
    quantiles: tuple[tuple[float, float | None], ...] = ()
    source: str = ""

    def at(self, q: float) -> float | None:
        """The ``q`` quantile, or None (not computed, or not enough samples)."""
        return next((v for k, v in self.quantiles if abs(k - q) < 1e-9), None)

    @property
    def p50(self) -> float | None:
        return self.at(0.50)

    @property
    def p90(self) -> float | None:
        return self.at(0.90)

    @property
    def p99(self) -> float | None:
        return self.at(0.99)

    @staticmethod
    def of(seconds: Iterable[float], source: str = "") -> Latency | None:
        """Quantiles of ``seconds`` (linear interpolation); None when there are none."""
        ordered = sorted(seconds)
        if not ordered:
            return None
        n = len(ordered)
        values: list[tuple[float, float | None]] = []
        for q in LATENCY_QUANTILES:
            if n < quantile_rule(q):
                values.append((q, None))
                continue
            pos = (n - 1) * q
            lo = int(pos)
            hi = min(lo + 1, n - 1)
            values.append((q, ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)))
        return Latency(n, tuple(values), source)


@dataclass(frozen=True, slots=True)
class Coverage:
    """Which days of a window a provider reported data for.

    Days between the first and the last day with any reported activity count as
    measured (a zero there is a real zero); days outside that span are gaps.
    """

    days: int  # days in the window
    measured: int  # days with data
    first: date | None = None
    last: date | None = None

    @property
    def complete(self) -> bool:
        return self.measured == self.days


@dataclass(frozen=True, slots=True)
class PreviousWindow:
    """The window of equal length just before the report window, for comparison."""

    start: date
    end: date  # exclusive (= the report window's first day)
    totals: Counters
    coverage: Coverage


@dataclass(frozen=True, slots=True)
class CheckInfo:
    """A plan check about one provider (a failed one is part of the verdict)."""

    name: str  # e.g. "domain", "routing_target", "default_sender"
    subject: str
    ok: bool
    message: str
    #: how bad a failure is: "error" (the config cannot converge) or "warning"
    severity: str = "error"


@dataclass(frozen=True, slots=True)
class SourceInfo:
    """Where one provider's numbers came from, and how fresh they are."""

    kind: str  # "stats API", "events API", "webhook store", ...
    detail: str = ""
    fetched_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class ProviderReport:
    """Everything the report shows about one configured provider."""

    id: str
    type: str  # a provider type (the registry knows it)
    bucket_label: str = "stream"  # what ``streams`` are: "stream" or "domain"
    status: ProviderStatus = "connected"
    status_message: str = ""
    live_read: bool = True  # settings (tracking, webhooks, drift, checks) were read
    failures: tuple[TrafficFailure, ...] = ()  # units that could not be read
    units: int = 0  # units read in all (failed ones included)
    account: AccountInfo = field(default_factory=AccountInfo)
    tracking: TrackingInfo = field(default_factory=TrackingInfo)
    webhook_count: int = 0
    pending_changes: int = 0
    #: changes the config asks for that failed error checks block (never applied)
    blocked_changes: int = 0
    drift: tuple[DriftRow, ...] = ()
    daily: tuple[DailyCounts, ...] = ()
    tags: tuple[TagCounts, ...] = ()
    #: True when ``tags`` lists every tag the provider saw (Mailgun), False when only
    #: the tags espctl asked about are known (Postmark cannot list tags)
    tags_complete: bool = True
    unread_tags: tuple[str, ...] = ()
    streams: tuple[StreamSeries, ...] = ()
    reason_samples: tuple[ReasonSample, ...] = ()
    latency: Latency | None = None
    first_attempt: tuple[int, int] | None = None  # (delivered on 1st attempt, delivered)
    sources: tuple[SourceInfo, ...] = ()
    #: counters this provider's APIs do not report (shown as such, never as 0 %)
    unmeasured: tuple[str, ...] = ()
    coverage: Coverage | None = None
    previous: PreviousWindow | None = None
    checks: tuple[CheckInfo, ...] = ()

    @property
    def totals(self) -> Counters:
        """Window totals from the daily series."""
        return Counters.total(d.counts for d in self.daily)

    @property
    def measured(self) -> bool:
        """Whether any number of this provider was read (not failed)."""
        return self.status != "failed"

    @property
    def failed_checks(self) -> tuple[CheckInfo, ...]:
        """Failed checks, errors first."""
        failed = [c for c in self.checks if not c.ok]
        return tuple(sorted(failed, key=lambda c: c.severity != "error"))


@dataclass(frozen=True, slots=True)
class RoutingRuleInfo:
    """One routing rule from the config, in evaluation order.

    ``tags`` are the message tags that identify the rule's traffic; by default the
    rule's email types (the send path tags each message with its email type).
    """

    name: str
    email_types: tuple[str, ...]
    target: str
    fallbacks: tuple[str, ...] = ()
    tags: tuple[str, ...] | None = None

    @property
    def match_tags(self) -> tuple[str, ...]:
        """Tags counted as this rule's traffic."""
        return self.tags if self.tags is not None else self.email_types


@dataclass(frozen=True, slots=True)
class ReportData:
    """The whole input of :func:`espctl.report.render.render_report`."""

    window_start: datetime
    window_end: datetime
    generated_at: datetime
    espctl_version: str
    config_path: str
    config_digest: str
    providers: tuple[ProviderReport, ...] = ()
    routing_rules: tuple[RoutingRuleInfo, ...] = ()
    routing_default: str | None = None
    webhooks: tuple[WebhookInfo, ...] = ()
    recent_events: tuple[NormalizedEvent, ...] = ()  # newest last; the report shows 50
    coming_soon: tuple[str, ...] = tuple(PLANNED.values())
    #: collector-written notes for the methodology (e.g. how Postmark's US-Eastern day
    #: buckets were re-bucketed or offset into UTC days)
    data_notes: tuple[str, ...] = ()
    #: statements the reader must see first (days without data, future days, ...)
    notices: tuple[str, ...] = ()
    #: warning/critical lines per metric key (``report.thresholds`` in the config)
    thresholds: Mapping[str, Thresholds] = field(default_factory=lambda: dict(DEFAULT_THRESHOLDS))
    previous_window: tuple[date, date] | None = None  # [start, end) of the comparison

    def __post_init__(self) -> None:
        for name in ("window_start", "window_end", "generated_at"):
            value: datetime = getattr(self, name)
            if value.tzinfo is None or value.utcoffset() != timedelta(0):
                raise ValueError(f"ReportData.{name} must be an aware UTC datetime")
        if self.window_end < self.window_start:
            raise ValueError("ReportData.window_end is before window_start")


def utc(year: int, month: int, day: int, hour: int = 0) -> datetime:
    """A UTC datetime (for builders and tests)."""
    return datetime(year, month, day, hour, tzinfo=UTC)


def daily_series(start: date, rows: Iterable[Counters]) -> tuple[DailyCounts, ...]:
    """Consecutive UTC days from ``start``, one per item of ``rows``."""
    return tuple(DailyCounts(start + timedelta(days=i), c) for i, c in enumerate(rows))
