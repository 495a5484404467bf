"""The real CLI against the sandbox over HTTP: apply, convergence, safety, faults."""

from __future__ import annotations

import collections
import json
from pathlib import Path

import pytest

from espctl import api
from espctl.providers.kit.http import HttpOptions
from tests.contract.harness import quickstart_apply_line, quickstart_changes, quickstart_managed
from tests.e2e.conftest import ENV, Served, assert_no_canary, plan_json


def _assert_no_duplicates(served: Served) -> None:
    pm = collections.Counter(served.webhooks())
    assert [k for k, n in pm.items() if n > 1] == []
    for domain in served.app.state.mailgun.domains:
        for event, urls in domain.webhooks.items():
            assert len(urls) == len(set(urls)) <= 3, (domain.name, event, urls)
    account = [h.url for h in served.app.state.mailgun.account_webhooks]
    assert len(account) == len(set(account)), account


def test_apply_converges_and_second_plan_is_empty(served: Served) -> None:
    result = served.run("apply", "--auto-approve", "--force")
    assert result.exit_code == 0, result.output
    assert quickstart_apply_line() in result.stdout
    assert result.stderr.count(": applied (") == quickstart_changes()  # a line per change
    again = served.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout
    assert f"No changes. {quickstart_managed()} managed resources match" in again.stdout
    state = served.app.state.postmark
    assert (state.server.track_opens, state.server.track_links) == (True, "HtmlAndText")
    assert {s.id: s.name for s in state.streams}["receipts"] == "Receipts"
    events_hook = next(
        h
        for h in state.webhooks
        if h.message_stream == "outbound" and h.url.endswith("/esp/events")
    )
    assert events_hook.auth_password == ENV["HOOK_PASSWORD"]
    mg = {d.name: d for d in served.app.state.mailgun.domains}
    # the declared URL gained its credentials in place; the other integration's stayed
    assert mg["mg.acme-mail.com"].webhooks["opened"] == [
        f"https://esp:{ENV['HOOK_PASSWORD']}@hooks.acme-mail.com/esp/events",
        "https://analytics.acme-mail.com/mailgun/opens",
    ]
    _assert_no_duplicates(served)
    assert_no_canary(result.stdout, result.stderr, again.stdout, again.stderr)
    assert served.run("apply", "--auto-approve").stdout.startswith("No changes.")


def test_blocked_plan_is_refused_without_force(served: Served) -> None:
    before = served.app.state.model_dump_json()
    result = served.run("apply", "--auto-approve")
    assert result.exit_code == 1
    assert "refusing to apply a blocked plan" in result.stderr
    assert served.app.state.model_dump_json() == before


def test_no_tty_and_no_auto_approve_refuses(served: Served) -> None:
    before = served.app.state.model_dump_json()
    result = served.run("apply", "--force")
    assert result.exit_code == 1
    assert "apply needs confirmation" in result.stderr
    assert served.app.state.model_dump_json() == before


def test_saved_plan_applies_when_nothing_moved(served: Served) -> None:
    assert served.run("plan", "--out", "plans/reviewed.json").exit_code == 0
    result = served.run("apply", "plans/reviewed.json", "--force")
    assert result.exit_code == 0, result.output
    assert served.run("plan", "--detailed-exitcode").exit_code == 0


def test_stale_saved_plan_is_refused_saying_what_moved(served: Served) -> None:
    assert served.run("plan", "--out", "plans/reviewed.json").exit_code == 0
    served.app.state.postmark.server.track_opens = True  # someone clicked in the UI
    before = served.app.state.model_dump_json()
    result = served.run("apply", "plans/reviewed.json", "--force")
    assert result.exit_code == 1
    assert "is stale" in result.stderr
    assert "live: postmark:postmark.server:server changed" in result.stderr
    assert served.app.state.model_dump_json() == before


def test_saved_plan_refused_when_config_changed(served: Served) -> None:
    assert served.run("plan", "--out", "plans/reviewed.json").exit_code == 0
    served.config.write_text(served.config.read_text().replace("name: Receipts", "name: Bills"))
    result = served.run("apply", "plans/reviewed.json", "--force")
    assert result.exit_code == 1
    assert "the config changed" in result.stderr
    assert "config: postmark:postmark.message_stream:receipts changed" in result.stderr


def test_not_a_plan_file(served: Served, tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.json"
    bogus.write_text("{}")
    result = served.run("apply", str(bogus))
    assert result.exit_code == 1
    assert "is not an espctl plan" in result.stderr


def test_prune_archives_and_deletes_but_never_protected(served: Served) -> None:
    text = served.config.read_text().replace("unmanaged: warn", "unmanaged: prune")
    served.config.write_text(text.replace("max_change_ratio: 0.3", "max_change_ratio: 1.0"))
    plan = plan_json(served.run("plan", "--format", "json"))
    deletes = {(c["kind"], c["key"]) for c in plan["changes"] if c["action"] == "delete"}
    assert deletes == {
        ("postmark.message_stream", "legacy-alerts"),
        ("postmark.webhook", "legacy-alerts https://legacy-monitor.acme-mail.com/postmark/bounces"),
        ("mailgun.webhook", "mg.acme-mail.com https://analytics.acme-mail.com/mailgun/opens"),
        ("mailgun.webhook", "news.acme-mail.com https://hooks.acme-mail.com/esp/clicks-legacy"),
        ("mailgun.account_webhook", "https://ops-monitor.acme-mail.com/mailgun/failures"),
    }
    result = served.run("apply", "--auto-approve", "--force")  # 17 changes, 14 managed
    assert result.exit_code == 0, result.output
    streams = {s.id: s for s in served.app.state.postmark.streams}
    assert streams["legacy-alerts"].archived_at is not None  # archived, not deleted
    assert streams["outbound"].archived_at is None
    assert all(h.message_stream != "legacy-alerts" for h in served.app.state.postmark.webhooks)
    mg = {d.name: d for d in served.app.state.mailgun.domains}
    assert mg["mg.acme-mail.com"].webhooks["opened"] == [
        f"https://esp:{ENV['HOOK_PASSWORD']}@hooks.acme-mail.com/esp/events"
    ]
    assert served.app.state.mailgun.account_webhooks == []
    assert served.run("plan", "--detailed-exitcode").exit_code == 0


def test_partial_failure_exits_3_and_a_rerun_finishes(served: Served) -> None:
    # every attempt at one Mailgun webhook PUT fails: retries are exhausted, after the
    # URL's new credentials were swapped in on two of its events and not on the others
    served.app.faults.add(kind="503", method="PUT", path_regex=r"webhooks/opened$", times=None)
    first = served.run("apply", "--auto-approve", "--force")
    assert first.exit_code == 3, first.output
    assert quickstart_apply_line(failed=1) in first.stdout
    assert (
        "failed: mailgun mailgun.webhook mg.acme-mail.com https://hooks.acme-mail.com/esp/events:"
        " mailgun: PUT /v3/domains/mg.acme-mail.com/webhooks/opened: HTTP 503" in first.stdout
    )
    served.app.faults.clear()
    # the URL with the new credentials is the webhook now, the old one a copy: the copy
    # is removed and the webhook gets its other events
    replan = plan_json(served.run("plan", "--format", "json"))
    assert {(c["action"], c["key"]) for c in replan["changes"]} == {
        ("update", "mg.acme-mail.com https://hooks.acme-mail.com/esp/events"),
        ("delete", "mg.acme-mail.com https://hooks.acme-mail.com/esp/events (copy 1)"),
    }
    second = served.run("apply", "--auto-approve")
    assert second.exit_code == 0, second.output
    assert "Apply: 2 applied, 0 failed, 0 skipped." in second.stdout
    assert served.run("plan", "--detailed-exitcode").exit_code == 0
    _assert_no_duplicates(served)


def test_failed_parent_create_skips_its_children(served: Served) -> None:
    served.app.faults.add(kind="500", method="POST", path_regex=r"^/message-streams$", times=None)
    result = served.run("apply", "--auto-approve", "--force")
    assert result.exit_code == 3
    assert "failed: postmark postmark.message_stream receipts" in result.stdout
    assert (
        "skipped: postmark postmark.webhook receipts https://hooks.acme-mail.com/esp/events:"
        " depends on postmark:postmark.message_stream:receipts" in result.stdout
    )


@pytest.mark.parametrize("seed", [3, 11])
def test_random_faults_converge_without_duplicates(served: Served, seed: int) -> None:
    served.app.faults.seed = seed
    served.app.faults.rate = 0.3
    served.app.faults.latency_ms = 5
    served.app.faults.stall_s = 0.2  # stalls end in a dropped connection, quickly
    served.app.faults.__post_init__()
    untouched_before = _unmanaged_snapshot(served)
    codes = []
    for _ in range(8):
        result = served.run("apply", "--auto-approve", "--force")
        codes.append(result.exit_code)
        assert result.exit_code in (0, 1, 3), result.output
        assert "Traceback" not in result.output
        _assert_no_duplicates(served)
        if result.exit_code == 0:
            break
    assert codes[-1] == 0, codes
    served.app.faults.rate = 0.0
    served.app.faults.__post_init__()
    assert served.run("plan", "--detailed-exitcode").exit_code == 0
    _assert_no_duplicates(served)
    assert _unmanaged_snapshot(served) == untouched_before  # nothing outside the plan


def _unmanaged_snapshot(served: Served) -> str:
    """What no plan touches here: unmanaged stream, webhook and domains, sender data."""
    state = served.app.state
    parts = [
        [s.model_dump_json() for s in state.postmark.streams if s.id == "legacy-alerts"],
        [
            h.model_dump_json()
            for h in state.postmark.webhooks
            if h.message_stream == "legacy-alerts"
        ],
        [
            d.model_dump_json()
            for d in state.mailgun.domains
            if d.name not in ("mg.acme-mail.com", "news.acme-mail.com")
        ],
        [s.model_dump_json() for s in state.postmark.senders],
        [state.postmark.server.model_dump_json(exclude={"track_opens", "track_links"})],
    ]
    return "\n".join(line for part in parts for line in part)


def test_create_that_commits_then_times_out_is_not_duplicated(
    served: Served, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name, value in ENV.items():
        monkeypatch.setenv(name, value)
    # a new Mailgun URL and a new account-level webhook to create, besides Postmark's
    served.config.write_text(
        served.config.read_text().replace(
            "\npolicy:",
            "  mg-audit:\n"
            "    url: https://audit.acme-mail.com/mailgun/failures\n"
            "    events: [bounced]\n"
            "    targets: [mailgun/mg.acme-mail.com, mailgun]\n"
            "\npolicy:",
        )
    )
    served.app.faults.stall_s = 2.0
    for path in (r"^/webhooks$", r"/v4/domains/mg.acme-mail.com/webhooks$", r"/v1/webhooks$"):
        served.app.faults.add(kind="timeout_after_commit", method="POST", path_regex=path, times=1)
    options = api.RunOptions(
        config=str(served.config),
        http=HttpOptions(read_timeout=0.5, backoff_base=0.01),
    )
    outcome = api.apply(options, force=True, confirm=lambda plan: True)
    assert outcome.result is not None
    assert outcome.result.exit_code == 0, [o.message for o in outcome.result.outcomes]
    _assert_no_duplicates(served)
    kinds = [kind for _, _, kind in served.app.faults.history]
    assert kinds.count("timeout_after_commit") == 3
    audit = "https://audit.acme-mail.com/mailgun/failures"
    mg = {d.name: d for d in served.app.state.mailgun.domains}
    assert mg["mg.acme-mail.com"].webhooks["permanent_fail"].count(audit) == 1
    assert [h.url for h in served.app.state.mailgun.account_webhooks].count(audit) == 1
    again = api.plan(api.RunOptions(config=str(served.config)))
    assert not again.plan.has_changes


def test_plan_json_round_trips_through_apply_json_free_of_secrets(served: Served) -> None:
    served.run("plan", "--out", "plans/x.json")
    text = Path("plans/x.json").read_text()
    assert json.loads(text)["changes"]
    assert_no_canary(text)


def test_protect_keeps_an_unmanaged_stream_under_prune(served: Served) -> None:
    text = served.config.read_text().replace("unmanaged: warn", "unmanaged: prune")
    text = text.replace(
        "protect: [postmark/outbound]", "protect: [postmark/outbound, postmark/legacy-alerts]"
    )
    served.config.write_text(text)
    plan = plan_json(served.run("plan", "--format", "json"))
    unmanaged = {(u["kind"], u["key"]): u["action"] for u in plan["unmanaged"]}
    assert unmanaged[("postmark.message_stream", "legacy-alerts")] == "protected"
    assert not [c for c in plan["changes"] if c["key"] == "legacy-alerts"]
    assert served.run("apply", "--auto-approve", "--force").exit_code == 0
    streams = {s.id: s for s in served.app.state.postmark.streams}
    assert streams["legacy-alerts"].archived_at is None
