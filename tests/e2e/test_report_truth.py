"""Issue 17 items 1-8 (and 10, 11; issue 13 item 7) end to end against the sandbox.

Every number is checked against the sandbox's known truth (:class:`Traffic`): the
report reads the embedded sandbox through the real provider clients, and the test
recomputes what the page must say from the truth, never from the report itself.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from espctl import api
from espctl.cli import main
from espctl.model.targets import Targets
from espctl.report.data import ProviderReport, ReportData
from espctl.report.metrics import format_pp, format_pp_interval, newcombe_difference, rate
from espctl.report.view_routing import routing_view
from espctl.sandbox import SandboxApp, load_state, save_state, seed_account
from espctl.sandbox.mailgun.events import MAILGUN_EVENT_DAYS, domain_events
from espctl.sandbox.postmark.state import PmTriggers, PmWebhook
from espctl.sandbox.traffic import DayCounts, Traffic, sum_counts
from tests.conftest import QUICKSTART

PM_STREAMS = ("outbound", "newsletters", "legacy-alerts")  # live outbound streams (seeded)
MG_DOMAINS = ("mg.acme-mail.com", "news.acme-mail.com")  # the config's domains
SG_USERS = ("acme",)  # the SendGrid block's account (no subuser; the global region)
SES_SETS = ("transactional",)  # the config's configuration sets (no numbers per tag)
#: what the report reads per tag of each provider (the population of its routing shares)
READ = {"postmark": PM_STREAMS, "mailgun": MG_DOMAINS, "sendgrid": SG_USERS}
MISSING = "typo.acme-mail.com"


@dataclass
class Run:
    result: api.ReportResult
    traffic: Traffic
    notes: list[str]

    @property
    def data(self) -> ReportData:
        return self.result.data

    @property
    def html(self) -> str:
        return self.result.html

    def provider(self, pid: str) -> ProviderReport:
        return next(p for p in self.data.providers if p.id == pid)

    @property
    def start(self) -> date:
        return self.data.window_start.date()

    @property
    def last(self) -> date:
        return self.data.window_end.date() - timedelta(days=1)


def _report(
    folder: Path,
    *,
    config_text: str | None = None,
    days: int = 30,
    duplicate: bool = False,
    providers: tuple[str, ...] = (),
) -> Run:
    folder.mkdir(parents=True, exist_ok=True)
    config = folder / "espctl.yaml"
    config.write_text(config_text or QUICKSTART.read_text())
    state = folder / "sandbox.json"
    account = seed_account()
    if duplicate:
        # A second webhook with the events collector's URL on the same stream, as a
        # hand-made copy would be: Postmark then posts every delivery twice.
        account.postmark.webhooks.append(
            PmWebhook(
                id=99,
                url="https://hooks.acme-mail.com/esp/events",
                message_stream="outbound",
                triggers=PmTriggers(delivery=True),
            )
        )
    save_state(state, account)
    notes: list[str] = []
    end = account.now.date()
    result = api.report(
        api.RunOptions(
            config=str(config),
            sandbox=True,
            sandbox_state=str(state),
            env={},
            notify=notes.append,
            targets=Targets(providers),
        ),
        start=end - timedelta(days=days),
        end=end,
        out=str(folder / "report.html"),
    )
    return Run(result, SandboxApp(load_state(state)).traffic, notes)


@pytest.fixture(scope="module")
def month(tmp_path_factory: pytest.TempPathFactory) -> Run:
    return _report(tmp_path_factory.mktemp("month"), duplicate=True)


def _truth(run: Run, provider: str, buckets: tuple[str, ...], start: date, last: date) -> DayCounts:
    return sum_counts(
        run.traffic.total(provider=provider, bucket=b, start=start, end=last)  # type: ignore[arg-type]
        for b in buckets
    )


# -- item 1: one bad domain does not drop a provider --------------------------------------


def test_a_missing_domain_makes_the_provider_partial_not_failed(
    tmp_path: Path,
) -> None:
    text = QUICKSTART.read_text().replace(
        "      mg.acme-mail.com: {}\n", f"      mg.acme-mail.com: {{}}\n      {MISSING}: {{}}\n"
    )
    run = _report(tmp_path, config_text=text)
    mailgun = run.provider("mailgun")
    assert mailgun.status == "partial"
    failed_units = {f.unit for f in mailgun.failures}
    assert failed_units == {f"domain {MISSING}"}
    assert {f.error for f in mailgun.failures} == {
        f"GET /v3/{MISSING}/events: HTTP 404: Domain not found"
    }
    # the valid domains' data is all there, to the message
    truth = _truth(run, "mailgun", MG_DOMAINS, run.start, run.last)
    assert mailgun.totals.sent == truth.sent
    assert mailgun.totals.delivered == truth.delivered
    assert mailgun.totals.hard_bounced == truth.hard_bounced
    assert mailgun.totals.complained == truth.complained
    for series in mailgun.streams:
        if series.name != MISSING:
            assert (
                series.totals.sent
                == run.traffic.total(
                    provider="mailgun", bucket=series.name, start=run.start, end=run.last
                ).sent
            )
    # named in the card with its error, and "partial" in the verdict
    card = run.html.split('id="providers"', 1)[1].split("</article>", 1)[0]
    assert "Partial" in card and f"domain {MISSING}" in card and "Domain not found" in card
    verdict = run.html.split('id="verdict"', 1)[1].split("</table>", 1)[0]
    assert "partial: 1 unit not read" in verdict
    assert f"warning: mailgun: domain {MISSING} not read: GET /v3/{MISSING}/events" in "\n".join(
        run.notes
    )
    # the missing domain's failed check is in the verdict too
    assert any(c.subject == MISSING and not c.ok for c in mailgun.checks)


# -- item 3: routing shares over one population ---------------------------------------------


def test_routing_shares_cover_all_mail_and_add_up_to_100(month: Run) -> None:
    start, last = month.start, month.last
    view = routing_view(month.data)
    rows = {r["label"]: r for r in view["rows"]}
    rules = {
        "auth-mail": ("password_reset", "magic_link", "email_verification"),
        "receipts": ("receipt", "invoice"),
        "marketing": ("newsletter", "digest"),
        "promotions": ("promotion", "product_update"),
    }
    for name, tags in rules.items():
        # SES's metrics have no tag: its mail is "tag not identified" (below)
        expected = sum(
            month.traffic.total(provider=p, bucket=b, tag=t, start=start, end=last).sent  # type: ignore[arg-type]
            for t in tags
            for p, buckets in READ.items()
            for b in buckets
        )
        assert expected > 0, name
        assert rows[name]["sent"] == expected, name
    # the population: every message the report reads (Postmark's live streams, the
    # config's Mailgun domains, the SendGrid account, the SES configuration sets),
    # nothing counted twice
    untagged = _truth(month, "ses", SES_SETS, start, last).sent
    total = sum(_truth(month, p, buckets, start, last).sent for p, buckets in READ.items())
    total += untagged
    assert view["total"] == total == sum(r["sent"] for r in view["rows"])
    ruled = {t for tags in rules.values() for t in tags}
    others = [
        s
        for s in month.traffic.sources
        if s.tag not in ruled and s.bucket in READ.get(s.provider, ())
    ]
    other_sent = sum(
        month.traffic.total(
            provider=s.provider, bucket=s.bucket, tag=s.tag, start=start, end=last
        ).sent
        for s in others
    )
    default, unmatched = rows["routing.default"], rows["untagged or tag not identified"]
    assert default["sent"] + unmatched["sent"] == other_sent + untagged
    listed = sum(
        month.traffic.total(
            provider=s.provider, bucket=s.bucket, tag=s.tag, start=start, end=last
        ).sent
        for s in others
        if s.tag in default["tags"]
    )
    assert default["sent"] == listed and "order_shipped" in default["tags"]
    shares = [float(r["share"].rstrip("%")) for r in view["rows"]]
    assert round(sum(shares), 1) == 100.0
    routing = month.html.split('id="routing"', 1)[1].split("</section>", 1)[0]
    assert f"all {total:,} messages sent in the window" in routing
    assert "routing.default" in routing and "untagged or tag not identified" in routing


# -- items 4 and 13.7: reasons are per-stream samples and say so ----------------------------


def test_bounce_reasons_are_samples_of_every_stream(month: Run) -> None:
    start, last = month.start, month.last
    postmark = {s.kind: s for s in month.provider("postmark").reason_samples}
    per_stream = [
        month.traffic.total(provider="postmark", bucket=b, start=start, end=last)
        for b in PM_STREAMS
    ]
    # /bounces per stream and type: broadcast streams included (without messagestream
    # Postmark would answer for the default transactional stream only)
    assert postmark["permanent"].total == sum(c.hard_bounced + c.soft_bounced for c in per_stream)
    assert postmark["permanent"].sampled == sum(
        min(500, c.hard_bounced) + min(500, c.soft_bounced) for c in per_stream
    )
    assert postmark["temporary"].total == sum(c.deferred for c in per_stream)
    news = month.traffic.total(provider="postmark", bucket="newsletters", start=start, end=last)
    assert news.hard_bounced > 0
    assert (
        postmark["permanent"].total > _truth(month, "postmark", ("outbound",), start, last).bounced
    )
    # Mailgun: failures from the events API (the last MAILGUN_EVENT_DAYS days are kept),
    # temporary failures as deferral reasons
    mailgun = {s.kind: s for s in month.provider("mailgun").reason_samples}
    recent = month.traffic.days[-MAILGUN_EVENT_DAYS:]
    kept = [
        month.traffic.total(provider="mailgun", bucket=d, start=recent[0], end=recent[-1])
        for d in MG_DOMAINS
    ]
    window = [
        month.traffic.total(provider="mailgun", bucket=d, start=start, end=last) for d in MG_DOMAINS
    ]
    assert mailgun["permanent"].sampled == sum(min(300, c.bounced) for c in kept)
    assert mailgun["permanent"].total == sum(c.bounced for c in window)
    assert mailgun["temporary"].sampled == sum(min(300, c.deferred) for c in kept)
    assert mailgun["temporary"].total == sum(c.deferred for c in window)
    assert sum(r.count for r in mailgun["temporary"].reasons) == mailgun["temporary"].sampled
    assert {r.provider_type for r in mailgun["temporary"].reasons} == {"failed/temporary"}
    # the page says "N sampled of M", with the counts that make up the sample
    outcomes = month.html.split('id="outcomes"', 1)[1].split("</section>", 1)[0]
    p = mailgun["permanent"]
    top = " + ".join(f"{r.count:,}" for r in p.reasons)
    assert (
        f"mailgun: permanent failures (hard and soft bounces): {p.sampled:,} sampled of "
        f"{p.total:,} permanent failures (hard and soft bounces) in the window; top reasons {top}"
    ) in outcomes


# -- item 5: small samples give "not enough data" -------------------------------------------


def test_percentiles_need_their_sample_size(month: Run) -> None:
    postmark, mailgun = month.provider("postmark").latency, month.provider("mailgun").latency
    assert postmark is not None and mailgun is not None
    assert 20 <= postmark.samples < 100  # the latest 20 messages of each stream with mail
    assert postmark.p50 is not None and postmark.p90 is None and postmark.p99 is None
    # Mailgun: accepted -> delivered pairs from the latest accepted/delivered events
    expected: list[float] = []
    for domain in MG_DOMAINS:
        events = [
            e
            for e in domain_events(month.traffic, domain)
            if e["event"] in ("accepted", "delivered")
            and month.start.isoformat() <= _day(e["timestamp"]) <= month.last.isoformat()
        ]
        latest = sorted(events, key=lambda e: (e["timestamp"], e["id"]), reverse=True)[:1200]
        accepted = {
            e["message"]["headers"]["message-id"]: e["timestamp"]
            for e in latest
            if e["event"] == "accepted"
        }
        delivered: dict[str, float] = {}
        for e in latest:
            if e["event"] == "delivered":
                mid = e["message"]["headers"]["message-id"]
                delivered[mid] = min(delivered.get(mid, e["timestamp"]), e["timestamp"])
        expected += [delivered[m] - t for m, t in accepted.items() if m in delivered]
    assert mailgun.samples == len(expected) >= 1000
    ordered = sorted(expected)

    def quantile(q: float) -> float:  # linear interpolation, as the report defines it
        pos = (len(ordered) - 1) * q
        lo = int(pos)
        hi = min(lo + 1, len(ordered) - 1)
        return ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo)

    assert mailgun.p50 == pytest.approx(quantile(0.5), abs=1e-6)
    assert mailgun.p99 == pytest.approx(quantile(0.99), abs=1e-6)
    latency = month.html.split('id="latency"', 1)[1].split("</section>", 1)[0]
    assert "not enough data (needs 100)" in latency and "not enough data (needs 1,000)" in latency
    assert 'id="latency-box"' in latency  # the box plot


def _day(stamp: float) -> str:
    from datetime import UTC, datetime

    return datetime.fromtimestamp(stamp, UTC).date().isoformat()


# -- item 6: missing days are gaps --------------------------------------------------------


def test_a_year_over_ninety_days_of_data_draws_gaps(tmp_path: Path) -> None:
    run = _report(tmp_path, days=365)
    for pid in ("postmark", "mailgun"):
        p = run.provider(pid)
        measured = [d for d in p.daily if d.measured]
        assert len(p.daily) == 365 and len(measured) == 90
        assert measured[0].day == run.traffic.days[0] and measured[-1].day == run.traffic.days[-1]
        assert all(d.counts.sent == 0 for d in p.daily if not d.measured)
        assert p.coverage is not None and p.coverage.measured == 90
    first, last = run.traffic.days[0], run.traffic.days[-1]
    notice = f"postmark reported data for 90 of 365 days ({first} to {last})"
    assert any(n.startswith(notice) for n in run.data.notices)
    header = run.html.split('id="header"', 1)[1].split("</header>", 1)[0]
    assert "the other 275 days are gaps, not zeros" in header
    embedded = json.loads(
        re.search(r'id="espctl-data">(.*?)</script>', run.html, re.S).group(1)  # type: ignore[union-attr]
    )
    days = embedded["providers"][0]["daily"]
    assert sum(1 for d in days if d[1] is None) == 275
    # the trend lines break at the gaps instead of drawing 275 zero days
    trends = run.html.split('id="trends"', 1)[1].split("</section>", 1)[0]
    assert "275 days without a value" in trends


def test_a_window_before_any_data_says_so(tmp_path: Path) -> None:
    run = _report(tmp_path, days=30)  # warm: state exists
    end = run.traffic.days[0] - timedelta(days=100)
    result = api.report(
        api.RunOptions(
            config=str(tmp_path / "espctl.yaml"),
            sandbox=True,
            sandbox_state=str(tmp_path / "sandbox.json"),
            env={},
        ),
        start=end - timedelta(days=30),
        end=end,
        out=str(tmp_path / "old.html"),
    )
    assert any(
        n.startswith("No provider reported any traffic in this window") for n in result.data.notices
    )
    assert "0.000%" not in result.html.split('id="comparison"', 1)[1].split("</table>", 1)[0]


def test_a_window_in_the_future_is_refused(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "espctl.yaml").write_text(QUICKSTART.read_text())
    soon = date.today() + timedelta(days=3)
    result = CliRunner().invoke(
        main,
        [
            "report",
            "--sandbox",
            "--from",
            soon.isoformat(),
            "--to",
            (soon + timedelta(days=6)).isoformat(),
        ],
    )
    assert result.exit_code == 2
    assert "the window starts after today" in result.output
    assert not (tmp_path / "report.html").exists()


# -- item 7: differences in percentage points ---------------------------------------------


def test_differences_are_in_percentage_points(tmp_path: Path) -> None:
    """The difference column compares two providers (the report shows it for two)."""
    two = _report(tmp_path, providers=("mailgun", "postmark"))
    mg = _truth(two, "mailgun", MG_DOMAINS, two.start, two.last)
    pm = _truth(two, "postmark", PM_STREAMS, two.start, two.last)
    diff = newcombe_difference(rate(mg.delivered, mg.sent), rate(pm.delivered, pm.sent))
    assert diff is not None
    comparison = two.html.split('id="comparison"', 1)[1].split("</table>", 1)[0]
    expected = (
        f"{format_pp(diff.estimate, plus=True)}<br>"
        f'<span class="small ci">95% CI {format_pp_interval(diff.interval)}</span>'
    )
    assert expected in comparison
    assert " pp" in expected and "%" not in format_pp_interval(diff.interval)


# -- item 8: the verdict includes failed checks and double deliveries --------------------


def test_the_verdict_lists_failed_checks_and_webhooks_firing_twice(month: Run) -> None:
    mailgun = month.provider("mailgun")
    failed = {(c.name, c.subject) for c in mailgun.failed_checks}
    assert failed == {
        ("domain", "news.acme-mail.com"),
        ("routing_target", "mailgun/news.acme-mail.com"),
    }
    verdict = month.html.split('id="verdict"', 1)[1].split("</section>", 1)[0]
    # unverified: the settings converge, the mail does not go out well (warnings)
    assert "2 warnings: news.acme-mail.com; mailgun/news.acme-mail.com" in verdict
    assert "fires twice for delivered" in verdict
    assert (
        '<code class="mono">https://hooks.acme-mail.com/esp/events</code> receives delivered '
        "twice for stream outbound"
    ) in verdict
    webhooks = month.html.split('id="webhooks"', 1)[1].split("</table>", 1)[0]
    assert webhooks.count("fires twice: delivered") == 2  # both copies are flagged


# -- items 10 and 11: previous window, Postmark days --------------------------------------


def test_each_headline_rate_is_compared_with_the_previous_window(month: Run) -> None:
    previous_start = month.start - timedelta(days=30)
    before_last = month.start - timedelta(days=1)
    for pid, buckets in (("postmark", PM_STREAMS), ("mailgun", MG_DOMAINS)):
        p = month.provider(pid)
        assert p.previous is not None
        truth = _truth(month, pid, buckets, previous_start, before_last)
        assert p.previous.totals.sent == truth.sent
        assert p.previous.totals.hard_bounced == truth.hard_bounced
        assert p.previous.totals.complained == truth.complained
    pm = month.provider("postmark")
    now, before = pm.totals, pm.previous.totals  # type: ignore[union-attr]
    diff = newcombe_difference(rate(now.delivered, now.sent), rate(before.delivered, before.sent))
    assert diff is not None
    change = month.html.split('id="change"', 1)[1].split("</table>", 1)[0]
    assert format_pp(diff.estimate, plus=True) in change
    assert ("significant" in change) and ("now 99." in change or "now 98." in change)
    days_note = next(n for n in month.data.data_notes if n.startswith("Postmark buckets its stats"))
    assert "stream-days measured" in days_note
