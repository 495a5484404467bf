"""Postmark quirks of real accounts against respx routes (issue 13 items 3, 6, 11).

- Bodies carry ``HttpAuth`` only when the webhook has credentials, as the official SDKs
  do; removing credentials replaces the webhook (create, then delete the old one),
  because no SDK or page documents how an edit clears ``HttpAuth``.
- Deleting a webhook is "already gone" only for a 404 or ErrorCode 12 (not found).
- The 10-stream limit counts the live streams at plan time.
"""

from __future__ import annotations

import json
from typing import Any

import httpx
import pytest
import respx

from espctl.errors import ProviderError
from espctl.model.common import BasicAuth, Secret
from espctl.model.resources import Resource
from espctl.providers.kit.protocol import ChangeRequest
from espctl.providers.postmark import resources as pm
from espctl.providers.postmark.client import PostmarkApi
from tests.providers.helpers import FAST, PM, Sleeps, postmark_block, run

URL = "https://hooks.acme-mail.com/pm"
TRIGGERS = {
    "Open": {"Enabled": False, "PostFirstOpenOnly": False},
    "Click": {"Enabled": False},
    "Delivery": {"Enabled": True},
    "Bounce": {"Enabled": True, "IncludeContent": False},
    "SpamComplaint": {"Enabled": False, "IncludeContent": False},
    "SubscriptionChange": {"Enabled": False},
}


def api() -> PostmarkApi:
    return PostmarkApi("pm", postmark_block(account_token=None), options=FAST, sleep=Sleeps())


def hook(auth: BasicAuth | None, ref: str | None = None, url: str = URL) -> Resource:
    return pm.webhook_resource(
        "pm",
        "outbound",
        url,
        ["Delivery", "Bounce"],
        auth,
        [],
        pm.PostmarkWebhookOptions(),
        ref=ref,
    )


def live_json(hook_id: int, auth: dict[str, Any] | None = None, url: str = URL) -> dict[str, Any]:
    return {
        "ID": hook_id,
        "Url": url,
        "MessageStream": "outbound",
        "HttpAuth": auth or {"Username": None, "Password": None},
        "HttpHeaders": [],
        "Triggers": TRIGGERS,
    }


def body(request: httpx.Request) -> Any:
    return json.loads(request.content)


AUTH = BasicAuth(username="esp", password=Secret("hook-pw"))


@respx.mock
def test_a_webhook_without_auth_is_created_without_httpauth() -> None:
    post = respx.post(f"{PM}/webhooks").mock(return_value=httpx.Response(200, json=live_json(9)))
    after = hook(None)
    run(api().apply(ChangeRequest("create", pm.KIND_WEBHOOK, after.key, None, after)))
    assert body(post.calls[0].request) == {
        "Url": URL,
        "MessageStream": "outbound",
        "HttpHeaders": [],
        "Triggers": TRIGGERS,
    }  # no "HttpAuth": {"Username": "", "Password": ""}


@respx.mock
def test_an_edit_without_auth_on_either_side_leaves_httpauth_out() -> None:
    put = respx.put(f"{PM}/webhooks/7").mock(return_value=httpx.Response(200, json=live_json(7)))
    before = hook(None, ref="7")
    after = pm.webhook_resource(
        "pm", "outbound", URL, ["Delivery"], None, [], pm.PostmarkWebhookOptions()
    )
    run(api().apply(ChangeRequest("update", pm.KIND_WEBHOOK, after.key, before, after)))
    assert body(put.calls[0].request) == {
        "Url": URL,
        "HttpHeaders": [],
        "Triggers": {
            **TRIGGERS,
            "Bounce": {"Enabled": False, "IncludeContent": False},
        },
    }


@respx.mock
def test_an_edit_that_sets_auth_sends_it() -> None:
    put = respx.put(f"{PM}/webhooks/7").mock(return_value=httpx.Response(200, json=live_json(7)))
    before = hook(None, ref="7")
    after = hook(AUTH)
    run(api().apply(ChangeRequest("update", pm.KIND_WEBHOOK, after.key, before, after)))
    assert body(put.calls[0].request)["HttpAuth"] == {"Username": "esp", "Password": "hook-pw"}


@respx.mock
def test_removing_auth_replaces_the_webhook_create_first() -> None:
    order: list[str] = []

    def created(request: httpx.Request) -> httpx.Response:
        order.append("POST")
        return httpx.Response(200, json=live_json(8))

    def deleted(request: httpx.Request) -> httpx.Response:
        order.append("DELETE")
        return httpx.Response(200, json={"ErrorCode": 0, "Message": "Webhook removed."})

    post = respx.post(f"{PM}/webhooks").mock(side_effect=created)
    delete = respx.delete(f"{PM}/webhooks/7").mock(side_effect=deleted)
    put = respx.put(url__regex=rf"{PM}/webhooks/\d+")
    before = hook(AUTH, ref="7")
    after = hook(None)
    run(api().apply(ChangeRequest("update", pm.KIND_WEBHOOK, after.key, before, after)))
    assert order == ["POST", "DELETE"]  # a moment with two webhooks, never one with none
    assert body(post.calls[0].request) == {
        "Url": URL,
        "MessageStream": "outbound",
        "HttpHeaders": [],
        "Triggers": TRIGGERS,
    }
    assert delete.called and not put.called


@respx.mock
def test_a_replacement_that_timed_out_is_read_back_not_confused_with_the_old_one() -> None:
    respx.post(f"{PM}/webhooks").mock(side_effect=httpx.ReadTimeout("lost"))
    listing = respx.get(f"{PM}/webhooks", params={"MessageStream": "outbound"}).mock(
        return_value=httpx.Response(
            200,
            json={
                "Webhooks": [
                    live_json(7, {"Username": "esp", "Password": "hook-pw"}),  # the old one
                    live_json(8),  # the replacement the lost POST made
                ]
            },
        )
    )
    put = respx.put(f"{PM}/webhooks/8").mock(return_value=httpx.Response(200, json=live_json(8)))
    delete = respx.delete(f"{PM}/webhooks/7").mock(
        return_value=httpx.Response(200, json={"ErrorCode": 0, "Message": "Webhook removed."})
    )
    before = hook(AUTH, ref="7")
    after = hook(None)
    run(api().apply(ChangeRequest("update", pm.KIND_WEBHOOK, after.key, before, after)))
    assert listing.called and put.called and delete.called
    assert "HttpAuth" not in body(put.calls[0].request)


@respx.mock
def test_a_refused_replacement_leaves_the_old_webhook_alone() -> None:
    respx.post(f"{PM}/webhooks").mock(
        return_value=httpx.Response(422, json={"ErrorCode": 606, "Message": "Invalid URL."})
    )
    delete = respx.delete(f"{PM}/webhooks/7")
    before = hook(AUTH, ref="7")
    after = hook(None)
    with pytest.raises(ProviderError, match="ErrorCode 606"):
        run(api().apply(ChangeRequest("update", pm.KIND_WEBHOOK, after.key, before, after)))
    assert not delete.called


@pytest.mark.parametrize(
    ("status", "payload", "gone"),
    [
        (404, {"ErrorCode": 12, "Message": "Not found"}, True),
        (422, {"ErrorCode": 12, "Message": "The webhook was not found."}, True),
        (422, {"ErrorCode": 1235, "Message": "MessageStream does not exist."}, False),
        (422, {"ErrorCode": 403, "Message": "Invalid request field(s)."}, False),
        (422, {"Message": "no code"}, False),
    ],
)
@respx.mock
def test_only_not_found_means_a_deleted_webhook_is_already_gone(
    status: int, payload: dict[str, Any], gone: bool
) -> None:
    route = respx.delete(f"{PM}/webhooks/42").mock(
        return_value=httpx.Response(status, json=payload)
    )
    before = hook(None, ref="42")
    change = ChangeRequest("delete", pm.KIND_WEBHOOK, before.key, before, None)
    if gone:
        run(api().apply(change))
    else:
        with pytest.raises(ProviderError, match=f"HTTP {status}"):
            run(api().apply(change))
    assert route.call_count == 1


def streams_json(*ids: str, archived: tuple[str, ...] = ()) -> dict[str, Any]:
    def one(sid: str) -> dict[str, Any]:
        kind = {"inbound": "Inbound", "broadcast": "Broadcasts"}.get(sid, "Transactional")
        return {
            "ID": sid,
            "Name": sid.title(),
            "MessageStreamType": kind,
            "Description": None,
            "ArchivedAt": "2026-01-01T00:00:00Z" if sid in archived else None,
        }

    return {"MessageStreams": [one(s) for s in ids], "TotalCount": len(ids)}


def mock_reads(streams: dict[str, Any]) -> list[respx.Route]:
    return [
        respx.get(f"{PM}/server").mock(
            return_value=httpx.Response(
                200, json={"Name": "S", "TrackOpens": False, "TrackLinks": "None"}
            )
        ),
        respx.get(
            f"{PM}/message-streams",
            params={"MessageStreamType": "All", "IncludeArchivedStreams": "true"},
        ).mock(return_value=httpx.Response(200, json=streams)),
        respx.get(f"{PM}/webhooks").mock(return_value=httpx.Response(200, json={"Webhooks": []})),
    ]


def desired_streams(*ids: str) -> list[Resource]:
    return [pm.stream_resource("pm", s, s.title(), "transactional", None) for s in ids]


@respx.mock
def test_the_stream_limit_counts_live_streams_archived_ones_included() -> None:
    live = ("outbound", "inbound", "broadcast", "a", "b", "c", "d", "old")
    routes = mock_reads(streams_json(*live, archived=("old",)))
    state = run(api().read(desired_streams("outbound", "n1", "n2", "n3")))
    assert all(r.called for r in routes)
    (check,) = [c for c in state.checks if c.name == "stream_limit"]
    assert (check.ok, check.severity, check.blocks) == (False, "error", ("n1", "n2", "n3"))
    assert check.message == (
        "the server would have 11 message streams, over Postmark's limit of 10 (ErrorCode "
        "1225): 8 exist (a, b, broadcast, c, d, inbound, old, outbound), 1 of them archived "
        "(old), and the config adds 3 (n1, n2, n3); declare fewer streams, or remove unused "
        "ones at Postmark"
    )


@respx.mock
def test_within_the_limit_there_is_no_check_and_streams_are_planned() -> None:
    mock_reads(streams_json("outbound", "inbound", "broadcast", "a", "b", "c"))
    state = run(api().read(desired_streams("n1", "n2", "n3", "n4")))
    assert [c for c in state.checks if c.name == "stream_limit"] == []
