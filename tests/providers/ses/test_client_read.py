"""The SES client's reads through botocore's Stubber: the exact parameters of every
call, and what they become (resources, checks, facts)."""

from __future__ import annotations

from espctl.model.common import Secret
from espctl.providers.ses import resources as ses
from tests.providers.ses.helpers import (
    account,
    configuration_set,
    identity,
    load,
    run,
    stubbed,
    topic_arn,
)

URL = "https://hooks.acme-mail.com/esp/events"
NAME = ses.destination_name(URL)
TOPIC = topic_arn(ses.topic_name("transactional", URL))
SUBSCRIPTION = f"{TOPIC}:6f1a2b3c-0000-4000-8000-000000000001"


def _queue_read(stubs, *, subscription: str = SUBSCRIPTION, events=None, extra_destinations=()):  # type: ignore[no-untyped-def]
    sesv2, sns = stubs["sesv2"], stubs["sns"]
    sesv2.add_response("get_account", account(production=False), {})
    sesv2.add_response(
        "list_configuration_sets", {"ConfigurationSets": ["transactional", "legacy"]}, {}
    )
    sesv2.add_response(
        "list_email_identities",
        {
            "EmailIdentities": [
                {"IdentityType": "DOMAIN", "IdentityName": "mail.acme-mail.com"},
                {"IdentityType": "EMAIL_ADDRESS", "IdentityName": "ops@acme-mail.com"},
            ]
        },
        {},
    )
    sesv2.add_response(
        "get_email_identity", identity(dkim="PENDING"), {"EmailIdentity": "mail.acme-mail.com"}
    )
    sesv2.add_response(
        "get_configuration_set",
        configuration_set(),
        {"ConfigurationSetName": "transactional"},
    )
    sesv2.add_response(
        "get_configuration_set_event_destinations",
        {
            "EventDestinations": [
                {
                    "Name": NAME,
                    "Enabled": True,
                    "MatchingEventTypes": events
                    or ["DELIVERY", "BOUNCE", "COMPLAINT", "DELIVERY_DELAY"],
                    "SnsDestination": {"TopicArn": TOPIC},
                },
                {
                    "Name": "to-eventbridge",
                    "Enabled": True,
                    "MatchingEventTypes": ["SEND", "REJECT"],
                    "EventBridgeDestination": {
                        "EventBusArn": "arn:aws:events:eu-west-1:111122223333:event-bus/default"
                    },
                },
                *extra_destinations,
            ]
        },
        {"ConfigurationSetName": "transactional"},
    )
    sns.add_response(
        "list_subscriptions_by_topic",
        {
            "Subscriptions": [
                {
                    "SubscriptionArn": subscription,
                    "Owner": "111122223333",
                    "Protocol": "https",
                    "Endpoint": "https://espctl:hook-pass-123@hooks.acme-mail.com/esp/events",
                    "TopicArn": TOPIC,
                }
            ]
        },
        {"TopicArn": TOPIC},
    )


def test_read_asks_exactly_and_builds_the_live_state() -> None:
    block, desired = load()
    with stubbed(block) as (api, stubs):
        _queue_read(stubs)
        state = run(api.read(desired))
    found = {(r.kind, r.key): r for r in state.resources}
    assert set(found) == {
        (ses.KIND_IDENTITY, "mail.acme-mail.com"),
        (ses.KIND_IDENTITY, "ops@acme-mail.com"),
        (ses.KIND_CONFIGURATION_SET, "transactional"),
        (ses.KIND_CONFIGURATION_SET, "legacy"),
        (ses.KIND_WEBHOOK, f"transactional {URL}"),
        (ses.KIND_DESTINATION, "transactional to-eventbridge"),
    }
    # only the options the config declares, as the config spells them
    assert found[(ses.KIND_CONFIGURATION_SET, "transactional")].fields == {
        "custom_redirect_domain": "click.acme-mail.com",
        "tls": "require",
        "reputation_metrics": True,
        "suppression": ["bounce", "complaint"],
    }
    hook = found[(ses.KIND_WEBHOOK, f"transactional {URL}")]
    want = next(r for r in desired if r.kind == ses.KIND_WEBHOOK)
    assert hook.ref == TOPIC
    assert hook.fields["events"] == want.fields["events"]
    assert hook.fields["basic_auth_username"] == "espctl"
    password = hook.fields["basic_auth_password"]
    assert isinstance(password, Secret) and password.reveal() == "hook-pass-123"
    assert found[(ses.KIND_DESTINATION, "transactional to-eventbridge")].fields == {
        "type": "eventbridge",
        "target": "arn:aws:events:eu-west-1:111122223333:event-bus/default",
        "enabled": True,
        "events": ["REJECT", "SEND"],
    }
    checks = {(c.name, c.subject): c for c in state.checks}
    assert checks[("production access", "eu-west-1")].ok is False
    assert "SES sandbox" in checks[("production access", "eu-west-1")].message
    assert checks[("identity", "mail.acme-mail.com")].ok is True
    assert checks[("dkim", "mail.acme-mail.com")].ok is False
    assert checks[("dkim", "mail.acme-mail.com")].severity == "warning"
    assert (
        state.facts["configuration_sets"]["transactional"]["webhooks"][f"transactional {URL}"][
            "subscription"
        ]
        == SUBSCRIPTION
    )
    assert state.facts["account"]["production_access"] is False
    assert state.facts["all_configuration_sets"] == ["legacy", "transactional"]


def test_a_pending_subscription_is_a_warning_with_its_cause() -> None:
    block, desired = load()
    with stubbed(block) as (api, stubs):
        _queue_read(stubs, subscription="PendingConfirmation")
        state = run(api.read(desired))
    pending = [c for c in state.checks if c.name == "sns subscription"]
    assert [(c.ok, c.severity, c.message) for c in pending] == [
        (
            False,
            "warning",
            f"transactional {URL}: pending confirmation: your receiver must confirm the "
            "SNS subscription",
        )
    ]


def test_an_sns_destination_of_someone_else_is_read_as_unmanaged() -> None:
    block, desired = load()
    foreign = {
        "Name": "espctl-000000000000",  # our prefix, but not our topic: not ours
        "Enabled": False,
        "MatchingEventTypes": ["OPEN"],
        "SnsDestination": {"TopicArn": topic_arn("their-topic")},
    }
    with stubbed(block) as (api, stubs):
        _queue_read(stubs, extra_destinations=[foreign])
        state = run(api.read(desired))
    others = {r.key: r.fields for r in state.resources if r.kind == ses.KIND_DESTINATION}
    assert others["transactional espctl-000000000000"] == {
        "type": "sns",
        "target": topic_arn("their-topic"),
        "enabled": False,
        "events": ["OPEN"],
    }


def test_a_missing_identity_fails_and_blocks_itself() -> None:
    block, desired = load()
    with stubbed(block) as (api, stubs):
        sesv2 = stubs["sesv2"]
        sesv2.add_response("get_account", account(), {})
        sesv2.add_response("list_configuration_sets", {"ConfigurationSets": []}, {})
        sesv2.add_response("list_email_identities", {"EmailIdentities": []}, {})
        sesv2.add_client_error(
            "get_email_identity",
            service_error_code="NotFoundException",
            service_message="Email identity mail.acme-mail.com does not exist.",
            http_status_code=404,
            expected_params={"EmailIdentity": "mail.acme-mail.com"},
        )
        state = run(api.read(desired))
    [check] = [c for c in state.checks if c.name == "identity"]
    assert (check.ok, check.severity, check.blocks) == (False, "error", ("mail.acme-mail.com",))
    # the set does not exist: nothing read of it, the plan creates it
    assert [r for r in state.resources if r.kind != ses.KIND_IDENTITY] == []


def _plan(events=None, subscription: str = SUBSCRIPTION):  # type: ignore[no-untyped-def]
    from espctl.config.models import Policy
    from espctl.engine.plan import make_plan

    block, desired = load()
    with stubbed(block) as (api, stubs):
        _queue_read(stubs, events=events, subscription=subscription)
        state = run(api.read(desired))
    return make_plan(
        {"ses": desired}, {"ses": state}, {"ses": api.capabilities}, Policy(), config_text=""
    )


def test_a_live_account_as_configured_plans_no_change() -> None:
    """Every field read back compares equal to the config's (the basic-auth password
    from the subscription URL, events in order, options as the config spells them)."""
    plan = _plan()
    assert plan.changes == ()
    assert sorted(u.resource.key for u in plan.unmanaged) == [
        "legacy",
        "ops@acme-mail.com",
        "transactional to-eventbridge",
    ]


def test_drifted_events_plan_one_update_of_the_destination() -> None:
    plan = _plan(events=["DELIVERY", "BOUNCE"])
    [change] = plan.changes
    assert (change.action, change.kind, change.key) == (
        "update",
        ses.KIND_WEBHOOK,
        f"transactional {URL}",
    )
    assert [(f.name, f.before, f.after) for f in change.fields] == [
        ("events", ["BOUNCE", "DELIVERY"], ["BOUNCE", "COMPLAINT", "DELIVERY", "DELIVERY_DELAY"])
    ]
