"""Mailgun with secrets from the environment and in live URLs: read, plan, form bodies."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl, quote

import httpx
import respx

from espctl.config import load_config_text
from espctl.config.models import Policy
from espctl.engine.desired import desired_state
from espctl.engine.plan import make_plan
from espctl.engine.render import render_markdown, render_text
from espctl.providers.kit.protocol import ChangeRequest
from espctl.providers.mailgun import resources as mg
from espctl.providers.mailgun.client import MailgunApi
from tests.providers.helpers import FAST, MG_EU, Sleeps, account_webhooks, run

DOMAIN = "mg.acme-mail.com"
CONFIG = f"""
version: 1
providers:
  mg:
    type: mailgun
    api_key: ${{env:MG_KEY}}
    region: eu
    domains:
      {DOMAIN}:
        tracking: {{unsubscribe: {{enabled: true, text_footer: "${{env:FOOTER}}"}}}}
webhooks:
  collector:
    url: https://hooks.acme-mail.com/in?token=${{env:HOOK_TOKEN}}
    events: [delivered]
    targets: [mg/{DOMAIN}]
    basic_auth: {{username: esp, password: "${{env:HOOK_PASSWORD}}"}}
"""
ENV = {
    "MG_KEY": "canary-5ecret-mg-key",
    "FOOTER": "canary-5ecret-footer %unsubscribe_url%",
    "HOOK_TOKEN": "canary-5ecret-token",
    "HOOK_PASSWORD": "canary-5ecret-pw/1",
}
BASE = f"{MG_EU}/v3/domains/{DOMAIN}"


def mock_reads(urls: list[str], footer: str) -> None:
    respx.get(f"{MG_EU}/v4/domains").mock(
        return_value=httpx.Response(
            200, json={"items": [{"name": DOMAIN, "state": "active"}], "total_count": 1}
        )
    )
    respx.get(f"{MG_EU}/v4/domains/{DOMAIN}").mock(
        return_value=httpx.Response(
            200, json={"domain": {"name": DOMAIN, "state": "active"}, "sending_dns_records": []}
        )
    )
    respx.get(f"{BASE}/tracking").mock(
        return_value=httpx.Response(
            200,
            json={
                "tracking": {
                    "open": {"active": False, "place_at_the_top": False},
                    "click": {"active": False},
                    "unsubscribe": {"active": True, "html_footer": "", "text_footer": footer},
                }
            },
        )
    )
    respx.get(f"{BASE}/webhooks").mock(
        return_value=httpx.Response(200, json={"webhooks": {"delivered": {"urls": urls}}})
    )
    account_webhooks()


def plan_against(urls: list[str], footer: str) -> Any:
    loaded = load_config_text(CONFIG, "espctl.yaml", env=ENV)
    desired = desired_state(loaded.config)
    api = MailgunApi("mg", loaded.config.providers["mg"], options=FAST, sleep=Sleeps())  # type: ignore[arg-type]
    mock_reads(urls, footer)
    live = run(api.read(desired["mg"]))
    plan = make_plan(
        desired,
        {"mg": live},
        {"mg": api.capabilities},
        Policy(),
        config_text=loaded.text,
        secrets=loaded.sensitive_values,
    )
    return api, plan


def _form(request: httpx.Request) -> list[tuple[str, str]]:
    return parse_qsl(request.content.decode(), keep_blank_values=True)


@respx.mock
def test_the_config_url_read_back_is_the_same_url() -> None:
    password = quote(ENV["HOOK_PASSWORD"], safe="")
    live = f"https://esp:{password}@hooks.acme-mail.com/in?token={ENV['HOOK_TOKEN']}"
    _, plan = plan_against([live], ENV["FOOTER"])
    assert not plan.changes and plan.unchanged == 3


@respx.mock
def test_secrets_are_written_in_clear_to_mailgun_and_shown_nowhere() -> None:
    old = "https://esp:canary-5ecret-old@hooks.acme-mail.com/in?token=canary-5ecret-old"
    other = "https://other-tool.acme-mail.com/mailgun"
    api, plan = plan_against([other, old], "old footer")
    changes = {c.kind: c for c in plan.changes}
    hook = changes[mg.KIND_WEBHOOK]
    assert hook.key == f"{DOMAIN} https://hooks.acme-mail.com/in?token=(sensitive)"
    assert hook.after is not None and hook.after.fields["events"] == ["delivered"]
    for text in (render_text(plan), render_markdown(plan), json.dumps(plan.as_json())):
        assert "5ecret" not in text
    # a new password and token make a new URL at Mailgun: swapped in place on its event,
    # the other integration's URL written back as read, in its place
    respx.get(f"{BASE}/webhooks/delivered").mock(
        return_value=httpx.Response(200, json={"webhook": {"urls": [other, old]}})
    )
    put = respx.put(f"{BASE}/webhooks/delivered").mock(
        return_value=httpx.Response(
            200, json={"message": "Webhook has been updated", "webhook": {"urls": []}}
        )
    )
    unsub = respx.put(f"{BASE}/tracking/unsubscribe").mock(
        return_value=httpx.Response(
            200, json={"message": "Domain tracking settings have been updated"}
        )
    )
    for change in plan.changes:
        run(
            api.apply(
                ChangeRequest(change.action, change.kind, change.key, change.before, change.after)
            )
        )
    password = quote(ENV["HOOK_PASSWORD"], safe="")
    assert _form(put.calls[0].request) == [
        ("url", other),
        ("url", f"https://esp:{password}@hooks.acme-mail.com/in?token={ENV['HOOK_TOKEN']}"),
    ]
    assert ("text_footer", ENV["FOOTER"]) in _form(unsub.calls[0].request)
