"""botocore errors become espctl's errors at the edge (provider, service, operation,
AWS code; never a key, secret or session token), and the connection probes."""

from __future__ import annotations

import pytest
from botocore.exceptions import ClientError, EndpointConnectionError, NoCredentialsError

from espctl.errors import (
    CredentialRejected,
    ProviderAuthError,
    ProviderError,
    ProviderRateLimited,
    ProviderUnavailable,
)
from espctl.providers.ses import probe
from espctl.providers.ses import resources as ses
from espctl.providers.ses.aws import AwsCaller
from tests.providers.ses.helpers import (
    KEY_ID,
    SECRET,
    TOKEN,
    account,
    configuration_set,
    identity,
    load,
    run,
    stubbed,
    topic_arn,
)


def _client_error(code: str, status: int, message: str = "m") -> ClientError:
    return ClientError(
        {
            "Error": {"Code": code, "Message": message},
            "ResponseMetadata": {"HTTPStatusCode": status},
        },
        "GetAccount",
    )


@pytest.mark.parametrize(
    ("code", "status", "kind"),
    [
        ("SignatureDoesNotMatch", 403, CredentialRejected),
        ("UnrecognizedClientException", 403, CredentialRejected),
        ("ExpiredToken", 403, CredentialRejected),
        ("AccessDeniedException", 403, ProviderAuthError),
        ("AuthorizationError", 403, ProviderAuthError),
        ("TooManyRequestsException", 429, ProviderRateLimited),
        ("Throttling", 400, ProviderRateLimited),
        ("InternalFailure", 500, ProviderUnavailable),
        ("BadRequestException", 400, ProviderError),
    ],
)
def test_aws_codes_become_espctl_errors(code: str, status: int, kind: type) -> None:
    block, _ = load()
    caller = AwsCaller("ses", block)
    error = caller.translate("sesv2", "GetAccount", _client_error(code, status))
    assert type(error) is kind
    text = str(error)
    assert text.startswith("ses: ")
    if kind is CredentialRejected:
        assert text == (
            f"ses: the AWS credential was rejected (HTTP {status}, {code}) — check "
            "AWS_KEY and AWS_SECRET and AWS_TOKEN"
        )
    else:
        assert f"sesv2 GetAccount: HTTP {status}: {code}: m" in text
    caller.close()


def test_no_secret_in_any_message_even_when_aws_echoes_it() -> None:
    block, _ = load()
    caller = AwsCaller("ses", block)
    echoed = f"Credential={KEY_ID}/20240601/eu-west-1/ses; secret {SECRET}; token {TOKEN}"
    for exc in (
        _client_error("SignatureDoesNotMatch", 403, echoed),
        _client_error("InvalidParameterValue", 400, echoed),
        EndpointConnectionError(endpoint_url=f"https://{KEY_ID}.example"),
    ):
        text = str(caller.translate("sesv2", "GetAccount", exc))
        for canary in (KEY_ID, SECRET, TOKEN):
            assert canary not in text
    caller.close()


def test_no_credentials_names_the_chain() -> None:
    block, _ = load("version: 1\nproviders:\n  ses: {type: ses, region: eu-west-1}\n", env={})
    caller = AwsCaller("ses", block)
    error = caller.translate("sts", "GetCallerIdentity", NoCredentialsError())
    assert isinstance(error, ProviderAuthError)
    assert "AWS_ACCESS_KEY_ID" in str(error) and "instance role" in str(error)
    caller.close()


def test_an_unreachable_endpoint_is_unavailable() -> None:
    block, _ = load()
    caller = AwsCaller("ses", block)
    error = caller.translate(
        "sesv2", "GetAccount", EndpointConnectionError(endpoint_url="https://x.invalid")
    )
    assert isinstance(error, ProviderUnavailable) and error.status is None
    caller.close()


def test_botocore_retries_in_standard_mode_and_espctl_does_not() -> None:
    block, _ = load()
    caller = AwsCaller("ses", block)
    config = caller.config()
    assert config.retries == {"mode": "standard", "total_max_attempts": 5}
    assert config.region_name == "eu-west-1"
    caller.close()


URL = "https://hooks.acme-mail.com/esp/events"
TOPIC = topic_arn(ses.topic_name("transactional", URL))


def test_probes() -> None:
    block, _ = load()
    with stubbed(block) as (api, stubs):
        stubs["sts"].add_response(
            "get_caller_identity",
            {
                "UserId": "AIDAEXAMPLE",
                "Account": "111122223333",
                "Arn": "arn:aws:iam::111122223333:user/ci",
            },
            {},
        )
        sesv2 = stubs["sesv2"]
        sesv2.add_response("get_account", account(production=False), {})
        sesv2.add_response("list_configuration_sets", {"ConfigurationSets": ["transactional"]}, {})
        sesv2.add_response(
            "get_email_identity", identity(), {"EmailIdentity": "mail.acme-mail.com"}
        )
        sesv2.add_response("list_configuration_sets", {"ConfigurationSets": ["transactional"]}, {})
        sesv2.add_response(
            "get_configuration_set_event_destinations",
            {
                "EventDestinations": [
                    {
                        "Name": ses.destination_name(URL),
                        "Enabled": True,
                        "MatchingEventTypes": ["BOUNCE"],
                        "SnsDestination": {"TopicArn": TOPIC},
                    }
                ]
            },
            {"ConfigurationSetName": "transactional"},
        )
        stubs["sns"].add_response(
            "list_subscriptions_by_topic",
            {
                "Subscriptions": [
                    {
                        "SubscriptionArn": "PendingConfirmation",
                        "Protocol": "https",
                        "Endpoint": f"https://espctl:****@{URL.removeprefix('https://')}",
                        "TopicArn": TOPIC,
                    }
                ]
            },
            {"TopicArn": TOPIC},
        )
        probes = {p.name: p for p in run(api.probe())}
    assert probes["credentials"].ok
    assert (
        probes["credentials"].detail == "account 111122223333 as arn:aws:iam::111122223333:user/ci"
    )
    assert probes["account"].ok  # the SES sandbox is a warning with its cause
    assert "SES sandbox" in (probes["account"].cause or "")
    assert probes["configuration sets"].ok
    assert probes["identity mail.acme-mail.com"].ok
    webhooks = probes["webhooks"]
    assert not webhooks.ok
    assert webhooks.cause == "pending confirmation: your receiver must confirm the SNS subscription"
    assert webhooks.detail == f"transactional {URL}: pending confirmation"


def test_a_rejected_credential_fails_the_probe_with_its_cause() -> None:
    block, _ = load()
    with stubbed(block) as (api, stubs):
        stubs["sts"].add_client_error(
            "get_caller_identity",
            service_error_code="InvalidClientTokenId",
            service_message="The security token included in the request is invalid.",
            http_status_code=403,
        )
        sesv2 = stubs["sesv2"]
        # in the order the probes ask: account, sets, the identity, the webhooks' sets
        for operation in (
            "get_account",
            "list_configuration_sets",
            "get_email_identity",
            "list_configuration_sets",
        ):
            sesv2.add_client_error(
                operation,
                service_error_code="UnrecognizedClientException",
                service_message="The security token included in the request is invalid.",
                http_status_code=403,
            )
        probes = {p.name: p for p in run(api.probe())}
    assert not probes["credentials"].ok
    assert probes["credentials"].cause == (
        "AWS refused the credentials: check AWS_KEY and AWS_SECRET and AWS_TOKEN"
    )
    assert all(not p.ok for p in probes.values())
    for p in probes.values():
        assert SECRET not in f"{p.detail} {p.cause}" and KEY_ID not in f"{p.detail} {p.cause}"
    _ = configuration_set  # the read shapes are tested in test_client_read


SANDBOXED = "the account is in the SES sandbox in eu-west-1: it sends only to verified identities"


@pytest.mark.parametrize(
    ("changes", "ok", "cause"),
    [
        (
            {"ProductionAccessEnabled": False},
            True,
            f"warning: {SANDBOXED} (max 200 a day); request production access in the SES console",
        ),
        (
            {
                "ProductionAccessEnabled": False,
                "Details": {"ReviewDetails": {"Status": "PENDING", "CaseId": "1234567890"}},
            },
            True,
            f"warning: {SANDBOXED} (max 200 a day); its production access request "
            "(support case 1234567890) is pending review",
        ),
        (
            {
                "ProductionAccessEnabled": False,
                "Details": {"ReviewDetails": {"Status": "DENIED", "CaseId": "42"}},
            },
            True,
            f"warning: {SANDBOXED} (max 200 a day); its production access request "
            "(support case 42) was denied: answer the case or request again in the SES console",
        ),
        (
            {"SendingEnabled": False, "EnforcementStatus": "SHUTDOWN"},
            False,
            "AWS paused sending (enforcement status SHUTDOWN) over the account's reputation: "
            "fix the cause and ask AWS to resume it",
        ),
        (
            {"SendingEnabled": False},
            False,
            "sending is paused for this account (PutAccountSendingAttributes): resume it",
        ),
        ({}, True, None),
    ],
)
def test_the_account_probe_names_the_cause(
    changes: dict[str, object], ok: bool, cause: str | None
) -> None:
    """Production access missing is a warning naming the real quota and the state of the
    access request (``Details.ReviewDetails``); paused sending says who paused it."""
    block, _ = load()
    answer = {**account(), **changes}
    if answer["ProductionAccessEnabled"] is False:
        answer["SendQuota"] = {"Max24HourSend": 200.0, "MaxSendRate": 1.0, "SentLast24Hours": 0.0}
    with stubbed(block) as (api, stubs):
        stubs["sesv2"].add_response("get_account", answer, {})
        ok_, _, found, _ = run(probe._account(api))
    assert (ok_, found) == (ok, cause)


@pytest.mark.parametrize(
    ("quota", "shown"),
    [
        ({"Max24HourSend": 50000.0, "MaxSendRate": 14.0}, "quota 50,000/24h at 14/s"),
        ({"Max24HourSend": 200.0, "MaxSendRate": 0.5}, "quota 200/24h at 0.5/s"),
        ({}, "quota unknown/24h at unknown/s"),
    ],
)
def test_the_account_probe_shows_the_quota_as_people_write_it(
    quota: dict[str, float], shown: str
) -> None:
    """AWS answers the quota as doubles; the probe line shows whole numbers whole."""
    block, _ = load()
    with stubbed(block) as (api, stubs):
        stubs["sesv2"].add_response("get_account", {**account(), "SendQuota": quota}, {})
        _, message, _, _ = run(probe._account(api))
    assert message.endswith(f"; {shown}"), message
