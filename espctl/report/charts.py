"""Inline SVG charts, computed in Python, safe to embed in the autoescaped template.

Every chart has ``role="img"`` with ``aria-labelledby`` pointing at its ``<title>``
(SVG ``<title>`` alone is inconsistently exposed to assistive technology) and the
template puts a table of the same numbers next to it. No scripts, no fonts, no
external references: the report's CSP forbids them. Every piece of text passes through
:func:`markupsafe.escape` because labels can contain provider-supplied strings.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

from markupsafe import Markup, escape

from espctl.report.data import Latency
from espctl.report.metrics import Rate, Thresholds, format_line, format_percent

#: text #1f2933 on white is 14:1; marks below are all >= 3:1 on white (WCAG 1.4.11)
INK = "#1f2933"
MUTED = "#52606d"
GRID = "#9aa5b1"
SERIES = ("#1d4ed8", "#b45309", "#047857", "#7c3aed")
#: chart text size in SVG user units; charts are never scaled down (they scroll in
#: their container instead), so this is the rendered size in CSS pixels: >= 11 px
FONT = 12
#: width of the comparison, outcome and latency charts: fits a 390 px phone screen
NARROW = 340


@dataclass(frozen=True, slots=True)
class Segment:
    """One part of a 100 % stacked bar."""

    label: str
    count: int
    fill: str
    pattern: str | None = None  # id of a <pattern> in OUTCOME_DEFS


def _f(value: float) -> str:
    # Fixed precision keeps the output deterministic and small.
    return f"{value:.1f}"


def _open(chart_id: str, title: str, width: int, height: int, desc: str = "") -> list[str]:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="{escape(chart_id)}" '
        f'role="img" aria-labelledby="{escape(chart_id)}-t" viewBox="0 0 {width} {height}" '
        f'width="{width}" height="{height}">',
        f'<title id="{escape(chart_id)}-t">{escape(title)}</title>',
    ]
    if desc:
        parts.append(f"<desc>{escape(desc)}</desc>")
    return parts


def line_panel(
    chart_id: str,
    title: str,
    values: Sequence[float | None],
    y_max: float,
    value_format: str = "count",
    colour: str = SERIES[0],
    width: int = 300,
    height: int = 124,
    thresholds: Sequence[float] = (),
    x_labels: tuple[str, str] = ("", ""),
    y_min: float = 0.0,
) -> Markup:
    """One small-multiple line chart; ``y_max`` is shared across providers.

    ``None`` values (days without a denominator) break the line instead of drawing 0.
    ``x_labels`` are the first and last day, printed under the axis; ``y_min`` lets
    rates that live near 100 % use the height of the chart.
    """
    left, right, top, bottom = 56, 8, 10, 22
    plot_w, plot_h = width - left - right, height - top - bottom
    y_max = y_max if y_max > y_min else y_min + 1.0
    count = max(len(values), 1)

    def x(i: int) -> float:
        return left + (plot_w * i / (count - 1) if count > 1 else plot_w / 2)

    def y(v: float) -> float:
        return top + plot_h - plot_h * (min(max(v, y_min), y_max) - y_min) / (y_max - y_min)

    def label(v: float) -> str:
        if value_format == "percent":
            return format_percent(v, 0 if v >= 0.1 else (1 if v >= 0.01 else 2))
        return f"{v:,.0f}"

    parts = _open(chart_id, title, width, height)
    parts.append(f'<g aria-hidden="true" font-size="{FONT}" fill="{MUTED}">')
    parts.append(
        f'<line x1="{left}" y1="{top + plot_h}" x2="{width - right}" y2="{top + plot_h}" '
        f'stroke="{GRID}"/><line x1="{left}" y1="{top}" x2="{width - right}" y2="{top}" '
        f'stroke="{GRID}" stroke-dasharray="2 3"/>'
        f'<text x="{left - 4}" y="{top + 4}" text-anchor="end">{escape(label(y_max))}</text>'
        f'<text x="{left - 4}" y="{top + plot_h}" text-anchor="end">'
        f"{escape(label(y_min)) if y_min else 0}</text>"
        f'<text x="{left}" y="{height - 4}">{escape(x_labels[0])}</text>'
        f'<text x="{width - right}" y="{height - 4}" text-anchor="end">{escape(x_labels[1])}</text>'
    )
    for t in thresholds:
        if y_min < t <= y_max:
            parts.append(
                f'<line x1="{left}" y1="{_f(y(t))}" x2="{width - right}" y2="{_f(y(t))}" '
                f'stroke="#b91c1c" stroke-dasharray="4 3"/>'
            )
    parts.append("</g>")
    segments: list[list[str]] = [[]]
    for i, v in enumerate(values):
        if v is None:
            if segments[-1]:
                segments.append([])
            continue
        segments[-1].append(f"{_f(x(i))},{_f(y(v))}")
    for seg in segments:
        if len(seg) == 1:
            cx, cy = seg[0].split(",")
            parts.append(f'<circle cx="{cx}" cy="{cy}" r="2" fill="{colour}"/>')
        elif seg:
            parts.append(
                f'<polyline fill="none" stroke="{colour}" stroke-width="1.5" '
                f'points="{" ".join(seg)}"/>'
            )
    if not any(v is not None for v in values):
        parts.append(
            f'<text x="{left + plot_w / 2}" y="{top + plot_h / 2}" text-anchor="middle" '
            f'font-size="{FONT + 1}" fill="{MUTED}">No data</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def ci_bars(
    chart_id: str,
    title: str,
    rows: Sequence[tuple[str, Rate]],
    thresholds: Thresholds | None,
    width: int = NARROW,
) -> Markup:
    """Horizontal bars (point estimate) with Wilson 95 % whiskers and threshold lines.

    All rows share one x scale, wide enough for every interval and threshold line.
    Each row's value is printed on its own line under the bar, so long labels never
    collide with the plot.
    """
    left, right, row_h, top = 8, 8, 46, 26
    bottom = 22
    height = top + row_h * max(len(rows), 1) + bottom
    plot_w = width - left - right
    highs = [r.interval.high for _, r in rows if r.interval is not None]
    lows = [r.interval.low for _, r in rows if r.interval is not None]
    lines = thresholds.lines() if thresholds else ()
    x_min = 0.0
    if thresholds and thresholds.higher_is_better:
        # Delivery rates live near 100 %: zoom to the interesting range, in 5 % steps.
        x_max = 1.0
        x_min = max(0.0, math.floor((min([*lows, *lines]) - 0.01) * 20) / 20)
    else:
        x_max = max([*highs, *(t * 1.25 for t in lines), 1e-6])

    def x(v: float) -> float:
        return left + plot_w * (max(v, x_min) - x_min) / (x_max - x_min)

    parts = _open(chart_id, title, width, height)
    parts.append(f'<g font-size="{FONT}" fill="{INK}">')
    # Threshold labels: centred on their line, kept inside the chart and apart.
    labels = [(t, format_line(t)) for t in sorted(lines)]
    boxes = [x(t) - _text_width(text) / 2 for t, text in labels]
    for j in range(len(labels)):
        low = left if j == 0 else boxes[j - 1] + _text_width(labels[j - 1][1]) + 6
        boxes[j] = max(boxes[j], low)
    for j in range(len(labels) - 1, -1, -1):
        high = (width - right if j == len(labels) - 1 else boxes[j + 1] - 6) - _text_width(
            labels[j][1]
        )
        boxes[j] = max(float(left), min(boxes[j], high))
    for (t, text), bx in zip(labels, boxes, strict=True):
        # The line runs through the bars only, never through the value text below them.
        segments = "".join(
            f'<line x1="{_f(x(t))}" y1="{top + i * row_h - (8 if i == 0 else 2)}" '
            f'x2="{_f(x(t))}" y2="{top + i * row_h + 22}" stroke="#b91c1c" '
            'stroke-dasharray="4 3"/>'
            for i in range(max(len(rows), 1))
        )
        parts.append(
            f'<g aria-hidden="true">{segments}'
            f'<text x="{_f(bx)}" y="{top - 12}" fill="#b91c1c">{escape(text)}</text></g>'
        )
    axis = (
        f"axis {format_percent(x_min, 0)} to {format_percent(x_max, 0)}"
        if x_min > 0
        else f"axis 0 to {format_percent(x_max, 1 if x_max >= 0.01 else 2)}"
    )
    parts.append(
        f'<text x="{left}" y="{height - 5}" fill="{MUTED}" aria-hidden="true">{escape(axis)}</text>'
    )
    for i, (name, r) in enumerate(rows):
        y0 = top + i * row_h
        bar_y = y0 + 4
        interval = r.interval
        label = f"{name}: "
        if r.value is None or interval is None:
            parts.append(
                f'<text x="{left}" y="{_f(y0 + 30)}">{escape(name)}: '
                f'<tspan fill="{MUTED}">no data</tspan></text>'
            )
            continue
        colour = SERIES[i % len(SERIES)]
        cy = bar_y + 7
        parts.append(
            f'<rect x="{left}" y="{_f(bar_y)}" width="{_f(max(x(r.value) - left, 1))}" '
            f'height="14" fill="{colour}" fill-opacity="0.35" stroke="{colour}"/>'
            f'<line x1="{_f(x(interval.low))}" y1="{_f(cy)}" x2="{_f(x(interval.high))}" '
            f'y2="{_f(cy)}" stroke="{INK}" stroke-width="1.5"/>'
            f'<line x1="{_f(x(interval.low))}" y1="{_f(cy - 6)}" x2="{_f(x(interval.low))}" '
            f'y2="{_f(cy + 6)}" stroke="{INK}"/>'
            f'<line x1="{_f(x(interval.high))}" y1="{_f(cy - 6)}" x2="{_f(x(interval.high))}" '
            f'y2="{_f(cy + 6)}" stroke="{INK}"/>'
            f'<text x="{left}" y="{_f(y0 + 34)}">{escape(label)}'
            f'<tspan font-weight="600">{escape(format_percent(r.value))}</tspan> '
            f'<tspan fill="{MUTED}">({r.k:,}/{r.n:,})</tspan></text>'
        )
    parts.append("</g></svg>")
    return Markup("".join(parts))


#: hatch patterns so outcome segments differ by more than colour
OUTCOME_DEFS = Markup(
    '<svg width="0" height="0" aria-hidden="true" focusable="false" style="position:absolute">'
    '<defs><pattern id="pat-hatch" width="6" height="6" patternUnits="userSpaceOnUse" '
    'patternTransform="rotate(45)"><rect width="6" height="6" fill="#b91c1c"/>'
    '<line x1="0" y1="0" x2="0" y2="6" stroke="#fff" stroke-width="2"/></pattern>'
    '<pattern id="pat-dots" width="5" height="5" patternUnits="userSpaceOnUse">'
    '<rect width="5" height="5" fill="#b45309"/><circle cx="2.5" cy="2.5" r="1.2" fill="#fff"/>'
    "</pattern></defs></svg>"
)


def _text_width(text: str) -> float:
    """A generous estimate of the rendered width of ``text`` at :data:`FONT` px."""
    return len(text) * FONT * 0.62


def stacked_bars(
    chart_id: str, title: str, rows: Sequence[tuple[str, Sequence[Segment]]], width: int = NARROW
) -> Markup:
    """100 % stacked bars, one per provider (name above its bar), and a wrapped legend."""
    left, right, row_h, top = 8, 8, 42, 4
    plot_w = width - left - right
    first = rows[0][1] if rows else ()
    # Lay the legend out first: items wrap onto new lines instead of running off.
    legend: list[tuple[float, int, Segment]] = []
    lx, line = float(left), 0
    for seg in first:
        item_w = 18 + _text_width(seg.label) + 12
        if lx + item_w > width - right and lx > left:
            lx, line = float(left), line + 1
        legend.append((lx, line, seg))
        lx += item_w
    lines = (line + 1) if first else 0
    height = top + row_h * max(len(rows), 1) + lines * 20 + 6
    parts = _open(chart_id, title, width, height)
    parts.append(f'<g font-size="{FONT}" fill="{INK}">')
    for i, (name, segments) in enumerate(rows):
        y0 = top + i * row_h
        parts.append(f'<text x="{left}" y="{y0 + 13}">{escape(name)}</text>')
        total = sum(s.count for s in segments)
        if total == 0:
            parts.append(f'<text x="{left}" y="{y0 + 32}" fill="{MUTED}">No data</text>')
            continue
        pos = float(left)
        for s in segments:
            if s.count <= 0:
                continue
            w = plot_w * s.count / total
            fill = f"url(#{s.pattern})" if s.pattern else s.fill
            parts.append(
                f'<rect x="{_f(pos)}" y="{y0 + 18}" width="{_f(w)}" height="18" fill="{fill}" '
                f'stroke="#fff" stroke-width="0.5"><title>{escape(s.label)}: {s.count:,} '
                f"({escape(format_percent(s.count / total, 1))})</title></rect>"
            )
            pos += w
    ly0 = top + row_h * max(len(rows), 1) + 2
    for lx, line, seg in legend:
        ly = ly0 + line * 20
        fill = f"url(#{seg.pattern})" if seg.pattern else seg.fill
        parts.append(
            f'<rect x="{_f(lx)}" y="{ly}" width="12" height="12" fill="{fill}" stroke="{INK}" '
            f'stroke-width="0.5"/><text x="{_f(lx + 16)}" y="{ly + 11}">{escape(seg.label)}</text>'
        )
    parts.append("</g></svg>")
    return Markup("".join(parts))


def _log_ticks(lo: float, hi: float) -> list[tuple[float, str]]:
    candidates = [
        (1.0, "1 s"),
        (10.0, "10 s"),
        (60.0, "1 min"),
        (600.0, "10 min"),
        (3600.0, "1 h"),
        (36000.0, "10 h"),
        (86400.0, "1 d"),
    ]
    return [(v, t) for v, t in candidates if lo <= v <= hi]


def box_plot(
    chart_id: str,
    title: str,
    rows: Sequence[tuple[str, Latency]],
    width: int = NARROW,
) -> Markup:
    """Time to deliver per provider on a log scale: box p25-p75 with the median,
    whiskers p10-p90, a tick at p99. A quantile whose sample is too small is left out
    (the table beside it says so); a row with no quantile at all says "not enough data".
    """
    left, right, row_h, top, bottom = 8, 12, 50, 6, 24
    height = top + row_h * max(len(rows), 1) + bottom
    plot_w = width - left - right
    values = [v for _, lat in rows for _, v in lat.quantiles if v is not None]
    lo = max(0.5, min(values, default=1.0) / 1.5)
    hi = max(values, default=60.0) * 1.5
    hi = max(hi, lo * 10)
    span = math.log10(hi) - math.log10(lo)

    def x(v: float) -> float:
        return left + plot_w * (math.log10(max(v, lo)) - math.log10(lo)) / span

    parts = _open(chart_id, title, width, height)
    parts.append(f'<g font-size="{FONT}" fill="{INK}">')
    axis_y = top + row_h * max(len(rows), 1)
    parts.append(
        f'<line x1="{left}" y1="{axis_y}" x2="{width - right}" y2="{axis_y}" stroke="{GRID}" '
        'aria-hidden="true"/>'
    )
    ticks = _log_ticks(lo, hi)
    for j, (v, text) in enumerate(ticks):
        anchor = "start" if j == 0 and x(v) < left + 20 else "middle"
        parts.append(
            f'<g aria-hidden="true"><line x1="{_f(x(v))}" y1="{top}" x2="{_f(x(v))}" '
            f'y2="{axis_y + 4}" stroke="{GRID}" stroke-dasharray="2 3"/>'
            f'<text x="{_f(x(v))}" y="{axis_y + 18}" text-anchor="{anchor}" fill="{MUTED}">'
            f"{escape(text)}</text></g>"
        )
    for i, (name, lat) in enumerate(rows):
        y0 = top + i * row_h
        parts.append(
            f'<text x="{left}" y="{y0 + 13}">{escape(name)} '
            f'<tspan fill="{MUTED}">(n = {lat.samples:,})</tspan></text>'
        )
        q = {k: v for k, v in lat.quantiles if v is not None}
        cy = y0 + 30
        if 0.5 not in q:
            parts.append(
                f'<text x="{left}" y="{cy + 5}" fill="{MUTED}">not enough data for a median</text>'
            )
            continue
        colour = SERIES[i % len(SERIES)]
        if 0.1 in q and 0.9 in q:
            parts.append(
                f'<line x1="{_f(x(q[0.1]))}" y1="{cy}" x2="{_f(x(q[0.9]))}" y2="{cy}" '
                f'stroke="{INK}"/>'
                f'<line x1="{_f(x(q[0.1]))}" y1="{cy - 6}" x2="{_f(x(q[0.1]))}" y2="{cy + 6}" '
                f'stroke="{INK}"/>'
                f'<line x1="{_f(x(q[0.9]))}" y1="{cy - 6}" x2="{_f(x(q[0.9]))}" y2="{cy + 6}" '
                f'stroke="{INK}"/>'
            )
        if 0.25 in q and 0.75 in q:
            parts.append(
                f'<rect x="{_f(x(q[0.25]))}" y="{cy - 9}" '
                f'width="{_f(max(x(q[0.75]) - x(q[0.25]), 1))}" height="18" fill="{colour}" '
                f'fill-opacity="0.35" stroke="{colour}"/>'
            )
        parts.append(
            f'<line x1="{_f(x(q[0.5]))}" y1="{cy - 10}" x2="{_f(x(q[0.5]))}" y2="{cy + 10}" '
            f'stroke="{INK}" stroke-width="2.5"/>'
        )
        if 0.99 in q:
            parts.append(f'<path d="M{_f(x(q[0.99]))},{cy - 7} l4,7 l-4,7 l-4,-7 z" fill="{INK}"/>')
    parts.append("</g></svg>")
    return Markup("".join(parts))
