"""The SES client's writes through botocore's Stubber: the exact calls and parameters
of every change, and that each create converges when an earlier attempt committed."""

from __future__ import annotations

from dataclasses import replace

from botocore.stub import Stubber

from espctl.model.resources import Resource
from espctl.providers.kit.protocol import ChangeRequest
from espctl.providers.ses import resources as ses
from tests.providers.ses.helpers import configuration_set, load, run, stubbed, topic_arn

URL = "https://hooks.acme-mail.com/esp/events"
NAME = ses.destination_name(URL)
TOPIC_NAME = ses.topic_name("transactional", URL)
TOPIC = topic_arn(TOPIC_NAME)
ENDPOINT = "https://espctl:hook-pass-123@hooks.acme-mail.com/esp/events"
TAGS = [{"Key": "managed-by", "Value": "espctl"}]
DESTINATION = {
    "Enabled": True,
    "MatchingEventTypes": ["BOUNCE", "COMPLAINT", "DELIVERY", "DELIVERY_DELAY"],
    "SnsDestination": {"TopicArn": TOPIC},
}


def _desired(kind: str) -> Resource:
    _, desired = load()
    return next(r for r in desired if r.kind == kind)


def _live_hook() -> Resource:
    return replace(_desired(ses.KIND_WEBHOOK), ref=TOPIC)


def _topic_and_subscription(stubs: dict[str, Stubber], subscription: str) -> None:
    """``CreateTopic`` (espctl's name and tag) then ``Subscribe`` of the URL with its
    basic auth as userinfo."""
    stubs["sns"].add_response(
        "create_topic", {"TopicArn": TOPIC}, {"Name": TOPIC_NAME, "Tags": TAGS}
    )
    stubs["sns"].add_response(
        "subscribe",
        {"SubscriptionArn": subscription},
        {
            "TopicArn": TOPIC,
            "Protocol": "https",
            "Endpoint": ENDPOINT,
            "ReturnSubscriptionArn": True,
        },
    )


def test_creating_a_webhook_makes_topic_subscription_and_destination() -> None:
    block, _ = load()
    hook = _desired(ses.KIND_WEBHOOK)
    with stubbed(block) as (api, stubs):
        _topic_and_subscription(stubs, f"{TOPIC}:1")
        stubs["sesv2"].add_response(
            "create_configuration_set_event_destination",
            {},
            {
                "ConfigurationSetName": "transactional",
                "EventDestinationName": NAME,
                "EventDestination": DESTINATION,
            },
        )
        run(api.apply(ChangeRequest("create", hook.kind, hook.key, None, hook)))
        # SNS answers an ARN even before the receiver confirms (ReturnSubscriptionArn)
        assert api.subscriptions[hook.key] == (TOPIC, f"{TOPIC}:1")


def test_a_create_whose_destination_exists_updates_it() -> None:
    """A create that timed out after AWS committed it: CreateTopic and Subscribe return
    what exists; the destination is updated, never made twice."""
    block, _ = load()
    hook = _desired(ses.KIND_WEBHOOK)
    with stubbed(block) as (api, stubs):
        _topic_and_subscription(stubs, f"{TOPIC}:1")
        stubs["sesv2"].add_client_error(
            "create_configuration_set_event_destination",
            service_error_code="AlreadyExistsException",
            service_message="exists",
            http_status_code=400,
        )
        stubs["sesv2"].add_response(
            "update_configuration_set_event_destination",
            {},
            {
                "ConfigurationSetName": "transactional",
                "EventDestinationName": NAME,
                "EventDestination": DESTINATION,
            },
        )
        run(api.apply(ChangeRequest("create", hook.kind, hook.key, None, hook)))


def test_changing_events_updates_only_the_destination() -> None:
    block, _ = load()
    before = _live_hook()
    after = replace(_desired(ses.KIND_WEBHOOK), fields={**before.fields, "events": ["OPEN"]})
    with stubbed(block) as (api, stubs):
        stubs["sesv2"].add_response(
            "update_configuration_set_event_destination",
            {},
            {
                "ConfigurationSetName": "transactional",
                "EventDestinationName": NAME,
                "EventDestination": {**DESTINATION, "MatchingEventTypes": ["OPEN"]},
            },
        )
        run(api.apply(ChangeRequest("update", before.kind, before.key, before, after)))


def test_changing_credentials_resubscribes_and_removes_the_old_subscription() -> None:
    block, _ = load()
    before = _live_hook()
    after = replace(
        _desired(ses.KIND_WEBHOOK), fields={**before.fields, "basic_auth_username": "other"}
    )
    with stubbed(block) as (api, stubs):
        api.subscriptions[before.key] = (TOPIC, f"{TOPIC}:old")
        stubs["sns"].add_response(
            "subscribe",
            {"SubscriptionArn": "pending confirmation"},
            {
                "TopicArn": TOPIC,
                "Protocol": "https",
                "Endpoint": ENDPOINT.replace("espctl:", "other:"),
                "ReturnSubscriptionArn": True,
            },
        )
        stubs["sns"].add_response("unsubscribe", {}, {"SubscriptionArn": f"{TOPIC}:old"})
        run(api.apply(ChangeRequest("update", before.kind, before.key, before, after)))


def test_deleting_a_webhook_removes_destination_then_topic() -> None:
    block, _ = load()
    before = _live_hook()
    with stubbed(block) as (api, stubs):
        stubs["sesv2"].add_client_error(  # gone already (an earlier attempt): still done
            "delete_configuration_set_event_destination",
            service_error_code="NotFoundException",
            service_message="not found",
            http_status_code=404,
            expected_params={"ConfigurationSetName": "transactional", "EventDestinationName": NAME},
        )
        stubs["sns"].add_response("delete_topic", {}, {"TopicArn": TOPIC})
        run(api.apply(ChangeRequest("delete", before.kind, before.key, before, None)))


def test_creating_a_configuration_set_sends_its_declared_options_and_tag() -> None:
    block, _ = load()
    cs = _desired(ses.KIND_CONFIGURATION_SET)
    with stubbed(block) as (api, stubs):
        stubs["sesv2"].add_response(
            "create_configuration_set",
            {},
            {
                "ConfigurationSetName": "transactional",
                "TrackingOptions": {"CustomRedirectDomain": "click.acme-mail.com"},
                "DeliveryOptions": {"TlsPolicy": "REQUIRE"},
                "ReputationOptions": {"ReputationMetricsEnabled": True},
                "SuppressionOptions": {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]},
                "Tags": TAGS,
            },
        )
        run(api.apply(ChangeRequest("create", cs.kind, cs.key, None, cs)))


def test_a_configuration_set_that_exists_on_create_is_read_and_updated() -> None:
    block, _ = load()
    cs = _desired(ses.KIND_CONFIGURATION_SET)
    live = configuration_set()
    live["DeliveryOptions"] = {"TlsPolicy": "OPTIONAL", "SendingPoolName": "shared-pool"}
    live["SuppressionOptions"] = {"SuppressedReasons": []}
    with stubbed(block) as (api, stubs):
        sesv2 = stubs["sesv2"]
        sesv2.add_client_error(
            "create_configuration_set",
            service_error_code="AlreadyExistsException",
            service_message="exists",
            http_status_code=400,
        )
        sesv2.add_response("get_configuration_set", live, {"ConfigurationSetName": "transactional"})
        # the delivery pool espctl does not manage is sent back unchanged
        sesv2.add_response(
            "put_configuration_set_delivery_options",
            {},
            {
                "ConfigurationSetName": "transactional",
                "TlsPolicy": "REQUIRE",
                "SendingPoolName": "shared-pool",
            },
        )
        sesv2.add_response(
            "put_configuration_set_suppression_options",
            {},
            {"ConfigurationSetName": "transactional", "SuppressedReasons": ["BOUNCE", "COMPLAINT"]},
        )
        run(api.apply(ChangeRequest("create", cs.kind, cs.key, None, cs)))


def test_updating_a_configuration_set_puts_each_changed_group_once() -> None:
    block, _ = load()
    after = _desired(ses.KIND_CONFIGURATION_SET)
    before = replace(
        after,
        fields={
            "custom_redirect_domain": None,
            "tls": "require",
            "reputation_metrics": False,
            "suppression": ["bounce", "complaint"],
        },
    )
    with stubbed(block) as (api, stubs):
        api.set_answers["transactional"] = {"TrackingOptions": {"HttpsPolicy": "REQUIRE"}}
        stubs["sesv2"].add_response(
            "put_configuration_set_tracking_options",
            {},
            {
                "ConfigurationSetName": "transactional",
                "CustomRedirectDomain": "click.acme-mail.com",
                "HttpsPolicy": "REQUIRE",  # undeclared: sent back as live
            },
        )
        stubs["sesv2"].add_response(
            "put_configuration_set_reputation_options",
            {},
            {"ConfigurationSetName": "transactional", "ReputationMetricsEnabled": True},
        )
        run(api.apply(ChangeRequest("update", after.kind, after.key, before, after)))


def test_updating_sending_tls_and_suppression_puts_exactly_those_groups() -> None:
    """The other three option groups, each one call with exact parameters (the live
    pool and max delivery time sent back unchanged with the declared TLS policy)."""
    block, _ = load()
    desired = _desired(ses.KIND_CONFIGURATION_SET)
    after = replace(desired, fields={**desired.fields, "sending": False, "suppression": ["bounce"]})
    before = replace(
        after,
        fields={**after.fields, "sending": True, "tls": "optional", "suppression": []},
    )
    with stubbed(block) as (api, stubs):
        api.set_answers["transactional"] = {
            "DeliveryOptions": {
                "TlsPolicy": "OPTIONAL",
                "SendingPoolName": "acme-dedicated",
                "MaxDeliverySeconds": 28800,
            }
        }
        stubs["sesv2"].add_response(
            "put_configuration_set_delivery_options",
            {},
            {
                "ConfigurationSetName": "transactional",
                "TlsPolicy": "REQUIRE",
                "SendingPoolName": "acme-dedicated",
                "MaxDeliverySeconds": 28800,
            },
        )
        stubs["sesv2"].add_response(
            "put_configuration_set_sending_options",
            {},
            {"ConfigurationSetName": "transactional", "SendingEnabled": False},
        )
        stubs["sesv2"].add_response(
            "put_configuration_set_suppression_options",
            {},
            {"ConfigurationSetName": "transactional", "SuppressedReasons": ["BOUNCE"]},
        )
        run(api.apply(ChangeRequest("update", after.kind, after.key, before, after)))
        for stub in stubs.values():
            stub.assert_no_pending_responses()
