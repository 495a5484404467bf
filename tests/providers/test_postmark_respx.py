"""Postmark provider against respx routes: reads, paging, errors, request bodies."""

from __future__ import annotations

import json

import httpx
import pytest
import respx

from espctl.errors import ProviderAuthError, ProviderError, ProviderUnavailable
from espctl.model.common import BasicAuth, Secret
from espctl.providers.kit.protocol import ChangeRequest
from espctl.providers.postmark import resources as pm
from espctl.providers.postmark.client import PostmarkApi
from tests.providers.helpers import (
    ACCOUNT_TOKEN,
    FAST,
    PM,
    SERVER_TOKEN,
    Sleeps,
    postmark_block,
    run,
)

SERVER = {
    "ID": 1,
    "Name": "Prod",
    "TrackOpens": False,
    "TrackLinks": "HtmlOnly",
    "DeliveryType": "Live",
}
STREAMS = {
    "MessageStreams": [
        {
            "ID": "outbound",
            "Name": "Default",
            "MessageStreamType": "Transactional",
            "Description": None,
            "ArchivedAt": None,
        },
        {"ID": "inbound", "Name": "Inbound", "MessageStreamType": "Inbound", "ArchivedAt": None},
        {
            "ID": "news",
            "Name": "News",
            "MessageStreamType": "Broadcasts",
            "Description": "Monthly",
            "ArchivedAt": None,
        },
        {
            "ID": "old",
            "Name": "Old",
            "MessageStreamType": "Transactional",
            "ArchivedAt": "2026-10-01T00:00:00Z",
        },
    ],
    "TotalCount": 4,
}
HOOK = {
    "ID": 42,
    "Url": "https://hooks.acme-mail.com/pm",
    "MessageStream": "outbound",
    "HttpAuth": {"Username": "esp", "Password": "pw-canary"},
    "HttpHeaders": [{"Name": "X-A", "Value": "1"}],
    "Triggers": {
        "Open": {"Enabled": True, "PostFirstOpenOnly": True},
        "Click": {"Enabled": False},
        "Delivery": {"Enabled": True},
        "Bounce": {"Enabled": True, "IncludeContent": True},
        "SpamComplaint": {"Enabled": False, "IncludeContent": False},
        "SubscriptionChange": {"Enabled": False},
    },
}


def api(**extra: object) -> PostmarkApi:
    return PostmarkApi("pm", postmark_block(**extra), options=FAST, sleep=Sleeps())


def signature(sid: int, address: str) -> dict[str, object]:
    """A sender signature as GET /senders lists it (ESP-API.md 1.9)."""
    return {
        "Domain": address.rsplit("@", 1)[1],
        "EmailAddress": address,
        "ReplyToEmailAddress": "",
        "Name": "Ops",
        "Confirmed": True,
        "ID": sid,
    }


def stream_json(sid: str, name: str, kind: str = "Broadcasts") -> dict[str, object]:
    """A message stream as Postmark returns it (ESP-API.md 1.7)."""
    return {
        "ID": sid,
        "ServerID": 1,
        "Name": name,
        "Description": None,
        "MessageStreamType": kind,
        "CreatedAt": "2026-01-01T00:00:00.0000000-05:00",
        "UpdatedAt": None,
        "ArchivedAt": None,
        "ExpectedPurgeDate": None,
        "SubscriptionManagementConfiguration": {"UnsubscribeHandlingType": "Postmark"},
    }


def mock_reads(senders_total: int = 2) -> dict[str, respx.Route]:
    routes = {
        "server": respx.get(f"{PM}/server").mock(return_value=httpx.Response(200, json=SERVER)),
        "streams": respx.get(
            f"{PM}/message-streams",
            params={"MessageStreamType": "All", "IncludeArchivedStreams": "true"},
        ).mock(return_value=httpx.Response(200, json=STREAMS)),
        "hooks": respx.get(f"{PM}/webhooks").mock(
            return_value=httpx.Response(200, json={"Webhooks": [HOOK, {**HOOK, "ID": 43}]})
        ),
        "domains": respx.get(f"{PM}/domains", params={"count": "500", "offset": "0"}).mock(
            return_value=httpx.Response(
                200,
                json={
                    "TotalCount": 1,
                    "Domains": [
                        {
                            "ID": 1,
                            "Name": "acme-mail.com",
                            "SPFVerified": True,
                            "DKIMVerified": False,
                            "WeakDKIM": False,
                            "ReturnPathDomainVerified": False,
                        }
                    ],
                },
            )
        ),
    }
    first = [signature(i, f"a{i}@x.com") for i in range(500)]
    routes["senders1"] = respx.get(f"{PM}/senders", params={"count": "500", "offset": "0"}).mock(
        return_value=httpx.Response(200, json={"TotalCount": 501, "SenderSignatures": first})
    )
    routes["senders2"] = respx.get(f"{PM}/senders", params={"count": "500", "offset": "500"}).mock(
        return_value=httpx.Response(
            200,
            json={
                "TotalCount": 501,
                "SenderSignatures": [signature(500, "NoReply@acme-mail.com")],
            },
        )
    )
    return routes


@respx.mock
def test_read_maps_live_json_to_resources() -> None:
    routes = mock_reads()
    state = run(api().read(()))
    assert all(r.called for r in routes.values())
    assert routes["server"].calls[0].request.headers["X-Postmark-Server-Token"] == SERVER_TOKEN
    assert routes["senders1"].calls[0].request.headers["X-Postmark-Account-Token"] == ACCOUNT_TOKEN
    assert "X-Postmark-Account-Token" not in routes["server"].calls[0].request.headers
    by_key = {(r.kind, r.key): r for r in state.resources}
    assert by_key[(pm.KIND_SERVER, "server")].fields == {
        "track_opens": False,
        "track_links": "html_only",
    }
    assert set(k for k in by_key if k[0] == pm.KIND_STREAM) == {
        (pm.KIND_STREAM, "outbound"),
        (pm.KIND_STREAM, "news"),
    }  # no inbound, no archived
    assert by_key[(pm.KIND_STREAM, "news")].fields == {
        "name": "News",
        "type": "broadcasts",
        "description": "Monthly",
    }
    hook = by_key[(pm.KIND_WEBHOOK, "outbound https://hooks.acme-mail.com/pm")]
    assert hook.ref == "42"
    assert hook.fields["triggers"] == ["Bounce", "Delivery", "Open"]
    assert hook.fields["basic_auth_password"] == Secret("pw-canary")
    assert hook.fields["headers"] == {"X-A": "1"}
    assert (hook.fields["first_open_only"], hook.fields["include_content"]) == (True, True)
    dup = by_key[(pm.KIND_WEBHOOK, "outbound https://hooks.acme-mail.com/pm (duplicate ID 43)")]
    assert dup.ref == "43"
    assert state.facts["archived_streams"] == ["old"]
    (check,) = state.checks
    assert check.ok and "confirmed sender signature" in check.message  # found on page 2


@respx.mock
def test_sender_check_fails_without_signature_or_dkim() -> None:
    mock_reads()
    state = run(api(default_sender="ops@unknown-domain.com").read(()))
    (check,) = state.checks
    assert not check.ok
    assert "ops@unknown-domain.com has no confirmed sender signature" in check.message
    assert check.severity == "warning"  # the settings converge; the mail is refused


@respx.mock
def test_read_401_422_429_and_timeout() -> None:
    respx.get(f"{PM}/server").mock(
        return_value=httpx.Response(
            401, json={"ErrorCode": 10, "Message": "Bad or missing Server API token."}
        )
    )
    with pytest.raises(ProviderAuthError) as info:
        run(api(account_token=None).server.get_json("/server"))
    # a 401 is about the token, not the request: the message names no path
    assert str(info.value) == (
        "pm: the server token was rejected (HTTP 401, ErrorCode 10) — check `server_token`"
    )
    respx.get(f"{PM}/webhooks").mock(
        return_value=httpx.Response(
            422, json={"ErrorCode": 1235, "Message": "MessageStream does not exist."}
        )
    )
    with pytest.raises(ProviderError, match="HTTP 422: ErrorCode 1235"):
        run(api().server.get_json("/webhooks"))
    limited = respx.get(f"{PM}/message-streams").mock(
        side_effect=[
            httpx.Response(429, json={"ErrorCode": 429, "Message": "Rate limit"}),
            httpx.Response(200, json=STREAMS),
        ]
    )
    assert run(api().server.get_json("/message-streams"))["TotalCount"] == 4
    assert limited.call_count == 2
    respx.get(f"{PM}/senders").mock(side_effect=httpx.ConnectTimeout("slow"))
    with pytest.raises(ProviderUnavailable, match="timed out"):
        run(api().account.get_json("/senders"))  # type: ignore[union-attr]


def _hook_resource() -> object:
    return pm.webhook_resource(
        "pm",
        "outbound",
        "https://hooks.acme-mail.com/pm",
        ["Delivery", "Bounce"],
        BasicAuth(username="esp", password=Secret("new-pw")),
        [("X-A", "1")],
        pm.PostmarkWebhookOptions(include_content=True),
    )


@respx.mock
def test_webhook_create_sends_all_six_triggers_as_json() -> None:
    route = respx.post(f"{PM}/webhooks").mock(
        return_value=httpx.Response(200, json={**HOOK, "ID": 9})
    )
    after = _hook_resource()
    run(api().apply(ChangeRequest("create", pm.KIND_WEBHOOK, after.key, None, after)))  # type: ignore[attr-defined,arg-type]
    request = route.calls[0].request
    assert request.headers["Content-Type"] == "application/json"
    body = json.loads(request.content)
    assert body == {
        "Url": "https://hooks.acme-mail.com/pm",
        "MessageStream": "outbound",
        "HttpAuth": {"Username": "esp", "Password": "new-pw"},
        "HttpHeaders": [{"Name": "X-A", "Value": "1"}],
        "Triggers": {
            "Open": {"Enabled": False, "PostFirstOpenOnly": False},
            "Click": {"Enabled": False},
            "Delivery": {"Enabled": True},
            "Bounce": {"Enabled": True, "IncludeContent": True},
            "SpamComplaint": {"Enabled": False, "IncludeContent": True},
            "SubscriptionChange": {"Enabled": False},
        },
    }


@respx.mock
def test_webhook_create_that_timed_out_is_read_back_not_repeated() -> None:
    post = respx.post(f"{PM}/webhooks").mock(side_effect=httpx.ReadTimeout("lost"))
    listing = respx.get(f"{PM}/webhooks", params={"MessageStream": "outbound"}).mock(
        return_value=httpx.Response(
            200,
            json={"Webhooks": [{**HOOK, "ID": 77, "Url": "https://hooks.acme-mail.com/pm"}]},
        )
    )
    put = respx.put(f"{PM}/webhooks/77").mock(
        return_value=httpx.Response(200, json={**HOOK, "ID": 77})
    )
    after = _hook_resource()
    run(api().apply(ChangeRequest("create", pm.KIND_WEBHOOK, after.key, None, after)))  # type: ignore[attr-defined,arg-type]
    assert (post.call_count, listing.call_count, put.call_count) == (1, 1, 1)
    assert "MessageStream" not in json.loads(put.calls[0].request.content)


@respx.mock
def test_server_and_stream_writes() -> None:
    put = respx.put(f"{PM}/server").mock(return_value=httpx.Response(200, json=SERVER))
    run(
        api().apply(
            ChangeRequest(
                "update",
                pm.KIND_SERVER,
                "server",
                None,
                pm.server_resource("pm", True, "html_and_text"),
            )
        )
    )
    assert json.loads(put.calls[0].request.content) == {
        "TrackOpens": True,
        "TrackLinks": "HtmlAndText",
    }
    create = respx.post(f"{PM}/message-streams").mock(
        return_value=httpx.Response(200, json=stream_json("news", "News"))
    )
    stream = pm.stream_resource("pm", "news", "News", "broadcasts", "Monthly")
    run(api().apply(ChangeRequest("create", pm.KIND_STREAM, "news", None, stream)))
    assert json.loads(create.calls[0].request.content) == {
        "ID": "news",
        "Name": "News",
        "MessageStreamType": "Broadcasts",
        "Description": "Monthly",
        "SubscriptionManagementConfiguration": {"UnsubscribeHandlingType": "Postmark"},
    }
    patch = respx.patch(f"{PM}/message-streams/news").mock(
        return_value=httpx.Response(200, json=stream_json("news", "News"))
    )
    run(api().apply(ChangeRequest("update", pm.KIND_STREAM, "news", stream, stream)))
    assert json.loads(patch.calls[0].request.content) == {"Name": "News", "Description": "Monthly"}
    archive = respx.post(f"{PM}/message-streams/news/archive").mock(
        return_value=httpx.Response(
            200,
            json={"ID": "news", "ServerID": 1, "ExpectedPurgeDate": "2026-02-15T00:00:00-05:00"},
        )
    )
    run(api().apply(ChangeRequest("delete", pm.KIND_STREAM, "news", stream, None)))
    assert archive.called


@respx.mock
def test_webhook_delete_of_a_vanished_webhook_succeeds() -> None:
    respx.delete(f"{PM}/webhooks/42").mock(
        return_value=httpx.Response(422, json={"ErrorCode": 12, "Message": "Not found"})
    )
    before = _hook_resource()
    gone = before.__class__(**{**before.__dict__, "ref": "42"})  # type: ignore[attr-defined]
    run(api().apply(ChangeRequest("delete", pm.KIND_WEBHOOK, gone.key, gone, None)))
