"""SES webhooks end to end against the served sandbox with the seeded account.

SNS deletes an HTTPS subscription left unconfirmed for 48 hours (AWS's SNS guide; 72
hours before May 2023): the sandbox models it on the account's clock, and espctl's plan,
apply and ``espctl test`` handle the topic that lost its subscription. Two webhooks of
the config on one configuration set: SNS delivers every event type a destination
matches to every subscription of its topic, so each URL gets its own destination and
topic, and each topic exactly one subscription."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import botocore.session
from botocore.client import BaseClient
from click.testing import CliRunner

from espctl import api
from espctl.cli import main
from espctl.sandbox import SandboxApp, running_server, seed_account
from espctl.sandbox.ses.seed import espctl_names
from espctl.sandbox.ses.state import SesAccount

from .conftest import NOW

KEY, SECRET = "AKIASANDBOXESPCTL000", "sandbox-ses-secret-access-key"
URL = "https://hooks.acme-mail.com/esp/events"
DESTINATION, TOPIC = espctl_names("transactional", URL)
TOPIC_ARN = f"arn:aws:sns:eu-west-1:111122223333:{TOPIC}"
CONFIG = """\
version: 1
providers:
  ses:
    type: ses
    region: eu-west-1
    access_key_id: ${{env:SES_ACCESS_KEY_ID}}
    secret_access_key: ${{env:SES_SECRET_ACCESS_KEY}}
    endpoint: {base}/ses
    configuration_sets:
      transactional: {{}}
webhooks:
  events:
    url: https://hooks.acme-mail.com/esp/events
    events: [delivered, bounced, complained]
    targets: [ses/transactional]
    basic_auth: {{username: esp, password: "${{env:HOOK_PASSWORD}}"}}
"""
ENV = {
    "SES_ACCESS_KEY_ID": KEY,
    "SES_SECRET_ACCESS_KEY": SECRET,
    "HOOK_PASSWORD": "sandbox-hook-password",
}


def _sns(base: str) -> BaseClient:
    session = botocore.session.Session()
    session.set_credentials(KEY, SECRET)
    return session.create_client("sns", region_name="eu-west-1", endpoint_url=f"{base}/ses")


def _endpoints(sns: BaseClient) -> list[tuple[str, str]]:
    listed = sns.list_subscriptions_by_topic(TopicArn=TOPIC_ARN)["Subscriptions"]
    return [(s["Endpoint"], s["SubscriptionArn"]) for s in listed]


def test_a_subscription_left_pending_48_hours_is_gone_and_plan_subscribes_again(
    tmp_path: Path,
) -> None:
    state = seed_account(seed=7, now=NOW)
    app = SandboxApp(state)
    part = state.of(SesAccount)
    with running_server(app) as base:
        sns = _sns(base)
        config = tmp_path / "espctl.yaml"
        config.write_text(CONFIG.format(base=base))
        options = api.RunOptions(config=str(config), env=ENV)
        # the seeded subscription was made a day ago: pending, still listed, no change
        authed = "https://esp:sandbox-hook-password@hooks.acme-mail.com/esp/events"
        assert _endpoints(sns) == [(authed, "PendingConfirmation")]
        plan = api.plan(options).plan
        assert not plan.has_changes
        assert any("pending confirmation" in c.message for c in plan.checks)
        # 47 hours after it was made it is still there; at 48 SNS has deleted it
        state.now = NOW + timedelta(hours=23)
        assert len(_endpoints(sns)) == 1
        state.now = NOW + timedelta(days=1)
        assert _endpoints(sns) == []
        # plan: the webhook is gone, the destination and topic are not; a warning says why
        plan = api.plan(options).plan
        [change] = plan.changes
        assert (change.action, change.kind, change.key) == (
            "create",
            "ses.webhook",
            f"transactional {URL}",
        )
        [gone] = [c for c in plan.checks if c.subject == f"transactional {DESTINATION}"]
        assert not gone.ok and gone.severity == "warning"
        assert gone.message == (
            f"transactional: destination {DESTINATION} (topic {TOPIC}) has no subscription "
            "to its URL (SNS deletes a subscription left unconfirmed for 48 hours, or "
            f"someone removed it): the plan subscribes {URL} again"
        )
        # espctl test names the cause, not "pending confirmation"
        tested = CliRunner(env={**ENV, "NO_COLOR": "1"}).invoke(
            main, ["test", "-c", str(config), "--format", "json"]
        )
        assert tested.exit_code != 0
        [ses] = json.loads(tested.stdout)["providers"]
        [hooks] = [p for p in ses["probes"] if p["name"] == "webhooks"]
        assert not hooks["ok"]
        assert hooks["cause"] == (
            "no subscription: SNS deletes a subscription left unconfirmed for 48 hours, or "
            "someone removed it; `espctl apply` subscribes the URL again"
        )
        # apply subscribes the URL again on the same topic and destination
        part.receivers_confirm = True
        outcome = api.apply(options, force=True, confirm=lambda plan: True)
        assert outcome.result is not None and outcome.result.exit_code == 0
        [(endpoint, arn)] = _endpoints(sns)
        assert endpoint == authed and arn.startswith(f"{TOPIC_ARN}:")
        assert [t.arn for t in part.topics].count(TOPIC_ARN) == 1
        cs = part.configuration_set("transactional")
        assert cs is not None
        assert [d.name for d in cs.destinations].count(DESTINATION) == 1
        # a confirmed subscription never expires
        state.now = NOW + timedelta(days=30)
        assert len(_endpoints(sns)) == 1
        assert not api.plan(options).plan.has_changes


def test_a_pending_subscription_of_an_old_state_file_is_kept() -> None:
    """A state saved before the sandbox kept ``created`` has no age: never expired."""
    state = seed_account(seed=7, now=NOW)
    part = state.of(SesAccount)
    topic = part.topic(TOPIC_ARN)
    assert topic is not None
    topic.subscriptions[0].created = None
    part.expire_subscriptions(NOW + timedelta(days=90))
    assert len(topic.subscriptions) == 1


TWO_HOOKS = """\
  opens:
    url: https://analytics.acme-mail.com/opens
    events: [opened, clicked]
    targets: [ses/transactional]
"""


def test_two_webhooks_on_one_set_each_get_only_their_events(tmp_path: Path) -> None:
    state = seed_account(seed=7, now=NOW)
    part = state.of(SesAccount)
    part.receivers_confirm = True
    with running_server(SandboxApp(state)) as base:
        config = tmp_path / "espctl.yaml"
        config.write_text(CONFIG.format(base=base) + TWO_HOOKS)
        options = api.RunOptions(config=str(config), env=ENV)
        outcome = api.apply(options, force=True, confirm=lambda plan: True)
        assert outcome.result is not None and outcome.result.exit_code == 0
        assert not api.plan(options).plan.has_changes
    cs = part.configuration_set("transactional")
    assert cs is not None
    opens = "https://analytics.acme-mail.com/opens"
    routes: dict[str, tuple[list[str], list[str]]] = {}
    for url in (URL, opens):
        destination_name, topic_name = espctl_names("transactional", url)
        destination = cs.destination(destination_name)
        topic = part.topic(f"arn:aws:sns:eu-west-1:111122223333:{topic_name}")
        assert destination is not None and topic is not None
        assert destination.arn == topic.arn
        routes[url] = (
            sorted(destination.event_types),
            [s.endpoint.split("@")[-1] for s in topic.subscriptions],
        )
    # every event a topic receives goes to its one URL: no URL gets the other's events
    assert routes == {
        URL: (["BOUNCE", "COMPLAINT", "DELIVERY"], ["hooks.acme-mail.com/esp/events"]),
        opens: (["CLICK", "OPEN"], [opens]),
    }
