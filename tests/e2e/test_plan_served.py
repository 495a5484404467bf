"""The real CLI against `espctl sandbox serve`-style HTTP on 127.0.0.1: plan."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from espctl.cli import main
from espctl.sandbox import FaultPlan, SandboxApp, running_server, seed_account
from tests.contract.harness import quickstart_plan_line
from tests.e2e.conftest import (
    CREDENTIALS,
    ENV,
    Served,
    assert_no_canary,
    endpoint_config,
    plan_json,
)

# The seeded account's drift from examples/quickstart.yaml, exactly.
EXPECTED = {
    ("update", "postmark.server", "server"),
    ("update", "postmark.message_stream", "outbound"),
    ("update", "postmark.message_stream", "newsletters"),
    ("create", "postmark.message_stream", "receipts"),
    ("update", "postmark.webhook", "outbound https://hooks.acme-mail.com/esp/events"),
    ("create", "postmark.webhook", "receipts https://hooks.acme-mail.com/esp/events"),
    ("create", "postmark.webhook", "outbound https://audit.acme-mail.com/postmark/bounces"),
    ("update", "postmark.webhook", "newsletters https://hooks.acme-mail.com/esp/engagement"),
    ("update", "mailgun.tracking", "mg.acme-mail.com"),
    ("update", "mailgun.tracking", "news.acme-mail.com"),
    # one change per declared URL: its events and credentials (other URLs: unmanaged)
    ("update", "mailgun.webhook", "mg.acme-mail.com https://hooks.acme-mail.com/esp/events"),
    ("update", "mailgun.webhook", "news.acme-mail.com https://hooks.acme-mail.com/esp/engagement"),
    ("update", "sendgrid.tracking", "click"),
    ("update", "sendgrid.tracking", "subscription"),
    ("update", "sendgrid.webhook", "https://hooks.acme-mail.com/esp/events"),
    ("create", "sendgrid.webhook", "https://hooks.acme-mail.com/esp/engagement"),
    # the set's TLS and suppression; the events collector's destination: three more events
    ("update", "ses.configuration_set", "transactional"),
    ("update", "ses.webhook", "transactional https://hooks.acme-mail.com/esp/events"),
}


def test_plan_json_shows_the_seeded_drift_exactly(served: Served) -> None:
    result = served.run("plan", "--format", "json")
    assert result.exit_code == 0, result.output
    plan = plan_json(result)
    assert plan["format"] == "espctl-plan/1"
    assert {(c["action"], c["kind"], c["key"]) for c in plan["changes"]} == EXPECTED
    assert plan["summary"] == {
        "create": 4,
        "update": 14,
        "delete": 0,
        "unchanged": 5,
        "blocked": 0,
    }
    assert plan["blocked_changes"] == [] and plan["converges"] is True
    assert plan["blocked"] is True  # 18 of 23 managed resources > 30 %
    by_key = {c["key"]: c for c in plan["changes"]}
    server = {f["name"]: f for f in by_key["server"]["fields"]}
    assert (server["track_opens"]["before"], server["track_opens"]["after"]) == (False, True)
    assert (server["track_links"]["before"], server["track_links"]["after"]) == (
        "none",
        "html_and_text",
    )
    hook = {
        f["name"]: f for f in by_key["outbound https://hooks.acme-mail.com/esp/events"]["fields"]
    }
    assert hook["basic_auth_password"] == {
        "name": "basic_auth_password",
        "before": "(sensitive)",
        "after": "(sensitive)",
        "sensitive": True,
    }
    clicks = {f["name"]: f for f in by_key["mg.acme-mail.com"]["fields"]}["clicks"]
    assert (clicks["before"], clicks["after"]) == ("html_only", True)
    unmanaged = {(u["kind"], u["key"], u["action"]) for u in plan["unmanaged"]}
    assert unmanaged == {
        ("postmark.message_stream", "broadcast", "kept"),  # the server's default: never archived
        ("postmark.message_stream", "legacy-alerts", "listed"),
        (
            "postmark.webhook",
            "legacy-alerts https://legacy-monitor.acme-mail.com/postmark/bounces",
            "listed",
        ),
        ("mailgun.domain", "alerts.acme-mail.com", "kept"),
        ("mailgun.domain", "legacy.acme-mail.com", "kept"),
        # SES: what other tools made (never changed or deleted by espctl)
        ("ses.identity", "acme-mail.com", "kept"),
        ("ses.identity", "noreply@acme-mail.com", "kept"),
        ("ses.configuration_set", "marketing", "kept"),
        ("ses.destination", "transactional crm-eventbridge", "kept"),
        ("ses.destination", "transactional ses-metrics", "kept"),
        # other integrations' URLs beside declared ones, and the account-level webhook
        (
            "mailgun.webhook",
            "mg.acme-mail.com https://analytics.acme-mail.com/mailgun/opens",
            "listed",
        ),
        (
            "mailgun.webhook",
            "news.acme-mail.com https://hooks.acme-mail.com/esp/clicks-legacy",
            "listed",
        ),
        ("mailgun.account_webhook", "https://ops-monitor.acme-mail.com/mailgun/failures", "listed"),
        # a SendGrid Event Webhook another tool made (its URL's token never shown)
        ("sendgrid.webhook", "https://track.acme-mail.com/sendgrid/events", "listed"),
    }
    failed = [c for c in plan["checks"] if not c["ok"]]
    assert [(c["provider"], c["name"], c["subject"], c["severity"]) for c in failed] == [
        ("mailgun", "domain", "news.acme-mail.com", "warning"),  # unverified: converges
        # the seeded SNS subscription its receiver has not confirmed
        (
            "ses",
            "sns subscription",
            "transactional https://hooks.acme-mail.com/esp/events",
            "warning",
        ),
        ("mailgun", "routing_target", "mailgun/news.acme-mail.com", "warning"),
    ]


def test_plan_text_and_markdown(served: Served) -> None:
    text = served.run("plan")
    assert text.exit_code == 0
    out = text.stdout
    assert "  ~ postmark postmark.server server\n" in out
    assert "      track_opens: false -> true\n" in out
    assert "  + postmark postmark.message_stream receipts\n" in out
    assert "basic_auth_password: (sensitive value changed)" in out
    assert "  [warn ] mailgun domain: news.acme-mail.com is unverified" in out
    assert (
        "  ? postmark postmark.message_stream broadcast: not in config; Postmark's default "
        "broadcast stream, never archived: kept\n"
    ) in out
    assert quickstart_plan_line() in out
    assert "BLOCKED: 18 changes to 23 managed resources (78%)" in out
    assert "\x1b[" not in out  # no colour off a TTY
    md = served.run("plan", "--format", "markdown").stdout
    assert md.startswith("### espctl plan\n")
    # 14 unmanaged (5 of them SES's), no errors, 3 warnings (a pending SNS subscription)
    assert "| 4 | 14 | 0 | 5 | 0 | 14 | 0 | 3 |" in md
    assert "- :warning: warning **mailgun** domain: `news.acme-mail.com is unverified" in md
    assert "<details><summary><b>postmark</b>: 8 changes</summary>" in md
    assert "> **Blocked:**" in md


def test_detailed_exitcode(served: Served) -> None:
    assert served.run("plan", "--detailed-exitcode").exit_code == 2
    assert served.run("plan").exit_code == 0


def test_saved_plan_and_outputs_hold_no_secret(served: Served) -> None:
    outputs = []
    for fmt in ("text", "json", "markdown"):
        result = served.run("plan", "--format", fmt, "--out", f"plans/p-{fmt}.json")
        assert result.exit_code == 0
        outputs += [result.stdout, result.stderr]
    saved = Path("plans/p-json.json")
    assert saved.exists()
    payload = json.loads(saved.read_text())
    assert payload["format"] == "espctl-plan/1"
    assert payload["fingerprint"] == json.loads(outputs[2])["fingerprint"]
    assert_no_canary(*outputs, saved.read_text())


def test_wrong_credentials_is_one_readable_error(served: Served) -> None:
    result = served.run("plan", env={"POSTMARK_SERVER_TOKEN": "wrong-token"})
    assert result.exit_code == 1
    assert result.stderr == (
        "error: postmark: the server token was rejected (HTTP 401, ErrorCode 10)"
        " — check POSTMARK_SERVER_TOKEN\n"
    )
    assert "Traceback" not in result.output
    assert "wrong-token" not in result.output


def test_wrong_credentials_give_the_same_message_under_jitter(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """20 plans against a served sandbox with random latency on every request: the
    same lines every time, one per provider, in provider-id order (every provider's
    credential wrong, so no read outlives the others' refusals)."""
    monkeypatch.chdir(tmp_path)
    wrong = {
        "POSTMARK_SERVER_TOKEN": "wrong-token",
        "MAILGUN_API_KEY": "wrong-key",
        "SENDGRID_API_KEY": "wrong-sendgrid-key",
        "SES_SECRET_ACCESS_KEY": "wrong-secret",
    }
    outputs = set()
    for seed in range(20):
        faults = FaultPlan(seed=seed, jitter_ms=25)
        app = SandboxApp(seed_account(seed=0), credentials=CREDENTIALS, faults=faults)
        with running_server(app) as base_url:
            config = tmp_path / "espctl.yaml"
            config.write_text(endpoint_config(base_url))
            result = CliRunner(env={**ENV, **wrong}).invoke(main, ["plan", "-c", str(config)])
        assert result.exit_code == 1
        outputs.add(result.stderr)
    assert outputs == {
        "error: mailgun: the API key was rejected (HTTP 401, Forbidden) — check MAILGUN_API_KEY\n"
        "error: postmark: the server token was rejected (HTTP 401, ErrorCode 10)"
        " — check POSTMARK_SERVER_TOKEN\n"
        "error: sendgrid: the API key was rejected (HTTP 401, authorization required)"
        " — check SENDGRID_API_KEY\n"
        "error: ses: the AWS credential was rejected (HTTP 403, InvalidSignatureException)"
        " — check SES_ACCESS_KEY_ID and SES_SECRET_ACCESS_KEY\n"
    }


def test_missing_env_var_is_an_error_naming_it(served: Served) -> None:
    env = {"MAILGUN_API_KEY": ""}
    from click.testing import CliRunner

    from espctl.cli import main
    from tests.e2e.conftest import ENV

    full = {k: v for k, v in ENV.items() if k != "MAILGUN_API_KEY"}
    result = CliRunner(env={**full, "MAILGUN_API_KEY": None}).invoke(  # type: ignore[dict-item]
        main, ["plan", "-c", str(served.config)]
    )
    assert result.exit_code == 1, result.output
    assert "providers.mailgun.api_key: environment variable MAILGUN_API_KEY is not set" in (
        result.stderr
    )
    del env


def test_plan_under_latency_and_rate_limits_still_succeeds(served: Served) -> None:
    served.app.faults.latency_ms = 20
    served.app.faults.add(
        kind="429", method="GET", path_regex="/webhooks", times=2, retry_after=0.05
    )
    served.app.faults.add(kind="503", method="GET", path_regex="/tracking", times=1)
    result = served.run("plan", "--format", "json")
    assert result.exit_code == 0, result.output
    assert len(plan_json(result)["changes"]) == len(EXPECTED)
    kinds = [kind for _, _, kind in served.app.faults.history]
    assert kinds.count("429") == 2 and kinds.count("503") == 1


def test_slow_reads_show_a_progress_line_on_stderr_only(served: Served) -> None:
    served.app.faults.latency_ms = 700  # domain detail, then tracking: > 1 s in all
    result = served.run("plan", "--format", "json")
    assert result.exit_code == 0
    assert "reading live state from mailgun, postmark, sendgrid, ses (1s, " in result.stderr
    assert "read live state in " in result.stderr
    json.loads(result.stdout)  # stdout stays the pure result


def test_mailguns_retry_seconds_body_is_waited_and_said_in_the_progress_line(
    served: Served,
) -> None:
    """Mailgun's documented 429 body ``{"retry-seconds": N}`` with no header."""
    served.app.faults.add(
        kind="429_body", provider="mailgun", path_regex="/webhooks$", times=1, retry_after=2
    )
    result = served.run("plan", "--format", "json")
    assert result.exit_code == 0, result.output
    assert "mailgun is rate limited: waiting 2s (retry-seconds 2s)" in result.stderr
    assert [k for _, _, k in served.app.faults.history] == ["429_body"]
    assert len(plan_json(result)["changes"]) == len(EXPECTED)


def test_fast_reads_show_no_progress_line(served: Served) -> None:
    # the two HTTP providers: their reads take a few hundredths of a second, well under
    # the progress line's second even on a loaded machine
    result = served.run(
        "plan", "--format", "json", "--provider", "postmark", "--provider", "mailgun"
    )
    assert "reading live state" not in result.stderr


def test_click_tracking_answered_as_a_boolean_converges(served: Served) -> None:
    """A sandbox domain answering GET ``click.active`` as the spec types it (a boolean):
    news.acme-mail.com is HTML-only as declared, and apply then plan is empty."""
    for domain in served.app.state.mailgun.domains:
        domain.tracking.click_reads_as_boolean = True
    plan = plan_json(served.run("plan", "--format", "json"))
    fields = {
        (c["key"], f["name"])
        for c in plan["changes"]
        if c["kind"] == "mailgun.tracking"
        for f in c["fields"]
    }
    assert ("news.acme-mail.com", "clicks") not in fields
    # mg.acme-mail.com is HTML-only too, but answers true: quickstart's true matches it,
    # the price of an answer that cannot tell the two apart (the plan says so per domain)
    assert ("mg.acme-mail.com", "clicks") not in fields
    notes = {c["subject"] for c in plan["checks"] if c["name"] == "tracking"}
    assert notes == {"news.acme-mail.com", "mg.acme-mail.com"}
    assert served.run("apply", "--auto-approve", "--force").exit_code == 0
    assert served.run("plan", "--detailed-exitcode").exit_code == 0
