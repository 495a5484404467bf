"""A response of the wrong shape is a provider error naming the endpoint, never an
empty account: ``{}``, a list or ``null`` where an object is expected, an error
envelope sent with status 200, and write answers that are not what was asked for."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from espctl.errors import ProviderBadResponse
from espctl.model.resources import Resource
from espctl.providers.kit.protocol import ChangeRequest
from espctl.providers.mailgun.client import MailgunApi
from espctl.providers.postmark import resources as pm
from espctl.providers.postmark.client import PostmarkApi
from tests.providers.helpers import (
    FAST,
    MG_EU,
    PM,
    Sleeps,
    account_webhooks,
    mailgun_block,
    postmark_block,
    run,
)
from tests.providers.test_mailgun_respx import DOMAIN, desired, mock_domain
from tests.providers.test_postmark_respx import HOOK, mock_reads

CANARY = "pw-canary"  # the webhook password in HOOK


def postmark() -> PostmarkApi:
    return PostmarkApi("pm", postmark_block(), options=FAST, sleep=Sleeps())


def mailgun() -> MailgunApi:
    return MailgunApi("mg", mailgun_block(), options=FAST, sleep=Sleeps())


def answer(body: object) -> httpx.Response:
    """A 200 with ``body`` as JSON (``None`` as the JSON ``null``, not an empty body)."""
    return httpx.Response(
        200, content=json.dumps(body).encode(), headers={"Content-Type": "application/json"}
    )


def hook(ref: str | None = None) -> Resource:
    return pm.webhook_resource(
        "pm",
        "outbound",
        "https://hooks.acme-mail.com/pm",
        ["Delivery"],
        None,
        [],
        pm.PostmarkWebhookOptions(),
        ref=ref,
    )


def read_error(api: PostmarkApi | MailgunApi, *names: str) -> str:
    with pytest.raises(ProviderBadResponse) as info:
        run(api.read(desired(*names)))
    text = str(info.value)
    assert "\n" not in text
    assert CANARY not in text and CANARY not in str(info.value.__cause__)
    return text


@respx.mock
@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        (
            "/server",
            {},
            "pm: GET /server: HTTP 200: unexpected response, not a Postmark server object: "
            "Name: missing; TrackOpens: missing; TrackLinks: missing",
        ),
        (
            "/webhooks",
            [],
            "pm: GET /webhooks: HTTP 200: unexpected response, not a Postmark webhook listing: "
            "the body: expected an object, got a list",
        ),
        (
            "/webhooks",
            None,
            "pm: GET /webhooks: HTTP 200: unexpected response, not a Postmark webhook listing: "
            "the body: expected an object, got null",
        ),
        (
            "/message-streams",
            {"ErrorCode": 10, "Message": "No Account or Server API tokens were supplied."},
            "pm: GET /message-streams: HTTP 200: unexpected response, not a Postmark "
            "message-stream listing: MessageStreams: missing; TotalCount: missing; the body "
            "reads like an error: ErrorCode 10: No Account or Server API tokens were supplied.",
        ),
        (
            "/webhooks",
            {"Webhooks": [{**HOOK, "Triggers": None}]},
            "pm: GET /webhooks: HTTP 200: unexpected response, not a Postmark webhook listing: "
            "Webhooks.0.Triggers: expected an object, got null",
        ),
        (
            "/webhooks",
            {"Webhooks": [{**HOOK, "ID": "forty-two"}]},
            "pm: GET /webhooks: HTTP 200: unexpected response, not a Postmark webhook listing: "
            "Webhooks.0.ID: Input should be a valid integer, unable to parse string as an "
            "integer (got a string)",
        ),
    ],
)
def test_postmark_read_of_the_wrong_shape_fails_the_provider(
    path: str, body: object, expected: str
) -> None:
    mock_reads()
    params = {"MessageStreamType": "All", "IncludeArchivedStreams": "true"}
    respx.get(f"{PM}{path}", params=params if path == "/message-streams" else None).mock(
        return_value=answer(body)
    )  # the same pattern as mock_reads' route: it replaces that route's answer
    assert read_error(postmark()) == expected


@respx.mock
@pytest.mark.parametrize(
    ("path", "body", "expected"),
    [
        (
            "/v4/domains",
            {},
            "mg: GET /v4/domains: HTTP 200: unexpected response, not a Mailgun domain "
            "listing: total_count: missing; items: missing",
        ),
        (
            f"/v3/domains/{DOMAIN}/tracking",
            {"tracking": None},
            f"mg: GET /v3/domains/{DOMAIN}/tracking: HTTP 200: unexpected response, not a "
            "Mailgun tracking settings object: tracking: expected an object, got null",
        ),
        (
            f"/v3/domains/{DOMAIN}/webhooks",
            {"message": "Domain not found"},
            f"mg: GET /v3/domains/{DOMAIN}/webhooks: HTTP 200: unexpected response, not a "
            "Mailgun domain webhook listing: webhooks: missing; the body reads like an "
            "error: Domain not found",
        ),
        (
            f"/v4/domains/{DOMAIN}",
            {"domain": {"name": DOMAIN}, "sending_dns_records": {}},
            f"mg: GET /v4/domains/{DOMAIN}: HTTP 200: unexpected response, not a Mailgun "
            "domain with its DNS records: domain.state: missing; sending_dns_records: "
            "expected a list, got an object",
        ),
        (
            "/v1/webhooks",
            {"webhooks": {}},
            "mg: GET /v1/webhooks: HTTP 200: unexpected response, not the account-level "
            "webhooks of one region: webhooks: expected a list, got an object",
        ),
        (
            f"/v3/domains/{DOMAIN}/tracking",
            {
                "tracking": {
                    "open": {"active": True},
                    "click": {"active": "sometimes"},
                    "unsubscribe": {"active": False, "html_footer": "", "text_footer": ""},
                }
            },
            f"mg: GET /v3/domains/{DOMAIN}/tracking: HTTP 200: unexpected response, not a "
            "Mailgun tracking settings object: tracking.click.active.bool: Input should be a "
            "valid boolean, unable to interpret input (got a string); "
            "tracking.click.active.literal['htmlonly','yes','no','true','false']: Input should "
            "be 'htmlonly', 'yes', 'no', 'true' or 'false' (got a string)",
        ),
    ],
)
def test_mailgun_read_of_the_wrong_shape_fails_the_provider(
    path: str, body: object, expected: str
) -> None:
    # listed as unverified: the plan reads the domain's detail too (an active one's not)
    listed = [{"name": DOMAIN, "state": "unverified"}]
    respx.get(f"{MG_EU}/v4/domains").mock(
        return_value=httpx.Response(200, json={"total_count": 1, "items": listed})
    )
    mock_domain(DOMAIN)
    account_webhooks()
    respx.get(f"{MG_EU}{path}").mock(return_value=answer(body))
    assert read_error(mailgun(), DOMAIN) == expected


@respx.mock
def test_an_empty_webhook_map_is_an_empty_account_but_a_missing_one_is_not() -> None:
    """``{"webhooks": {}}`` is Mailgun saying "none"; ``{}`` says nothing at all."""
    listed = [{"name": DOMAIN, "state": "active"}]
    respx.get(f"{MG_EU}/v4/domains").mock(
        return_value=httpx.Response(200, json={"total_count": 1, "items": listed})
    )
    mock_domain(DOMAIN, hooks={})
    account_webhooks()
    state = run(mailgun().read(desired(DOMAIN)))
    assert not [r for r in state.resources if r.kind == "mailgun.webhook"]
    respx.get(f"{MG_EU}/v3/domains/{DOMAIN}/webhooks").mock(
        return_value=httpx.Response(200, json={})
    )
    assert "webhooks: missing" in read_error(mailgun(), DOMAIN)


@respx.mock
def test_a_write_answered_200_with_an_error_body_is_not_applied() -> None:
    respx.post(f"{PM}/webhooks").mock(
        return_value=httpx.Response(200, json={"ErrorCode": 606, "Message": "Invalid URL."})
    )
    after = hook()
    with pytest.raises(ProviderBadResponse) as info:
        run(postmark().apply(ChangeRequest("create", pm.KIND_WEBHOOK, after.key, None, after)))
    assert str(info.value) == (
        "pm: POST /webhooks: HTTP 200: unexpected response, not a Postmark webhook: ID: "
        "missing; Url: missing; MessageStream: missing (+1 more); the body reads like an "
        "error: ErrorCode 606: Invalid URL."
    )


@respx.mock
def test_a_delete_answered_with_a_nonzero_error_code_is_not_applied() -> None:
    respx.delete(f"{PM}/webhooks/42").mock(
        return_value=httpx.Response(200, json={"ErrorCode": 1, "Message": "Not now."})
    )
    before = hook(ref="42")
    with pytest.raises(ProviderBadResponse, match=r"DELETE /webhooks/42: HTTP 200: .*ErrorCode"):
        run(postmark().apply(ChangeRequest("delete", pm.KIND_WEBHOOK, before.key, before, None)))
