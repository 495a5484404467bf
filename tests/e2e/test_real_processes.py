"""The real programs: `espctl sandbox serve` in one process, the espctl CLI in others."""

from __future__ import annotations

import json
import re
import signal
from pathlib import Path

import httpx

from tests.contract.harness import quickstart_apply_line, quickstart_plan_line
from tests.e2e.conftest import assert_no_canary, endpoint_config
from tests.e2e.processes import CANARY_HOOK, espctl, start_serve, stop


def test_sigterm_is_a_clean_stop_even_when_sigint_is_ignored() -> None:
    proc, _ = start_serve(sigint=signal.SIG_IGN)  # as `espctl sandbox serve &` in a script
    assert stop(proc, signal.SIGTERM) == 0
    assert proc.stdout is not None
    assert "stopping" in proc.stdout.read()


def test_plan_apply_plan_across_processes(server: str, tmp_path: Path) -> None:
    (tmp_path / "espctl.yaml").write_text(endpoint_config(server))
    first = espctl(tmp_path, "plan", "--detailed-exitcode", "--out", "plans/p.json")
    assert first.returncode == 2, first.stderr
    assert quickstart_plan_line() in first.stdout
    applied = espctl(tmp_path, "apply", "plans/p.json", "--force")
    assert applied.returncode == 0, applied.stderr
    assert quickstart_apply_line() in applied.stdout
    second = espctl(tmp_path, "plan", "--detailed-exitcode")
    assert second.returncode == 0, second.stdout + second.stderr
    assert_no_canary(
        first.stdout,
        first.stderr,
        applied.stdout,
        applied.stderr,
        second.stdout,
        second.stderr,
        (tmp_path / "plans/p.json").read_text(),
    )


MG_DOMAINS = ("mg.acme-mail.com", "news.acme-mail.com", "alerts.acme-mail.com")
DECLARED = ("https://hooks.acme-mail.com/esp/events", "https://hooks.acme-mail.com/esp/engagement")
#: another integration's URL, credentials in its userinfo (percent-encoded as it sent them)
SEGMENT = "https://seg:s3cr3t%21%2F@segment.acme-mail.com/mailgun?src=mg"


def _mailgun(server: str) -> httpx.Client:
    return httpx.Client(base_url=f"{server}/eu", auth=("api", "canary-5ecret-mg"), timeout=10)


def _foreign(client: httpx.Client) -> set[tuple[str, str, str]]:
    """(domain, event, URL exactly as Mailgun holds it) of every URL the config does not
    declare (the declared ones may carry their basic auth as userinfo)."""
    found = set()
    for domain in MG_DOMAINS:
        hooks = client.get(f"/v3/domains/{domain}/webhooks").json()["webhooks"]
        for event, entry in hooks.items():
            for url in entry["urls"]:
                bare = re.sub(r"://[^/@]*@", "://", url)
                if bare not in DECLARED:
                    found.add((domain, event, url))
    return found


def test_apply_leaves_other_integrations_urls_byte_for_byte(server: str, tmp_path: Path) -> None:
    """Issue 13 item 1: under ``policy.unmanaged: warn`` a URL another tool put on an event
    the config declares survives apply exactly, credentials and all."""
    with _mailgun(server) as client:
        events = "https://hooks.acme-mail.com/esp/events"
        put = client.put(
            "/v3/domains/mg.acme-mail.com/webhooks/delivered", data={"url": [events, SEGMENT]}
        )
        assert put.status_code == 200, put.text
        foreign = _foreign(client)
    assert foreign == {
        ("mg.acme-mail.com", "opened", "https://analytics.acme-mail.com/mailgun/opens"),
        ("mg.acme-mail.com", "delivered", SEGMENT),
        ("news.acme-mail.com", "clicked", "https://hooks.acme-mail.com/esp/clicks-legacy"),
        ("alerts.acme-mail.com", "permanent_fail", "https://status.acme-mail.com/hooks/mailgun"),
    }
    (tmp_path / "espctl.yaml").write_text(endpoint_config(server))
    plan = espctl(tmp_path, "plan", "--format", "json")
    assert plan.returncode == 0, plan.stderr
    listed = {(u["kind"], u["key"], u["action"]) for u in json.loads(plan.stdout)["unmanaged"]}
    assert {
        (
            "mailgun.webhook",
            "mg.acme-mail.com https://analytics.acme-mail.com/mailgun/opens",
            "listed",
        ),
        (
            "mailgun.webhook",
            "mg.acme-mail.com https://segment.acme-mail.com/mailgun?src=mg",
            "listed",
        ),
        (
            "mailgun.webhook",
            "news.acme-mail.com https://hooks.acme-mail.com/esp/clicks-legacy",
            "listed",
        ),
    } <= listed
    text = espctl(tmp_path, "plan").stdout
    assert (
        "  ? mailgun mailgun.webhook mg.acme-mail.com https://analytics.acme-mail.com/mailgun/opens:"
        " not in config (policy.unmanaged: warn; set prune to delete)" in text
    )
    applied = espctl(tmp_path, "apply", "--auto-approve", "--force")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    with _mailgun(server) as client:
        assert _foreign(client) == foreign  # every other integration's URL, byte for byte
        opened = client.get("/v3/domains/mg.acme-mail.com/webhooks/opened").json()
    assert opened["webhook"]["urls"] == [
        f"https://esp:{CANARY_HOOK}@hooks.acme-mail.com/esp/events",
        "https://analytics.acme-mail.com/mailgun/opens",
    ]
    again = espctl(tmp_path, "plan", "--detailed-exitcode")
    assert again.returncode == 0, again.stdout + again.stderr
    outputs = (plan.stdout, plan.stderr, text, applied.stdout, applied.stderr, again.stdout)
    assert_no_canary(*outputs)
    assert not any("s3cr3t" in output for output in outputs)


def test_apply_leaves_account_level_webhooks_byte_for_byte(server: str, tmp_path: Path) -> None:
    """Issue 13 item 2: the account-level webhooks, which fire for every domain, are
    read and shown, and apply under ``warn`` leaves the whole listing as it was."""
    with _mailgun(server) as client:
        made = client.post(
            "/v1/webhooks",
            data={"url": SEGMENT, "event_types": ["delivered", "opened"], "description": "seg"},
        )
        assert made.status_code == 200, made.text
        before = client.get("/v1/webhooks").content
    listing = json.loads(before)["webhooks"]
    assert [h["url"] for h in listing] == [
        "https://ops-monitor.acme-mail.com/mailgun/failures",
        SEGMENT,
    ]
    (tmp_path / "espctl.yaml").write_text(endpoint_config(server))
    plan = espctl(tmp_path, "plan", "--format", "json")
    assert plan.returncode == 0, plan.stderr
    listed = {(u["kind"], u["key"], u["action"]) for u in json.loads(plan.stdout)["unmanaged"]}
    assert {
        ("mailgun.account_webhook", "https://ops-monitor.acme-mail.com/mailgun/failures", "listed"),
        ("mailgun.account_webhook", "https://segment.acme-mail.com/mailgun?src=mg", "listed"),
    } <= listed
    tested = espctl(tmp_path, "test")
    assert "ok   account webhooks" in tested.stdout
    assert "2 account-level webhooks (every EU domain)" in tested.stdout
    applied = espctl(tmp_path, "apply", "--auto-approve", "--force")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    with _mailgun(server) as client:
        assert client.get("/v1/webhooks").content == before  # the whole listing, unchanged
    outputs = (plan.stdout, plan.stderr, tested.stdout, applied.stdout, applied.stderr)
    assert_no_canary(*outputs)
    assert not any("s3cr3t" in output for output in outputs)
