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

from espctl.report.metrics import Rate, Thresholds, format_percent

#: text #1f2933 on white is 14:1; marks below are all >= 3:1 on white (WCAG 1.4.11)
INK = "#1f2933"
MUTED = "#52606d"
GRID = "#9aa5b1"
SERIES = ("#1d4ed8", "#b45309", "#047857", "#7c3aed")


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
    height: int = 120,
    thresholds: Sequence[float] = (),
    x_labels: tuple[str, str] = ("", ""),
    y_min: float = 0.0,
) -> Markup:
    """One small-multiple line chart; ``y_max`` is shared across providers.

    ``None`` values (days without a denominator) break the line instead of drawing 0.
    ``x_labels`` are the first and last day, printed under the axis; ``y_min`` lets
    rates that live near 100 % use the height of the chart.
    """
    left, right, top, bottom = 54, 8, 8, 20
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
    parts.append(f'<g aria-hidden="true" font-size="10" fill="{MUTED}">')
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
            f'font-size="12" fill="{MUTED}">No data</text>'
        )
    parts.append("</svg>")
    return Markup("".join(parts))


def ci_bars(
    chart_id: str,
    title: str,
    rows: Sequence[tuple[str, Rate]],
    thresholds: Thresholds | None,
    width: int = 560,
) -> Markup:
    """Horizontal bars (point estimate) with Wilson 95 % whiskers and threshold lines.

    All rows share one x scale, wide enough for every interval and threshold line.
    """
    left, right, row_h, top = 130, 150, 28, 20
    height = top + row_h * max(len(rows), 1) + 18
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
    parts.append(f'<g font-size="11" fill="{INK}">')
    for j, t in enumerate(sorted(lines)):
        # Two labels side by side: anchor the left one at its end, the right at its start
        # so close lines (95 % / 98 %) do not print on top of each other.
        anchor = "end" if (j == 0 and len(lines) > 1) else ("start" if j else "middle")
        dx = -3 if anchor == "end" else (3 if anchor == "start" else 0)
        parts.append(
            f'<g aria-hidden="true"><line x1="{_f(x(t))}" y1="{top - 6}" x2="{_f(x(t))}" '
            f'y2="{height - 6}" stroke="#b91c1c" stroke-dasharray="4 3"/>'
            f'<text x="{_f(x(t) + dx)}" y="{top - 9}" text-anchor="{anchor}" fill="#b91c1c" '
            f'font-size="10">{escape(format_percent(t, 1 if t >= 0.01 else 2))}</text></g>'
        )
    if x_min > 0:
        parts.append(
            f'<text x="{left}" y="{height - 1}" font-size="9" fill="{MUTED}" '
            f'aria-hidden="true">axis starts at {escape(format_percent(x_min, 0))}</text>'
        )
    for i, (name, r) in enumerate(rows):
        cy = top + i * row_h + row_h / 2
        parts.append(
            f'<text x="{left - 8}" y="{_f(cy + 4)}" text-anchor="end">{escape(name)}</text>'
        )
        interval = r.interval
        if r.value is None or interval is None:
            parts.append(f'<text x="{left + 4}" y="{_f(cy + 4)}" fill="{MUTED}">No data</text>')
            continue
        colour = SERIES[i % len(SERIES)]
        parts.append(
            f'<rect x="{left}" y="{_f(cy - 7)}" width="{_f(max(x(r.value) - left, 1))}" '
            f'height="14" fill="{colour}" fill-opacity="0.35" stroke="{colour}"/>'
            f'<line x1="{_f(x(interval.low))}" y1="{_f(cy)}" x2="{_f(x(interval.high))}" '
            f'y2="{_f(cy)}" stroke="{INK}" stroke-width="1.5"/>'
            f'<line x1="{_f(x(interval.low))}" y1="{_f(cy - 6)}" x2="{_f(x(interval.low))}" '
            f'y2="{_f(cy + 6)}" stroke="{INK}"/>'
            f'<line x1="{_f(x(interval.high))}" y1="{_f(cy - 6)}" x2="{_f(x(interval.high))}" '
            f'y2="{_f(cy + 6)}" stroke="{INK}"/>'
            f'<text x="{width - right + 8}" y="{_f(cy + 4)}">'
            f"{escape(format_percent(r.value))} ({r.k:,}/{r.n:,})</text>"
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


def stacked_bars(
    chart_id: str, title: str, rows: Sequence[tuple[str, Sequence[Segment]]], width: int = 560
) -> Markup:
    """100 % stacked bars, one per provider, with an in-chart legend."""
    left, right, row_h, top = 130, 10, 30, 8
    legend_h = 22
    height = top + row_h * max(len(rows), 1) + legend_h + 6
    plot_w = width - left - right
    parts = _open(chart_id, title, width, height)
    parts.append(f'<g font-size="11" fill="{INK}">')
    for i, (name, segments) in enumerate(rows):
        cy = top + i * row_h
        parts.append(f'<text x="{left - 8}" y="{cy + 15}" text-anchor="end">{escape(name)}</text>')
        total = sum(s.count for s in segments)
        if total == 0:
            parts.append(f'<text x="{left + 4}" y="{cy + 15}" fill="{MUTED}">No data</text>')
            continue
        pos = float(left)
        for s in segments:
            if s.count <= 0:
                continue
            w = plot_w * s.count / total
            fill = f"url(#{s.pattern})" if s.pattern else s.fill
            parts.append(
                f'<rect x="{_f(pos)}" y="{cy + 4}" width="{_f(w)}" height="18" fill="{fill}" '
                f'stroke="#fff" stroke-width="0.5"><title>{escape(s.label)}: {s.count:,} '
                f"({escape(format_percent(s.count / total, 1))})</title></rect>"
            )
            pos += w
    first = rows[0][1] if rows else ()
    lx = float(left)
    ly = top + row_h * max(len(rows), 1) + 4
    for s in first:
        fill = f"url(#{s.pattern})" if s.pattern else s.fill
        parts.append(
            f'<rect x="{_f(lx)}" y="{ly}" width="12" height="12" fill="{fill}" stroke="{INK}" '
            f'stroke-width="0.5"/><text x="{_f(lx + 16)}" y="{ly + 10}">{escape(s.label)}</text>'
        )
        lx += 22 + 6.5 * len(s.label)
    parts.append("</g></svg>")
    return Markup("".join(parts))
