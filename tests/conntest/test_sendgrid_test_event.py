"""``espctl test --webhooks`` asks SendGrid to send its own test event to each configured
Event Webhook (``POST /v3/user/webhooks/event/test``): the live webhook's ``id`` (so
SendGrid signs the test as that webhook is signed) and the URL it holds, basic auth as
userinfo; a webhook not live yet by URL alone. Against the served sandbox, which records
what it was asked to test."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from espctl import api
from espctl.conntest import run_connection_test
from espctl.sandbox import SandboxApp, running_server, seed_account
from espctl.sandbox.sendgrid.state import sendgrid

KEY = "SG.sandbox-sendgrid.api-key"
CONFIG = """\
version: 1
providers:
  sg:
    type: sendgrid
    api_key: ${{env:SG_KEY}}
    endpoint: {base}/sendgrid
webhooks:
  live:
    url: {live}
    events: [delivered, bounced]
    targets: [sg]
    basic_auth: {{username: esp, password: "${{env:HOOK_PW}}"}}
    sendgrid: {{signed: true}}
  later:
    url: {later}
    events: [opened]
    targets: [sg]
"""


def test_sendgrid_is_asked_for_its_own_test_event(tmp_path: Path, receiver: Any) -> None:
    app = SandboxApp(seed_account(seed=0))
    live, later = receiver(200), receiver(200)
    with running_server(app) as base:
        config = tmp_path / "espctl.yaml"
        config.write_text(CONFIG.format(base=base, live=live.url, later=later.url + "/later"))
        env = {"SG_KEY": KEY, "HOOK_PW": "pw-1"}
        options = api.RunOptions(config=str(config), env=env)
        applied = api.apply(options, force=True, confirm=lambda plan: True)
        assert applied.result is not None and applied.result.exit_code == 0
        # the second webhook is not live yet: the config gains it after the apply
        config.write_text(config.read_text().replace(later.url + "/later", later.url + "/not-live"))
        report = run_connection_test(options, webhooks=True, allow_private_receivers=True)
        probes = {p.name: p for r in report.providers for p in r.probes}
        account = sendgrid(app.state).accounts["us"]
        hook = next(h for h in account.webhooks if h.url.endswith("/hook"))
        assert hook.signing_key is not None  # applied signed
        first = probes[f"test event {live.url}"]
        assert first.ok and first.facts == {"url": live.url, "id": hook.id, "signed": True}
        assert "(signed)" in first.detail and "pw-1" not in first.detail
        second = probes[f"test event {later.url}/not-live"]
        assert second.ok and second.facts["id"] is None and "unsigned" in second.detail
        # what SendGrid was asked: the URL it holds (userinfo included), then the new one
        with_auth = live.url.replace("http://", "http://esp:pw-1@")
        assert sorted(account.tested) == sorted([with_auth, f"{later.url}/not-live"])
        # a key without the scope: the test is refused, with its cause, nothing recorded
        sendgrid(app.state).scopes.remove("user.webhooks.event.test.create")
        refused = run_connection_test(options, webhooks=True, allow_private_receivers=True)
        failed = [p for r in refused.providers for p in r.probes if not p.ok]
        assert {p.name for p in failed} == {
            f"test event {live.url}",
            f"test event {later.url}/not-live",
        }
        assert all("403" in p.detail and p.cause for p in failed)
        assert len(account.tested) == 2
        # without --webhooks nothing is asked of SendGrid (the probes only read)
        sendgrid(app.state).scopes.append("user.webhooks.event.test.create")
        plain = run_connection_test(options)
        assert not any(p.name.startswith("test event") for r in plain.providers for p in r.probes)
        assert len(account.tested) == 2
