"""Real accounts, end to end over HTTP: `espctl sandbox serve` and the CLI as subprocesses.

Issue 13 items 3, 4 and 12:
- a declared domain missing from the account blocks what depends on it: the plan shows
  it blocked, ``--detailed-exitcode`` exits 1, apply attempts nothing for it and applies
  the rest, and what other tools configured is still there byte for byte;
- Postmark's default streams: prune never archives them, and the 10-stream limit counts
  the live streams at plan time (the config alone passes ``validate``);
- ``serve --from-config``: an account made for any config, so its plan means something.
"""

from __future__ import annotations

import json
import signal
from pathlib import Path
from typing import Any

import httpx

from espctl.sandbox.postmark import seed
from tests.conftest import EXAMPLES
from tests.contract.harness import quickstart_changes
from tests.e2e.conftest import assert_no_canary, endpoint_config
from tests.e2e.processes import espctl, start_serve, stop

PM_TOKEN = {"X-Postmark-Server-Token": "canary-5ecret-pm", "Accept": "application/json"}
MG_AUTH = ("api", "canary-5ecret-mg")
TYPO = "mg.acme-mial.com"  # mg.acme-mail.com, mistyped


def pm_get(base: str, path: str, **params: str) -> Any:
    response = httpx.get(f"{base}{path}", headers=PM_TOKEN, params=params)
    response.raise_for_status()
    return response.json()


def streams(base: str) -> dict[str, bool]:
    """stream id -> archived, of the served Postmark server."""
    found = pm_get(base, "/message-streams", IncludeArchivedStreams="true")["MessageStreams"]
    return {s["ID"]: s["ArchivedAt"] is not None for s in found}


def with_typo_domain(base: str) -> str:
    """The quickstart config plus a mistyped Mailgun domain with tracking and a webhook."""
    text = endpoint_config(base)
    text = text.replace(
        "      mg.acme-mail.com: {}\n",
        f"      mg.acme-mail.com: {{}}\n      {TYPO}:\n        tracking: {{opens: false}}\n",
    )
    return text.replace(
        "webhooks:\n",
        "webhooks:\n"
        "  typo-hooks:\n"
        "    url: https://hooks.acme-mail.com/esp/typo\n"
        "    events: [delivered, bounced]\n"
        f"    targets: [mailgun/{TYPO}]\n",
        1,
    )


def keys(items: list[dict[str, Any]]) -> set[tuple[str, str, str]]:
    return {(c["action"], c["kind"], c["key"]) for c in items}


def test_a_missing_domain_blocks_only_what_depends_on_it(server: str, tmp_path: Path) -> None:
    (tmp_path / "espctl.yaml").write_text(with_typo_domain(server))
    assert espctl(tmp_path, "validate").returncode == 0  # offline, it cannot know

    planned = espctl(tmp_path, "plan", "--format", "json")
    assert planned.returncode == 0, planned.stderr
    plan = json.loads(planned.stdout)
    blocked = {
        ("create", "mailgun.tracking", TYPO),
        ("create", "mailgun.webhook", f"{TYPO} https://hooks.acme-mail.com/esp/typo"),
    }
    assert keys(plan["blocked_changes"]) == blocked
    assert all(TYPO not in c["key"] for c in plan["changes"])
    assert len(plan["changes"]) == quickstart_changes()  # the seeded drift, still planned
    assert all(
        b["blocked_by"] == [{"provider": "mailgun", "name": "domain", "subject": TYPO}]
        for b in plan["blocked_changes"]
    )
    (check,) = [c for c in plan["checks"] if c["subject"] == TYPO]
    assert (check["ok"], check["severity"], check["blocks"]) == (False, "error", [TYPO])
    assert plan["summary"]["blocked"] == 2 and plan["converges"] is False

    detailed = espctl(tmp_path, "plan", "--detailed-exitcode", "--out", "plans/p.json")
    assert detailed.returncode == 1  # cannot converge, though changes are pending
    # ...and the plan is still saved, so CI can post it saying why (action.yml, GitLab)
    shown = espctl(tmp_path, "show", "plans/p.json", "--format", "markdown")
    assert shown.returncode == 0 and "**Blocked by failed checks**" in shown.stdout
    assert f"  ! mailgun mailgun.webhook {TYPO} https://hooks.acme-mail.com/esp/typo\n" in (
        detailed.stdout
    )
    assert f"      blocked by: mailgun domain {TYPO}\n" in detailed.stdout
    assert f"  [error] mailgun domain: domain {TYPO} does not exist" in detailed.stdout
    assert "error: the config cannot converge: 1 check failed with severity error" in (
        detailed.stderr
    )
    markdown = espctl(tmp_path, "plan", "--format", "markdown").stdout
    assert "**Blocked by failed checks** (2 changes, not applied):" in markdown
    assert f"      blocked by: mailgun domain {TYPO}\n" in markdown

    hooks_before = pm_get(server, "/webhooks")["Webhooks"]
    applied = espctl(tmp_path, "apply", "--auto-approve", "--force")
    assert applied.returncode == 3, applied.stdout + applied.stderr  # not converged
    applied_line = f"Apply: {quickstart_changes()} applied, 0 failed, 0 skipped, 2 blocked"
    assert f"{applied_line} (not attempted)." in applied.stdout
    assert "failed:" not in applied.stdout and "Domain not found" not in applied.stdout
    assert (
        f"  blocked: mailgun mailgun.webhook {TYPO} https://hooks.acme-mail.com/esp/typo: not "
        "attempted, blocked by "
        f"mailgun domain {TYPO}: domain {TYPO} does not exist in Mailgun's EU region"
    ) in applied.stdout
    assert "not attempted: the config cannot converge" in applied.stderr
    assert "run `espctl apply` again" not in applied.stderr  # re-running cannot help

    # what other tools configured is still there, byte for byte (policy.unmanaged: warn)
    legacy = seed.LEGACY_PM_URL.replace("://", f"://{seed.LEGACY_PM_USERINFO}@", 1)
    hooks_after = {h["ID"]: h for h in pm_get(server, "/webhooks")["Webhooks"]}
    (old_legacy,) = [h for h in hooks_before if h["Url"] == legacy]
    assert hooks_after[old_legacy["ID"]] == old_legacy
    assert streams(server)["broadcast"] is False
    gone = httpx.get(f"{server}/eu/v4/domains/{TYPO}", auth=MG_AUTH)
    assert gone.status_code == 404

    again = espctl(tmp_path, "plan", "--format", "json")
    replan = json.loads(again.stdout)
    assert replan["changes"] == [] and keys(replan["blocked_changes"]) == blocked
    nothing = espctl(tmp_path, "apply", "--auto-approve")
    assert nothing.returncode == 1  # every change left is blocked: nothing applied
    assert "Apply: 0 applied, 0 failed, 0 skipped, 2 blocked (not attempted)." in nothing.stdout
    assert_no_canary(planned.stdout, detailed.stdout, markdown, applied.stdout, applied.stderr)


def test_prune_never_archives_a_default_stream(server: str, tmp_path: Path) -> None:
    text = endpoint_config(server).replace("unmanaged: warn", "unmanaged: prune")
    (tmp_path / "espctl.yaml").write_text(text)
    plan = json.loads(espctl(tmp_path, "plan", "--format", "json").stdout)
    unmanaged = {(u["key"], u["action"]): u for u in plan["unmanaged"]}
    kept = unmanaged[("broadcast", "kept")]
    assert kept["reason"] == "Postmark's default broadcast stream, never archived"
    deletes = keys([c for c in plan["changes"] if c["action"] == "delete"])
    assert ("delete", "postmark.message_stream", "legacy-alerts") in deletes
    assert all(key != "broadcast" for _, _, key in deletes)
    applied = espctl(tmp_path, "apply", "--auto-approve", "--force")
    assert applied.returncode == 0, applied.stdout + applied.stderr
    live = streams(server)
    assert (live["broadcast"], live["legacy-alerts"]) == (False, True)  # archived: prune
    second = espctl(tmp_path, "plan", "--detailed-exitcode")
    assert second.returncode == 0, second.stdout


def test_the_stream_limit_counts_live_streams_at_plan_time(server: str, tmp_path: Path) -> None:
    extra = "".join(f"      s{n}: {{type: transactional, name: S{n}}}\n" for n in range(1, 6))
    text = endpoint_config(server).replace(
        "      newsletters: {type: broadcasts, name: Newsletters}\n",
        "      newsletters: {type: broadcasts, name: Newsletters}\n" + extra,
    )
    (tmp_path / "espctl.yaml").write_text(text)
    assert espctl(tmp_path, "validate").returncode == 0  # 8 streams + inbound: fine offline
    planned = espctl(tmp_path, "plan", "--format", "json", "--detailed-exitcode")
    assert planned.returncode == 1
    plan = json.loads(planned.stdout)
    (limit,) = [c for c in plan["checks"] if c["name"] == "stream_limit"]
    assert (limit["ok"], limit["severity"]) == (False, "error")
    new = ["receipts", "s1", "s2", "s3", "s4", "s5"]
    assert limit["blocks"] == new
    assert limit["message"].startswith(
        "the server would have 11 message streams, over Postmark's limit of 10 (ErrorCode "
        "1225): 5 exist (broadcast, inbound, legacy-alerts, newsletters, outbound)"
    )
    blocked = keys(plan["blocked_changes"])
    assert {("create", "postmark.message_stream", s) for s in new} <= blocked
    # the webhook on a stream that will not be created is blocked with it
    assert (
        "create",
        "postmark.webhook",
        "receipts https://hooks.acme-mail.com/esp/events",
    ) in blocked
    routing = {c["subject"]: c for c in plan["checks"] if c["name"] == "routing_target"}
    assert routing["postmark/receipts"]["status"] == "error"  # the plan does not create it
    applied = espctl(tmp_path, "apply", "--auto-approve", "--force")
    assert applied.returncode == 3, applied.stdout + applied.stderr
    assert "failed:" not in applied.stdout
    assert not set(new) & set(streams(server))  # none attempted, none half-made


CUSTOM = """\
version: 1
providers:
  pm:
    type: postmark
    server_token: ${env:POSTMARK_SERVER_TOKEN}
    account_token: ${env:POSTMARK_ACCOUNT_TOKEN}
    endpoint: ${env:PM_URL:-https://api.postmarkapp.com}
    default_sender: "Globex <hello@globex-mail.com>"
    tracking: {opens: true, links: html_only}
    message_streams:
      outbound: {type: transactional, name: Transactional}
      welcome: {type: broadcasts, name: Welcome series}
  mg:
    type: mailgun
    api_key: ${env:MAILGUN_API_KEY}
    region: us
    endpoint: ${env:MG_URL:-https://api.mailgun.net}
    defaults:
      tracking: {opens: true, clicks: html_only}
    domains:
      mg.globex-mail.com: {}
      news.globex-mail.com: {}
routing:
  default: pm/outbound
  rules:
    - {name: onboarding, email_types: [welcome], to: pm/welcome}
    - {name: news, email_types: [newsletter], to: mg/news.globex-mail.com}
webhooks:
  collector:
    url: https://events.globex-mail.com/esp
    events: [delivered, bounced, opened]
    targets: [pm/outbound, mg/mg.globex-mail.com, mg/news.globex-mail.com]
"""


def test_serve_from_config_makes_an_account_any_config_can_plan_against(
    tmp_path: Path,
) -> None:
    config = tmp_path / "espctl.yaml"
    config.write_text(CUSTOM)
    seen: list[str] = []
    proc, base = start_serve("--from-config", str(config), seen=seen)
    try:
        env = {"PM_URL": base, "MG_URL": base}
        planned = espctl(tmp_path, "plan", "--format", "json", env=env)
        assert planned.returncode == 0, planned.stderr
        plan = json.loads(planned.stdout)
        # its domains exist and are verified, the sender's domain too: every check passes
        assert [c for c in plan["checks"] if not c["ok"]] == []
        assert plan["converges"] is True and plan["blocked_changes"] == []
        changes = keys(plan["changes"])
        assert ("create", "postmark.message_stream", "welcome") in changes  # not there yet
        assert ("update", "postmark.server", "server") in changes  # default tracking
        assert ("update", "mailgun.tracking", "news.globex-mail.com") in changes
        assert (
            "create",
            "mailgun.webhook",
            "mg.globex-mail.com https://events.globex-mail.com/esp",
        ) in changes
        assert all(action != "delete" for action, _, _ in changes)
        unmanaged = {(u["kind"], u["key"], u["action"]) for u in plan["unmanaged"]}
        assert unmanaged == {("postmark.message_stream", "broadcast", "kept")}  # no Acme
        applied = espctl(tmp_path, "apply", "--auto-approve", "--force", env=env)
        assert applied.returncode == 0, applied.stdout + applied.stderr
        converged = espctl(tmp_path, "plan", "--detailed-exitcode", env=env)
        assert converged.returncode == 0, converged.stdout + converged.stderr
    finally:
        assert stop(proc, signal.SIGINT) == 0
    printed = "".join(seen)
    assert f"serving an account made for {config}: 2 Mailgun and 1 Postmark domains" in printed


def test_serve_from_config_reports_a_bad_config_and_exits_1(tmp_path: Path) -> None:
    bad = tmp_path / "bad.yaml"
    bad.write_text("version: 1\nproviders:\n  pm: {type: postmark, trackng: {}}\n")
    result = espctl(tmp_path, "sandbox", "serve", "--port", "0", "--from-config", str(bad))
    assert result.returncode == 1
    assert f"{bad}:3:" in result.stderr and "Traceback" not in result.stderr


def test_the_ci_recipes_plan_forks_against_an_account_made_for_the_config() -> None:
    # GitHub: the recipe's plan job uses espctl's action with sandbox: <is a fork>
    action = (EXAMPLES.parent / "action.yml").read_text()
    gitlab = (EXAMPLES / "ci" / "gitlab-ci.yml").read_text()
    assert 'if [ "$SANDBOX" = "true" ]; then mode="--sandbox-from-config"; fi' in action
    assert 'MODE="--sandbox-from-config"' in gitlab
    assert '"--sandbox"' not in action + gitlab  # never the demo's Acme account
