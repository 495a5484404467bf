"""``render_report(data) -> str``: one self-contained, script-free HTML file.

Safety: jinja2 autoescapes every value and fails on undefined names; charts are
built with escaped text (charts.py); the embedded JSON has ``<``, ``>`` and ``&``
written as ``\\u003c``-style escapes so no provider string can close its
``<script type="application/json">`` element. A CSP meta forbids every request.
"""

from __future__ import annotations

import json
import math
from functools import cache
from typing import Any

import jinja2
from markupsafe import Markup

from espctl.report import view
from espctl.report.charts import (
    OUTCOME_DEFS,
    SERIES,
    Segment,
    box_plot,
    ci_bars,
    line_panel,
    stacked_bars,
)
from espctl.report.data import COUNTER_NAMES, Counters, ProviderReport, ReportData
from espctl.report.metrics import (
    BAND_LABELS,
    BAND_SHAPES,
    METRICS,
    METRICS_BY_KEY,
    Band,
    format_percent,
)
from espctl.report.view_routing import duplicate_deliveries, routing_view

CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'"


@cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("espctl.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )
    env.filters["pct"] = format_percent
    env.filters["when"] = view.fmt_time
    env.filters["secs"] = view.fmt_seconds
    env.filters["mask"] = view.mask_recipient
    env.globals["BAND_LABELS"] = BAND_LABELS
    env.globals["BAND_SHAPES"] = BAND_SHAPES
    env.globals["Band"] = Band
    return env


def embed_json(value: object) -> Markup:
    """JSON safe inside a ``<script>`` element (Lighthouse's escaping)."""
    text = json.dumps(value, sort_keys=True, ensure_ascii=True, separators=(",", ":"))
    text = text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return Markup(text)


def _day_rate(counts: Counters, key: str) -> float | None:
    metric = METRICS_BY_KEY[key]
    return view.metric_rate(metric, counts).value


def _trends(data: ReportData) -> list[dict[str, Any]]:
    """Small multiples: one row per metric, one panel per provider, shared y scale.

    A day without data (``measured`` False) is ``None``: a gap in the line, never 0.
    """
    live = [p for p in data.providers if p.daily]
    specs: list[tuple[str, str, str | None]] = [
        ("Daily sends", "count", None),
        ("Delivery rate", "percent", "delivery"),
        ("Hard bounce rate", "percent", "hard_bounce"),
        ("Spam complaint rate", "percent", "complaint"),
    ]
    rows = []
    for index, (title, fmt, key) in enumerate(specs):
        series: list[tuple[ProviderReport, list[float | None]]] = []
        for p in live:
            if key is None:
                values: list[float | None] = [
                    float(d.counts.sent) if d.measured else None for d in p.daily
                ]
            else:
                values = [_day_rate(d.counts, key) if d.measured else None for d in p.daily]
            series.append((p, values))
        y_max = max((v for _, vs in series for v in vs if v is not None), default=0.0)
        thresholds: tuple[float, ...] = ()
        y_min = 0.0
        if key is not None:
            metric = METRICS_BY_KEY[key]
            lines = view.thresholds_for(data, metric)
            thresholds = lines.lines() if lines else ()
            if key == "complaint":
                # Keep the critical line on the shared scale so "below the line" is visible.
                y_max = max(y_max, max(thresholds) * 1.2)
            if key == "delivery":
                y_max = 1.0
                lowest = min((v for _, vs in series for v in vs if v is not None), default=1.0)
                # Zoom in 5-point steps so the threshold lines and dips are visible.
                y_min = max(0.0, math.floor((min(lowest, *thresholds) - 0.01) * 20) / 20)
        panels = [
            {
                "provider": p,
                "svg": line_panel(
                    f"trend-{index}-{i}",
                    f"{title}, {p.id}, per UTC day",
                    values,
                    y_max,
                    fmt,
                    SERIES[i % len(SERIES)],
                    thresholds=thresholds,
                    y_min=y_min,
                    x_labels=(
                        (p.daily[0].day.isoformat(), p.daily[-1].day.isoformat())
                        if p.daily
                        else ("", "")
                    ),
                ),
                "gaps": sum(1 for v in values if v is None),
            }
            for i, (p, values) in enumerate(series)
        ]
        rows.append({"title": title, "panels": panels})
    return rows


def _outcome_segments(c: Counters) -> list[Segment]:
    other = max(c.sent - c.delivered - c.hard_bounced - c.soft_bounced, 0)
    return [
        Segment("Delivered", c.delivered, "#047857"),
        Segment("Soft bounced", c.soft_bounced, "#b45309", "pat-dots"),
        Segment("Hard bounced", c.hard_bounced, "#b91c1c", "pat-hatch"),
        Segment("Pending / other", other, "#64748b"),
    ]


#: the three comparison charts: key, visible title, caption (each says what it shows)
_CHARTS: tuple[tuple[str, str, str], ...] = (
    (
        "delivery",
        "Delivery rate",
        "Delivered / sent. Dashed lines: the warning and critical thresholds; the "
        "axis starts where the lowest interval or line does.",
    ),
    (
        "hard_bounce",
        "Hard bounce rate",
        "Hard bounces / sent. A bar past a dashed line means that provider is above "
        "that threshold; whiskers show how sure the rate is.",
    ),
    (
        "complaint",
        "Spam complaint rate",
        "Complaints / delivered, against Google's and Yahoo's 0.1 % and 0.3 % lines "
        "(or the config's). Gmail does not report complaints to ESPs.",
    ),
)


def _comparison(data: ReportData) -> dict[str, Any]:
    providers = data.providers
    two = len(providers) == 2
    rows = []
    for metric in METRICS:
        thresholds = view.thresholds_for(data, metric)
        cells = [view.rate_cell(metric, p, p.totals, thresholds) for p in providers]
        diff = view.difference_cell(metric, providers[0], providers[1]) if two else None
        rows.append({"metric": metric, "cells": cells, "diff": diff})
    charts = []
    for key, title, caption in _CHARTS:
        metric = METRICS_BY_KEY[key]
        bars = [
            (p.id, view.metric_rate(metric, p.totals))
            for p in providers
            if view.measurable(metric, p) is None
        ]
        charts.append(
            {
                "id": f"ci-{key}",
                "title": title,
                "caption": caption,
                "svg": ci_bars(
                    f"ci-{key}",
                    f"{metric.label} per provider with Wilson 95% interval and thresholds",
                    bars,
                    view.thresholds_for(data, metric),
                ),
            }
        )
    changes = [
        {
            "metric": METRICS_BY_KEY[key],
            "cells": [view.change_cell(METRICS_BY_KEY[key], p, data) for p in providers],
        }
        for key in ("delivery", "hard_bounce", "complaint")
    ]
    return {"rows": rows, "two": two, "charts": charts, "changes": changes}


def _json(data: ReportData, stream_totals: dict[str, dict[str, Counters]]) -> dict[str, Any]:
    """The embedded archive: per-provider daily series, per-stream totals (not per day,
    which would be ~10x the size of the whole page for 500 domains), no raw payloads."""

    def counters_row(c: Counters) -> list[int]:
        return [c.get(n) for n in COUNTER_NAMES]

    providers = []
    for p in data.providers:
        providers.append(
            {
                "id": p.id,
                "type": p.type,
                "status": p.status,
                "status_message": p.status_message,
                "failures": [[f.unit, f.what, f.error] for f in p.failures],
                "account": {
                    "description": p.account.description,
                    "servers": list(p.account.servers),
                    "streams": [[s.id, s.name, s.type] for s in p.account.streams],
                    "domains": [[d.name, d.state] for d in p.account.domains],
                },
                "tracking": {"opens": p.tracking.opens, "clicks": p.tracking.clicks},
                "webhook_count": p.webhook_count,
                "pending_changes": p.pending_changes,
                "blocked_changes": p.blocked_changes,
                "checks": [[c.name, c.subject, c.ok, c.message, c.severity] for c in p.checks],
                "drift": [[d.address, d.field, d.declared, d.actual] for d in p.drift],
                "counters": list(COUNTER_NAMES),
                # a day without data is null, never a row of zeros
                "daily": [
                    [d.day.isoformat(), *counters_row(d.counts)]
                    if d.measured
                    else [d.day.isoformat(), None]
                    for d in p.daily
                ],
                "previous": (
                    {
                        "start": p.previous.start.isoformat(),
                        "end": p.previous.end.isoformat(),
                        "days_measured": p.previous.coverage.measured,
                        "totals": counters_row(p.previous.totals),
                    }
                    if p.previous
                    else None
                ),
                "tags": {t.tag: counters_row(t.counts) for t in p.tags},
                "stream_totals": {name: counters_row(c) for name, c in stream_totals[p.id].items()},
                "reason_samples": [
                    {
                        "kind": s.kind,
                        "sampled": s.sampled,
                        "total": s.total,
                        "reasons": [
                            [b.reason, b.provider_type, b.smtp_code, b.count] for b in s.reasons
                        ],
                    }
                    for s in p.reason_samples
                ],
                "latency": (
                    {
                        "samples": p.latency.samples,
                        "quantiles": [[q, v] for q, v in p.latency.quantiles],
                    }
                    if p.latency
                    else None
                ),
                "first_attempt": list(p.first_attempt) if p.first_attempt else None,
            }
        )
    events = []
    for e in data.recent_events[-view.RECENT_EVENTS :]:
        item = e.as_json()
        item["recipient"] = view.mask_recipient(e.recipient)
        events.append(item)
    return {
        "format": "espctl-report/1",
        "window": [data.window_start.isoformat(), data.window_end.isoformat()],
        "generated_at": data.generated_at.isoformat(),
        "espctl_version": data.espctl_version,
        "config": {"path": data.config_path, "digest": data.config_digest},
        "thresholds": {
            k: [t.warning, t.critical, t.higher_is_better] for k, t in data.thresholds.items()
        },
        "notices": list(data.notices),
        "providers": providers,
        "routing": {
            "default": data.routing_default,
            "rules": [
                [r.name, list(r.email_types), r.target, list(r.fallbacks)]
                for r in data.routing_rules
            ],
        },
        "webhooks": [
            [
                w.provider,
                view.mask_url(w.url),
                w.scope,
                w.auth,
                [[t.event, t.native] for t in w.triggers],
            ]
            for w in data.webhooks
        ],
        "recent_events": events,
    }


def render_report(data: ReportData) -> str:
    """The report as one HTML document (UTF-8 text, deterministic for equal input)."""
    columns, hooks = view.webhook_matrix(data)
    # Summing 500 domains x 365 days is the costly part of a big report: do it once.
    stream_totals = {p.id: {s.name: s.totals for s in p.streams} for p in data.providers}
    cards = []
    for p in data.providers:
        top, rest = view.stream_rows(stream_totals[p.id])
        unverified = [d for d in p.account.domains if d.verified is False]
        cards.append(
            {
                "p": p,
                "totals": p.totals,
                "streams": top,
                "rest": rest,
                "unverified": unverified,
                "failures": view.failure_rows(p),
            }
        )
    live = [p for p in data.providers if p.daily]
    latency = [(p.id, p.latency) for p in data.providers if p.latency]
    context = {
        "d": data,
        "csp": CSP,
        "verdicts": view.verdict_rows(data),
        "failed_checks": [(p, c) for p in data.providers for c in p.failed_checks],
        "twice": duplicate_deliveries(data),
        "cards": cards,
        "comparison": _comparison(data) if data.providers else None,
        "trends": _trends(data),
        "outcome_defs": OUTCOME_DEFS,
        "outcomes": stacked_bars(
            "outcomes-chart",
            "Outcome of sent messages per provider (100% stacked)",
            [(p.id, _outcome_segments(p.totals)) for p in live],
        ),
        "reasons": view.reason_tables(data),
        "engagement": [METRICS_BY_KEY[k] for k in ("open", "click", "ctor", "unsubscribe")],
        "rate_cell": view.rate_cell,
        "thresholds_for": view.thresholds_for,
        "outcome_segments": _outcome_segments,
        "latency": view.latency_rows(data),
        "latency_chart": (
            box_plot(
                "latency-box",
                "Time to deliver per provider, log scale: box p25 to p75, line median, "
                "whiskers p10 to p90, diamond p99",
                latency,
            )
            if latency
            else None
        ),
        "routing": routing_view(data),
        "hook_columns": columns,
        "hooks": hooks,
        "events": list(reversed(data.recent_events[-view.RECENT_EVENTS :])),
        "method": view.methodology(data),
        "json": embed_json(_json(data, stream_totals)),
        "top_reasons": view.TOP_REASONS,
        "day_rate": _day_rate,
    }
    return _environment().get_template("report.html.j2").render(context)
