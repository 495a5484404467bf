"""The SES sandbox driven by stock botocore clients over real HTTP, and every answer
checked against the installed botocore's service models (``sesv2``, ``sns``, ``sts``).

botocore validates every request parameter and parses every answer with the real model;
on top of that, :func:`_check_json` and :func:`_check_xml` walk each raw answer and fail
on any member, type or enum value the model does not have (botocore's parsers would
silently drop an unknown member).
"""

from __future__ import annotations

import asyncio
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from datetime import UTC, date, timedelta
from typing import Any

import botocore.session
import pytest
from botocore.client import BaseClient
from botocore.config import Config
from botocore.exceptions import ClientError
from botocore.model import ListShape, MapShape, OperationModel, Shape, StructureShape

from espctl.model.traffic import TrafficQuery
from espctl.providers.kit.connection import Connection
from espctl.providers.kit.http_options import HttpOptions
from espctl.providers.ses import resources
from espctl.providers.ses.client import SesApi
from espctl.providers.ses.config import SesProvider
from espctl.providers.ses.traffic import read_ses_traffic
from espctl.sandbox import (
    Request,
    Response,
    SandboxApp,
    SandboxCredentials,
    SandboxTransport,
    running_server,
    seed_account,
)
from espctl.sandbox.ses import sesv2
from espctl.sandbox.ses.seed import espctl_names

from .conftest import NOW

KEY, SECRET = "AKIASANDBOXESPCTL000", "sandbox-ses-secret-access-key"
MODELS = {
    name: botocore.session.get_session().get_service_model(name)
    for name in ("sesv2", "sns", "sts", "cloudwatch")
}
#: errors every AWS API may answer (not listed per operation in the models)
COMMON_ERRORS = {
    "InvalidSignatureException",
    "SignatureDoesNotMatch",
    "UnrecognizedClientException",
    "InvalidClientTokenId",
    "MissingAuthenticationToken",
    "MissingAuthenticationTokenException",
    "TooManyRequestsException",
    "Throttling",
    "InternalFailure",
    "ServiceUnavailable",
    "InvalidAction",
    "ValidationError",
}
Exchange = tuple[Request, Response]


@pytest.fixture
def served() -> Iterator[tuple[SandboxApp, str, list[Exchange]]]:
    app = SandboxApp(seed_account(seed=7, now=NOW))
    seen: list[Exchange] = []
    answer = app.handle

    def recording(request: Request) -> Response:
        response = answer(request)
        seen.append((request, response))
        return response

    app.handle = recording  # type: ignore[method-assign]
    with running_server(app) as base:
        yield app, base, seen


def _client(base: str, service: str, secret: str = SECRET, key: str = KEY) -> BaseClient:
    session = botocore.session.Session()
    session.set_credentials(key, secret)
    return session.create_client(
        service,
        region_name="eu-west-1",
        endpoint_url=f"{base}/ses",
        config=Config(retries={"mode": "standard", "total_max_attempts": 1}),
    )


def _embedded(app: SandboxApp, options: HttpOptions | None = None) -> SesApi:
    """espctl's SES client reaching ``app`` in process (``Connection.transport``)."""
    block = SesProvider.model_validate(
        {"type": "ses", "region": "eu-west-1", "access_key_id": KEY, "secret_access_key": SECRET}
    )
    return SesApi("ses", block, Connection(options or HttpOptions(), SandboxTransport(app)))


def _code(exc: pytest.ExceptionInfo[ClientError]) -> str:
    return str(exc.value.response["Error"]["Code"])


# -- the shapes --------------------------------------------------------------------------
def _check_json(value: Any, shape: Shape, where: str) -> None:
    if isinstance(shape, StructureShape):
        assert isinstance(value, dict), where
        unknown = set(value) - set(shape.members)
        assert not unknown, f"{where}: not in the model: {sorted(unknown)}"
        for key, item in value.items():
            _check_json(item, shape.members[key], f"{where}.{key}")
    elif isinstance(shape, ListShape):
        assert isinstance(value, list), where
        for n, item in enumerate(value):
            _check_json(item, shape.member, f"{where}[{n}]")
    elif isinstance(shape, MapShape):
        assert isinstance(value, dict), where
        for key, item in value.items():
            _check_json(key, shape.key, f"{where} key")
            _check_json(item, shape.value, f"{where}[{key}]")
    else:
        kind = shape.type_name
        expected: type | tuple[type, ...] = {
            "string": str,
            "boolean": bool,
            "integer": int,
            "long": int,
            "double": (int, float),
            "float": (int, float),
            "timestamp": (int, float),
        }[kind]
        assert isinstance(value, expected) and (kind == "boolean" or not isinstance(value, bool)), (
            f"{where}: {value!r} is not a {kind}"
        )
        enum = getattr(shape, "enum", None)
        if enum:
            assert value in enum, f"{where}: {value!r} not in {enum}"


def _check_xml(element: ET.Element, shape: Shape, where: str) -> None:
    tag = element.tag.split("}")[-1]
    if isinstance(shape, StructureShape):
        for child in element:
            name = child.tag.split("}")[-1]
            assert name in shape.members, f"{where}: <{name}> not in the model"
            _check_xml(child, shape.members[name], f"{where}.{name}")
    elif isinstance(shape, ListShape):
        for child in element:
            assert child.tag.split("}")[-1] == "member", f"{where}: list item <{tag}>"
            _check_xml(child, shape.member, f"{where}[]")
    else:
        assert len(element) == 0, f"{where}: a {shape.type_name} has no children"
        enum = getattr(shape, "enum", None)
        if enum:
            assert element.text in enum, where


def _operation(request: Request) -> tuple[str, OperationModel]:
    """The service and operation model of a recorded request."""
    scope = re.search(
        r"Credential=[^/]+/\d{8}/[^/]+/([^/]+)/", request.header("authorization") or ""
    )
    assert scope is not None
    service = {"ses": "sesv2", "sns": "sns", "sts": "sts", "monitoring": "cloudwatch"}[scope[1]]
    model = MODELS[service]
    if service == "cloudwatch":
        target = request.header("x-amz-target") or ""
        return service, model.operation_model(target.rsplit(".", 1)[-1])
    if service != "sesv2":
        action = dict(request.form())["Action"]
        return service, model.operation_model(action)
    path = request.path.removeprefix("/ses")
    for name in model.operation_names:
        op = model.operation_model(name)
        pattern = re.sub(r"\{[^}]+\}", "[^/]+", op.http["requestUri"].split("?")[0])
        if op.http["method"] == request.method and re.fullmatch(pattern, path):
            return service, op
    raise AssertionError(f"no operation for {request.method} {path}")


def _check_exchange(request: Request, response: Response) -> None:
    service, op = _operation(request)
    where = f"{service} {op.name}"
    if service == "cloudwatch":  # json (awsJson1_0), the protocol this botocore picks
        body = response.parsed()
        if response.status >= 300:
            assert set(body) == {"__type", "message"}, where
            return
        assert op.output_shape is not None
        _check_json(body, op.output_shape, where)
        return
    if service == "sesv2":
        if response.status >= 300:
            code = response.header("x-amzn-ErrorType")
            assert code in {e.name for e in op.error_shapes} | COMMON_ERRORS, (where, code)
            assert set(response.parsed()) == {"message"}, where
            return
        assert op.output_shape is not None or response.parsed() == {}, where
        if op.output_shape is not None:
            _check_json(response.parsed(), op.output_shape, where)
        return
    root = ET.fromstring(response.body)
    if response.status >= 300:
        assert root.tag.endswith("ErrorResponse"), where
        code = root.find("./{*}Error/{*}Code")
        assert code is not None
        known = {e.error_code or e.name for e in op.error_shapes} | {
            e.name for e in op.error_shapes
        }
        assert code.text in known | COMMON_ERRORS | {"NotFound", "InvalidParameter"}, (
            where,
            code.text,
        )
        return
    assert root.tag.split("}")[-1] == f"{op.name}Response", where
    result = root.find(f"./{{*}}{op.name}Result")
    if op.output_shape is None:
        assert result is None, where
    else:
        assert result is not None, where
        _check_xml(result, op.output_shape, where)


# -- tests --------------------------------------------------------------------------------
def test_every_operation_espctl_uses_through_botocore_and_every_answer_fits_the_model(
    served: tuple[SandboxApp, str, list[Exchange]],
) -> None:
    _, base, seen = served
    ses, sns, sts = (_client(base, s) for s in ("sesv2", "sns", "sts"))
    assert sts.get_caller_identity()["Account"] == "111122223333"
    account = ses.get_account()
    assert (
        account["ProductionAccessEnabled"] and account["VdmAttributes"]["VdmEnabled"] == "ENABLED"
    )
    assert ses.list_configuration_sets(PageSize=1)["NextToken"] == "1"
    assert ses.list_configuration_sets()["ConfigurationSets"] == ["transactional", "marketing"]
    names = [i["IdentityName"] for i in ses.list_email_identities()["EmailIdentities"]]
    assert names == ["mail.acme-mail.com", "acme-mail.com", "noreply@acme-mail.com"]
    pending = ses.get_email_identity(EmailIdentity="acme-mail.com")
    assert (
        pending["DkimAttributes"]["Status"] == "PENDING" and not pending["VerifiedForSendingStatus"]
    )
    assert "DkimAttributes" not in ses.get_email_identity(EmailIdentity="noreply@acme-mail.com")
    got = ses.get_configuration_set(ConfigurationSetName="transactional")
    assert got["DeliveryOptions"] == {
        "TlsPolicy": "OPTIONAL",
        "SendingPoolName": "acme-dedicated",
        "MaxDeliverySeconds": 28800,
    }
    assert got["VdmOptions"]["DashboardOptions"] == {"EngagementMetrics": "ENABLED"}

    ses.create_configuration_set(ConfigurationSetName="fresh", Tags=[{"Key": "a", "Value": "b"}])
    ses.put_configuration_set_tracking_options(
        ConfigurationSetName="fresh", CustomRedirectDomain="c.example.com", HttpsPolicy="REQUIRE"
    )
    ses.put_configuration_set_delivery_options(ConfigurationSetName="fresh", TlsPolicy="REQUIRE")
    ses.put_configuration_set_reputation_options(
        ConfigurationSetName="fresh", ReputationMetricsEnabled=True
    )
    ses.put_configuration_set_sending_options(ConfigurationSetName="fresh", SendingEnabled=False)
    ses.put_configuration_set_suppression_options(
        ConfigurationSetName="fresh", SuppressedReasons=["COMPLAINT"]
    )
    fresh = ses.get_configuration_set(ConfigurationSetName="fresh")
    assert fresh["TrackingOptions"] == {
        "CustomRedirectDomain": "c.example.com",
        "HttpsPolicy": "REQUIRE",
    }
    assert fresh["SendingOptions"] == {"SendingEnabled": False}
    assert fresh["SuppressionOptions"] == {"SuppressedReasons": ["COMPLAINT"]}

    topic = sns.create_topic(Name="espctl-fresh-x", Tags=[{"Key": "managed-by", "Value": "espctl"}])
    arn = topic["TopicArn"]
    assert arn == sns.create_topic(Name="espctl-fresh-x")["TopicArn"]  # idempotent
    sub = sns.subscribe(
        TopicArn=arn,
        Protocol="https",
        Endpoint="https://u:p@h.example.com/x",
        ReturnSubscriptionArn=True,
    )["SubscriptionArn"]
    listed = sns.list_subscriptions_by_topic(TopicArn=arn)["Subscriptions"]
    assert [(s["SubscriptionArn"], s["Endpoint"]) for s in listed] == [
        (sub, "https://u:p@h.example.com/x")
    ]
    destination = {
        "Enabled": True,
        "MatchingEventTypes": ["DELIVERY"],
        "SnsDestination": {"TopicArn": arn},
    }
    ses.create_configuration_set_event_destination(
        ConfigurationSetName="fresh", EventDestinationName="espctl-x", EventDestination=destination
    )
    ses.update_configuration_set_event_destination(
        ConfigurationSetName="fresh",
        EventDestinationName="espctl-x",
        EventDestination={**destination, "MatchingEventTypes": ["DELIVERY", "BOUNCE"]},
    )
    found = ses.get_configuration_set_event_destinations(ConfigurationSetName="fresh")
    assert found["EventDestinations"][0]["MatchingEventTypes"] == ["DELIVERY", "BOUNCE"]
    seeded = ses.get_configuration_set_event_destinations(ConfigurationSetName="transactional")
    kinds = [
        sorted(set(d) - {"Name", "Enabled", "MatchingEventTypes"})
        for d in seeded["EventDestinations"]
    ]
    assert kinds == [["SnsDestination"], ["EventBridgeDestination"], ["CloudWatchDestination"]]
    ses.delete_configuration_set_event_destination(
        ConfigurationSetName="fresh", EventDestinationName="espctl-x"
    )
    sns.unsubscribe(SubscriptionArn=sub)
    sns.delete_topic(TopicArn=arn)
    sns.delete_topic(TopicArn=arn)  # deleting what is gone is no error

    # the errors, in each protocol's shape
    with pytest.raises(ClientError) as missing:
        ses.get_configuration_set(ConfigurationSetName="nope")
    assert _code(missing) == "NotFoundException"
    with pytest.raises(ClientError) as twice:
        ses.create_configuration_set(ConfigurationSetName="fresh")
    assert _code(twice) == "AlreadyExistsException"
    with pytest.raises(ClientError) as gone:
        sns.list_subscriptions_by_topic(TopicArn=arn)
    assert _code(gone) == "NotFound"
    with pytest.raises(ClientError) as bad:
        sns.unsubscribe(SubscriptionArn="PendingConfirmation")
    assert _code(bad) == "InvalidParameter"

    assert len(seen) >= 30
    for request, response in seen:
        _check_exchange(request, response)


def test_the_shape_checks_catch_what_botocore_would_drop() -> None:
    """A member, a type or an enum value the model lacks fails the check."""
    shape = MODELS["sesv2"].operation_model("GetAccount").output_shape
    assert shape is not None
    _check_json({"SendingEnabled": True}, shape, "ok")
    for wrong in (
        {"Bogus": 1},
        {"SendingEnabled": "true"},
        {"EnforcementStatus": 1},
        {"VdmAttributes": {"VdmEnabled": "ON"}},
        {"SendQuota": {"Max24HourSend": True}},
    ):
        with pytest.raises(AssertionError):
            _check_json(wrong, shape, "wrong")
    listing = MODELS["sns"].operation_model("ListSubscriptionsByTopic").output_shape
    assert listing is not None
    good = "<R><Subscriptions><member><Endpoint>x</Endpoint></member></Subscriptions></R>"
    _check_xml(ET.fromstring(good), listing, "ok")
    for bad in (
        "<R><Subscriptions><item><Endpoint>x</Endpoint></item></Subscriptions></R>",
        "<R><Subscriptions><member><Url>x</Url></member></Subscriptions></R>",
    ):
        with pytest.raises(AssertionError):
            _check_xml(ET.fromstring(bad), listing, "bad")


def test_the_routes_are_the_models(served: tuple[SandboxApp, str, list[Exchange]]) -> None:
    model = MODELS["sesv2"]
    for operation, method, pattern, _ in sesv2.ROUTES:
        op = model.operation_model(operation)
        assert op.http["method"] == method, operation
        uri = re.sub(r"\{[^}]+\}", "X", op.http["requestUri"])
        assert re.fullmatch(pattern, uri), (operation, uri)


def test_pending_subscription_and_credentials_in_its_url(
    served: tuple[SandboxApp, str, list[Exchange]],
) -> None:
    app, base, _ = served
    ses, sns = _client(base, "sesv2"), _client(base, "sns")
    destinations = ses.get_configuration_set_event_destinations(
        ConfigurationSetName="transactional"
    )
    ours = destinations["EventDestinations"][0]
    listed = sns.list_subscriptions_by_topic(TopicArn=ours["SnsDestination"]["TopicArn"])
    (sub,) = listed["Subscriptions"]
    assert sub["SubscriptionArn"] == "PendingConfirmation"
    assert sub["Endpoint"] == "https://esp:sandbox-hook-password@hooks.acme-mail.com/esp/events"
    # receivers that do not confirm leave new subscriptions pending
    app.state.ses.receivers_confirm = False
    arn = sns.create_topic(Name="t")["TopicArn"]
    assert (
        sns.subscribe(TopicArn=arn, Protocol="https", Endpoint="https://h.example.com/")[
            "SubscriptionArn"
        ]
        == "pending confirmation"
    )


def test_espctl_and_the_sandbox_name_webhooks_alike() -> None:
    url = "https://hooks.acme-mail.com/esp/events"
    assert espctl_names("transactional", url) == (
        resources.destination_name(url),
        resources.topic_name("transactional", url),
    )


@pytest.mark.parametrize(
    ("service", "wrong_secret", "wrong_key"),
    [
        ("sesv2", "InvalidSignatureException", "UnrecognizedClientException"),
        ("sns", "SignatureDoesNotMatch", "InvalidClientTokenId"),
        ("sts", "SignatureDoesNotMatch", "InvalidClientTokenId"),
    ],
)
def test_sigv4_is_verified_with_the_sandbox_keys(
    served: tuple[SandboxApp, str, list[Exchange]], service: str, wrong_secret: str, wrong_key: str
) -> None:
    _, base, seen = served

    def call(client: BaseClient) -> object:
        if service == "sesv2":
            return client.get_account()
        if service == "sns":
            return client.list_subscriptions_by_topic(TopicArn="arn:aws:sns:eu-west-1:1:x")
        return client.get_caller_identity()

    for client, code in (
        (_client(base, service, secret="wrong"), wrong_secret),
        (_client(base, service, key="AKIAWRONG"), wrong_key),
    ):
        with pytest.raises(ClientError) as refused:
            call(client)
        assert _code(refused) == code
        assert refused.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403
    for request, response in seen:
        _check_exchange(request, response)


def test_a_tampered_body_or_an_unsigned_request_is_refused(
    served: tuple[SandboxApp, str, list[Exchange]],
) -> None:
    app, base, seen = served
    _client(base, "sesv2").create_configuration_set(ConfigurationSetName="signed")
    request, _ = next((q, r) for q, r in reversed(seen) if q.method == "POST")
    tampered = Request(**{**request.__dict__, "body": request.body.replace(b"signed", b"forged")})
    assert app.handle(tampered).header("x-amzn-ErrorType") == "InvalidSignatureException"
    unsigned = Request("GET", "http", request.host, "/ses/v2/email/account")
    answer = app.handle(unsigned)
    assert answer.status == 403
    assert answer.header("x-amzn-ErrorType") == "MissingAuthenticationTokenException"


@pytest.mark.parametrize(
    ("kind", "service", "code", "status"),
    [
        ("429", "sesv2", "TooManyRequestsException", 429),
        ("429", "sns", "Throttling", 400),
        ("500", "sesv2", "InternalFailure", 500),
        ("503", "sts", "ServiceUnavailable", 503),
        ("429", "cloudwatch", "Throttling", 400),
        ("500", "cloudwatch", "InternalFailure", 500),
    ],
)
def test_faults_in_each_protocols_shape(
    served: tuple[SandboxApp, str, list[Exchange]], kind: str, service: str, code: str, status: int
) -> None:
    app, base, seen = served
    app.faults.add(kind=kind, provider="ses", times=1)  # type: ignore[arg-type]
    client = _client(base, service)
    with pytest.raises(ClientError) as failed:
        if service == "sesv2":
            client.get_account()
        elif service == "sns":
            client.create_topic(Name="t")
        elif service == "cloudwatch":
            client.get_metric_data(MetricDataQueries=[], StartTime=NOW, EndTime=NOW)
        else:
            client.get_caller_identity()
    assert (_code(failed), failed.value.response["ResponseMetadata"]["HTTPStatusCode"]) == (
        code,
        status,
    )
    if service != "cloudwatch":  # its faults come in the XML shape (README)
        for request, response in seen:
            _check_exchange(request, response)


def test_botocore_retries_a_throttled_call_and_succeeds(
    served: tuple[SandboxApp, str, list[Exchange]],
) -> None:
    app, base, _ = served
    app.faults.add(kind="429", provider="ses", times=2)
    session = botocore.session.Session()
    session.set_credentials(KEY, SECRET)
    ses = session.create_client(
        "sesv2",
        region_name="eu-west-1",
        endpoint_url=f"{base}/ses",
        config=Config(retries={"mode": "standard", "total_max_attempts": 3}),
    )
    answer = ses.get_account()
    assert answer["ResponseMetadata"]["RetryAttempts"] == 2


def test_ninety_days_of_vdm_metrics_add_up_to_the_traffic(
    served: tuple[SandboxApp, str, list[Exchange]],
) -> None:
    app, base, seen = served
    ses = _client(base, "sesv2")
    end = NOW
    start = end - timedelta(days=90)
    queries = [
        {
            "Id": metric.lower(),
            "Namespace": "VDM",
            "Metric": metric,
            "Dimensions": {"CONFIGURATION_SET": "transactional"},
            "StartDate": start,
            "EndDate": end,
        }
        for metric in (
            "SEND",
            "DELIVERY",
            "PERMANENT_BOUNCE",
            "COMPLAINT",
            "OPEN",
            "CLICK",
            "DELIVERY_OPEN",
        )
    ]
    answer = ses.batch_get_metric_data(Queries=queries)
    assert answer["Errors"] == []
    by_id = {r["Id"]: r for r in answer["Results"]}
    assert len(by_id["send"]["Timestamps"]) == 90
    assert by_id["send"]["Timestamps"][0] == start.astimezone(UTC)
    truth = app.traffic.total(provider="ses", bucket="transactional")
    assert sum(by_id["send"]["Values"]) == truth.sent > 0
    assert sum(by_id["delivery"]["Values"]) == truth.delivered
    assert sum(by_id["permanent_bounce"]["Values"]) == truth.hard_bounced
    # a realistic transactional profile: a few complaints in 90 days, well under 0.1%
    assert 0 < truth.complained < truth.delivered * 0.001 * 2
    assert sum(by_id["complaint"]["Values"]) == truth.complained
    # the sesv2 model: OPEN/CLICK are unique events; DELIVERY_OPEN counts deliveries
    assert sum(by_id["open"]["Values"]) == truth.unique_opened < truth.opened
    assert sum(by_id["click"]["Values"]) == truth.unique_clicked < truth.clicked
    assert sum(by_id["delivery_open"]["Values"]) == truth.delivered
    app.state.ses.vdm_enabled = False
    off = ses.batch_get_metric_data(Queries=queries[:1])
    assert off["Results"] == [] and off["Errors"][0]["Code"] == "ACCESS_DENIED"
    for request, response in seen:
        _check_exchange(request, response)


def test_the_embedded_sandbox_answers_espctl_through_its_transport() -> None:
    """Connection.transport carries botocore's requests (no socket), faults included."""

    app = SandboxApp(seed_account(seed=7, now=NOW))
    app.faults.add(kind="500", provider="ses", times=1)
    api = _embedded(app, HttpOptions(max_attempts=3))

    async def run() -> tuple[list[str], dict[str, Any]]:
        try:
            return await api.set_names(), await api.aws.call("sts", "GetCallerIdentity")
        finally:
            await api.aclose()

    names, caller = asyncio.run(run())
    assert names == ["marketing", "transactional"]
    assert caller["Account"] == "111122223333"
    assert [k for _, _, k in app.faults.history] == ["500"]  # retried by botocore
    assert api.aws.stats.retries == 1


def test_the_state_is_the_simulators_and_round_trips() -> None:
    state = seed_account(seed=7, now=NOW)
    again = type(state).from_json(state.to_json())
    assert again == state
    assert again.ses.configuration_set("transactional") is not None
    assert [i.dkim_status for i in again.ses.identities] == ["SUCCESS", "PENDING", "NOT_STARTED"]


def test_cloudwatch_daily_sums_per_configuration_set(
    served: tuple[SandboxApp, str, list[Exchange]],
) -> None:
    """CloudWatch's AWS/SES metrics (the report's source without VDM), over json."""
    app, base, seen = served
    watch = _client(base, "cloudwatch")
    end = NOW
    start = end - timedelta(days=90)

    def query(metric: str, dimensions: list[dict[str, str]]) -> dict[str, Any]:
        return {
            "Id": metric.lower(),
            "MetricStat": {
                "Metric": {"Namespace": "AWS/SES", "MetricName": metric, "Dimensions": dimensions},
                "Period": 86400,
                "Stat": "Sum",
            },
        }

    per_set = [{"Name": "ses:configuration-set", "Value": "transactional"}]
    answer = watch.get_metric_data(
        MetricDataQueries=[query("Send", per_set), query("Bounce", per_set), query("Send", [])],
        StartTime=start,
        EndTime=end,
    )
    results = answer["MetricDataResults"]
    truth = app.traffic.total(provider="ses", bucket="transactional")
    assert sum(results[0]["Values"]) == truth.sent > 0
    assert sum(results[1]["Values"]) == truth.hard_bounced + truth.soft_bounced
    assert sum(results[2]["Values"]) == app.traffic.total(provider="ses").sent
    stamps = results[0]["Timestamps"]
    assert stamps == sorted(stamps, reverse=True) and len(stamps) == 90  # newest first
    with pytest.raises(ClientError) as bad:
        watch.get_metric_data(MetricDataQueries=[query("Send", per_set)], StartTime=start,
                              EndTime=end, NextToken="x")  # fmt: skip
    assert _code(bad) == "InvalidNextToken"
    # the model lists smithy-rpc-v2-cbor first; this botocore speaks json (awsJson1_0)
    sent = [q for q, _ in seen if q.header("x-amz-target")]
    assert sent and all(q.header("content-type") == "application/x-amz-json-1.0" for q in sent)
    for request, response in seen:
        _check_exchange(request, response)


def test_the_report_reads_cloudwatch_when_vdm_is_off() -> None:
    """espctl's SES traffic reader against the embedded sandbox, VDM off: the numbers
    come from CloudWatch per set that has a CloudWatch destination, and a set without one
    is a failed unit saying why."""

    app = SandboxApp(seed_account(seed=7, now=NOW))
    app.state.ses.vdm_enabled = False
    api = _embedded(app)
    end = NOW.date()
    query = TrafficQuery(
        start=end - timedelta(days=30),
        end=end,
        history_start=end - timedelta(days=60),
        buckets=("transactional", "marketing"),
    )

    async def run() -> Any:
        try:
            return await read_ses_traffic(api, query)
        finally:
            await api.aclose()

    data = asyncio.run(run())
    assert "CloudWatch" in data.sources[0][1]
    days: dict[date, Any] = data.buckets["transactional"]
    truth = app.traffic.total(
        provider="ses",
        bucket="transactional",
        start=query.history_start,
        end=end - timedelta(days=1),
    )
    assert sum(c["sent"] for c in days.values()) == truth.sent > 0
    assert sum(c["hard_bounced"] for c in days.values()) == truth.hard_bounced + truth.soft_bounced
    assert "marketing" not in data.buckets  # no CloudWatch destination: a failed unit
    assert any("marketing" in str(f) for f in data.failures)


def test_a_session_token_must_be_the_accepted_one(
    served: tuple[SandboxApp, str, list[Exchange]],
) -> None:
    """Long-term keys carry no token: a request with one is refused, as one without the
    token the sandbox was told to accept is."""
    app, base, _ = served
    session = botocore.session.Session()
    session.set_credentials(KEY, SECRET, "some-session-token")
    sts = session.create_client("sts", region_name="eu-west-1", endpoint_url=f"{base}/ses")
    with pytest.raises(ClientError) as refused:
        sts.get_caller_identity()
    assert _code(refused) == "InvalidClientTokenId"
    app.credentials = SandboxCredentials({"ses": {"session_token": "some-session-token"}})
    assert sts.get_caller_identity()["Account"] == "111122223333"
    with pytest.raises(ClientError) as without:
        _client(base, "sts").get_caller_identity()
    assert _code(without) == "InvalidClientTokenId"


def test_a_production_access_request_is_in_get_account(
    served: tuple[SandboxApp, str, list[Exchange]],
) -> None:
    """``Details.ReviewDetails`` once a request was made (none in the seeded account)."""
    app, base, seen = served
    ses = _client(base, "sesv2")
    assert "Details" not in ses.get_account()
    app.state.ses.production_access = False
    app.state.ses.review_status = "PENDING"
    app.state.ses.review_case = "1234567890"
    review = ses.get_account()["Details"]["ReviewDetails"]
    assert review == {"Status": "PENDING", "CaseId": "1234567890"}
    for request, response in seen:
        _check_exchange(request, response)
