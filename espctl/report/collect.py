"""Build :class:`ReportData` from what the providers said (pure: no I/O).

The report command reads each provider's live state and traffic; this module turns
those, the config and the plan into the renderer's input: provider cards, traffic
series, drift rows, webhooks with masked URLs, routing rules, recent events.
"""

from __future__ import annotations

import json
import statistics
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from espctl.config.models import Config
from espctl.engine.plan import SENSITIVE, Plan
from espctl.model import mailgun as mg
from espctl.model import postmark as pm
from espctl.model.events import NormalizedEvent
from espctl.model.resources import LiveState, Resource
from espctl.model.traffic import COUNTERS, TrafficData
from espctl.report.data import (
    AccountInfo,
    BounceReason,
    Counters,
    DailyCounts,
    DomainInfo,
    DriftRow,
    Latency,
    ProviderReport,
    ReportData,
    RoutingRuleInfo,
    SourceInfo,
    StreamInfo,
    StreamSeries,
    TagCounts,
    TrackingInfo,
    WebhookInfo,
    WebhookTrigger,
)


@dataclass(frozen=True)
class ProviderInput:
    """What was read from one provider (``error`` set when reading failed)."""

    id: str
    type: str
    live: LiveState | None = None
    traffic: TrafficData | None = None
    error: str | None = None


def _counters(counts: Mapping[str, int]) -> Counters:
    return Counters(**{name: int(counts.get(name, 0)) for name in COUNTERS})


def _days(start: date, end: date) -> list[date]:
    return [start + timedelta(days=i) for i in range((end - start).days)]


def _series(
    series: Mapping[date, Mapping[str, int]], days: Sequence[date]
) -> tuple[DailyCounts, ...]:
    return tuple(DailyCounts(d, _counters(series.get(d, {}))) for d in days)


def _resources(live: LiveState | None, kind: str) -> list[Resource]:
    return [r for r in (live.resources if live else ()) if r.kind == kind]


def _account(item: ProviderInput, config: Config) -> AccountInfo:
    live = item.live
    if live is None:
        return AccountInfo()
    if item.type == "postmark":
        name = str(live.facts.get("server_name") or "")
        streams = tuple(
            StreamInfo(r.key, str(r.fields.get("name", "")), str(r.fields.get("type", "")))
            for r in _resources(live, pm.KIND_STREAM)
        )
        return AccountInfo(
            description=f"server {name}" if name else "",
            servers=(name,) if name else (),
            streams=streams,
        )
    facts = live.facts.get("domains") or {}
    domains = tuple(
        DomainInfo(
            name,
            str(info.get("state", "missing") if info.get("exists") else "missing"),
            bool(info.get("verified")) if info.get("exists") else False,
        )
        for name, info in sorted(facts.items())
    )
    region = str(live.facts.get("region", "")).upper()
    total = len(live.facts.get("all_domains") or [])
    return AccountInfo(
        description=f"{region} region, {total} domains in the account", domains=domains
    )


def _tracking(item: ProviderInput) -> TrackingInfo:
    if item.type == "postmark":
        servers = _resources(item.live, pm.KIND_SERVER)
        if not servers:
            return TrackingInfo()
        fields = servers[0].fields
        links = str(fields.get("track_links", "none"))
        return TrackingInfo(
            opens=bool(fields.get("track_opens")), clicks=links != "none", detail=f"links: {links}"
        )
    tracking = _resources(item.live, mg.KIND_TRACKING)
    if not tracking:
        return TrackingInfo()
    opens = [bool(r.fields.get("opens")) for r in tracking]
    clicks = [r.fields.get("clicks") for r in tracking]
    html_only = sum(1 for c in clicks if c == "html_only")
    detail = (
        f"opens on {sum(opens)}/{len(opens)} domains, clicks on "
        f"{sum(1 for c in clicks if c)}/{len(clicks)}"
    )
    if html_only:
        detail += f" ({html_only} html_only)"
    return TrackingInfo(opens=any(opens), clicks=any(bool(c) for c in clicks), detail=detail)


def _masked(url: str, username: object) -> str:
    if not username:
        return url
    scheme, _, rest = url.partition("://")
    return f"{scheme}://{username}:***@{rest}"


def _webhooks(item: ProviderInput) -> list[WebhookInfo]:
    out: list[WebhookInfo] = []
    if item.type == "postmark":
        for r in _resources(item.live, pm.KIND_WEBHOOK):
            stream, _, url = r.key.partition(" ")
            user = r.fields.get("basic_auth_username")
            auth = (
                "basic auth" if user else ("custom header" if r.fields.get("headers") else "none")
            )
            triggers = tuple(
                WebhookTrigger(pm.TRIGGER_TO_EVENT[t].value, t)
                for t in r.fields.get("triggers", [])
                if t in pm.TRIGGER_TO_EVENT
            )
            out.append(
                WebhookInfo(
                    item.id,
                    _masked(url.split(" (duplicate", 1)[0], user),
                    f"stream {stream}",
                    auth,
                    triggers,
                )
            )
        return out
    by_url: dict[tuple[str, str, str], list[WebhookTrigger]] = {}
    for r in _resources(item.live, mg.KIND_WEBHOOK):
        domain, _, event_id = r.key.partition(" ")
        credentials = r.fields.get("basic_auth") or {}
        for url in r.fields.get("urls", []):
            user = (credentials.get(url) or {}).get("username")
            event = mg.WEBHOOK_TO_EVENT.get(event_id)
            if event is not None:
                by_url.setdefault((domain, url, str(user or "")), []).append(
                    WebhookTrigger(event.value, event_id)
                )
    for (domain, url, user), found in sorted(by_url.items()):
        out.append(
            WebhookInfo(
                item.id,
                _masked(url, user),
                f"domain {domain}",
                "basic auth" if user else "signing key",
                tuple(found),
            )
        )
    return out


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


def _latency(seconds: Sequence[float]) -> Latency | None:
    if not seconds:
        return None
    ordered = sorted(seconds)

    def pct(q: float) -> float:
        return ordered[min(len(ordered) - 1, int(q * len(ordered)))]

    return Latency(len(ordered), statistics.median(ordered), pct(0.9), pct(0.99))


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
) -> ReportData:
    """Assemble the report's input; a provider that failed is shown as failed."""
    start, end = window
    days = _days(start, end)
    reports: list[ProviderReport] = []
    webhooks: list[WebhookInfo] = []
    events: list[NormalizedEvent] = []
    notes: list[str] = []
    for item in providers:
        traffic = item.traffic
        pending = sum(1 for c in plan.changes if c.provider == item.id) if plan else 0
        if item.error is not None or traffic is None:
            reports.append(
                ProviderReport(
                    id=item.id,
                    type=item.type,
                    status="failed",
                    status_message=item.error or "no data",
                    account=_account(item, config),
                )
            )
            continue
        webhooks.extend(_webhooks(item))
        events.extend(traffic.events)
        notes.extend(traffic.notes)
        reports.append(
            ProviderReport(
                id=item.id,
                type=item.type,
                status="connected",
                account=_account(item, config),
                tracking=_tracking(item),
                webhook_count=len(_webhooks(item)),
                pending_changes=pending,
                drift=_drift(plan, item.id),
                daily=_series(traffic.daily(), days),
                tags=tuple(TagCounts(t, _counters(c)) for t, c in sorted(traffic.tags.items())),
                streams=tuple(
                    StreamSeries(name, _series(series, days))
                    for name, series in sorted(traffic.buckets.items())
                ),
                bounce_reasons=tuple(
                    BounceReason(b.reason, b.provider_type, b.smtp_code, b.count)
                    for b in traffic.bounce_reasons
                ),
                latency=_latency(traffic.delivery_seconds),
                first_attempt=traffic.first_attempt,
                unmeasured=traffic.unmeasured,
                sources=tuple(
                    SourceInfo(kind, detail, generated_at) for kind, detail in traffic.sources
                ),
            )
        )
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
        recent_events=tuple(sorted(events, key=lambda e: e.timestamp)[-50:]),
        data_notes=tuple(dict.fromkeys(notes)),
    )
