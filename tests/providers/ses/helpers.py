"""Stubbed SES clients: botocore's ``Stubber`` on real clients made from the installed
service models (every request parameter and every response is validated against them)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

import botocore.session
from botocore.stub import Stubber

from espctl.config import load_config_text
from espctl.engine.desired import desired_state
from espctl.model.resources import Resource
from espctl.providers.kit.connection import Connection
from espctl.providers.kit.http_options import HttpOptions
from espctl.providers.ses.aws import SERVICES
from espctl.providers.ses.client import SesApi
from espctl.providers.ses.config import SesProvider

T = TypeVar("T")
REGION = "eu-west-1"
ACCOUNT = "111122223333"
#: canary credentials: no output may contain them
KEY_ID = "AKIACANARY0KEY0ID0XX"
SECRET = "canary-secret-access-key-0123456789abcdef"
TOKEN = "canary-session-token-FwoGZXIvYXdzEJr"
ENV = {"AWS_KEY": KEY_ID, "AWS_SECRET": SECRET, "AWS_TOKEN": TOKEN, "HOOK_PW": "hook-pass-123"}

CONFIG = """\
version: 1
providers:
  ses:
    type: ses
    region: eu-west-1
    access_key_id: ${env:AWS_KEY}
    secret_access_key: ${env:AWS_SECRET}
    session_token: ${env:AWS_TOKEN}
    identities: [mail.acme-mail.com]
    configuration_sets:
      transactional:
        tracking: {custom_redirect_domain: click.acme-mail.com}
        tls: require
        reputation_metrics: true
        suppression: [bounce, complaint]
webhooks:
  events:
    url: https://hooks.acme-mail.com/esp/events
    basic_auth: {username: espctl, password: "${env:HOOK_PW}"}
    events: [delivered, bounced, complained, deferred]
    targets: [ses/transactional]
"""


def load(
    text: str = CONFIG, env: dict[str, str] | None = None
) -> tuple[SesProvider, list[Resource]]:
    """The ``ses`` block of ``text`` and its desired resources."""
    loaded = load_config_text(text, "espctl.yaml", env=env or ENV)
    block = loaded.config.providers["ses"]
    assert isinstance(block, SesProvider)
    return block, desired_state(loaded.config)["ses"]


def topic_arn(name: str) -> str:
    return f"arn:aws:sns:{REGION}:{ACCOUNT}:{name}"


@contextmanager
def stubbed(block: SesProvider) -> Iterator[tuple[SesApi, dict[str, Stubber]]]:
    """A client whose four botocore clients are stubbed; every queued response must be
    used (``assert_no_pending_responses``). One worker thread: the calls reach each
    client in the order espctl issues them, so the stubs' order is deterministic."""
    session = botocore.session.get_session()
    clients = {
        service: session.create_client(
            service,
            region_name=REGION,
            aws_access_key_id=KEY_ID,
            aws_secret_access_key=SECRET,
        )
        for service in SERVICES
    }
    stubs = {service: Stubber(client) for service, client in clients.items()}
    for stub in stubs.values():
        stub.activate()
    api = SesApi("ses", block, Connection(HttpOptions(parallelism=1)), clients=clients)
    try:
        yield api, stubs
        for stub in stubs.values():
            stub.assert_no_pending_responses()
    finally:
        for stub in stubs.values():
            stub.deactivate()
        api.aws.close()


def run(coro: Coroutine[Any, Any, T]) -> T:
    return asyncio.run(coro)


def account(*, production: bool = True, sending: bool = True, vdm: bool = False) -> dict[str, Any]:
    """A ``GetAccount`` answer."""
    return {
        "DedicatedIpAutoWarmupEnabled": False,
        "EnforcementStatus": "HEALTHY",
        "ProductionAccessEnabled": production,
        "SendQuota": {"Max24HourSend": 50000.0, "MaxSendRate": 14.0, "SentLast24Hours": 12.0},
        "SendingEnabled": sending,
        "VdmAttributes": {"VdmEnabled": "ENABLED" if vdm else "DISABLED"},
    }


def identity(verified: bool = True, dkim: str = "SUCCESS") -> dict[str, Any]:
    """A ``GetEmailIdentity`` answer of a domain."""
    return {
        "IdentityType": "DOMAIN",
        "FeedbackForwardingStatus": True,
        "VerifiedForSendingStatus": verified,
        "VerificationStatus": "SUCCESS" if verified else "PENDING",
        "DkimAttributes": {"SigningEnabled": True, "Status": dkim, "Tokens": ["a", "b", "c"]},
        "MailFromAttributes": {
            "MailFromDomain": "bounce.mail.acme-mail.com",
            "MailFromDomainStatus": "SUCCESS",
            "BehaviorOnMxFailure": "USE_DEFAULT_VALUE",
        },
    }


def configuration_set(name: str = "transactional") -> dict[str, Any]:
    """A ``GetConfigurationSet`` answer as the helper CONFIG declares it."""
    return {
        "ConfigurationSetName": name,
        "TrackingOptions": {
            "CustomRedirectDomain": "click.acme-mail.com",
            "HttpsPolicy": "OPTIONAL",
        },
        "DeliveryOptions": {"TlsPolicy": "REQUIRE", "SendingPoolName": "shared-pool"},
        "ReputationOptions": {"ReputationMetricsEnabled": True},
        "SendingOptions": {"SendingEnabled": True},
        "SuppressionOptions": {"SuppressedReasons": ["BOUNCE", "COMPLAINT"]},
    }
