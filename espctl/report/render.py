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
    ci_bars,
    line_panel,
    stacked_bars,
)
from espctl.report.data import COUNTER_NAMES, Counters, ProviderReport, ReportData
from espctl.report.metrics import (
    BAND_LABELS,
    METRICS,
    METRICS_BY_KEY,
    Band,
    format_percent,
)

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
    """Small multiples: one row per metric, one panel per provider, shared y scale."""
    live = [p for p in data.providers if p.status == "connected"]
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
                values: list[float | None] = [float(d.counts.sent) for d in p.daily]
            else:
                values = [_day_rate(d.counts, key) for d in p.daily]
            series.append((p, values))
        y_max = max((v for _, vs in series for v in vs if v is not None), default=0.0)
        thresholds: tuple[float, ...] = ()
        y_min = 0.0
        if key is not None:
            metric = METRICS_BY_KEY[key]
            thresholds = metric.thresholds.lines() if metric.thresholds else ()
            if key == "complaint":
                # Keep the 0.3 % line on the shared scale so "below the line" is visible.
                y_max = max(y_max, max(thresholds) * 1.2)
            if key == "delivery":
                y_max = 1.0
                lowest = min((v for _, vs in series for v in vs if v is not None), default=1.0)
                # Zoom in 5-point steps so the 95 %/98 % lines and dips are visible.
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


def _comparison(data: ReportData) -> dict[str, Any]:
    providers = data.providers
    two = len(providers) == 2
    rows = []
    for metric in METRICS:
        cells = [view.rate_cell(metric, p, p.totals) for p in providers]
        diff = view.difference_cell(metric, providers[0], providers[1]) if two else None
        rows.append({"metric": metric, "cells": cells, "diff": diff})
    charts = []
    for key in ("delivery", "hard_bounce", "complaint"):
        metric = METRICS_BY_KEY[key]
        bars = [
            (p.id, view.metric_rate(metric, p.totals)) for p in providers if p.status == "connected"
        ]
        charts.append(
            ci_bars(
                f"ci-{key}",
                f"{metric.label} per provider with Wilson 95% interval"
                + (" and threshold lines" if metric.thresholds else ""),
                bars,
                metric.thresholds,
            )
        )
    return {"rows": rows, "two": two, "charts": charts}


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
                "account": {
                    "description": p.account.description,
                    "servers": list(p.account.servers),
                    "streams": [[s.id, s.name, s.type] for s in p.account.streams],
                    "domains": [[d.name, d.state] for d in p.account.domains],
                },
                "tracking": {"opens": p.tracking.opens, "clicks": p.tracking.clicks},
                "webhook_count": p.webhook_count,
                "pending_changes": p.pending_changes,
                "drift": [[d.address, d.field, d.declared, d.actual] for d in p.drift],
                "counters": list(COUNTER_NAMES),
                "daily": [[d.day.isoformat(), *counters_row(d.counts)] for d in p.daily],
                "tags": {t.tag: counters_row(t.counts) for t in p.tags},
                "stream_totals": {name: counters_row(c) for name, c in stream_totals[p.id].items()},
                "bounce_reasons": [
                    [b.reason, b.provider_type, b.smtp_code, b.count] for b in p.bounce_reasons
                ],
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
    routing, tagged_total = view.routing_rows(data)
    columns, hooks = view.webhook_matrix(data)
    # Summing 500 domains x 365 days is the costly part of a big report: do it once.
    stream_totals = {p.id: {s.name: s.totals for s in p.streams} for p in data.providers}
    cards = []
    for p in data.providers:
        top, rest = view.stream_rows(stream_totals[p.id])
        unverified = [d for d in p.account.domains if d.verified is False]
        cards.append(
            {"p": p, "totals": p.totals, "streams": top, "rest": rest, "unverified": unverified}
        )
    live = [p for p in data.providers if p.status == "connected"]
    context = {
        "d": data,
        "csp": CSP,
        "verdicts": view.verdict_rows(data),
        "cards": cards,
        "comparison": _comparison(data) if data.providers else None,
        "trends": _trends(data),
        "outcome_defs": OUTCOME_DEFS,
        "outcomes": stacked_bars(
            "outcomes",
            "Outcome of sent messages per provider (100% stacked)",
            [(p.id, _outcome_segments(p.totals)) for p in live],
        ),
        "engagement": [METRICS_BY_KEY[k] for k in ("open", "click", "ctor", "unsubscribe")],
        "rate_cell": view.rate_cell,
        "outcome_segments": _outcome_segments,
        "routing": routing,
        "tagged_total": tagged_total,
        "hook_columns": columns,
        "hooks": hooks,
        "events": list(reversed(data.recent_events[-view.RECENT_EVENTS :])),
        "method": view.methodology(data),
        "json": embed_json(_json(data, stream_totals)),
        "top_reasons": view.TOP_REASONS,
        "day_rate": _day_rate,
    }
    return _environment().get_template("report.html.j2").render(context)
