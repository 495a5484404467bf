"""Credentials inside live Postmark webhooks: URL userinfo, headers, query tokens (respx).

Postmark's docs tell users to protect a hook with ``https://user:password@host/path``;
others put a token in the query or an ``Authorization`` header. None of these may reach
a key, a plan or a log line, and userinfo must compare equal to ``basic_auth``.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import respx

from espctl.config.models import Policy
from espctl.engine.plan import make_plan
from espctl.engine.render import render_markdown, render_text
from espctl.model.common import BasicAuth, Secret
from espctl.model.resources import Resource
from espctl.providers.kit.protocol import ChangeRequest
from espctl.providers.postmark import resources as pm
from espctl.providers.postmark.client import PostmarkApi
from tests.providers.helpers import FAST, PM, Sleeps, postmark_block, run

URL = "https://hooks.acme-mail.com/pm"
PASSWORD = "canary-5ecret/userinfo:pw"
USERINFO_URL = "https://esp:canary-5ecret%2Fuserinfo%3Apw@hooks.acme-mail.com/pm"
TOKEN = "canary-5ecret-query"
BEARER = "Bearer canary-5ecret-header"


def api() -> PostmarkApi:
    return PostmarkApi("pm", postmark_block(account_token=None), options=FAST, sleep=Sleeps())


def hook(hook_id: int, url: str, **extra: Any) -> dict[str, Any]:
    return {
        "ID": hook_id,
        "Url": url,
        "MessageStream": "outbound",
        "HttpAuth": {"Username": None, "Password": None},
        "HttpHeaders": [],
        "Triggers": {"Delivery": {"Enabled": True}},
        **extra,
    }


def mock_reads(*hooks: dict[str, Any]) -> None:
    respx.get(f"{PM}/server").mock(
        return_value=httpx.Response(
            200, json={"Name": "Prod", "TrackOpens": False, "TrackLinks": "None"}
        )
    )
    respx.get(f"{PM}/message-streams").mock(
        return_value=httpx.Response(
            200,
            json={
                "MessageStreams": [
                    {"ID": "outbound", "Name": "Default", "MessageStreamType": "Transactional"}
                ],
                "TotalCount": 1,
            },
        )
    )
    respx.get(f"{PM}/webhooks").mock(
        return_value=httpx.Response(200, json={"Webhooks": list(hooks)})
    )


def desired_hook(password: str, url: str = URL) -> Resource:
    return pm.webhook_resource(
        "pm",
        "outbound",
        url,
        ["Delivery"],
        BasicAuth(username="esp", password=Secret(password)),
        [],
        pm.PostmarkWebhookOptions(),
    )


def plan_for(desired: list[Resource], live: Any) -> Any:
    return make_plan(
        {"pm": desired},
        {"pm": live},
        {"pm": PostmarkApi.capabilities},
        Policy(),
        config_text="",
    )


def assert_hidden(*texts: str) -> None:
    for text in texts:
        assert "5ecret" not in text


@respx.mock
def test_url_userinfo_is_basic_auth_and_never_part_of_the_key() -> None:
    mock_reads(hook(7, USERINFO_URL))
    state = run(api().read(()))
    (found,) = [r for r in state.resources if r.kind == pm.KIND_WEBHOOK]
    assert found.key == f"outbound {URL}"
    assert found.fields["basic_auth_username"] == "esp"
    assert found.fields["basic_auth_password"] == Secret(PASSWORD)
    assert "url" not in found.fields  # nothing left to hide once userinfo is out
    # the same credentials declared as basic_auth: the same webhook, nothing to change
    plan = plan_for([desired_hook(PASSWORD)], state)
    assert not plan.changes and plan.unchanged == 1
    # unmanaged, it is listed without its password in every rendering
    listed = plan_for([], state)
    hooks = [u.resource.key for u in listed.unmanaged if u.resource.kind == pm.KIND_WEBHOOK]
    assert hooks == [f"outbound {URL}"]
    assert_hidden(
        render_text(listed), render_markdown(listed), json.dumps(listed.as_json(), default=str)
    )


@respx.mock
def test_an_update_moves_url_credentials_into_httpauth() -> None:
    mock_reads(hook(7, USERINFO_URL))
    state = run(api().read(()))
    plan = plan_for([desired_hook("new-password")], state)
    (change,) = plan.changes
    assert change.action == "update"
    assert [(f.name, f.sensitive) for f in change.fields] == [("basic_auth_password", True)]
    assert_hidden(render_text(plan), render_markdown(plan), json.dumps(plan.as_json()))
    put = respx.put(f"{PM}/webhooks/7").mock(return_value=httpx.Response(200, json=hook(7, URL)))
    request = ChangeRequest(change.action, change.kind, change.key, change.before, change.after)
    run(api().apply(request))
    body = json.loads(put.calls[0].request.content)
    assert body["Url"] == URL  # no userinfo: the credentials live in HttpAuth now
    assert body["HttpAuth"] == {"Username": "esp", "Password": "new-password"}


@respx.mock
def test_userinfo_and_httpauth_that_disagree_match_no_config() -> None:
    mock_reads(hook(7, USERINFO_URL, HttpAuth={"Username": "esp", "Password": "other"}))
    state = run(api().read(()))
    for password in (PASSWORD, "other"):
        (change,) = plan_for([desired_hook(password)], state).changes
        assert [f.name for f in change.fields] == ["basic_auth_password"]
    mock_reads(hook(7, USERINFO_URL, HttpAuth={"Username": "esp", "Password": PASSWORD}))
    assert not plan_for([desired_hook(PASSWORD)], run(api().read(()))).changes


@respx.mock
def test_credential_headers_and_query_tokens_are_secret() -> None:
    live = hook(
        8,
        f"{URL}?source=pm&access_token={TOKEN}",
        HttpHeaders=[{"Name": "Authorization", "Value": BEARER}, {"Name": "X-A", "Value": "1"}],
    )
    mock_reads(live)
    state = run(api().read(()))
    (found,) = [r for r in state.resources if r.kind == pm.KIND_WEBHOOK]
    assert found.key == f"outbound {URL}?source=pm&access_token=(sensitive)"
    assert found.fields["headers"] == {"Authorization": Secret(BEARER), "X-A": "1"}
    assert found.fields["url"] == Secret(f"{URL}?source=pm&access_token={TOKEN}")
    plan = plan_for([], state)
    assert_hidden(render_text(plan), render_markdown(plan), json.dumps(plan.as_json()))


@respx.mock
def test_a_rotated_token_is_an_update_of_the_same_webhook() -> None:
    from espctl.model.common import EnvStr  # the config's tag for values from the environment

    mock_reads(hook(9, f"{URL}?token=old-{TOKEN}"))
    state = run(api().read(()))
    new = f"{URL}?token={TOKEN}"
    desired = pm.webhook_resource(
        "pm",
        "outbound",
        EnvStr(new, (TOKEN,), f"{URL}?token=${{env:HOOK_TOKEN}}"),
        ["Delivery"],
        None,
        [],
        pm.PostmarkWebhookOptions(),
    )
    plan = plan_for([desired], state)
    (change,) = plan.changes
    assert change.action == "update" and change.key == f"outbound {URL}?token=(sensitive)"
    assert [(f.name, f.sensitive) for f in change.fields] == [("url", True)]
    assert_hidden(render_text(plan), json.dumps(plan.as_json()))
    put = respx.put(f"{PM}/webhooks/9").mock(return_value=httpx.Response(200, json=hook(9, URL)))
    run(api().apply(ChangeRequest("update", change.kind, change.key, change.before, change.after)))
    assert json.loads(put.calls[0].request.content)["Url"] == new


@respx.mock
def test_copies_of_a_webhook_keep_the_oldest_as_the_webhook() -> None:
    mock_reads(hook(12, URL), hook(5, USERINFO_URL), hook(30, URL))
    state = run(api().read(()))
    hooks = {r.ref: r for r in state.resources if r.kind == pm.KIND_WEBHOOK}
    assert hooks["5"].key == f"outbound {URL}" and hooks["5"].duplicate_of is None
    assert hooks["12"].key == f"outbound {URL} (duplicate ID 12)"
    assert hooks["12"].duplicate_of == hooks["30"].duplicate_of == f"outbound {URL}"


@respx.mock
def test_a_sender_from_the_environment_is_checked_but_not_named() -> None:
    from espctl.config import load_config_text

    text = (
        "version: 1\nproviders:\n  pm:\n    type: postmark\n    server_token: ${env:T}\n"
        "    account_token: ${env:A}\n    default_sender: ${env:SENDER}\n"
    )
    env = {"T": "t-token", "A": "a-token", "SENDER": "Ops <canary.5ecret@acme-mail.com>"}
    block = load_config_text(text, "espctl.yaml", env=env).config.providers["pm"]
    mock_reads()
    respx.get(f"{PM}/senders").mock(
        return_value=httpx.Response(200, json={"TotalCount": 0, "SenderSignatures": []})
    )
    respx.get(f"{PM}/domains").mock(
        return_value=httpx.Response(200, json={"TotalCount": 0, "Domains": []})
    )
    provider = PostmarkApi("pm", block, options=FAST, sleep=Sleeps())  # type: ignore[arg-type]
    (check,) = run(provider.read(())).checks
    assert not check.ok
    assert check.message.startswith("default sender (sensitive) has no confirmed sender")
    assert "5ecret" not in check.subject + check.message and "acme-mail" not in check.message
