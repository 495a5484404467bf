"""Secrets and duplicates end to end: the real CLI against the sandbox over HTTP.

URL userinfo on a live Postmark hook, values from the environment in ordinary fields,
credential headers and query tokens at the provider, duplicate webhooks left by two
applies at once: plan, apply and import get each right, and no output shows a secret.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from click.testing import CliRunner

from espctl.cli import main
from espctl.sandbox.postmark.state import PmHeader, PmTriggers, PmWebhook
from tests.conftest import QUICKSTART
from tests.e2e.conftest import ENV, Served, assert_no_canary, endpoint_config

EVENTS = "https://hooks.acme-mail.com/esp/events"
ALL_TRIGGERS = PmTriggers(
    open=True, click=True, delivery=True, bounce=True, spam_complaint=True, subscription_change=True
)


def _events_hooks(served: Served) -> list[PmWebhook]:
    """Every live hook on ``outbound`` that calls the events collector (userinfo or not)."""
    return [
        h
        for h in served.app.state.postmark.webhooks
        if h.message_stream == "outbound" and re.sub(r"//[^/@]*@", "//", h.url) == EVENTS
    ]


def test_url_userinfo_and_basic_auth_are_one_setting(served: Served) -> None:
    (hook,) = _events_hooks(served)
    hook.url = f"https://esp:{ENV['HOOK_PASSWORD']}@hooks.acme-mail.com/esp/events"
    hook.auth_username = hook.auth_password = None
    hook.triggers = ALL_TRIGGERS
    plan = served.run("plan", "--format", "json")
    keys = {(c["action"], c["key"]) for c in json.loads(plan.stdout)["changes"]}
    assert ("create", f"outbound {EVENTS}") not in keys  # found: the same hook
    assert not any(key.startswith(f"outbound {EVENTS}") for _, key in keys)  # and equal

    hook.url = "https://esp:old-pw-in-url@hooks.acme-mail.com/esp/events"  # drifted password
    text = served.run("plan")
    assert f"  ~ postmark postmark.webhook outbound {EVENTS}\n" in text.stdout
    assert "basic_auth_password: (sensitive value changed)" in text.stdout
    assert "old-pw-in-url" not in text.stdout
    applied = served.run("apply", "--auto-approve", "--force")
    assert applied.exit_code == 0, applied.output
    (hook,) = _events_hooks(served)  # updated in place: no second hook
    assert hook.url == EVENTS and (hook.auth_username, hook.auth_password) == (
        "esp",
        ENV["HOOK_PASSWORD"],
    )
    again = served.run("plan", "--detailed-exitcode")
    assert again.exit_code == 0, again.stdout
    assert_no_canary(plan.stdout, text.stdout, applied.stdout, applied.stderr, again.stdout)


def test_unmanaged_userinfo_hook_is_listed_without_its_password(served: Served) -> None:
    for fmt in ("text", "json", "markdown"):
        out = served.run("plan", "--format", fmt).stdout
        assert "legacy-monitor.acme-mail.com/postmark/bounces" in out
        assert "legacy-monitor-pw" not in out and "monitor:" not in out
    served.config.write_text(
        served.config.read_text().replace("unmanaged: warn", "unmanaged: prune")
    )
    pruned = served.run("apply", "--auto-approve", "--force")
    assert pruned.exit_code == 0, pruned.output
    assert "- postmark postmark.webhook legacy-alerts https://legacy-monitor" in pruned.stderr
    assert "legacy-monitor-pw" not in pruned.output


def test_duplicates_from_concurrent_applies_are_removed_keeping_the_oldest(
    served: Served,
) -> None:
    assert served.run("apply", "--auto-approve", "--force").exit_code == 0
    (original,) = _events_hooks(served)
    account = served.app.state.postmark
    for _ in range(2):  # what a second apply running at the same time created
        account.webhooks.append(original.model_copy(update={"id": account.next_webhook_id}))
        account.next_webhook_id += 1
    plan = served.run("plan", "--detailed-exitcode")  # policy.unmanaged: warn
    assert plan.exit_code == 2, plan.stdout
    assert "Plan: 0 to create, 0 to update, 2 to delete" in plan.stdout
    for copy in account.webhooks[-2:]:
        line = f"  - postmark postmark.webhook outbound {EVENTS} (duplicate ID {copy.id})\n"
        assert line in plan.stdout
    applied = served.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert [h.id for h in _events_hooks(served)] == [original.id]
    assert served.run("plan", "--detailed-exitcode").exit_code == 0


def _env_config(served: Served) -> dict[str, str]:
    """Quickstart with environment values in ordinary fields; returns the values."""
    values = {
        "PM_URL": served.base_url,
        "RECEIPTS_NAME": "canary-5ecret-9f3a-receipts",
        "COMPANY": "canary-5ecret-9f3a-company",
        "HOOK_TOKEN": "canary-5ecret-9f3a-token",
        "AUDIT_KEY": "canary-5ecret-9f3a-audit",
    }
    text = endpoint_config(served.base_url).replace(
        f"endpoint: {served.base_url}\n", "endpoint: ${env:PM_URL}\n", 1
    )
    text = text.replace(
        "receipts: {type: transactional, name: Receipts, description: Order receipts and invoices}",
        'receipts: {type: transactional, name: "${env:RECEIPTS_NAME}", '
        'description: "Receipts of ${env:COMPANY}"}',
    )
    text = text.replace(
        "url: https://audit.acme-mail.com/postmark/bounces",
        "url: https://audit.acme-mail.com/postmark/bounces?token=${env:HOOK_TOKEN}",
    )
    text = text.replace(
        "headers: {X-Espctl-Source: bounce-audit}",
        'headers: {X-Espctl-Source: bounce-audit, X-Audit: "${env:AUDIT_KEY}"}',
    )
    served.config.write_text(text)
    return values


def test_environment_values_apply_and_never_show(served: Served) -> None:
    env = _env_config(served)
    outputs = []
    for fmt in ("text", "json", "markdown"):
        result = served.run("plan", "--format", fmt, "--out", f"plans/p-{fmt}.json", env=env)
        assert result.exit_code == 0, result.output
        outputs += [result.stdout, result.stderr, Path(f"plans/p-{fmt}.json").read_text()]
    assert "      name:        (sensitive)\n" in outputs[0]  # a create shows no value
    applied = served.run("apply", "plans/p-text.json", "--force", env=env)
    assert applied.exit_code == 0, applied.output
    again = served.run("plan", "--detailed-exitcode", env=env)
    assert again.exit_code == 0, again.stdout  # converged: the endpoint from env works too
    receipts = {s.id: s for s in served.app.state.postmark.streams}["receipts"]
    assert (receipts.name, receipts.description) == (
        env["RECEIPTS_NAME"],
        f"Receipts of {env['COMPANY']}",
    )
    audit = [h for h in served.app.state.postmark.webhooks if "audit.acme-mail.com" in h.url]
    assert [h.url for h in audit] == [
        f"https://audit.acme-mail.com/postmark/bounces?token={env['HOOK_TOKEN']}"
    ]
    rotated = served.run("plan", env={**env, "HOOK_TOKEN": "canary-5ecret-9f3a-rotated"})
    assert (
        "  ~ postmark postmark.webhook outbound https://audit.acme-mail.com/postmark/bounces?token=(sensitive)\n"
        in rotated.stdout
    )
    assert "      url: (sensitive value changed)\n" in rotated.stdout
    assert_no_canary(*outputs, applied.stdout, applied.stderr, again.stdout, rotated.stdout)


def test_import_writes_live_header_and_query_tokens_as_variables(served: Served) -> None:
    account = served.app.state.postmark
    token, bearer = "canary-5ecret-9f3a-live-token", "Bearer canary-5ecret-9f3a-live-bearer"
    account.webhooks.append(
        PmWebhook(
            id=account.next_webhook_id,
            url=f"https://collector.acme-mail.com/in?token={token}&src=pm",
            message_stream="outbound",
            headers=[PmHeader(name="Authorization", value=bearer), PmHeader(name="X-A", value="1")],
            triggers=PmTriggers(delivery=True),
        )
    )
    account.next_webhook_id += 1
    plan = served.run("plan", "--format", "json")
    (listed,) = [u for u in json.loads(plan.stdout)["unmanaged"] if "collector" in u["key"]]
    assert listed["key"] == "outbound https://collector.acme-mail.com/in?token=(sensitive)&src=pm"
    assert listed["fields"]["headers"] == {"Authorization": "(sensitive)", "X-A": "1"}

    result = served.run("import", "--provider", "postmark", "--out", "imported.yaml")
    assert result.exit_code == 0, result.output
    text = Path("imported.yaml").read_text()
    spec = next(s for s in yaml.safe_load(text)["webhooks"].values() if "collector" in s["url"])
    token_var = re.fullmatch(
        r"https://collector\.acme-mail\.com/in\?token=\$\{env:(\w+)\}&src=pm", spec["url"]
    )
    assert token_var is not None
    auth_var = re.fullmatch(r"\$\{env:(\w+)\}", spec["headers"]["Authorization"])
    assert auth_var is not None and spec["headers"]["X-A"] == "1"
    assert token_var.group(1) in result.stderr and auth_var.group(1) in result.stderr
    # with the variables set to the live values, the imported config plans nothing
    env = {token_var.group(1): token, auth_var.group(1): bearer}
    for name in re.findall(r"ESPCTL_HOOK_\w+_PASSWORD", text):
        env[name] = ENV["HOOK_PASSWORD"] if "EVENTS" in name else "x"
    served.config.write_text(text)
    after = served.run("plan", "--format", "json", env=env)
    changed = [c["key"] for c in json.loads(after.stdout)["changes"]]
    assert not [k for k in changed if "collector" in k]
    assert_no_canary(plan.stdout, result.stdout, result.stderr, text, after.stdout)


def test_sandbox_state_file_holds_no_exported_secret(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "espctl.yaml").write_text(QUICKSTART.read_text().replace("../schemas/", ""))
    env = {"HOOK_PASSWORD": "canary-5ecret-9f3a-exported", "NO_COLOR": "1"}
    runner = CliRunner(env=env)
    first = runner.invoke(main, ["apply", "--sandbox", "--auto-approve", "--force"])
    assert first.exit_code == 0, first.output
    state = (tmp_path / ".espctl" / "sandbox.json").read_text()
    assert_no_canary(state)
    assert "espctl-sensitive-" in state  # the password's place, as a keyed digest
    again = runner.invoke(main, ["plan", "--sandbox", "--detailed-exitcode"])
    assert again.exit_code == 0, again.output  # restored from the digest: still converged
    other = runner.invoke(
        main, ["plan", "--sandbox", "--detailed-exitcode"], env={"HOOK_PASSWORD": "another"}
    )
    assert other.exit_code == 2 and "(sensitive value changed)" in other.stdout
