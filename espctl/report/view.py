"""ReportData -> the plain values the template prints (numbers formatted, rates computed).

Keeping the arithmetic here leaves the template free of logic and makes each number
testable. Values are dicts because the template is their only reader; strings are
left unescaped (the template autoescapes them).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from espctl.model.common import Event
from espctl.report.data import Counters, ProviderReport, ReportData
from espctl.report.metrics import (
    BAND_LABELS,
    COMPLAINT,
    MAX_INTERVAL_WIDTH,
    METRICS,
    METRICS_BY_KEY,
    MIN_DENOMINATOR,
    Band,
    MetricDef,
    Rate,
    band,
    clamped_rate,
    format_interval,
    format_percent,
    newcombe_difference,
    straddles,
)

#: how many provider streams/domains get their own row before the rest are summed
TOP_STREAMS = 15
RECENT_EVENTS = 50
TOP_REASONS = 10

View = dict[str, Any]


def fmt_time(value: datetime | None) -> str:
    """``2024-05-01 12:00 UTC`` (the report speaks UTC only)."""
    return value.strftime("%Y-%m-%d %H:%M UTC") if value else "—"


def fmt_seconds(value: float | None) -> str:
    """Seconds as ``0.8 s`` / ``12 s`` / ``3.5 min`` / ``2.1 h``."""
    if value is None:
        return "—"
    if value < 10:
        return f"{value:.1f} s"
    if value < 120:
        return f"{value:.0f} s"
    if value < 7200:
        return f"{value / 60:.1f} min"
    return f"{value / 3600:.1f} h"


def mask_recipient(address: str | None) -> str:
    """``alice@example.com`` -> ``a***@example.com``: the log must not list addresses."""
    if not address:
        return "—"
    local, at, domain = address.partition("@")
    return f"{local[:1]}***{at}{domain}" if at else f"{address[:1]}***"


def mask_url(url: str) -> str:
    """Mask the password of URL userinfo: ``https://u:p@h/x`` -> ``https://u:***@h/x``.

    The collector should already have masked it; this is a second line of defence
    that errs towards over-masking (``errors.redact`` skips passwords containing
    ``/`` or whitespace, which a hostile or broken provider response could carry).
    """
    scheme, sep, rest = url.partition("://")
    if not sep or "@" not in rest:
        return url
    userinfo, _, host = rest.partition("@")
    if ":" not in userinfo:
        return url
    user = userinfo.split(":", 1)[0]
    return f"{scheme}://{user}:***@{host}"


def metric_rate(metric: MetricDef, counts: Counters) -> Rate:
    """The metric's rate over ``counts`` (numerator capped at the denominator)."""
    return clamped_rate(counts.get(metric.numerator), counts.get(metric.denominator))


def rate_cell(metric: MetricDef, provider: ProviderReport, counts: Counters) -> View:
    """One cell of the comparison table."""
    r = metric_rate(metric, counts)
    if provider.status == "failed":
        return {"state": "failed", "text": "not connected", "band": Band.no_data}
    if metric.numerator in provider.unmeasured or metric.denominator in provider.unmeasured:
        return {
            "state": "off",
            "text": f"not reported by {provider.type.title()}",
            "band": Band.no_data,
        }
    if (
        metric.needs_tracking
        and provider.tracking.opens is False
        and metric.key in ("open", "ctor")
    ):
        return {"state": "off", "text": "open tracking off", "band": Band.no_data}
    if metric.needs_tracking and not provider.tracking.any_on:
        return {"state": "off", "text": "tracking off", "band": Band.no_data}
    b = (
        band(r, metric.thresholds)
        if metric.thresholds
        else (
            Band.no_data
            if not r.has_data
            else (Band.insufficient if not r.enough_data else Band.ok)
        )
    )
    return {
        "state": "rate" if r.has_data else "nodata",
        "text": format_percent(r.value),
        "kn": f"{r.k:,}/{r.n:,}",
        "interval": format_interval(r.interval),
        "enough": r.enough_data and b is not Band.insufficient,
        "band": b,
        "band_label": BAND_LABELS[b] if metric.thresholds or b is not Band.ok else "",
        "straddles": [format_percent(t, 1) for t in straddles(r, metric.thresholds)]
        if metric.thresholds
        else [],
        "rate": r,
    }


def difference_cell(metric: MetricDef, a: ProviderReport, b: ProviderReport) -> View:
    """Newcombe difference of the first two providers, in words."""
    ra, rb = metric_rate(metric, a.totals), metric_rate(metric, b.totals)
    diff = newcombe_difference(ra, rb)
    comparable = all(rate_cell(metric, p, p.totals)["state"] == "rate" for p in (a, b))
    if diff is None or not comparable:
        return {"text": "—", "verdict": "no data"}
    text = signed_percent(diff.estimate, plus=True)
    ci = f"{signed_percent(diff.interval.low)} to {signed_percent(diff.interval.high)}"
    if not (ra.enough_data and rb.enough_data):
        verdict = "not enough data"
    elif diff.significant:
        higher = a.id if diff.estimate > 0 else b.id
        verdict = f"{higher} higher"
    else:
        verdict = "no clear difference"
    return {"text": text, "ci": ci, "verdict": verdict}


def signed_percent(value: float, plus: bool = False) -> str:
    """A percentage with a typographic minus (U+2212) for negatives."""
    sign = "\u2212" if value < 0 else ("+" if plus else "")
    return f"{sign}{format_percent(abs(value))}"


def verdict_rows(data: ReportData) -> list[View]:
    """The verdict strip: one row per check, one cell per provider."""
    rows: list[View] = []
    checks = [
        ("complaint", "Spam complaint rate", "#comparison"),
        ("hard_bounce", "Hard bounce rate", "#comparison"),
        ("delivery", "Delivery rate", "#comparison"),
    ]
    for key, label, anchor in checks:
        metric = METRICS_BY_KEY[key]
        cells = []
        for p in data.providers:
            r = metric_rate(metric, p.totals)
            if p.status == "failed":
                cells.append({"band": Band.no_data, "text": "not connected"})
                continue
            b = band(r, metric.thresholds) if metric.thresholds else Band.ok
            detail = f"{format_percent(r.value)} ({r.k:,}/{r.n:,})" if r.has_data else "no messages"
            if key == "complaint" and r.has_data:
                detail += " vs 0.1% / 0.3%"
            cross = straddles(r, metric.thresholds) if metric.thresholds else ()
            if cross and b is not Band.insufficient:
                detail += "; interval crosses " + " and ".join(format_percent(t, 1) for t in cross)
            cells.append({"band": b, "text": detail})
        rows.append({"label": label, "anchor": anchor, "cells": cells})
    hooks = []
    for p in data.providers:
        if p.status == "failed":
            hooks.append({"band": Band.no_data, "text": "not connected"})
        elif p.webhook_count == 0:
            hooks.append({"band": Band.warning, "text": "no webhooks"})
        else:
            n = p.webhook_count
            hooks.append({"band": Band.ok, "text": f"{n} webhook{'s' if n != 1 else ''}"})
    rows.append({"label": "Webhooks", "anchor": "#webhooks", "cells": hooks})
    drift = []
    for p in data.providers:
        if p.status == "failed":
            drift.append({"band": Band.no_data, "text": "not connected"})
        elif p.pending_changes == 0:
            drift.append({"band": Band.ok, "text": "in sync"})
        else:
            n = p.pending_changes
            drift.append(
                {"band": Band.warning, "text": f"{n} pending change{'s' if n != 1 else ''}"}
            )
    rows.append({"label": "Config drift", "anchor": "#drift", "cells": drift})
    for row in rows:
        for cell in row["cells"]:
            cell["label"] = BAND_LABELS[cell["band"]]
    return rows


def stream_rows(totals: dict[str, Counters]) -> tuple[list[View], View | None]:
    """Top streams/domains by sent, plus one summed row for the rest (500 domains)."""
    ranked = sorted(totals.items(), key=lambda t: (-t[1].sent, t[0]))
    top = [
        {
            "name": n,
            "counts": c,
            "delivery": format_percent(metric_rate(METRICS_BY_KEY["delivery"], c).value),
        }
        for n, c in ranked[:TOP_STREAMS]
    ]
    rest = ranked[TOP_STREAMS:]
    if not rest:
        return top, None
    total = Counters.total(c for _, c in rest)
    return top, {
        "name": f"{len(rest)} others",
        "counts": total,
        "delivery": format_percent(metric_rate(METRICS_BY_KEY["delivery"], total).value),
    }


def routing_rows(data: ReportData) -> tuple[list[View], int]:
    """Each rule with its measured traffic share (sent, by tag, across providers)."""
    tag_sent: dict[str, int] = {}
    for p in data.providers:
        for t in p.tags:
            tag_sent[t.tag] = tag_sent.get(t.tag, 0) + t.counts.sent
    total = sum(tag_sent.values())
    rows = []
    for rule in data.routing_rules:
        sent = sum(tag_sent.get(tag, 0) for tag in rule.match_tags)
        share = sent / total if total else None
        rows.append(
            {
                "rule": rule,
                "sent": sent,
                "share": format_percent(share, 1) if share is not None else "—",
                "share_value": share or 0.0,
                "matched_nothing": sent == 0,
            }
        )
    return rows, total


def webhook_matrix(data: ReportData) -> tuple[list[str], list[View]]:
    """Columns (normalized events in config order, then any others) and rows."""
    events = [e.value for e in Event]
    extra = sorted({t.event for w in data.webhooks for t in w.triggers} - set(events))
    columns = events + extra
    rows = []
    for w in data.webhooks:
        native: dict[str, list[str]] = {}
        for t in w.triggers:
            native.setdefault(t.event, []).append(t.native)
        rows.append(
            {
                "hook": w,
                "url": mask_url(w.url),
                "cells": [", ".join(native.get(c, [])) for c in columns],
            }
        )
    return columns, rows


def methodology(data: ReportData) -> View:
    """Formulas and rules, generated from the same definitions the numbers use."""
    return {
        "formulas": [
            {"label": m.label, "num": m.numerator, "den": m.denominator, "note": m.note}
            for m in METRICS
        ],
        "min_n": MIN_DENOMINATOR,
        "max_width": format_percent(MAX_INTERVAL_WIDTH, 0),
        "complaint": [format_percent(t, 1) for t in COMPLAINT.lines()],
        "notes": list(data.data_notes),
    }
