"""Report at scale: 500 Mailgun domains x 365 days (plus the previous 365) and Postmark.

Builds the report's input the way ``espctl report`` does (``build_report_data`` over
what the traffic readers return: per-domain daily counts for the window and the
previous window, tags, failure samples, time-to-deliver samples, events), renders it,
and prints both times, the HTML size and ratios against a baseline measured in the
same process (``json.dumps`` of the same traffic). It asserts nothing about wall-clock
time; it fails only if the HTML exceeds the 3 MB budget.

Run: python -m benchmarks.report_scale
"""

from __future__ import annotations

import json
import random
import time
from datetime import UTC, date, datetime, timedelta

from espctl.config.models import Config
from espctl.model.events import EventType, NormalizedEvent
from espctl.model.resources import LiveState
from espctl.model.traffic import BounceReasonCount, ReasonSample, TrafficData
from espctl.report.collect import ProviderInput, build_report_data
from espctl.report.data import ReportData
from espctl.report.render import render_report

DOMAINS = 500
DAYS = 365
BUDGET = 3 * 1024 * 1024
END = date(2024, 4, 30)
START = END - timedelta(days=DAYS)
HISTORY = START - timedelta(days=DAYS)


def _counts(rng: random.Random, scale: int) -> dict[str, int]:
    sent = rng.randint(scale // 2, scale)
    hard = rng.randint(0, max(sent // 100, 1))
    soft = rng.randint(0, max(sent // 80, 1))
    delivered = sent - hard - soft
    return {
        "sent": sent,
        "delivered": delivered,
        "hard_bounced": hard,
        "soft_bounced": soft,
        "complained": rng.randint(0, max(delivered // 1500, 1)),
        "opened_unique": delivered // 2,
        "clicked_unique": delivered // 12,
        "unsubscribed": rng.randint(0, 3),
        "deferred": soft * 2,
    }


def _days(rng: random.Random, scale: int) -> dict[date, dict[str, int]]:
    return {HISTORY + timedelta(days=i): _counts(rng, scale) for i in range(2 * DAYS)}


def _samples(rng: random.Random, kind: str, n: int) -> tuple[ReasonSample, ...]:
    reasons = tuple(
        BounceReasonCount("bounced", f"failed/{kind}", 550 + i % 5, rng.randint(1, 90), "5.1.1")
        for i in range(10)
    )
    return (ReasonSample("permanent", n, n * 3, reasons, "latest 300 per domain"),)


def _events(n: int) -> tuple[NormalizedEvent, ...]:
    stamp = datetime.combine(END, datetime.min.time(), tzinfo=UTC)
    return tuple(
        NormalizedEvent(
            provider="mailgun",
            event_type=EventType.delivered,
            timestamp=stamp - timedelta(minutes=i),
            provider_event_type="delivered",
            event_id=str(i),
            recipient=f"user{i}@example.com",
        )
        for i in range(n)
    )


def inputs() -> tuple[Config, list[ProviderInput]]:
    rng = random.Random(7)
    domains = [f"mg{i}.example.com" for i in range(DOMAINS)]
    config = Config.model_validate(
        {
            "version": 1,
            "providers": {
                "postmark": {"type": "postmark", "server_token": "${env:PM}"},
                "mailgun": {
                    "type": "mailgun",
                    "api_key": "${env:MG}",
                    "domains": {d: {} for d in domains},
                },
            },
            "routing": {
                "default": "postmark/outbound",
                "rules": [
                    {"email_types": [f"type-{i}"], "to": "postmark/outbound"} for i in range(40)
                ],
            },
        }
    )
    mailgun = TrafficData(
        buckets={d: _days(rng, 40) for d in domains},
        tags={f"type-{i}": _counts(rng, 50_000) for i in range(40)},
        tags_complete=True,
        reason_samples=_samples(rng, "permanent", 300),
        events=_events(500),
        delivery_seconds=tuple(rng.lognormvariate(1, 1) for _ in range(20_000)),
        units=DOMAINS * 6,
    )
    facts = {
        "region": "eu",
        "all_domains": domains,
        "domains": {
            d: {"exists": True, "state": "active", "verified": i % 9 != 0}
            for i, d in enumerate(domains)
        },
    }
    postmark = TrafficData(
        buckets={"outbound": _days(rng, 8000)},
        reason_samples=_samples(rng, "permanent", 500),
        delivery_seconds=tuple(rng.lognormvariate(1, 1) for _ in range(60)),
        unmeasured=("unsubscribed",),
        units=20,
    )
    return config, [
        ProviderInput("postmark", "postmark", LiveState("postmark", ()), postmark),
        ProviderInput("mailgun", "mailgun", LiveState("mailgun", (), facts=facts), mailgun),
    ]


def build(config: Config, providers: list[ProviderInput]) -> ReportData:
    return build_report_data(
        config=config,
        config_path="espctl.yaml",
        config_digest="0" * 64,
        providers=providers,
        plan=None,
        window=(START, END),
        generated_at=datetime.combine(END, datetime.min.time(), tzinfo=UTC),
        version="bench",
        history_start=HISTORY,
    )


def _best(runs: int, fn):  # type: ignore[no-untyped-def]
    times, value = [], None
    for _ in range(runs):
        t0 = time.perf_counter()
        value = fn()
        times.append(time.perf_counter() - t0)
    return min(times), value


def main() -> None:
    config, providers = inputs()
    plain = {
        p.id: {
            name: {d.isoformat(): c for d, c in series.items()}
            for name, series in (p.traffic.buckets if p.traffic else {}).items()
        }
        for p in providers
    }
    json_s, baseline = _best(3, lambda: json.dumps(plain))
    build_s, data = _best(3, lambda: build(config, providers))
    render_report(data)  # warm the template cache
    render_s, html = _best(3, lambda: render_report(data))
    size = len(html.encode())

    print(f"input: {DOMAINS} Mailgun domains x {DAYS} days (+ the previous {DAYS}) + Postmark")
    print(f"json.dumps(traffic):        {json_s * 1000:8.1f} ms  ({len(baseline) / 1e6:.1f} MB)")
    print(f"build_report_data (best of 3): {build_s * 1000:6.1f} ms")
    print(f"render_report (best of 3):     {render_s * 1000:6.1f} ms")
    print(f"HTML size: {size / 1e6:.2f} MB (budget {BUDGET / 1e6:.2f} MB)")
    print(f"ratio build / json.dumps: {build_s / json_s:.2f}x")
    print(f"ratio render / json.dumps: {render_s / json_s:.2f}x")
    if size > BUDGET:
        raise SystemExit(f"HTML is over budget: {size} bytes")


if __name__ == "__main__":
    main()
