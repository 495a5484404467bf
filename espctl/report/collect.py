"""Build :class:`ReportData` from what the providers said (pure: no I/O).

The report command reads each provider's live state and traffic; this module turns
those, the config and the plan into the renderer's input: provider cards, traffic
series (days without data are gaps), the previous window, checks, drift rows,
webhooks with masked URLs, routing rules, recent events, and the notices the reader
must see first. Nothing here knows a provider by name beyond the live-state readers
``_account``/``_tracking``/``_webhooks``.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from operator import add, itemgetter

from espctl.config.models import Config
from espctl.engine.plan import Plan
from espctl.engine.redaction import SENSITIVE
from espctl.model.events import NormalizedEvent, dedupe
from espctl.model.resources import LiveState
from espctl.model.summary import AccountInfo, WebhookInfo
from espctl.model.text import plural
from espctl.model.traffic import COUNTERS, TrafficData
from espctl.providers import registry
from espctl.report.data import (
    CheckInfo,
    Counters,
    Coverage,
    DailyCounts,
    DriftRow,
    Latency,
    PreviousWindow,
    ProviderReport,
    ProviderStatus,
    ReportData,
    RoutingRuleInfo,
    SourceInfo,
    StreamSeries,
    TagCounts,
)
from espctl.report.metrics import Thresholds


@dataclass(frozen=True)
class ProviderInput:
    """What was read from one provider.

    ``live`` (settings) and ``traffic`` are read independently: either may be missing
    with its error set, and what was read is still shown (the provider is "partial").
    """

    id: str
    type: str
    live: LiveState | None = None
    traffic: TrafficData | None = None
    live_error: str | None = None
    traffic_error: str | None = None

    @property
    def error(self) -> str | None:
        """The first error, if any."""
        return self.live_error or self.traffic_error


_ZERO = dict.fromkeys(COUNTERS, 0)
_GET = itemgetter(*COUNTERS)
Row = tuple[int, ...]


def _row(counts: Mapping[str, int]) -> Row:
    """Counts as a tuple in :data:`COUNTERS` order (missing counters are 0).

    Tuples (built by ``itemgetter`` in C) keep a 500-domain, two-year report fast.
    """
    row: Row = _GET({**_ZERO, **counts})
    return row


def _counters(counts: Mapping[str, int]) -> Counters:
    return Counters(*_row(counts))


def _rows(buckets: Mapping[str, Mapping[date, Mapping[str, int]]]) -> dict[str, dict[date, Row]]:
    return {name: {d: _row(c) for d, c in series.items()} for name, series in buckets.items()}


def _sum_days(rows: Mapping[str, Mapping[date, Row]]) -> dict[date, Row]:
    """The provider-wide series: buckets summed per day."""
    out: dict[date, Row] = {}
    for series in rows.values():
        for day, row in series.items():
            seen = out.get(day)
            out[day] = row if seen is None else tuple(map(add, seen, row))
    return out


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days)]


def _active_span(series: Mapping[date, Row], last_day: date) -> tuple[date, date] | None:
    """First and last day with any reported activity (up to ``last_day``), or None."""
    active = [d for d, row in series.items() if d <= last_day and any(row)]
    return (min(active), max(active)) if active else None


def _coverage(days: Sequence[date], span: tuple[date, date] | None) -> Coverage:
    measured = [d for d in days if span and span[0] <= d <= span[1]]
    return Coverage(
        len(days),
        len(measured),
        measured[0] if measured else None,
        measured[-1] if measured else None,
    )


def _series(
    series: Mapping[date, Row],
    days: Sequence[date],
    span: tuple[date, date] | None,
) -> tuple[DailyCounts, ...]:
    """One row per day; a day outside the active span is a gap (``measured=False``)."""
    zero = Counters()
    out = []
    for d in days:
        if span is not None and span[0] <= d <= span[1]:
            row = series.get(d)
            out.append(DailyCounts(d, Counters(*row) if row else zero, True))
        else:
            out.append(DailyCounts(d, zero, False))
    return tuple(out)


def _drift(plan: Plan | None, provider: str) -> tuple[DriftRow, ...]:
    if plan is None:
        return ()
    rows = []
    for change in plan.changes:
        if change.provider != provider:
            continue
        address = f"{change.kind} {change.key}"
        if change.action == "create":
            rows.append(DriftRow(address, "(resource)", "present", "missing"))
        elif change.action == "delete":
            rows.append(DriftRow(address, "(resource)", "absent (prune)", "present"))
        for f in change.fields if change.action == "update" else ():
            if f.sensitive:
                rows.append(DriftRow(address, f.name, SENSITIVE, "(differs)"))
            else:
                rows.append(DriftRow(address, f.name, _text(f.after), _text(f.before)))
    return tuple(rows)


def _text(value: object) -> str:
    if isinstance(value, str):
        return value
    return json.dumps(value, sort_keys=True)


def _thresholds(config: Config) -> dict[str, Thresholds]:
    lines = config.report.thresholds
    return {
        "delivery": Thresholds(
            lines.delivery.warning / 100, lines.delivery.critical / 100, higher_is_better=True
        ),
        "hard_bounce": Thresholds(
            lines.hard_bounce.warning / 100, lines.hard_bounce.critical / 100
        ),
        "complaint": Thresholds(lines.complaint.warning / 100, lines.complaint.critical / 100),
    }


def _checks(item: ProviderInput, plan: Plan | None) -> tuple[CheckInfo, ...]:
    found = plan.checks if plan is not None else (item.live.checks if item.live else ())
    return tuple(
        CheckInfo(c.name, c.subject, c.ok, c.message, c.severity)
        for c in found
        if c.provider == item.id
    )


def _status(item: ProviderInput) -> tuple[ProviderStatus, str]:
    traffic = item.traffic
    if item.live is None and (traffic is None or _nothing_read(traffic)):
        return "failed", item.error or "nothing could be read"
    problems = []
    if item.live_error:
        problems.append(f"settings not read: {item.live_error}")
    if item.traffic_error:
        problems.append(f"traffic not read: {item.traffic_error}")
    if traffic is not None and traffic.failures:
        n = len({f.unit for f in traffic.failures})
        problems.append(f"{n} unit{'s' if n != 1 else ''} of traffic not read")
    return ("partial" if problems else "connected"), "; ".join(problems)


def _nothing_read(traffic: TrafficData) -> bool:
    return traffic.units > 0 and len(traffic.failures) >= traffic.units


def _provider(
    item: ProviderInput,
    config: Config,
    plan: Plan | None,
    window: tuple[date, date],
    history: tuple[date, date] | None,
    last_day: date,
    generated_at: datetime,
) -> ProviderReport:
    status, message = _status(item)
    traffic = item.traffic
    live = item.live
    reader = registry.spec(item.type).summary
    common = {
        "id": item.id,
        "type": item.type,
        "bucket_label": reader.bucket_label,
        "status": status,
        "status_message": message,
        "account": reader.account(live) if live is not None else AccountInfo(),
        "checks": _checks(item, plan) if live is not None else (),
        "live_read": live is not None,
    }
    if status == "failed":
        return ProviderReport(**common)  # type: ignore[arg-type]
    live_fields: dict[str, object] = {}
    if live is not None:
        hooks = reader.webhooks(item.id, live)
        live_fields = {
            "tracking": reader.tracking(live),
            "webhook_count": len(hooks),
            "pending_changes": sum(1 for c in plan.changes if c.provider == item.id) if plan else 0,
            "blocked_changes": sum(1 for b in plan.blocked_changes if b.change.provider == item.id)
            if plan
            else 0,
            "drift": _drift(plan, item.id),
        }
    if traffic is None or _nothing_read(traffic):
        return ProviderReport(
            **common,  # type: ignore[arg-type]
            **live_fields,  # type: ignore[arg-type]
            failures=traffic.failures if traffic else (),
            units=traffic.units if traffic else 0,
            unmeasured=tuple(COUNTERS),
        )
    days = _days(*window)
    rows_by_bucket = _rows(traffic.buckets)
    daily = _sum_days(rows_by_bucket)
    span = _active_span(daily, last_day)
    previous = None
    if history is not None:
        before = _days(*history)
        rows = _series(daily, before, span)
        previous = PreviousWindow(
            history[0],
            history[1],
            Counters.total(r.counts for r in rows),
            _coverage(before, span),
        )
    return ProviderReport(
        **common,  # type: ignore[arg-type]
        **live_fields,  # type: ignore[arg-type]
        failures=traffic.failures,
        units=traffic.units,
        daily=_series(daily, days, span),
        coverage=_coverage(days, span),
        previous=previous,
        tags=tuple(TagCounts(t, _counters(c)) for t, c in sorted(traffic.tags.items())),
        tags_complete=traffic.tags_complete,
        unread_tags=traffic.unread_tags,
        streams=tuple(
            StreamSeries(name, _series(series, days, span))
            for name, series in sorted(rows_by_bucket.items())
        ),
        reason_samples=traffic.reason_samples,
        latency=Latency.of(traffic.delivery_seconds, traffic.latency_source),
        first_attempt=traffic.first_attempt,
        unmeasured=traffic.unmeasured,
        sources=tuple(SourceInfo(kind, detail, generated_at) for kind, detail in traffic.sources),
    )


def _notices(
    reports: Sequence[ProviderReport], window: tuple[date, date], today: date
) -> list[str]:
    start, end = window
    days = (end - start).days
    out = []
    future = (end - today).days - 1
    if future > 0:
        out.append(
            f"The window reaches {future} day{'s' if future != 1 else ''} past today "
            f"({today.isoformat()}, UTC): no data can exist for "
            f"{'them' if future != 1 else 'it'} yet; they are gaps in the charts."
        )
    measured = [p for p in reports if p.coverage is not None]
    if measured and all(p.coverage and p.coverage.measured == 0 for p in measured):
        out.append(
            f"No provider reported any traffic in this window ({start.isoformat()} to "
            f"{(end - timedelta(days=1)).isoformat()}): it lies before the accounts' data, "
            "or outside what the providers keep. Every rate below is 'no data', never 0 %."
        )
        return out
    for p in measured:
        cov = p.coverage
        if cov is None or cov.complete or cov.measured == 0:
            continue
        out.append(
            f"{p.id} reported data for {cov.measured} of {plural(days, 'day')} "
            f"({cov.first} to {cov.last}); the other {plural(days - cov.measured, 'day')} "
            f"{'is a gap' if days - cov.measured == 1 else 'are gaps'}, not zeros, and count "
            "in no total."
        )
    return out


def build_report_data(
    *,
    config: Config,
    config_path: str,
    config_digest: str,
    providers: Sequence[ProviderInput],
    plan: Plan | None,
    window: tuple[date, date],
    generated_at: datetime,
    version: str,
    history_start: date | None = None,
    targeted: str | None = None,
) -> ReportData:
    """Assemble the report's input: what was read is shown, what failed is named.

    ``history_start`` (when given) starts the previous window ``[history_start,
    window start)`` used for the period-over-period comparison. ``targeted`` (the
    ``--provider``/``--target`` options, when given) is said at the top.
    """
    start, end = window
    today = generated_at.date()
    last_day = min(end - timedelta(days=1), today)
    history = (
        (history_start, start) if history_start is not None and history_start < start else None
    )
    reports = [
        _provider(item, config, plan, window, history, last_day, generated_at) for item in providers
    ]
    webhooks: list[WebhookInfo] = []
    events: list[NormalizedEvent] = []
    notes: list[str] = []
    for item in providers:
        if item.live is not None:
            webhooks.extend(registry.spec(item.type).summary.webhooks(item.id, item.live))
        if item.traffic is not None:
            events.extend(item.traffic.events)
            notes.extend(item.traffic.notes)
    routing = config.routing
    rules = tuple(
        RoutingRuleInfo(
            rule.name or f"rule {i + 1}", tuple(rule.email_types), rule.to, tuple(rule.fallback)
        )
        for i, rule in enumerate(routing.rules if routing else ())
    )
    return ReportData(
        window_start=datetime.combine(start, datetime.min.time(), tzinfo=generated_at.tzinfo),
        window_end=datetime.combine(end, datetime.min.time(), tzinfo=generated_at.tzinfo),
        generated_at=generated_at,
        espctl_version=version,
        config_path=config_path,
        config_digest=config_digest,
        providers=tuple(reports),
        routing_rules=rules,
        routing_default=routing.default if routing else None,
        webhooks=tuple(webhooks),
        recent_events=tuple(sorted(dedupe(events), key=lambda e: e.timestamp)[-50:]),
        data_notes=tuple(dict.fromkeys(notes)),
        notices=tuple(
            ([f"Targeted ({targeted}): only that part of the config was read."] if targeted else [])
            + _notices(reports, window, today)
        ),
        thresholds=_thresholds(config),
        previous_window=history,
    )
