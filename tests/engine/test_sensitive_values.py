"""Values from the environment are sensitive wherever they land; duplicates are drift.

Pure: the real loader and desired state over a config text, a live state built by hand.
"""

from __future__ import annotations

import json
from typing import Any

from espctl.config import load_config_text
from espctl.config.models import Policy, UnmanagedPolicy
from espctl.engine.desired import desired_state
from espctl.engine.plan import make_plan
from espctl.engine.render import render_markdown, render_text
from espctl.model.common import BasicAuth, Secret
from espctl.model.resources import LiveState, Resource
from espctl.providers.mailgun import resources as mg
from espctl.providers.mailgun.client import MailgunApi
from espctl.providers.postmark import resources as pm
from espctl.providers.postmark.client import PostmarkApi

CONFIG = """
version: 1
providers:
  pm:
    type: postmark
    server_token: ${env:PM_TOKEN}
    endpoint: ${env:PM_ENDPOINT}
    message_streams:
      outbound: {type: transactional, name: "${env:STREAM_NAME}", description: "For ${env:TEAM}"}
  mg:
    type: mailgun
    api_key: ${env:MG_KEY}
    domains:
      mg.acme-mail.com:
        tracking: {unsubscribe: {text_footer: "${env:FOOTER}"}}
webhooks:
  collector:
    url: https://hooks.acme-mail.com/esp?team=${env:TEAM}&sig=${env:QUERY_TOKEN}
    events: [delivered]
    targets: [pm/outbound, mg/mg.acme-mail.com]
    headers: {X-Tenant: "${env:TENANT}"}
    basic_auth: {username: "${env:HOOK_USER}", password: "${env:HOOK_PASSWORD}"}
"""
ENV = {
    "PM_TOKEN": "canary-5ecret-pm-token",
    "PM_ENDPOINT": "http://127.0.0.1:8025",
    "STREAM_NAME": "canary-5ecret-stream-name",
    "TEAM": "canary-5ecret-team",
    "MG_KEY": "canary-5ecret-mg-key",
    "FOOTER": "canary-5ecret-footer",
    "QUERY_TOKEN": "canary-5ecret-query",
    "TENANT": "canary-5ecret-tenant",
    "HOOK_USER": "canary-5ecret-user",
    "HOOK_PASSWORD": "canary-5ecret-password",
}
CAPS = {"pm": PostmarkApi.capabilities, "mg": MailgunApi.capabilities}
HOOK_URL = "https://hooks.acme-mail.com/esp?team={team}&sig={sig}"


def live_state(stream_name: str, team: str, sig: str, tenant: str) -> dict[str, LiveState]:
    """What the providers hold: the same shapes, older values from the environment.

    A live URL equal to the config's gets the config's identity, as the providers'
    ``read`` gives it (they are handed the desired state).
    """
    url = HOOK_URL.format(team=team, sig=sig)
    same_url = url == HOOK_URL.format(team=ENV["TEAM"], sig=ENV["QUERY_TOKEN"])
    identity = HOOK_URL.format(team="(sensitive)", sig="(sensitive)") if same_url else None
    options = pm.PostmarkWebhookOptions()
    auth = BasicAuth(username=ENV["HOOK_USER"], password=Secret("old-password"))
    return {
        "pm": LiveState(
            "pm",
            (
                pm.stream_resource("pm", "outbound", stream_name, "transactional", f"For {team}"),
                pm.webhook_resource(
                    "pm",
                    "outbound",
                    url,
                    ["Delivery"],
                    auth,
                    [("X-Tenant", tenant)],
                    options,
                    identity=identity,
                ),
            ),
        ),
        "mg": LiveState(
            "mg",
            (
                Resource("mg", mg.KIND_DOMAIN, "mg.acme-mail.com", {}),
                Resource(
                    "mg",
                    mg.KIND_TRACKING,
                    "mg.acme-mail.com",
                    {"unsubscribe_text_footer": "old footer"},
                    parent="mg.acme-mail.com",
                ),
                mg.webhook_resource(
                    "mg",
                    "mg.acme-mail.com",
                    mg.MailgunWebhookUrl(url, auth, identity),
                    ["delivered"],
                ),
            ),
        ),
    }


def renderings(plan: Any) -> list[str]:
    return [render_text(plan), render_markdown(plan), json.dumps(plan.as_json())]


def test_environment_values_never_show_in_any_rendering() -> None:
    loaded = load_config_text(CONFIG, "espctl.yaml", env=ENV)
    assert str(loaded.config.providers["pm"].endpoint) == ENV["PM_ENDPOINT"]  # still usable
    desired = desired_state(loaded.config)
    old = "canary-5ecret-old"  # yesterday's values: hidden where the config's are
    live = live_state(f"{old}-name", "old-team", f"{old}-sig", "old-tenant")
    plan = make_plan(
        desired, live, CAPS, Policy(), config_text=loaded.text, secrets=loaded.sensitive_values
    )
    changed = {(c.kind, c.key): c for c in plan.changes}
    # the webhook's identity masks its environment values: it is found, not re-created
    assert sorted(c.action for c in plan.changes) == ["create", "create", "update", "update"]
    stream = changed[(pm.KIND_STREAM, "outbound")]
    assert {f.name: f.sensitive for f in stream.fields} == {"description": True, "name": True}
    text = render_text(plan)
    assert "      name:        (sensitive value changed)" in text
    for rendered in renderings(plan):
        assert "5ecret" not in rendered
    # at another team the webhook is another URL: a new hook beside the old one at both
    # providers (the old one unmanaged), and today's user name under the old URL is hidden
    masked = HOOK_URL.format(team="(sensitive)", sig="(sensitive)")
    assert changed[(pm.KIND_WEBHOOK, f"outbound {masked}")].action == "create"
    assert changed[(mg.KIND_WEBHOOK, f"mg.acme-mail.com {masked}")].action == "create"
    old_url = HOOK_URL.format(team="old-team", sig="(sensitive)")
    (listed,) = [u for u in plan.unmanaged if u.resource.kind == mg.KIND_WEBHOOK]
    assert listed.resource.key == f"mg.acme-mail.com {old_url}"  # not a secret: shown
    assert listed.resource.fields["basic_auth_username"] == Secret(ENV["HOOK_USER"])


def test_current_values_are_in_sync_and_still_hidden() -> None:
    loaded = load_config_text(CONFIG, "espctl.yaml", env=ENV)
    desired = desired_state(loaded.config)
    live = live_state(ENV["STREAM_NAME"], ENV["TEAM"], ENV["QUERY_TOKEN"], ENV["TENANT"])
    plan = make_plan(
        desired, live, CAPS, Policy(), config_text=loaded.text, secrets=loaded.sensitive_values
    )
    hook_key = "outbound https://hooks.acme-mail.com/esp?team=(sensitive)&sig=(sensitive)"
    updates = {(c.kind, c.key): [f.name for f in c.fields] for c in plan.changes}
    assert updates == {
        (pm.KIND_WEBHOOK, hook_key): ["basic_auth_password"],
        (mg.KIND_TRACKING, "mg.acme-mail.com"): ["unsubscribe_text_footer"],
        (
            mg.KIND_WEBHOOK,
            f"mg.acme-mail.com {HOOK_URL}".format(team="(sensitive)", sig="(sensitive)"),
        ): ["basic_auth_password"],
    }
    for rendered in renderings(plan):
        assert "5ecret" not in rendered


def test_the_fingerprint_sees_a_secret_change_without_holding_it() -> None:
    loaded = load_config_text(CONFIG, "espctl.yaml", env=ENV)
    desired = desired_state(loaded.config)
    same = live_state(ENV["STREAM_NAME"], ENV["TEAM"], ENV["QUERY_TOKEN"], ENV["TENANT"])
    tenant = "canary-5ecret-rotated-tenant"  # where the config's tenant is: hidden too
    moved = live_state(ENV["STREAM_NAME"], ENV["TEAM"], ENV["QUERY_TOKEN"], tenant)
    first = make_plan(desired, same, CAPS, Policy(), config_text=loaded.text)
    second = make_plan(desired, moved, CAPS, Policy(), config_text=loaded.text)
    assert first.fingerprint != second.fingerprint
    (change,) = [c for c in second.changes if c.kind == pm.KIND_WEBHOOK]
    assert [(f.name, f.sensitive) for f in change.fields] == [
        ("basic_auth_password", True),
        ("headers", True),
    ]
    for rendered in renderings(first) + renderings(second):
        assert "5ecret" not in rendered


def test_duplicates_of_a_managed_webhook_are_deleted_whatever_the_policy() -> None:
    text = """
    version: 1
    providers:
      pm:
        type: postmark
        server_token: "${env:PM_TOKEN}"
        message_streams: {outbound: {type: transactional, name: Transactional}}
    webhooks:
      collector:
        {url: "https://hooks.acme-mail.com/esp", events: [delivered], targets: [pm/outbound]}
      other: {url: "https://other.acme-mail.com/x", events: [delivered], targets: [pm/outbound]}
    """
    loaded = load_config_text(text.replace("\n    ", "\n"), "espctl.yaml", env=ENV)
    desired = desired_state(loaded.config)
    options = pm.PostmarkWebhookOptions()
    key = "outbound https://hooks.acme-mail.com/esp"

    def copy(ref: str, first: bool, url: str = "https://hooks.acme-mail.com/esp") -> Resource:
        made = pm.webhook_resource("pm", "outbound", url, ["Delivery"], None, [], options, ref)
        if first:
            return made
        return Resource(
            made.provider,
            made.kind,
            f"{made.key} (duplicate ID {ref})",
            made.fields,
            made.sensitive,
            ref,
            made.parent,
            duplicate_of=made.key,
        )

    unmanaged_url = "https://legacy.acme-mail.com/x"
    live = {
        "pm": LiveState(
            "pm",
            (
                copy("1", True),
                copy("2", False),
                copy("3", False),
                copy("4", True, unmanaged_url),
                copy("5", False, unmanaged_url),
            ),
        )
    }
    for policy in UnmanagedPolicy:
        plan = make_plan(
            desired, live, {"pm": CAPS["pm"]}, Policy(unmanaged=policy), config_text=""
        )
        deleted = sorted(c.key for c in plan.changes if c.action == "delete")
        copies = [f"{key} (duplicate ID 2)", f"{key} (duplicate ID 3)"]
        if policy is UnmanagedPolicy.prune:  # only prune touches the unmanaged hook
            copies += [
                f"outbound {unmanaged_url}",
                f"outbound {unmanaged_url} (duplicate ID 5)",
            ]
        assert deleted == sorted(copies), policy
        assert [
            c.action for c in plan.changes if c.key == "outbound https://other.acme-mail.com/x"
        ] == ["create"]
        listed = {u.resource.key for u in plan.unmanaged}
        assert not listed & {f"{key} (duplicate ID 2)", f"{key} (duplicate ID 3)"}
    text_plan = render_text(plan)
    assert f"  - pm postmark.webhook {key} (duplicate ID 2)\n" in text_plan
