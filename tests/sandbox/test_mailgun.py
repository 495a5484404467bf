"""Mailgun endpoints: success shapes and documented errors, in process."""

from __future__ import annotations

import httpx
import pytest

from espctl.sandbox import SandboxApp, SandboxTransport

EU_DOMAINS = {
    "mg.acme-mail.com",
    "news.acme-mail.com",
    "alerts.acme-mail.com",
    "legacy.acme-mail.com",
}


def test_auth(app: SandboxApp) -> None:
    client = httpx.Client(transport=SandboxTransport(app), base_url="https://api.eu.mailgun.net")
    for auth in (None, ("api", "wrong"), ("user", "sandbox-mailgun-api-key")):
        r = client.get("/v4/domains", auth=auth) if auth else client.get("/v4/domains")
        assert r.status_code == 401 and r.text == "Forbidden"
        assert r.headers["content-type"].startswith("text/plain")


def test_domains_and_regions(mg: httpx.Client, mg_us: httpx.Client) -> None:
    listed = mg.get("/v4/domains").json()
    assert {d["name"] for d in listed["items"]} == EU_DOMAINS
    assert listed["total_count"] == 4
    us = mg_us.get("/v4/domains").json()["items"]
    assert len(us) == 1 and us[0]["type"] == "sandbox" and us[0]["name"].endswith(".mailgun.org")
    r = mg_us.get("/v4/domains/mg.acme-mail.com")
    assert r.status_code == 404 and r.json() == {"message": "Domain not found"}
    news = mg.get("/v4/domains/news.acme-mail.com").json()
    assert news["domain"]["state"] == "unverified"
    assert {rec["valid"] for rec in news["sending_dns_records"]} == {"unknown"}
    mgd = mg.get("/v4/domains/mg.acme-mail.com").json()
    assert mgd["domain"]["state"] == "active"
    assert {rec["valid"] for rec in mgd["sending_dns_records"]} == {"valid"}
    paged = mg.get("/v4/domains", params={"limit": 2, "skip": 1, "sort": "name"}).json()
    assert [d["name"] for d in paged["items"]] == ["legacy.acme-mail.com", "mg.acme-mail.com"]
    assert mg.get("/v4/domains", params={"state": "unverified"}).json()["total_count"] == 1
    assert mg.get("/v4/domains", params={"limit": 1001}).status_code == 400


def test_eu_prefix_on_other_host(app: SandboxApp) -> None:
    client = httpx.Client(
        transport=SandboxTransport(app),
        base_url="http://127.0.0.1:9",
        auth=("api", "sandbox-mailgun-api-key"),
    )
    assert client.get("/eu/v4/domains/mg.acme-mail.com").status_code == 200
    assert client.get("/v4/domains/mg.acme-mail.com").status_code == 404


def test_unknown_path_magnificent(mg: httpx.Client) -> None:
    r = mg.get("/v3/nowhere/at/all/really")
    assert r.status_code == 200 and r.text == "Mailgun Magnificent API"


def test_tracking_get_and_put(mg: httpx.Client) -> None:
    t = mg.get("/v3/domains/mg.acme-mail.com/tracking").json()["tracking"]
    assert t["click"] == {"active": "htmlonly"} and t["open"]["active"] is True
    r = mg.put("/v3/domains/mg.acme-mail.com/tracking/click", data={"active": "true"})
    assert r.json() == {
        "message": "Domain tracking settings have been updated",
        "click": {"active": True},
    }
    r = mg.put(
        "/v3/domains/mg.acme-mail.com/tracking/open", files={"active": (None, "no")}
    )  # multipart
    assert r.json()["open"] == {"active": False, "place_at_the_top": False}
    r = mg.put(
        "/v3/domains/news.acme-mail.com/tracking/unsubscribe",
        data={"text_footer": "\n\nUnsubscribe: %unsubscribe_url%\n"},
    )
    unsub = r.json()["unsubscribe"]
    assert unsub["active"] is True and unsub["text_footer"].startswith("\n\nUnsubscribe")
    assert (
        mg.put("/v3/domains/news.acme-mail.com/tracking/click", data={"active": "htmlonly"}).json()[
            "click"
        ]["active"]
        == "htmlonly"
    )
    bad = mg.put("/v3/domains/mg.acme-mail.com/tracking/open", data={"active": "htmlonly"})
    assert bad.status_code == 400 and "message" in bad.json()
    assert mg.get("/v3/domains/nope.example.com/tracking").status_code == 404


def test_webhooks_crud(mg: httpx.Client) -> None:
    base = "/v3/domains/mg.acme-mail.com/webhooks"
    listed = mg.get(base).json()["webhooks"]
    assert listed["opened"]["urls"] == [
        "https://hooks.acme-mail.com/esp/events",
        "https://analytics.acme-mail.com/mailgun/opens",
    ]
    assert "clicked" not in listed
    urls = ["https://a.example.com/1", "https://b.example.com/2"]
    r = mg.post(base, data={"id": "clicked", "url": urls})
    assert r.json() == {"message": "Webhook has been created", "webhook": {"urls": urls}}
    assert mg.get(f"{base}/clicked").json() == {"webhook": {"urls": urls}}
    r = mg.put(f"{base}/clicked", files=[("url", (None, "https://c.example.com/3"))])
    assert r.json()["webhook"]["urls"] == ["https://c.example.com/3"]
    r = mg.delete(f"{base}/clicked")
    assert r.json()["message"] == "Webhook has been deleted"
    assert mg.get(f"{base}/clicked").status_code == 404


@pytest.mark.parametrize(
    ("data", "status", "key"),
    [
        ({"id": "opened", "url": "https://x.example.com"}, 400, "Reason"),  # exists
        ({"id": "clicked"}, 400, "Reason"),
        ({"id": "clicked", "url": [f"https://{n}.example.com" for n in "abcd"]}, 400, "Reason"),
        ({"id": "clicked", "url": "ftp://x"}, 400, "Reason"),
        ({"id": "bogus", "url": "https://x.example.com"}, 400, "Reason"),
    ],
)
def test_webhook_errors(mg: httpx.Client, data: dict[str, object], status: int, key: str) -> None:
    r = mg.post("/v3/domains/mg.acme-mail.com/webhooks", data=data)
    assert r.status_code == status and key in r.json()


def test_webhook_missing(mg: httpx.Client) -> None:
    assert (
        mg.put(
            "/v3/domains/mg.acme-mail.com/webhooks/clicked", data={"url": "https://x.example.com"}
        ).status_code
        == 404
    )
    assert mg.get("/v3/domains/nope.example.com/webhooks").json() == {"message": "Domain not found"}


def test_metrics(app: SandboxApp, mg: httpx.Client) -> None:
    body = {
        "dimensions": ["time"],
        "metrics": ["accepted_count", "delivered_rate"],
        "end": "Sat, 01 Jun 2024 00:00:00 +0000",
        "duration": "30d",
        "include_aggregates": True,
    }
    r = mg.post("/v1/analytics/metrics", json=body).json()
    assert len(r["items"]) == 30 and r["pagination"]["total"] == 30
    first = r["items"][0]
    assert first["dimensions"][0]["dimension"] == "time"
    assert isinstance(first["metrics"]["accepted_count"], int)
    rate = first["metrics"]["delivered_rate"]
    assert isinstance(rate, str) and len(rate.split(".")[1]) == 4
    truth = app.traffic.total("mailgun")
    assert r["aggregates"]["metrics"]["accepted_count"] == sum(
        c.sent for d, c in app.traffic.daily("mailgun").items() if d.isoformat() >= "2024-05-02"
    )
    assert truth.sent > 0
    by_tag = mg.post(
        "/v1/analytics/metrics",
        json={
            "dimensions": ["domain", "tag"],
            "metrics": ["accepted_count"],
            "duration": "90d",
            "filter": {
                "AND": [
                    {
                        "attribute": "tag",
                        "comparator": "=",
                        "values": [{"label": "digest", "value": "digest"}],
                    }
                ]
            },
        },
    ).json()
    assert [[d["value"] for d in i["dimensions"]] for i in by_tag["items"]] == [
        ["news.acme-mail.com", "digest"]
    ]
    assert (
        by_tag["items"][0]["metrics"]["accepted_count"]
        == app.traffic.total("mailgun", "news.acme-mail.com", "digest").sent
    )
    paged = mg.post(
        "/v1/analytics/metrics",
        json={
            "dimensions": ["tag"],
            "metrics": ["accepted_count"],
            "duration": "90d",
            "pagination": {"skip": 2, "limit": 2},
        },
    ).json()
    assert paged["pagination"]["total"] == 7 and len(paged["items"]) == 2
    hourly = mg.post(
        "/v1/analytics/metrics",
        json={
            "dimensions": ["time"],
            "metrics": ["accepted_count"],
            "resolution": "hour",
            "duration": "1d",
        },
    ).json()
    assert len(hourly["items"]) == 24
    assert mg.post("/v1/analytics/metrics", json={"metrics": ["nope"]}).status_code == 400
    assert mg.post("/v1/analytics/metrics", content=b"{").status_code == 400


def test_stats_total(app: SandboxApp, mg: httpx.Client) -> None:
    r = mg.get(
        "/v3/news.acme-mail.com/stats/total",
        params=[("event", "accepted"), ("event", "failed"), ("duration", "90d")],
    ).json()
    assert len(r["stats"]) == 90
    assert (
        sum(s["accepted"]["total"] for s in r["stats"])
        == app.traffic.total("mailgun", "news.acme-mail.com").sent
    )
    assert set(r["stats"][0]) == {"time", "accepted", "failed"}
    assert mg.get("/v3/news.acme-mail.com/stats/total").status_code == 400


def test_events_paging_and_truth(app: SandboxApp, mg: httpx.Client) -> None:
    url = "/v3/mg.acme-mail.com/events?limit=300&ascending=yes"
    seen: list[dict[str, object]] = []
    pages = 0
    while True:
        page = mg.get(url).json()
        assert page["paging"]["next"].startswith(
            "https://api.eu.mailgun.net/v3/mg.acme-mail.com/events/"
        )
        if not page["items"]:
            break
        seen.extend(page["items"])
        url = page["paging"]["next"]
        pages += 1
    assert pages >= 2
    stamps = [float(e["timestamp"]) for e in seen]  # type: ignore[arg-type]
    assert stamps == sorted(stamps)
    days = app.traffic.days[-2:]
    truth = app.traffic.total("mailgun", "mg.acme-mail.com", start=days[0], end=days[-1])
    assert sum(e["event"] == "accepted" for e in seen) == truth.sent
    assert sum(e["event"] == "delivered" for e in seen) == truth.delivered
    assert sum(e["event"] == "opened" for e in seen) == truth.opened
    assert sum(e.get("severity") == "temporary" for e in seen) == truth.deferred
    failed = mg.get(
        "/v3/mg.acme-mail.com/events", params={"event": "failed", "severity": "permanent"}
    ).json()
    assert failed["items"] and {e["event"] for e in failed["items"]} == {"failed"}
    assert mg.get("/v3/mg.acme-mail.com/events", params={"limit": 301}).status_code == 400
    assert mg.get("/v3/mg.acme-mail.com/events/notatoken").status_code == 400
