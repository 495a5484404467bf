"""`espctl report` on the seeded sandbox: every section's numbers against the known truth."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from espctl import api
from espctl.cli import main
from espctl.report.data import Counters
from espctl.sandbox import SandboxApp, load_state
from espctl.sandbox.traffic import sum_counts
from tests.conftest import QUICKSTART
from tests.e2e.conftest import Served, assert_no_canary

CANARY = "canary-5ecret-hook"


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    for name in (
        "POSTMARK_SERVER_TOKEN",
        "POSTMARK_ACCOUNT_TOKEN",
        "MAILGUN_API_KEY",
        "SENDGRID_API_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("HOOK_PASSWORD", CANARY)
    (tmp_path / "espctl.yaml").write_text(QUICKSTART.read_text())
    return tmp_path


def _truth(path: Path) -> SandboxApp:
    return SandboxApp(load_state(path))


def _check(counters: Counters, truth: object, *, delivered: bool = True) -> None:
    assert counters.sent == truth.sent  # type: ignore[attr-defined]
    assert counters.hard_bounced == truth.hard_bounced  # type: ignore[attr-defined]
    assert counters.soft_bounced == truth.soft_bounced  # type: ignore[attr-defined]
    assert counters.complained == truth.complained  # type: ignore[attr-defined]
    assert counters.opened_unique == truth.unique_opened  # type: ignore[attr-defined]
    assert counters.clicked_unique == truth.unique_clicked  # type: ignore[attr-defined]
    assert counters.deferred == truth.deferred  # type: ignore[attr-defined]
    if delivered:
        assert counters.delivered == truth.delivered  # type: ignore[attr-defined]


def test_report_numbers_match_the_sandbox_truth(workdir: Path) -> None:
    end = datetime.now(UTC).date()
    start = end - timedelta(days=30)
    notes: list[str] = []
    result = api.report(
        api.RunOptions(sandbox=True, notify=notes.append),
        start=start,
        end=end,
        out="out/report.html",
    )
    assert result.path == Path("out/report.html") and result.path.exists()
    traffic = _truth(workdir / ".espctl" / "sandbox.json").traffic
    last = end - timedelta(days=1)
    providers = {p.id: p for p in result.data.providers}
    assert {p.status for p in providers.values()} == {"connected"}

    # trends: every day, every provider. Postmark: every live outbound stream; Mailgun:
    # the configured domains (the account's unmanaged alerts.acme-mail.com is not reported)
    scope = {
        "postmark": ["outbound", "newsletters", "legacy-alerts"],
        "mailgun": ["mg.acme-mail.com", "news.acme-mail.com"],
        # SendGrid: the block's account (global), not its subuser nor the EU account
        "sendgrid": ["acme"],
    }
    for pid, buckets in scope.items():
        per_bucket = [
            traffic.daily(provider=pid, bucket=b, start=start, end=last)  # type: ignore[arg-type]
            for b in buckets
        ]
        report_daily = {d.day: d.counts for d in providers[pid].daily}
        assert sorted(report_daily) == sorted(per_bucket[0])
        for day, counts in report_daily.items():
            _check(counts, sum_counts(series[day] for series in per_bucket))
        # provider totals (cards, comparison table)
        _check(
            providers[pid].totals,
            sum_counts(
                traffic.total(provider=pid, bucket=b, start=start, end=last)  # type: ignore[arg-type]
                for b in buckets
            ),
        )
    mg_unsub = sum(
        traffic.total(provider="mailgun", bucket=b, start=start, end=last).unsubscribed
        for b in scope["mailgun"]
    )
    assert providers["mailgun"].totals.unsubscribed == mg_unsub

    # per stream / per domain
    for series in providers["postmark"].streams:
        _check(
            series.totals,
            traffic.total(provider="postmark", bucket=series.name, start=start, end=last),
        )
    assert {s.name for s in providers["mailgun"].streams} == {
        "mg.acme-mail.com",
        "news.acme-mail.com",
    }
    for series in providers["mailgun"].streams:
        _check(
            series.totals,
            traffic.total(provider="mailgun", bucket=series.name, start=start, end=last),
        )

    # per tag (routing traffic share)
    tags = {t.tag: t.counts for t in providers["mailgun"].tags}
    for tag in ("newsletter", "digest", "password_reset"):
        truth = traffic.total(provider="mailgun", tag=tag, start=start, end=last)
        assert tags[tag].sent == truth.sent
    pm_tags = {t.tag: t.counts for t in providers["postmark"].tags}
    for tag in ("password_reset", "receipt", "invoice"):
        truth = traffic.total(provider="postmark", tag=tag, start=start, end=last)
        assert pm_tags[tag].sent == truth.sent
        assert pm_tags[tag].complained == truth.complained
    assert "newsletter" not in pm_tags  # Postmark sends none
    # SendGrid: categories per tag the routing rules name, the account's own mail only
    sg_tags = {t.tag: t.counts for t in providers["sendgrid"].tags}
    for tag in ("promotion", "product_update"):
        truth = traffic.total(provider="sendgrid", bucket="acme", tag=tag, start=start, end=last)
        assert truth.sent > 0
        _check(sg_tags[tag], truth)
    assert sg_tags["newsletter"].sent == 0  # the subuser's newsletters are not the account's
    sendgrid = providers["sendgrid"]
    assert sendgrid.unmeasured == ()  # every counter of the report is in /v3/stats
    assert sendgrid.first_attempt is None  # not reported by SendGrid: said, never 0 %

    # bounces, events, webhooks, drift, routing
    for pid in ("postmark", "mailgun", "sendgrid"):
        samples = {s.kind: s for s in providers[pid].reason_samples}
        assert samples["permanent"].sampled > 0 and samples["temporary"].sampled > 0
    assert 0 < len(result.data.recent_events) <= 50
    assert providers["postmark"].pending_changes == 8  # Mailgun and SendGrid have 4 each
    assert providers["mailgun"].pending_changes == 4
    assert providers["sendgrid"].pending_changes == 4
    assert ("mailgun.tracking mg.acme-mail.com", "clicks", "true", "html_only") in {
        (r.address, r.field, r.declared, r.actual) for r in providers["mailgun"].drift
    }
    assert [r.name for r in result.data.routing_rules] == [
        "auth-mail",
        "receipts",
        "marketing",
        "promotions",
    ]
    hooks = {(w.provider, w.url, w.scope) for w in result.data.webhooks}
    assert ("postmark", "https://esp:***@hooks.acme-mail.com/esp/events", "stream outbound") in (
        hooks
    )  # basic auth shown masked
    assert (
        "mailgun",
        "https://analytics.acme-mail.com/mailgun/opens",
        "domain mg.acme-mail.com",
    ) in hooks
    # the account-level webhook fires for every domain: every receiver is in the matrix
    assert (
        "mailgun",
        "https://ops-monitor.acme-mail.com/mailgun/failures",
        "account (every EU domain)",
    ) in hooks
    assert any(
        n.startswith("Postmark buckets its stats by US Eastern day") for n in result.data.data_notes
    )
    # SendGrid: account-wide Event Webhooks; another tool's token in a URL shown masked
    assert ("sendgrid", "https://hooks.acme-mail.com/esp/events", "account") in hooks
    assert (
        "sendgrid",
        "https://segment:***@track.acme-mail.com/sendgrid/events",
        "account",
    ) in hooks
    assert "SendGrid&#39;s stats report no first-attempt deliveries" in result.html

    # the page itself
    html = result.html
    total_sent = providers["postmark"].totals.sent
    assert f"{total_sent:,}" in html
    for section in (
        "Verdict",
        "Providers",
        "Comparison",
        "Trends",
        "Outcomes",
        "Engagement",
        "Routing",
        "Webhooks",
        "Drift",
        "Methodology",
    ):
        assert re.search(rf">\s*{section}\b", html), section
    assert '<meta http-equiv="Content-Security-Policy"' in html
    embedded = re.search(
        r'<script type="application/json" id="espctl-data">(.*?)</script>', html, re.S
    )
    assert embedded is not None
    assert json.loads(embedded.group(1).replace("\\u003c", "<"))
    assert_no_canary(html)


def test_report_cli_with_a_failing_provider_still_writes(served: Served) -> None:
    # the served sandbox accepts only its canary credentials: Mailgun's key is wrong
    result = served.run(
        "report", "--since", "7d", "--out", "r.html", env={"MAILGUN_API_KEY": "not-the-sandbox-key"}
    )
    assert result.exit_code == 0, result.output
    assert "failed: mailgun" in result.stdout
    # one cause, one line: the rejected key is named once, not once per read
    assert (
        "warning: mailgun: the API key was rejected (HTTP 401, Forbidden) — check MAILGUN_API_KEY"
        in result.stderr
    )
    assert result.stderr.count("warning: mailgun:") == 1
    html = Path("r.html").read_text()
    assert "Forbidden" in html
    assert "not-the-sandbox-key" not in html + result.output
    # issue 17 item 2: nothing about a failed provider reads as OK or 0
    card = html.split("<span>mailgun", 1)[1].split("</article>", 1)[0]
    assert "Failed" in card and "in sync" not in card and ">0 <" not in card
    assert card.count("not measured") == 3 and "Not measured" in card  # + the drift pill


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--since", "0d"], "use a number of days"),
        (["--since", "x"], "use a number of days"),
        (["--from", "2026-13-01"], "dates are YYYY-MM-DD"),
        (["--from", "2026-02-01", "--to", "2026-01-01"], "the window is empty"),
        (["--since", "7d", "--from", "2026-01-01"], "either --since or --from"),
    ],
)
def test_report_window_errors(workdir: Path, args: list[str], message: str) -> None:
    result = CliRunner().invoke(main, ["report", "--sandbox", *args])
    assert result.exit_code == 2
    assert message in result.output


def test_from_to_window_is_inclusive(workdir: Path) -> None:
    result = CliRunner().invoke(
        main, ["report", "--sandbox", "--from", "2026-11-01", "--to", "2026-11-07"]
    )
    assert result.exit_code == 0, result.output
    assert "2026-11-01 to 2026-11-07" in result.stdout


def test_unreported_counters_are_not_shown_as_zero(workdir: Path) -> None:
    end = datetime.now(UTC).date()
    result = api.report(
        api.RunOptions(sandbox=True), start=end - timedelta(days=7), end=end, out="r.html"
    )
    postmark = next(p for p in result.data.providers if p.id == "postmark")
    assert postmark.unmeasured == ("unsubscribed",)
    row = result.html.split("Unsubscribe rate", 1)[1].split("</tr>", 1)[0]
    assert "not reported by Postmark" in row
    assert "0.000%" not in row


def test_the_config_sets_the_default_window(workdir: Path) -> None:
    text = (workdir / "espctl.yaml").read_text() + "\nreport:\n  window: 2w\n"
    (workdir / "espctl.yaml").write_text(text)
    result = CliRunner().invoke(main, ["report", "--sandbox"])
    assert result.exit_code == 0, result.output
    today = datetime.now(UTC).date()
    first, last = today - timedelta(days=14), today - timedelta(days=1)
    assert f"{first} to {last}" in result.stdout
    # --since still wins over the config
    result = CliRunner().invoke(main, ["report", "--sandbox", "--since", "3d"])
    assert f"{today - timedelta(days=3)} to {last}" in result.stdout


def test_element_ids_are_unique(workdir: Path) -> None:
    end = datetime.now(UTC).date()
    html = api.report(
        api.RunOptions(sandbox=True), start=end - timedelta(days=7), end=end, out="r.html"
    ).html
    ids = re.findall(r'\sid="([^"]+)"', html)
    assert len(ids) == len(set(ids)), sorted({i for i in ids if ids.count(i) > 1})
