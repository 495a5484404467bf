"""Report rendering at scale: 500 Mailgun domains x 365 days plus a Postmark provider.

Prints render time, HTML size and ratios against baselines measured in the same
process (json.dumps of the same data; building the ReportData). It asserts nothing
about wall-clock time; it fails only if the HTML exceeds the 3 MB budget.

Run: /work/venv/bin/python benchmarks/report_scale.py
"""

from __future__ import annotations

import json
import random
import time
from dataclasses import asdict
from datetime import date, timedelta

from espctl.model.events import EventType, NormalizedEvent
from espctl.report.data import (
    AccountInfo,
    BounceReason,
    Counters,
    DailyCounts,
    DomainInfo,
    ProviderReport,
    ReportData,
    StreamInfo,
    StreamSeries,
    TagCounts,
    TrackingInfo,
    utc,
)
from espctl.report.render import render_report
from espctl.report.sample import sample_report_data

DOMAINS = 500
DAYS = 365
BUDGET = 3 * 1024 * 1024
START = date(2023, 5, 1)


def _counts(rng: random.Random, scale: int) -> Counters:
    sent = rng.randint(scale // 2, scale)
    hard = rng.randint(0, max(sent // 100, 1))
    soft = rng.randint(0, max(sent // 80, 1))
    delivered = sent - hard - soft
    return Counters(
        sent=sent,
        delivered=delivered,
        hard_bounced=hard,
        soft_bounced=soft,
        complained=rng.randint(0, max(delivered // 1500, 1)),
        opened_unique=delivered // 2,
        clicked_unique=delivered // 12,
        unsubscribed=rng.randint(0, 3),
        deferred=soft * 2,
    )


def build() -> ReportData:
    rng = random.Random(7)
    days = [START + timedelta(days=i) for i in range(DAYS)]
    streams = tuple(
        StreamSeries(f"mg{i}.example.com", tuple(DailyCounts(d, _counts(rng, 40)) for d in days))
        for i in range(DOMAINS)
    )
    daily = tuple(
        DailyCounts(d, Counters.total(s.daily[j].counts for s in streams))
        for j, d in enumerate(days)
    )
    mailgun = ProviderReport(
        id="mailgun",
        type="mailgun",
        account=AccountInfo(
            description="EU region account",
            domains=tuple(
                DomainInfo(f"mg{i}.example.com", "active" if i % 9 else "unverified", i % 9 != 0)
                for i in range(DOMAINS)
            ),
        ),
        tracking=TrackingInfo(opens=True, clicks=True),
        webhook_count=DOMAINS * 3,
        daily=daily,
        tags=tuple(TagCounts(f"type-{i}", _counts(rng, 50_000)) for i in range(40)),
        streams=streams,
        bounce_reasons=tuple(
            BounceReason("bounced", "failed/permanent", 550 + i % 5, rng.randint(1, 900))
            for i in range(200)
        ),
    )
    pm_days = tuple(DailyCounts(d, _counts(rng, 8000)) for d in days)
    postmark = ProviderReport(
        id="postmark",
        type="postmark",
        account=AccountInfo(
            description="Acme production",
            streams=(StreamInfo("outbound", "Transactional", "transactional"),),
        ),
        tracking=TrackingInfo(opens=True, clicks=True),
        webhook_count=3,
        daily=pm_days,
        streams=(StreamSeries("outbound", pm_days),),
    )
    events = tuple(
        NormalizedEvent(
            provider="mailgun",
            event_type=EventType.delivered,
            timestamp=utc(2024, 4, 30) - timedelta(minutes=i),
            provider_event_type="delivered",
            event_id=str(i),
            recipient=f"user{i}@example.com",
        )
        for i in range(500)
    )
    return sample_report_data(
        window_start=utc(2023, 5, 1),
        window_end=utc(2024, 4, 30),
        providers=(postmark, mailgun),
        recent_events=events,
    )


def main() -> None:
    t0 = time.perf_counter()
    data = build()
    build_s = time.perf_counter() - t0

    plain = asdict(data)  # conversion outside the timer: the baseline is serialization only
    t0 = time.perf_counter()
    baseline = json.dumps(plain, default=str)
    json_s = time.perf_counter() - t0

    render_report(data)  # warm the template cache
    runs = []
    for _ in range(3):
        t0 = time.perf_counter()
        html = render_report(data)
        runs.append(time.perf_counter() - t0)
    render_s = min(runs)
    size = len(html.encode())

    print(f"input: {DOMAINS} Mailgun domains x {DAYS} days + Postmark ({DAYS} days)")
    print(f"build ReportData:        {build_s * 1000:8.1f} ms")
    print(f"json.dumps(all data):    {json_s * 1000:8.1f} ms  ({len(baseline) / 1e6:.1f} MB)")
    print(f"render_report (best of 3): {render_s * 1000:6.1f} ms")
    print(f"HTML size: {size / 1e6:.2f} MB (budget {BUDGET / 1e6:.2f} MB)")
    print(f"ratio render / json.dumps: {render_s / json_s:.2f}x")
    print(f"ratio HTML / full JSON dump: {size / len(baseline):.3f}")
    if size > BUDGET:
        raise SystemExit(f"HTML is over budget: {size} bytes")


if __name__ == "__main__":
    main()
