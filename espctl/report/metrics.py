"""Rates with explicit denominators, Wilson/Newcombe intervals and threshold bands.

Everything here is pure arithmetic on counts (ANALYTICS.md §2.1, §2.5). Rates are
recomputed from counts with one formula per metric; provider-computed rates are
never used because their denominators differ (Postmark: sent, Mailgun: delivered).

"Not enough data" rule (also printed in the report's methodology): a rate is shown
without a band when its denominator is below :data:`MIN_DENOMINATOR` (100), or its
Wilson 95 % interval is wider than :data:`MAX_INTERVAL_WIDTH` (5 percentage points),
or -- for a rate with thresholds -- its interval contains *both* threshold lines (it
cannot tell OK from Critical). An interval crossing one line keeps the band of the
point estimate and the report says which line it crosses. A denominator of zero means
"no data": no rate at all, never 0 %.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from enum import StrEnum

#: two-sided 95 % normal quantile
Z95 = 1.959963984540054
MIN_DENOMINATOR = 100
MAX_INTERVAL_WIDTH = 0.05


@dataclass(frozen=True, slots=True)
class Interval:
    """A closed interval of proportions (or of a difference of proportions)."""

    low: float
    high: float

    @property
    def width(self) -> float:
        """``high - low``."""
        return self.high - self.low

    def contains(self, value: float) -> bool:
        """Whether ``value`` lies inside (bounds included)."""
        return self.low <= value <= self.high


def wilson_interval(k: int, n: int, z: float = Z95) -> Interval | None:
    """Wilson score interval for ``k`` successes in ``n`` trials; None when ``n == 0``.

    centre = (p + z²/2n) / (1 + z²/n); half = z·√(p(1-p)/n + z²/4n²) / (1 + z²/n).
    Unlike the normal approximation it behaves at k = 0, k = n and small n.
    """
    _check_counts(k, n)
    if n == 0:
        return None
    p = k / n
    z2 = z * z
    denom = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z2 / (4 * n * n)) / denom
    # Clamp float noise: at k = 0 the lower bound is exactly 0, at k = n the upper is 1.
    low = 0.0 if k == 0 else max(0.0, centre - half)
    high = 1.0 if k == n else min(1.0, centre + half)
    return Interval(low, high)


def _check_counts(k: int, n: int) -> None:
    if n < 0 or k < 0 or k > n:
        raise ValueError(f"need 0 <= k <= n, got k={k}, n={n}")


@dataclass(frozen=True, slots=True)
class Rate:
    """``k`` of ``n`` with its point estimate and Wilson 95 % interval."""

    k: int
    n: int

    def __post_init__(self) -> None:
        _check_counts(self.k, self.n)

    @property
    def value(self) -> float | None:
        """k / n, or None when there is no data (n = 0)."""
        return self.k / self.n if self.n else None

    @property
    def interval(self) -> Interval | None:
        """The Wilson 95 % interval, or None when n = 0."""
        return wilson_interval(self.k, self.n)

    @property
    def has_data(self) -> bool:
        """Whether there is any denominator at all."""
        return self.n > 0

    @property
    def enough_data(self) -> bool:
        """The report's "not enough data" rule, negated (see module docstring)."""
        interval = self.interval
        return (
            interval is not None
            and self.n >= MIN_DENOMINATOR
            and interval.width <= MAX_INTERVAL_WIDTH
        )


def rate(k: int, n: int) -> Rate:
    """Shorthand for :class:`Rate`."""
    return Rate(k, n)


def clamped_rate(k: int, n: int) -> Rate:
    """A rate whose numerator is capped at ``n``.

    Window edges make ``k > n`` possible from daily counts (sent on the day before the
    window, delivered inside it); the methodology section says so.
    """
    n = max(n, 0)
    return Rate(min(max(k, 0), n), n)


@dataclass(frozen=True, slots=True)
class Difference:
    """p1 - p2 with Newcombe's hybrid score 95 % interval (method 10)."""

    estimate: float
    interval: Interval

    @property
    def significant(self) -> bool:
        """Whether the interval excludes 0 (only then may a "winner" be named)."""
        return not self.interval.contains(0.0)


def newcombe_difference(a: Rate, b: Rate) -> Difference | None:
    """Newcombe's interval for ``a.value - b.value``; None if either has no data.

    lower = d - √((p1-l1)² + (u2-p2)²); upper = d + √((u1-p1)² + (p2-l2)²),
    from the two Wilson intervals (Newcombe 1998).
    """
    ia, ib = a.interval, b.interval
    if ia is None or ib is None or a.value is None or b.value is None:
        return None
    p1, p2 = a.value, b.value
    d = p1 - p2
    low = d - math.sqrt((p1 - ia.low) ** 2 + (ib.high - p2) ** 2)
    high = d + math.sqrt((ia.high - p1) ** 2 + (p2 - ib.low) ** 2)
    return Difference(d, Interval(max(-1.0, low), min(1.0, high)))


class Band(StrEnum):
    """A verdict on one rate. Rendered as a word plus a shape, never colour alone."""

    ok = "ok"
    warning = "warning"
    critical = "critical"
    insufficient = "insufficient"
    no_data = "no_data"
    not_measured = "not_measured"


BAND_LABELS: dict[Band, str] = {
    Band.ok: "OK",
    Band.warning: "Warning",
    Band.critical: "Critical",
    Band.insufficient: "Not enough data",
    Band.no_data: "No data",
    Band.not_measured: "Not measured",
}
#: the shape beside each band's word (never colour alone)
BAND_SHAPES: dict[Band, str] = {
    Band.ok: "\u25cf",
    Band.warning: "\u25b2",
    Band.critical: "\u25a0",
    Band.insufficient: "\u25c7",
    Band.no_data: "\u2013",
    Band.not_measured: "?",
}


@dataclass(frozen=True, slots=True)
class Thresholds:
    """Warning and critical lines of one rate.

    ``higher_is_better`` flips the comparison (delivery rate): then a value *below*
    ``warning`` is a warning and below ``critical`` is critical.
    """

    warning: float
    critical: float
    higher_is_better: bool = False

    def band_of(self, value: float) -> Band:
        """The band of a point estimate."""
        if self.higher_is_better:
            if value < self.critical:
                return Band.critical
            return Band.warning if value < self.warning else Band.ok
        if value >= self.critical:
            return Band.critical
        return Band.warning if value >= self.warning else Band.ok

    def lines(self) -> tuple[float, float]:
        """Both threshold values, for chart lines."""
        return (self.warning, self.critical)


#: espctl defaults (ANALYTICS §2.2): Google/Yahoo complaint lines; hard-bounce bands
#: derived from SES enforcement; delivery bands are espctl's own choice. The config's
#: ``report.thresholds`` replaces them.
COMPLAINT = Thresholds(0.001, 0.003)
HARD_BOUNCE = Thresholds(0.02, 0.05)
DELIVERY = Thresholds(0.98, 0.95, higher_is_better=True)
DEFAULT_THRESHOLDS: dict[str, Thresholds] = {
    "delivery": DELIVERY,
    "hard_bounce": HARD_BOUNCE,
    "complaint": COMPLAINT,
}


def band(r: Rate, thresholds: Thresholds) -> Band:
    """``no_data`` for n = 0, ``insufficient`` under the not-enough-data rule, else
    the band of the point estimate."""
    if r.value is None:
        return Band.no_data
    if not r.enough_data or len(straddles(r, thresholds)) == len(thresholds.lines()):
        return Band.insufficient
    return thresholds.band_of(r.value)


def straddles(r: Rate, thresholds: Thresholds) -> tuple[float, ...]:
    """Threshold lines that lie inside the rate's interval (the verdict is uncertain)."""
    interval = r.interval
    if interval is None:
        return ()
    return tuple(t for t in thresholds.lines() if interval.low < t < interval.high)


def format_percent(value: float | None, digits: int | None = None) -> str:
    """A proportion as a percentage with precision that suits its size; "—" for None.

    Small rates (complaints) need more decimals than delivery rates.
    """
    if value is None:
        return "—"
    pct = value * 100
    if digits is None:
        digits = 3 if abs(pct) < 1 else (2 if abs(pct) < 10 else 1)
    return f"{pct:.{digits}f}%"


def format_interval(interval: Interval | None) -> str:
    """``"0.018%-0.56%"`` style text (with an en dash), or "—"."""
    if interval is None:
        return "—"
    return f"{format_percent(interval.low)}\u2013{format_percent(interval.high)}"


def format_line(value: float) -> str:
    """A threshold as the shortest exact percentage: 0.001 -> ``0.1%``, 0.98 -> ``98%``."""
    text = f"{value * 100:.4f}".rstrip("0").rstrip(".")
    return f"{text}%"


def format_pp(value: float | None, *, plus: bool = False) -> str:
    """A difference of two proportions in percentage points: ``+0.42 pp``, ``-1.3 pp``.

    A typographic minus (U+2212) for negatives; an em dash for None.
    """
    if value is None:
        return "\u2014"
    pts = abs(value) * 100
    digits = 3 if pts < 0.1 else (2 if pts < 10 else 1)
    sign = "\u2212" if value < 0 and round(pts, digits) else ("+" if plus else "")
    return f"{sign}{pts:.{digits}f} pp"


def format_pp_interval(interval: Interval | None) -> str:
    """``"+0.12 to +0.71 pp"`` (the unit once, at the end), or an em dash."""
    if interval is None:
        return "\u2014"
    low = format_pp(interval.low, plus=True).removesuffix(" pp")
    return f"{low} to {format_pp(interval.high, plus=True)}"


def quantile_rule(q: float) -> int:
    """The fewest samples for which quantile ``q`` (0..1) is shown: at least 10 samples
    must lie beyond it on its shorter side, n * min(q, 1 - q) >= 10. That is 20 for the
    median, 40 for p25/p75, 100 for p10/p90 and 1,000 for p99.
    """
    tail = min(q, 1 - q)
    if tail <= 0:
        raise ValueError("q must be strictly between 0 and 1")
    return math.ceil(round(10 / tail, 6))


def percentile(values: list[float], q: float) -> float | None:
    """Linear-interpolation percentile (``q`` in 0..100) of unsorted values; None if empty."""
    if not values:
        return None
    data = sorted(values)
    pos = (len(data) - 1) * q / 100
    lo = math.floor(pos)
    hi = min(lo + 1, len(data) - 1)
    return data[lo] + (data[hi] - data[lo]) * (pos - lo)


@dataclass(frozen=True, slots=True)
class MetricDef:
    """One comparable metric: counter names of its numerator and denominator.

    Names refer to fields of :class:`espctl.report.data.Counters`, so the formula
    printed in the methodology is the formula computed.
    """

    key: str
    label: str
    numerator: str
    denominator: str
    thresholds: Thresholds | None = None
    needs_tracking: bool = False
    note: str = ""


METRICS: tuple[MetricDef, ...] = (
    MetricDef("delivery", "Delivery rate", "delivered", "sent", DELIVERY),
    MetricDef("hard_bounce", "Hard bounce rate", "hard_bounced", "sent", HARD_BOUNCE),
    MetricDef("soft_bounce", "Soft bounce rate", "soft_bounced", "sent"),
    MetricDef("deferral", "Deferral rate", "deferred", "sent"),
    MetricDef("complaint", "Spam complaint rate", "complained", "delivered", COMPLAINT),
    MetricDef(
        "open",
        "Unique open rate",
        "opened_unique",
        "delivered",
        needs_tracking=True,
        note="directional only: Apple Mail Privacy Protection inflates opens",
    ),
    MetricDef("click", "Unique click rate", "clicked_unique", "delivered", needs_tracking=True),
    MetricDef("ctor", "Click-to-open rate", "clicked_unique", "opened_unique", needs_tracking=True),
    MetricDef("unsubscribe", "Unsubscribe rate", "unsubscribed", "delivered"),
)
METRICS_BY_KEY: dict[str, MetricDef] = {m.key: m for m in METRICS}
