"""ReportData -> the plain values the template prints (numbers formatted, rates computed).

Keeping the arithmetic here leaves the template free of logic and makes each number
testable. Values are dicts because the template is their only reader; strings are
left unescaped (the template autoescapes them). Routing shares and webhook checks
live in :mod:`espctl.report.view_routing`.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from espctl.model.common import Event
from espctl.providers import registry
from espctl.report.data import Counters, ProviderReport, ReportData
from espctl.report.metrics import (
    BAND_LABELS,
    BAND_SHAPES,
    MAX_INTERVAL_WIDTH,
    METRICS,
    METRICS_BY_KEY,
    MIN_DENOMINATOR,
    Band,
    MetricDef,
    Rate,
    Thresholds,
    band,
    clamped_rate,
    format_interval,
    format_line,
    format_percent,
    format_pp,
    format_pp_interval,
    newcombe_difference,
    quantile_rule,
    straddles,
)
from espctl.report.view_routing import bare_url, duplicate_deliveries

#: how many provider streams/domains get their own row before the rest are summed
TOP_STREAMS = 15
RECENT_EVENTS = 50
TOP_REASONS = 10
#: the rates of the verdict strip and the period-over-period table
HEADLINE = ("complaint", "hard_bounce", "delivery")

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


def pill(b: Band, text: str = "") -> View:
    """A status: shape + word (+ detail text, unless it only repeats the word)."""
    label = BAND_LABELS[b]
    shown = "" if text.lower() == label.lower() else text
    return {"band": b, "shape": BAND_SHAPES[b], "label": label, "text": shown}


def thresholds_for(data: ReportData, metric: MetricDef) -> Thresholds | None:
    """The lines this report uses for ``metric`` (config, else espctl's default)."""
    if metric.thresholds is None:
        return None
    return data.thresholds.get(metric.key, metric.thresholds)


def metric_rate(metric: MetricDef, counts: Counters) -> Rate:
    """The metric's rate over ``counts`` (numerator capped at the denominator)."""
    return clamped_rate(counts.get(metric.numerator), counts.get(metric.denominator))


def _label(provider_type: str) -> str:
    """The provider's name as people write it (``Amazon SES``, not ``Ses``)."""
    return registry.spec(provider_type).label


def measurable(metric: MetricDef, provider: ProviderReport) -> str | None:
    """Why ``metric`` has no number for ``provider`` (None when it has one)."""
    if provider.status == "failed":
        return "not measured"
    if set(provider.unmeasured) >= {"sent", "delivered"}:
        return "not measured"
    if metric.numerator in provider.unmeasured or metric.denominator in provider.unmeasured:
        return f"not reported by {_label(provider.type)}"
    if (
        metric.needs_tracking
        and provider.tracking.opens is False
        and metric.key in ("open", "ctor")
    ):
        return "open tracking off"
    if (
        metric.needs_tracking
        and provider.tracking.opens is not None
        and not provider.tracking.any_on
    ):
        return "tracking off"
    return None


def _band(r: Rate, thresholds: Thresholds | None) -> Band:
    if thresholds is not None:
        return band(r, thresholds)
    if not r.has_data:
        return Band.no_data
    return Band.ok if r.enough_data else Band.insufficient


def rate_cell(
    metric: MetricDef, provider: ProviderReport, counts: Counters, thresholds: Thresholds | None
) -> View:
    """One cell of the comparison table."""
    why = measurable(metric, provider)
    if why is not None:
        state = "failed" if why == "not measured" else "off"
        b = Band.not_measured if why == "not measured" else Band.no_data
        return {"state": state, "text": why, "band": b}
    r = metric_rate(metric, counts)
    b = _band(r, thresholds)
    return {
        "state": "rate" if r.has_data else "nodata",
        "text": format_percent(r.value),
        "kn": f"{r.k:,}/{r.n:,}",
        "interval": format_interval(r.interval),
        "enough": r.enough_data and b is not Band.insufficient,
        "band": b,
        "band_label": BAND_LABELS[b] if thresholds or b is not Band.ok else "",
        "straddles": [format_line(t) for t in straddles(r, thresholds)] if thresholds else [],
        "rate": r,
    }


def difference_cell(metric: MetricDef, a: ProviderReport, b: ProviderReport) -> View:
    """Newcombe difference of the first two providers, in percentage points."""
    ra, rb = metric_rate(metric, a.totals), metric_rate(metric, b.totals)
    diff = newcombe_difference(ra, rb)
    comparable = measurable(metric, a) is None and measurable(metric, b) is None
    if diff is None or not comparable:
        return {"text": "—", "verdict": "no data"}
    if not (ra.enough_data and rb.enough_data):
        verdict = "not enough data"
    elif diff.significant:
        verdict = f"{a.id if diff.estimate > 0 else b.id} higher"
    else:
        verdict = "no clear difference"
    return {
        "text": format_pp(diff.estimate, plus=True),
        "ci": format_pp_interval(diff.interval),
        "verdict": verdict,
    }


def change_cell(metric: MetricDef, provider: ProviderReport, data: ReportData) -> View:
    """This window against the previous window of equal length (Newcombe, in pp)."""
    previous = provider.previous
    why = measurable(metric, provider)
    if why is not None:
        return {"state": "none", "text": why}
    now = metric_rate(metric, provider.totals)
    if previous is None or previous.coverage.measured == 0:
        return {"state": "none", "text": "no data for the previous window", "now": now}
    before = metric_rate(metric, previous.totals)
    diff = newcombe_difference(now, before)
    if diff is None:
        return {"state": "none", "text": "no data", "now": now, "before": before}
    thresholds = thresholds_for(data, metric)
    higher_is_better = thresholds.higher_is_better if thresholds else False
    if not (now.enough_data and before.enough_data):
        verdict, b = "not enough data", Band.insufficient
    elif not diff.significant:
        verdict, b = "no significant change", Band.ok
    else:
        better = (diff.estimate > 0) == higher_is_better
        direction = "up" if diff.estimate > 0 else "down"
        verdict = f"significantly {direction} ({'better' if better else 'worse'})"
        b = Band.ok if better else Band.warning
    partial = previous.coverage.measured < previous.coverage.days
    return {
        "state": "change",
        "now": now,
        "before": before,
        "now_text": f"{format_percent(now.value)} ({now.k:,}/{now.n:,})",
        "before_text": f"{format_percent(before.value)} ({before.k:,}/{before.n:,})",
        "text": format_pp(diff.estimate, plus=True),
        "ci": format_pp_interval(diff.interval),
        "verdict": verdict,
        "band": b,
        "partial": partial,
        "coverage": previous.coverage,
    }


def _rate_verdict(data: ReportData, key: str, label: str) -> View:
    metric = METRICS_BY_KEY[key]
    thresholds = thresholds_for(data, metric)
    cells = []
    for p in data.providers:
        why = measurable(metric, p)
        if why is not None:
            cells.append(pill(Band.not_measured, why))
            continue
        r = metric_rate(metric, p.totals)
        b = band(r, thresholds) if thresholds else Band.ok
        detail = f"{format_percent(r.value)} ({r.k:,}/{r.n:,})" if r.has_data else "no messages"
        if thresholds is not None and r.has_data:
            lines = " / ".join(format_line(t) for t in thresholds.lines())
            detail += f" vs {lines}"
        cross = straddles(r, thresholds) if thresholds else ()
        if cross and b is not Band.insufficient:
            detail += "; interval crosses " + " and ".join(format_line(t) for t in cross)
        change = change_cell(metric, p, data)
        if change["state"] == "change":
            detail += f"; {change['text']} vs previous window ({change['verdict']})"
        cells.append(pill(b, detail))
    return {"label": label, "anchor": "#comparison", "cells": cells}


def verdict_rows(data: ReportData) -> list[View]:
    """The verdict strip: one row per check, one cell per provider."""
    rows: list[View] = [{"label": "Data collection", "anchor": "#providers", "cells": []}]
    for p in data.providers:
        if p.status == "failed":
            cell = pill(Band.critical, f"failed: {p.status_message}")
        elif p.status == "partial":
            failed = len({f.unit for f in p.failures})
            what = f"{failed} unit{'s' if failed != 1 else ''} not read" if failed else ""
            cell = pill(Band.warning, "partial: " + (what or p.status_message))
        else:
            cell = pill(Band.ok, "complete")
        rows[0]["cells"].append(cell)
    rows.append(_rate_verdict(data, "complaint", "Spam complaint rate"))
    rows.append(_rate_verdict(data, "hard_bounce", "Hard bounce rate"))
    rows.append(_rate_verdict(data, "delivery", "Delivery rate"))
    checks = []
    for p in data.providers:
        if p.status == "failed" or (p.live_read is False):
            checks.append(pill(Band.not_measured, "not measured"))
            continue
        bad = p.failed_checks
        if bad:
            # an error (cannot converge) is critical; warnings (will not deliver well) warn
            errors = sum(1 for c in bad if c.severity == "error")
            warnings = len(bad) - errors
            counts = [
                f"{n} {word}{'s' if n != 1 else ''}"
                for n, word in ((errors, "error"), (warnings, "warning"))
                if n
            ]
            subjects = "; ".join(c.subject for c in bad)
            band = Band.critical if errors else Band.warning
            checks.append(pill(band, f"{', '.join(counts)}: {subjects}"))
        else:
            checks.append(pill(Band.ok, f"{len(p.checks)} passed" if p.checks else "none"))
    rows.append({"label": "Checks", "anchor": "#checks", "cells": checks})
    twice = duplicate_deliveries(data)
    hooks = []
    for p in data.providers:
        if p.status == "failed" or p.live_read is False:
            hooks.append(pill(Band.not_measured, "not measured"))
            continue
        mine = [d for d in twice if d["provider"] == p.id]
        n = p.webhook_count
        count = f"{n} webhook{'s' if n != 1 else ''}"
        if mine:
            events = sorted({e for d in mine for e in d["events"]})
            hooks.append(pill(Band.warning, f"{count}; fires twice for {', '.join(events)}"))
        elif n == 0:
            hooks.append(pill(Band.warning, "no webhooks"))
        else:
            hooks.append(pill(Band.ok, count))
    rows.append({"label": "Webhooks", "anchor": "#webhooks", "cells": hooks})
    drift = []
    for p in data.providers:
        if p.status == "failed" or p.live_read is False:
            drift.append(pill(Band.not_measured, "not measured"))
        elif p.blocked_changes:
            n, b = p.pending_changes, p.blocked_changes
            pending = f"{n} pending change{'s' if n != 1 else ''}; " if n else ""
            drift.append(pill(Band.critical, f"{pending}{b} blocked by failed checks"))
        elif p.pending_changes == 0:
            drift.append(pill(Band.ok, "in sync"))
        else:
            n = p.pending_changes
            drift.append(pill(Band.warning, f"{n} pending change{'s' if n != 1 else ''}"))
    rows.append({"label": "Config drift", "anchor": "#drift", "cells": drift})
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


def failure_rows(provider: ProviderReport) -> list[View]:
    """Failed units, one row per unit and error (the reads that failed listed)."""
    grouped: dict[tuple[str, str], list[str]] = {}
    for f in provider.failures:
        grouped.setdefault((f.unit, f.error), []).append(f.what)
    return [
        {"unit": unit, "what": ", ".join(whats), "error": error}
        for (unit, error), whats in grouped.items()
    ]


def reason_tables(data: ReportData) -> list[View]:
    """Failure-reason samples per provider and kind, said to be samples."""
    out = []
    names = {"permanent": "permanent failures (hard and soft bounces)", "temporary": "deferrals"}
    for p in data.providers:
        for s in p.reason_samples:
            total = f"{s.total:,}" if s.total is not None else "an unknown number of"
            top = list(s.reasons[:TOP_REASONS])
            shown = sum(r.count for r in top)
            parts = " + ".join(f"{r.count:,}" for r in top)
            summary = f"{s.sampled:,} sampled of {total} {names[s.kind]} in the window"
            if top:
                summary += f"; top reasons {parts}" if len(top) > 1 else f"; {parts} below"
            else:
                summary += "; no reasons to show"
            out.append(
                {
                    "provider": p,
                    "kind": s.kind,
                    "title": f"{p.id}: {names[s.kind]}",
                    "summary": summary,
                    "sample": s,
                    "rows": [
                        {
                            "reason": r,
                            "share": format_percent(r.count / s.sampled, 1) if s.sampled else "—",
                        }
                        for r in top
                    ],
                    "shown": shown,
                    "complete": s.total is not None and s.sampled >= s.total,
                }
            )
    return out


def latency_rows(data: ReportData) -> list[View]:
    """Time-to-deliver quantiles per provider; each needs its own sample size."""
    rows = []
    for p in data.providers:
        lat = p.latency
        cells = []
        for q in (0.50, 0.90, 0.99):
            value = lat.at(q) if lat else None
            need = quantile_rule(q)
            if lat is None:
                cells.append({"text": "—", "na": True})
            elif value is None:
                cells.append({"text": f"not enough data (needs {need:,})", "na": True})
            else:
                cells.append({"text": fmt_seconds(value), "na": False})
        first = p.first_attempt
        rows.append(
            {
                "provider": p,
                "latency": lat,
                "cells": cells,
                "first": (
                    f"{format_percent(first[0] / first[1])} ({first[0]:,}/{first[1]:,})"
                    if first and first[1]
                    else None
                ),
            }
        )
    return rows


def webhook_matrix(data: ReportData) -> tuple[list[str], list[View]]:
    """Columns (normalized events in config order, then any others) and rows."""
    events = [e.value for e in Event]
    extra = sorted({t.event for w in data.webhooks for t in w.triggers} - set(events))
    columns = events + extra
    dups = duplicate_deliveries(data)
    rows = []
    for w in data.webhooks:
        native: dict[str, list[str]] = {}
        for t in w.triggers:
            native.setdefault(t.event, []).append(t.native)
        bare = bare_url(w.url)
        twice = sorted(
            {
                e
                for d in dups
                if d["provider"] == w.provider
                and d["url"] == bare
                and (d["scope"] == w.scope or w.scope.startswith("account"))
                for e in d["events"]
            }
        )
        rows.append(
            {
                "hook": w,
                "url": mask_url(w.url),
                "twice": twice,
                "cells": [", ".join(native.get(c, [])) for c in columns],
            }
        )
    return columns, rows


def methodology(data: ReportData) -> View:
    """Formulas and rules, generated from the same definitions the numbers use."""
    lines = []
    for key in HEADLINE:
        metric = METRICS_BY_KEY[key]
        t = thresholds_for(data, metric)
        if t is None:
            continue
        w, c = (format_line(x) for x in t.lines())
        if t.higher_is_better:
            lines.append(f"{metric.label}: warning below {w}, critical below {c}")
        else:
            lines.append(f"{metric.label}: warning from {w}, critical from {c}")
    previous = data.previous_window
    return {
        "formulas": [
            {"label": m.label, "num": m.numerator, "den": m.denominator, "note": m.note}
            for m in METRICS
        ],
        "min_n": MIN_DENOMINATOR,
        "max_width": format_percent(MAX_INTERVAL_WIDTH, 0),
        "thresholds": lines,
        "quantiles": [f"p{round(q * 100)} from {quantile_rule(q):,}" for q in (0.50, 0.90, 0.99)],
        "previous": (
            f"{previous[0].isoformat()} to {(previous[1] - timedelta(days=1)).isoformat()}"
            if previous
            else None
        ),
        "notes": list(data.data_notes),
    }
