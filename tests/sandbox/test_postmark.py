"""Postmark endpoints: success shapes and every documented error, in process."""

from __future__ import annotations

import httpx
import pytest

from espctl.sandbox import SandboxApp, SandboxCredentials, SandboxTransport, seed_account

from .conftest import NOW

TRIGGER_KEYS = {"Open", "Click", "Delivery", "Bounce", "SpamComplaint", "SubscriptionChange"}


def all_triggers(**enabled: bool) -> dict[str, dict[str, bool]]:
    return {k: {"Enabled": enabled.get(k, False)} for k in TRIGGER_KEYS}


def test_auth_missing_wrong_and_cross_tokens(pm: httpx.Client, pm_account: httpx.Client) -> None:
    bare = httpx.Client(transport=pm._transport, base_url="https://api.postmarkapp.com")
    r = bare.get("/server")
    assert r.status_code == 401 and r.json()["ErrorCode"] == 10
    r = bare.get("/server", headers={"X-Postmark-Server-Token": "nope"})
    assert r.status_code == 401 and set(r.json()) == {"ErrorCode", "Message"}
    assert pm_account.get("/server").status_code == 401  # account token on a server path
    assert pm.get("/senders", params={"count": 10, "offset": 0}).status_code == 401
    # header names are case-insensitive
    r = bare.get("/server", headers={"x-postmark-server-token": "sandbox-postmark-server-token"})
    assert r.status_code == 200


def test_custom_credentials() -> None:
    app = SandboxApp(
        seed_account(1, NOW),
        credentials=SandboxCredentials(
            {
                "postmark": {"server_token": "s1", "account_token": "a1"},
                "mailgun": {"api_key": "k1"},
            }
        ),
    )
    client = httpx.Client(transport=SandboxTransport(app), base_url="https://api.postmarkapp.com")
    assert client.get("/server", headers={"X-Postmark-Server-Token": "s1"}).status_code == 200
    r = client.get("/server", headers={"X-Postmark-Server-Token": "sandbox-postmark-server-token"})
    assert r.status_code == 401


def test_server_get_and_partial_put(pm: httpx.Client) -> None:
    server = pm.get("/server").json()
    assert server["TrackOpens"] is False and server["TrackLinks"] == "None"
    assert server["ApiTokens"] == ["sandbox-postmark-server-token"]
    assert server["Color"] == "purple" and isinstance(server["ID"], int)
    r = pm.put("/server", json={"TrackOpens": True, "TrackLinks": "HtmlAndText"})
    assert r.status_code == 200
    after = r.json()
    assert after["TrackOpens"] is True and after["TrackLinks"] == "HtmlAndText"
    assert after["Name"] == server["Name"]  # untouched
    assert pm.get("/SERVER/").json()["TrackOpens"] is True


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({}, 609),
        ({"Color": "pink"}, 607),
        ({"Name": ""}, 608),
        ({"InboundSpamThreshold": 99}, 611),
        ({"TrackLinks": "Sometimes"}, 403),
        ({"TrackOpens": "yes"}, 403),
    ],
)
def test_server_put_errors(pm: httpx.Client, body: dict[str, object], code: int) -> None:
    before = pm.get("/server").json()
    r = pm.put("/server", json=body)
    assert r.status_code == 422 and r.json()["ErrorCode"] == code
    assert pm.get("/server").json() == before


def test_server_put_invalid_json(pm: httpx.Client) -> None:
    r = pm.put("/server", content=b"{nope", headers={"Content-Type": "application/json"})
    assert r.status_code == 422 and r.json()["ErrorCode"] == 402


def test_unknown_path_is_404(pm: httpx.Client) -> None:
    assert pm.get("/no-such-thing").status_code == 404


def test_webhooks_crud(pm: httpx.Client) -> None:
    hooks = pm.get("/webhooks").json()["Webhooks"]
    assert len(hooks) == 3
    first = hooks[0]
    assert set(first) == {"ID", "Url", "MessageStream", "HttpAuth", "HttpHeaders", "Triggers"}
    assert set(first["Triggers"]) == TRIGGER_KEYS
    assert first["HttpAuth"] == {"Username": "esp", "Password": "old-hook-password"}
    outbound = pm.get("/webhooks", params={"messagestream": "outbound"}).json()["Webhooks"]
    assert [h["MessageStream"] for h in outbound] == ["outbound"]
    created = pm.post(
        "/webhooks",
        json={
            "Url": "https://hooks.example.com/x",
            "MessageStream": "outbound",
            "HttpAuth": {"Username": "u", "Password": "p"},
            "HttpHeaders": [{"Name": "X-A", "Value": "1"}],
            "Triggers": all_triggers(Open=True, Bounce=True),
        },
    )
    assert created.status_code == 200
    hook = created.json()
    assert hook["Triggers"]["Open"] == {"Enabled": True, "PostFirstOpenOnly": False}
    assert hook["Triggers"]["Bounce"] == {"Enabled": True, "IncludeContent": False}
    assert pm.get(f"/webhooks/{hook['ID']}").json() == hook
    edited = pm.put(f"/webhooks/{hook['ID']}", json={"Url": "https://hooks.example.com/y"})
    assert edited.json()["Url"] == "https://hooks.example.com/y"
    assert edited.json()["HttpAuth"] == {"Username": "u", "Password": "p"}  # kept
    r = pm.delete(f"/webhooks/{hook['ID']}")
    assert r.json() == {"ErrorCode": 0, "Message": "Webhook removed."}
    assert pm.get(f"/webhooks/{hook['ID']}").status_code == 422
    gone = pm.delete(f"/webhooks/{hook['ID']}")
    assert (gone.status_code, gone.json()["ErrorCode"]) == (422, 12)  # "not found"


@pytest.mark.parametrize(
    "auth",
    [
        {"Username": "", "Password": ""},
        {"Username": "", "Password": "p"},
        {"Password": "p"},
    ],
)
def test_empty_basic_auth_credentials_are_refused(pm: httpx.Client, auth: object) -> None:
    """An API that validates HttpAuth refuses empty credentials instead of storing ""
    (the official SDKs never send them: they omit HttpAuth when there is none)."""
    body = {"Url": "https://hooks.example.com/e", "HttpAuth": auth}
    r = pm.post("/webhooks", json=body)
    assert r.status_code == 422 and r.json()["ErrorCode"] == 403
    assert "HttpAuth.Username" in r.json()["Message"]
    r = pm.put("/webhooks/2", json={"HttpAuth": auth})
    assert r.status_code == 422
    assert pm.get("/webhooks/2").json()["HttpAuth"] == {"Username": None, "Password": None}


def test_a_webhook_without_httpauth_has_no_auth_and_an_edit_without_it_keeps_it(
    pm: httpx.Client,
) -> None:
    created = pm.post("/webhooks", json={"Url": "https://hooks.example.com/n"}).json()
    assert created["HttpAuth"] == {"Username": None, "Password": None}
    assert pm.put("/webhooks/1", json={"Url": "https://h.example.com/e"}).json()["HttpAuth"] == {
        "Username": "esp",
        "Password": "old-hook-password",
    }


def test_webhook_errors(pm: httpx.Client) -> None:
    def err(r: httpx.Response) -> int:
        assert r.status_code == 422
        return int(r.json()["ErrorCode"])

    assert err(pm.post("/webhooks", json={"Url": "not a url"})) == 606
    unknown_stream = {"Url": "https://a.example.com", "MessageStream": "zz"}
    assert err(pm.post("/webhooks", json=unknown_stream)) == 1235
    assert err(pm.get("/webhooks", params={"MessageStream": "zz"})) == 1235
    broadcast = {
        "Url": "https://a.example.com",
        "MessageStream": "newsletters",
        "Triggers": all_triggers(Bounce=True),
    }
    assert err(pm.post("/webhooks", json=broadcast)) == 403
    assert err(pm.put("/webhooks/1", json={"MessageStream": "newsletters"})) == 403
    for n in range(7):
        ok = pm.post("/webhooks", json={"Url": f"https://h{n}.example.com"})
        assert ok.status_code == 200
    assert err(pm.post("/webhooks", json={"Url": "https://h11.example.com"})) == 403  # 10 max


def test_streams(pm: httpx.Client) -> None:
    listed = pm.get("/message-streams").json()
    ids = {s["ID"]: s["MessageStreamType"] for s in listed["MessageStreams"]}
    assert ids == {
        "outbound": "Transactional",
        "inbound": "Inbound",
        "broadcast": "Broadcasts",  # the three of every new server (postmark.js counts 3)
        "newsletters": "Broadcasts",
        "legacy-alerts": "Transactional",
    }
    assert listed["TotalCount"] == 5
    only = pm.get("/message-streams", params={"messageStreamType": "Broadcasts"}).json()
    assert [s["ID"] for s in only["MessageStreams"]] == ["broadcast", "newsletters"]
    default = pm.get("/message-streams/broadcast").json()
    assert (default["Name"], default["MessageStreamType"]) == (
        "Default Broadcast Stream",
        "Broadcasts",
    )
    r = pm.post(
        "/message-streams",
        json={
            "ID": "receipts",
            "Name": "Receipts",
            "MessageStreamType": "Transactional",
            "Description": "Order receipts",
        },
    )
    assert r.status_code == 200 and r.json()["ServerID"] == pm.get("/server").json()["ID"]
    r = pm.patch("/message-streams/receipts", json={"Name": "Receipts 2"})
    assert r.json()["Name"] == "Receipts 2" and r.json()["Description"] == "Order receipts"
    archived = pm.post("/message-streams/receipts/archive").json()
    assert set(archived) == {"ID", "ServerID", "ExpectedPurgeDate"}
    assert "receipts" not in {s["ID"] for s in pm.get("/message-streams").json()["MessageStreams"]}
    every = pm.get("/message-streams", params={"IncludeArchivedStreams": "true"}).json()
    assert "receipts" in {s["ID"] for s in every["MessageStreams"]}
    r = pm.post("/message-streams/receipts/unarchive")
    assert r.status_code == 200 and r.json()["ArchivedAt"] is None


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"Name": "x", "MessageStreamType": "Transactional"}, 1222),
        ({"ID": "x1", "MessageStreamType": "Transactional"}, 1223),
        ({"ID": "x1", "Name": "x" * 101, "MessageStreamType": "Transactional"}, 1224),
        ({"ID": "x1", "Name": "x", "MessageStreamType": "Bulk"}, 1221),
        ({"ID": "x1", "Name": "x", "MessageStreamType": "Inbound"}, 1228),
        ({"ID": "outbound", "Name": "x", "MessageStreamType": "Transactional"}, 1230),
        (
            {
                "ID": "x1",
                "Name": "x",
                "MessageStreamType": "Transactional",
                "Description": "d" * 1001,
            },
            1231,
        ),
        ({"ID": "pm-x", "Name": "x", "MessageStreamType": "Transactional"}, 1233),
        (
            {
                "ID": "x1",
                "Name": "x",
                "MessageStreamType": "Transactional",
                "Description": "<b>hi</b>",
            },
            1234,
        ),
        ({"ID": "Bad ID!", "Name": "x", "MessageStreamType": "Transactional"}, 1227),
    ],
)
def test_stream_create_errors(pm: httpx.Client, body: dict[str, object], code: int) -> None:
    r = pm.post("/message-streams", json=body)
    assert r.status_code == 422 and r.json()["ErrorCode"] == code


def test_stream_limits_and_immutability(pm: httpx.Client) -> None:
    for n in range(5):  # 5 seeded (3 defaults, newsletters, legacy-alerts) + 5 = the limit
        assert pm.post(
            "/message-streams", json={"ID": f"s{n}", "Name": "s", "MessageStreamType": "Broadcasts"}
        ).is_success
    r = pm.post(
        "/message-streams", json={"ID": "s9", "Name": "s", "MessageStreamType": "Broadcasts"}
    )
    assert r.json()["ErrorCode"] == 1225
    r = pm.patch("/message-streams/newsletters", json={"MessageStreamType": "Transactional"})
    assert r.status_code == 422 and r.json()["ErrorCode"] == 1221
    assert pm.post("/message-streams/outbound/archive").json()["ErrorCode"] == 1229
    assert pm.get("/message-streams/nope").json()["ErrorCode"] == 1226


def test_senders_and_domains(pm_account: httpx.Client) -> None:
    senders = pm_account.get("/senders/", params={"count": 50, "offset": 0}).json()
    assert senders["TotalCount"] == 2
    acme = next(s for s in senders["SenderSignatures"] if s["Domain"] == "acme-mail.com")
    assert acme["Confirmed"] is True
    detail = pm_account.get(f"/senders/{acme['ID']}").json()
    assert detail["DKIMVerified"] is True and detail["SPFVerified"] is True
    assert detail["ReturnPathDomainVerified"] is True
    domains = pm_account.get("/domains", params={"Count": 50, "Offset": 0}).json()
    by_name = {d["Name"]: d for d in domains["Domains"]}
    assert by_name["acme-mail.com"]["DKIMVerified"] is True
    other = pm_account.get(f"/domains/{by_name['acmeshop.net']['ID']}").json()
    assert other["DKIMVerified"] is False and other["DKIMHost"] == ""
    assert other["DKIMPendingHost"].endswith("._domainkey.acmeshop.net")
    assert pm_account.get("/senders/1").json()["ErrorCode"] == 501
    assert pm_account.get("/domains/1").json()["ErrorCode"] == 510
    assert pm_account.get("/domains").status_code == 422  # count/offset required
    assert pm_account.get("/domains", params={"count": 501, "offset": 0}).status_code == 422


def test_stats_match_truth(app: SandboxApp, pm: httpx.Client) -> None:
    overview = pm.get("/stats/outbound", params={"messagestream": "outbound"}).json()
    truth = app.traffic.total(provider="postmark", bucket="outbound")
    assert overview["Sent"] == truth.sent and overview["Bounced"] == truth.bounced
    assert overview["SpamComplaints"] == truth.complained
    assert overview["SMTPApiErrors"] == 0 and isinstance(overview["BounceRate"], float)
    tagged = pm.get(
        "/stats/outbound/sends",
        params={"tag": "receipt", "fromdate": "2024-05-01", "todate": "2024-05-31"},
    ).json()
    assert tagged["Sent"] == sum(d["Sent"] for d in tagged["Days"])
    assert tagged["Sent"] == app.traffic.total("postmark", tag="receipt").sent - sum(
        c.sent
        for d, c in app.traffic.daily("postmark", tag="receipt").items()
        if d.isoformat() < "2024-05-01"
    )
    bounces = pm.get("/stats/outbound/bounces").json()
    assert bounces["HardBounce"] == app.traffic.total("postmark").hard_bounced
    assert bounces["Transient"] == app.traffic.total("postmark").deferred
    for report in ("spam", "opens", "clicks", "tracked"):
        assert pm.get(f"/stats/outbound/{report}").status_code == 200
    empty = pm.get("/stats/outbound/opens", params={"messagestream": "inbound"}).json()
    assert empty == {"Days": []}
    assert pm.get("/stats/outbound", params={"messagestream": "zz"}).json()["ErrorCode"] == 1235


def test_deliverystats_and_bounces(app: SandboxApp, pm: httpx.Client) -> None:
    stats = pm.get("/deliverystats").json()
    assert stats["Bounces"][0]["Name"] == "All" and "Type" not in stats["Bounces"][0]
    # Without messagestream, /bounces covers the default transactional stream only.
    page = pm.get("/bounces", params={"count": 500, "offset": 0, "type": "HardBounce"}).json()
    assert page["TotalCount"] == app.traffic.total("postmark", bucket="outbound").hard_bounced
    assert {b["MessageStream"] for b in page["Bounces"]} == {"outbound"}
    news = pm.get(
        "/bounces",
        params={"count": 500, "offset": 0, "type": "HardBounce", "messagestream": "newsletters"},
    ).json()
    assert news["TotalCount"] == app.traffic.total("postmark", bucket="newsletters").hard_bounced
    assert {b["MessageStream"] for b in news["Bounces"]} == {"newsletters"}
    b = page["Bounces"][0]
    assert b["Type"] == "HardBounce" and b["TypeCode"] == 1 and b["Inactive"] is True
    assert pm.get(f"/bounces/{b['ID']}").json() == b
    assert pm.get("/bounces", params={"count": 501, "offset": 0}).status_code == 422
    assert pm.get("/bounces", params={"count": 500, "offset": 9600}).status_code == 422


def test_messages_default_to_the_outbound_stream(pm: httpx.Client) -> None:
    plain = pm.get("/messages/outbound", params={"count": 500, "offset": 0}).json()
    outbound = pm.get(
        "/messages/outbound", params={"count": 1, "offset": 0, "messagestream": "outbound"}
    ).json()
    news = pm.get(
        "/messages/outbound", params={"count": 500, "offset": 0, "messagestream": "newsletters"}
    ).json()
    assert plain["TotalCount"] == outbound["TotalCount"] > 0
    assert {m["MessageStream"] for m in plain["Messages"]} == {"outbound"}
    assert {m["MessageStream"] for m in news["Messages"]} <= {"newsletters"}


def test_message_search_reads_dates_in_eastern_time(app: SandboxApp, pm: httpx.Client) -> None:
    day = app.traffic.days[-1]
    whole = pm.get(
        "/messages/outbound",
        params={"count": 500, "offset": 0, "fromdate": day.isoformat(), "todate": day.isoformat()},
    ).json()
    assert whole["TotalCount"] > 0
    times = sorted(m["ReceivedAt"] for m in whole["Messages"])
    # Every message of the day falls on the same Eastern date (mail goes out 06-20 UTC).
    assert all(t.startswith(day.isoformat()) for t in times)
    first = times[0][:19]  # Eastern wall time of the earliest message on that page
    after = pm.get(
        "/messages/outbound",
        params={"count": 1, "offset": 0, "fromdate": first, "todate": f"{day}T23:59:59"},
    ).json()
    assert 0 < after["TotalCount"] <= whole["TotalCount"]
    late = pm.get(
        "/messages/outbound",
        params={
            "count": 1,
            "offset": 0,
            "fromdate": f"{day}T19:00:00",
            "todate": f"{day}T23:59:59",
        },
    ).json()
    assert late["TotalCount"] == 0  # 19:00 Eastern is past 23:00 UTC: no mail then


def test_messages_and_details(pm: httpx.Client) -> None:
    page = pm.get(
        "/messages/outbound", params={"count": 5, "offset": 0, "messagestream": "outbound"}
    ).json()
    assert page["TotalCount"] > 0 and len(page["Messages"]) == 5
    message = page["Messages"][0]
    details = pm.get(f"/messages/outbound/{message['MessageID']}/details").json()
    assert details["MessageID"] == message["MessageID"]
    types = {e["Type"] for e in details["MessageEvents"]}
    assert types & {"Delivered", "Bounced"}
    r = pm.get("/messages/outbound/00000000-0000-4000-8000-000000000000/details")
    assert r.status_code == 422 and r.json()["ErrorCode"] == 701
