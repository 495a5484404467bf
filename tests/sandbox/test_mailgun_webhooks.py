"""The sandbox's Mailgun webhooks: v4 per URL, v1 account level, and what Mailgun refuses.

v3, v4 and v1 are views of one account: a URL written with one is read with the others;
each refuses a fourth URL on an event and hosts that never resolve publicly, with the
error body its documentation gives.
"""

from __future__ import annotations

import httpx
import pytest

from espctl.sandbox import SandboxApp

V3 = "/v3/domains/mg.acme-mail.com/webhooks"
V4 = "/v4/domains/mg.acme-mail.com/webhooks"
EVENTS = "https://hooks.acme-mail.com/esp/events"
OPENS = "https://analytics.acme-mail.com/mailgun/opens"
SEEDED = "https://ops-monitor.acme-mail.com/mailgun/failures"


def listing(mg: httpx.Client) -> dict[str, list[str]]:
    return {e: v["urls"] for e, v in mg.get(V3).json()["webhooks"].items()}


# -- v4 ---------------------------------------------------------------------------------------
def test_v4_create_adds_one_url_to_its_events_and_answers_the_whole_map(
    mg: httpx.Client,
) -> None:
    url = "https://new.acme-mail.com/h"
    r = mg.post(V4, data={"url": url, "event_types": ["opened", "clicked"]})
    assert r.status_code == 200
    assert r.json()["webhooks"]["opened"] == {"urls": [EVENTS, OPENS, url]}
    assert r.json()["webhooks"]["clicked"] == {"urls": [url]}
    assert r.json() == {"webhooks": {e: {"urls": u} for e, u in listing(mg).items()}}
    again = mg.post(V4, data={"url": url, "event_types": "clicked"})
    assert again.status_code == 400
    assert again.json() == {
        "Reason": f"Webhook for event type 'clicked' with URL '{url}' already exists"
    }


def test_v4_put_replaces_one_urls_events_and_leaves_the_others(mg: httpx.Client) -> None:
    r = mg.put(V4, data={"url": EVENTS, "event_types": ["clicked", "opened"]})
    assert r.status_code == 200
    hooks = listing(mg)
    assert hooks["opened"] == [EVENTS, OPENS]  # the other integration's URL untouched
    assert hooks["clicked"] == [EVENTS]
    assert "delivered" not in hooks and "complained" not in hooks  # only this URL was there
    missing = mg.put(V4, data={"url": "https://x.acme-mail.com", "event_types": "opened"})
    assert (missing.status_code, missing.json()) == (404, {"Description": "Webhook not found"})


def test_v4_delete_removes_urls_from_every_event(mg: httpx.Client) -> None:
    r = mg.delete(V4, params={"url": f"{EVENTS},{OPENS}"})
    assert r.status_code == 200 and r.json() == {"webhooks": {}}
    assert listing(mg) == {}
    assert mg.delete(V4, params={"url": EVENTS}).status_code == 404
    no_url = mg.delete(V4)
    assert (no_url.status_code, no_url.json()) == (400, {"Field": "url"})


def test_v4_refuses_a_fourth_url_all_or_nothing(mg: httpx.Client) -> None:
    assert mg.post(V4, data={"url": "https://c.acme-mail.com", "event_types": "opened"}).is_success
    r = mg.post(V4, data={"url": "https://d.acme-mail.com", "event_types": ["clicked", "opened"]})
    assert r.status_code == 400 and "Reason" in r.json()
    assert "clicked" not in listing(mg)  # nothing written
    assert len(listing(mg)["opened"]) == 3


def test_v4_event_types_repeated_or_comma_separated(mg: httpx.Client) -> None:
    url = "https://sdk.acme-mail.com/h"
    assert mg.post(V4, data={"url": url, "event_types": "accepted,delivered"}).is_success
    assert url in listing(mg)["accepted"] and url in listing(mg)["delivered"]
    bad = mg.post(V4, data={"url": "https://z.acme-mail.com", "event_types": "bounced"})
    assert bad.status_code == 400 and "invalid event type" in bad.json()["Reason"]


# -- what Mailgun refuses to save -------------------------------------------------------------
NEVER_RESOLVE = [
    "https://localhost/hook",
    "https://intranet/hook",
    "https://hooks.acme.invalid/x",
    "https://hooks.acme.test/x",
    "https://app.localhost/x",
    "https://printer.local/x",
    "http://127.0.0.1:9000/x",
    "https://10.1.2.3/x",
    "https://192.168.0.10/x",
    "https://169.254.169.254/latest",
    "https://[::1]/x",
    "https://[fd00::1]/x",
]


@pytest.mark.parametrize("url", NEVER_RESOLVE)
def test_every_webhook_write_refuses_hosts_that_never_resolve(mg: httpx.Client, url: str) -> None:
    reason = f"{url} is not a valid url: host not found"
    v3 = mg.post(V3, data={"id": "clicked", "url": url})
    assert (v3.status_code, v3.json()) == (400, {"Reason": reason})
    v3_put = mg.put(f"{V3}/opened", data={"url": [EVENTS, url]})
    assert (v3_put.status_code, v3_put.json()) == (400, {"Reason": reason})
    v4 = mg.post(V4, data={"url": url, "event_types": "clicked"})
    assert (v4.status_code, v4.json()) == (400, {"Reason": f"invalid parameters: {reason}"})
    v1 = mg.post("/v1/webhooks", data={"url": url, "event_types": "delivered"})
    assert (v1.status_code, v1.json()) == (400, {"message": reason})
    assert listing(mg)["opened"] == [EVENTS, OPENS]  # nothing written


def test_public_hosts_and_addresses_are_accepted(mg: httpx.Client) -> None:
    for url in ("https://hooks.example.com/x", "https://93.184.216.34/x"):
        assert mg.post(V4, data={"url": url, "event_types": "clicked"}).status_code == 200


# -- v1 account level ---------------------------------------------------------------------------
def test_account_webhooks_crud_with_documented_statuses(mg: httpx.Client) -> None:
    (seeded,) = mg.get("/v1/webhooks").json()["webhooks"]
    assert seeded["url"] == SEEDED and seeded["description"]
    assert set(seeded) == {"webhook_id", "description", "url", "event_types", "created_at"}
    created = mg.post(
        "/v1/webhooks",
        files=[
            ("url", (None, "https://all.acme-mail.com/mg")),
            ("event_types", (None, "delivered")),
            ("event_types", (None, "opened")),
            ("description", (None, "every delivery")),
        ],
    )
    assert created.status_code == 200 and set(created.json()) == {"webhook_id"}
    hook_id = created.json()["webhook_id"]
    one = mg.get(f"/v1/webhooks/{hook_id}").json()
    assert (one["url"], one["event_types"], one["description"]) == (
        "https://all.acme-mail.com/mg",
        ["delivered", "opened"],
        "every delivery",
    )
    assert one["created_at"].endswith("Z")  # RFC 3339
    put = mg.put(
        f"/v1/webhooks/{hook_id}",
        data={"url": "https://all.acme-mail.com/mg2", "event_types": "clicked"},
    )
    assert (put.status_code, put.content) == (204, b"")
    replaced = mg.get(f"/v1/webhooks/{hook_id}").json()
    assert (replaced["url"], replaced["event_types"], replaced["description"]) == (
        "https://all.acme-mail.com/mg2",
        ["clicked"],
        "",  # a full replace: the description omitted is gone
    )
    filtered = mg.get("/v1/webhooks", params={"webhook_ids": hook_id}).json()["webhooks"]
    assert [h["webhook_id"] for h in filtered] == [hook_id]
    assert mg.delete(f"/v1/webhooks/{hook_id}").status_code == 204
    gone = mg.get(f"/v1/webhooks/{hook_id}")
    assert (gone.status_code, gone.json()) == (404, {"Description": "Webhook not found"})
    assert mg.delete(f"/v1/webhooks/{hook_id}").status_code == 404


def test_account_webhooks_conflict_limit_and_bad_input(mg: httpx.Client) -> None:
    dup = mg.post("/v1/webhooks", data={"url": SEEDED, "event_types": "delivered"})
    assert dup.status_code == 409 and "Description" in dup.json()
    for n in "ab":
        url = f"https://{n}.acme-mail.com/fail"
        assert mg.post("/v1/webhooks", data={"url": url, "event_types": "complained"}).is_success
    fourth = mg.post(
        "/v1/webhooks", data={"url": "https://c.acme-mail.com/fail", "event_types": "complained"}
    )
    assert fourth.status_code == 400 and "message" in fourth.json()
    for data in ({"event_types": "opened"}, {"url": "https://e.acme-mail.com"}):
        r = mg.post("/v1/webhooks", data=data)
        assert r.status_code == 400 and "message" in r.json()


def test_account_webhooks_belong_to_one_region(mg: httpx.Client, mg_us: httpx.Client) -> None:
    assert mg_us.get("/v1/webhooks").json() == {"webhooks": []}
    (seeded,) = mg.get("/v1/webhooks").json()["webhooks"]
    assert mg_us.get(f"/v1/webhooks/{seeded['webhook_id']}").status_code == 404
    assert mg_us.delete("/v1/webhooks", params={"all": "true"}).status_code == 204
    assert len(mg.get("/v1/webhooks").json()["webhooks"]) == 1  # the EU one is untouched
    assert mg.delete("/v1/webhooks", params={"all": "true"}).status_code == 204
    assert mg.get("/v1/webhooks").json() == {"webhooks": []}


def test_click_tracking_read_as_the_spec_types_it(app: SandboxApp, mg: httpx.Client) -> None:
    """A switch for the UNCONFIRMED shape: GET answers a boolean for "htmlonly"."""
    domain = next(d for d in app.state.mailgun.domains if d.name == "mg.acme-mail.com")
    domain.tracking.click_reads_as_boolean = True
    tracking = mg.get("/v3/domains/mg.acme-mail.com/tracking").json()["tracking"]
    assert domain.tracking.click_active == "htmlonly"
    assert tracking["click"] == {"active": True}
