"""The SendGrid config block: schema, did-you-mean, validation rules, events the
other providers cannot deliver, routing to the provider id alone, and the desired state
(only the tracking keys the config sets are managed)."""

from __future__ import annotations

from pathlib import Path

from espctl.config import load_config_text
from espctl.engine.desired import desired_state
from espctl.providers.sendgrid import resources as sg
from tests.conftest import problems_for

ENV = {"SG": "SG.canary-key", "PM": "pm-token"}
BASE = """\
version: 1
providers:
  sendgrid:
    type: sendgrid
    api_key: ${env:SG}
    region: eu
    subuser: marketing
    default_sender: Acme <noreply@em.acme-mail.com>
    tracking:
      opens: true
      clicks: {enabled: true, text: false}
      subscription: {enabled: true, html: "<p>bye</p>", replace_tag: "[unsubscribe]"}
      google_analytics: {enabled: false}
    domains: [em.acme-mail.com]
  pm:
    type: postmark
    server_token: ${env:PM}
    message_streams:
      news: {type: broadcasts, name: News}
webhooks:
  events:
    url: https://hooks.acme-mail.com/esp/events
    events: [accepted, delivered, deferred, bounced, complained, opened, clicked,
             unsubscribed, dropped]
    targets: [sendgrid]
    sendgrid: {signed: true}
routing:
  rules:
    - email_types: [newsletter]
      to: sendgrid
      fallback: [pm/news]
  default: pm/news
"""


def check(tmp_path: Path, text: str) -> list[str]:
    return [f"{p.path}: {p.message}" for p in problems_for(tmp_path, text, env=ENV)]


def test_the_issue_config_is_valid(tmp_path: Path) -> None:
    assert check(tmp_path, BASE) == []


def test_did_you_mean_in_the_block_and_the_webhook_options(tmp_path: Path) -> None:
    assert check(tmp_path, BASE.replace("    subuser:", "    subusr:")) == [
        "providers.sendgrid.subusr: unknown key 'subusr' (did you mean 'subuser'?)"
    ]
    assert check(tmp_path, BASE.replace("{signed: true}", "{singed: true}")) == [
        "webhooks.events.sendgrid.singed: unknown key 'singed' (did you mean 'signed'?)"
    ]
    assert check(tmp_path, BASE.replace("region: eu", "region: us")) == [
        "providers.sendgrid.region: 'us' is not one of: global, eu"
    ]


def test_domains_are_host_names_listed_once(tmp_path: Path) -> None:
    text = BASE.replace("[em.acme-mail.com]", "[em.acme-mail.com, Em.Acme, em.acme-mail.com]")
    assert check(tmp_path, text) == [
        "providers.sendgrid.domains[1]: 'Em.Acme' is not a valid domain name (lower-case "
        "host name)",
        "providers.sendgrid.domains[2]: domain 'em.acme-mail.com' is listed twice",
    ]


def test_dropped_is_refused_for_a_provider_that_cannot_deliver_it(tmp_path: Path) -> None:
    text = BASE.replace(
        "events: [accepted, delivered, deferred, bounced, complained, opened, clicked,\n"
        "             unsubscribed, dropped]",
        "events: [opened, dropped]",
    ).replace("targets: [sendgrid]", "targets: [sendgrid, pm/news]")
    assert check(tmp_path, text) == [
        "webhooks.events.targets[1]: postmark cannot deliver 'dropped' webhooks (it can: "
        "delivered, bounced, complained, opened, clicked, unsubscribed)"
    ]


def test_a_sendgrid_target_is_the_provider_id_alone(tmp_path: Path) -> None:
    assert check(tmp_path, BASE.replace("to: sendgrid", "to: sendgrid/marketing")) == [
        "routing.rules[0].to: sendgrid has no accounts to name: SendGrid settings are "
        "account-wide, write 'sendgrid' alone"
    ]
    assert check(tmp_path, BASE.replace("to: sendgrid", "to: sendgird")) == [
        "routing.rules[0].to: unknown provider 'sendgird' (did you mean 'sendgrid'?) "
        "(providers: pm, sendgrid)"
    ]
    assert check(tmp_path, BASE.replace("default: pm/news", "default: pm")) == [
        "routing.default: 'pm' alone is not a routing target: a Postmark target names a "
        "message stream (e.g. pm/news)"
    ]


def test_desired_state_manages_only_the_keys_the_config_sets() -> None:
    loaded = load_config_text(BASE, "c.yaml", env=ENV)
    resources = {(r.kind, r.key): r for r in desired_state(loaded.config)["sendgrid"]}
    assert resources[(sg.KIND_TRACKING, "open")].fields == {"enabled": True}
    assert resources[(sg.KIND_TRACKING, "click")].fields == {
        "enabled": True,
        "enable_text": False,
    }
    assert resources[(sg.KIND_TRACKING, "subscription")].fields == {
        "enabled": True,
        "html_content": "<p>bye</p>",
        "replace": "[unsubscribe]",
    }
    assert resources[(sg.KIND_TRACKING, "google_analytics")].fields == {"enabled": False}
    hook = resources[(sg.KIND_WEBHOOK, "https://hooks.acme-mail.com/esp/events")]
    assert hook.fields["friendly_name"] == "events" and hook.fields["signed"] is True
    assert hook.fields["events"] == sorted(
        [
            "processed",
            "delivered",
            "deferred",
            "bounce",
            "spam_report",
            "open",
            "click",
            "unsubscribe",
            "group_unsubscribe",
            "dropped",
        ]
    )
    untracked = BASE.replace("      google_analytics: {enabled: false}\n", "")
    loaded = load_config_text(untracked, "c.yaml", env=ENV)
    kinds = {(r.kind, r.key) for r in desired_state(loaded.config)["sendgrid"]}
    assert (sg.KIND_TRACKING, "google_analytics") not in kinds


def test_two_entries_with_one_url_are_refused(tmp_path: Path) -> None:
    """SendGrid refuses a second webhook with the same URL: validate says so first."""
    text = BASE.replace(
        "routing:",
        "  more:\n    url: https://hooks.acme-mail.com/esp/events\n    events: [opened]\n"
        "    targets: [sendgrid]\nrouting:",
    )
    assert check(tmp_path, text) == [
        "webhooks.more.targets[0]: webhook 'events' already sends to this URL from sendgrid; "
        "merge the two (SendGrid keys webhooks account-wide and URL without its credentials)"
    ]


def test_import_type_config_takes_each_types_default_region() -> None:
    from espctl.commands.import_cmd import synthetic_config

    types = {"sg": "sendgrid", "mg": "mailgun"}
    text = synthetic_config(types, None, {})
    assert (
        '  sg:\n    type: sendgrid\n    api_key: "${env:SENDGRID_API_KEY}"\n    region: "global"'
        in text
    )
    assert '    region: "us"' in text  # quoted: an AWS region is written the same way
    env = {"SENDGRID_API_KEY": "k", "MAILGUN_API_KEY": "k"}
    assert load_config_text(text, "c.yaml", env=env).config.providers["sg"].type == "sendgrid"
    assert 'region: "eu"' in synthetic_config({"sg": "sendgrid"}, "eu", {})
