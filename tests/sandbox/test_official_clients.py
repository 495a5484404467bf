"""Fidelity: the official Mailgun SDK and the postmarker client talk to the served sandbox
unchanged, through the same base-URL overrides they offer for the real services.

These clients were written against the real APIs by other people; if they read and
write the sandbox correctly, the sandbox speaks the providers' wire format, not just
espctl's idea of it (ESP-API.md Part 3).
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from espctl.sandbox import SandboxApp, running_server, seed_account

mailgun_client = pytest.importorskip("mailgun.client", reason="the official mailgun SDK")
postmarker_core = pytest.importorskip("postmarker.core", reason="the postmarker client")

KEY = "sandbox-mailgun-api-key"
DOMAIN = "mg.acme-mail.com"


@pytest.fixture
def served() -> Iterator[tuple[SandboxApp, str]]:
    app = SandboxApp(seed_account(seed=0))
    with running_server(app) as base_url:
        yield app, base_url


def mg(base_url: str, key: str = KEY) -> Any:
    return mailgun_client.Client(auth=("api", key), api_url=f"{base_url}/eu")


def test_mailgun_sdk_reads_domains_tracking_webhooks(served: tuple[SandboxApp, str]) -> None:
    _, base = served
    client = mg(base)
    listing = client.domainlist.get()
    assert listing.status_code == 200
    assert DOMAIN in {d["name"] for d in listing.json()["items"]}
    detail = client.domains.get(domain_name=DOMAIN)
    assert detail.status_code == 200
    assert detail.json()["domain"]["name"] == DOMAIN
    tracking = client.domains_tracking.get(domain=DOMAIN).json()["tracking"]
    assert tracking["click"]["active"] == "htmlonly"
    hooks = client.domains_webhooks.get(domain=DOMAIN).json()["webhooks"]
    assert hooks["delivered"]["urls"] == ["https://hooks.acme-mail.com/esp/events"]


def test_mailgun_sdk_writes_land_in_the_account(served: tuple[SandboxApp, str]) -> None:
    app, base = served
    client = mg(base)
    assert (
        client.domains_tracking_click.put(domain=DOMAIN, data={"active": "yes"}).status_code == 200
    )
    assert (
        client.domains_tracking_unsubscribe.put(
            domain=DOMAIN, data={"active": "yes", "text_footer": "\n\nBye <%unsubscribe_url%>\n"}
        ).status_code
        == 200
    )
    created = client.domains_webhooks.create(
        domain=DOMAIN,
        data=[
            ("id", "clicked"),
            ("url", "https://a.acme-mail.com/c"),
            ("url", "https://b.acme-mail.com/c"),
        ],
    )
    assert created.status_code == 200
    assert created.json()["webhook"]["urls"] == [
        "https://a.acme-mail.com/c",
        "https://b.acme-mail.com/c",
    ]
    replaced = client.domains_webhooks.put(
        domain=DOMAIN, webhook_name="clicked", data=[("url", "https://c.acme-mail.com/c")]
    )
    assert replaced.status_code == 200
    domain = next(d for d in app.state.mailgun.domains if d.name == DOMAIN)
    assert domain.webhooks["clicked"] == ["https://c.acme-mail.com/c"]
    assert client.domains_webhooks.delete(domain=DOMAIN, webhook_name="clicked").status_code == 200
    assert "clicked" not in domain.webhooks
    tracking = client.domains_tracking.get(domain=DOMAIN).json()["tracking"]
    assert tracking["click"]["active"] is True
    assert tracking["unsubscribe"]["text_footer"] == "\n\nBye <%unsubscribe_url%>\n"


def test_mailgun_sdk_drives_v4_domain_webhooks(served: tuple[SandboxApp, str]) -> None:
    """mg-py routes a webhook write with ``event_types`` to v4 (``handle_webhooks``), but
    1.10's ``api_call`` takes ``data`` and ``filters`` before building the URL, so that
    upgrade never fires (it POSTs v4 bodies to v3, which answers 400 "id is required", as
    Mailgun would). Its own request machinery is driven here with the v4 base it builds."""
    app, base = served
    client = mg(base)
    endpoint = client.domains_webhooks
    v4 = {**endpoint._url, "base": endpoint._url["base"].replace("/v3/", "/v4/")}
    url = "https://sdk.acme-mail.com/hook"

    def call(method: str, **kwargs: Any) -> Any:
        return endpoint.api_call(
            endpoint._auth, method, v4, endpoint.headers, domain=DOMAIN, **kwargs
        )

    created = call("post", data={"url": url, "event_types": ["clicked", "opened"]})
    assert created.status_code == 200
    assert created.url == f"{base}/eu/v4/domains/{DOMAIN}/webhooks"
    domain = next(d for d in app.state.mailgun.domains if d.name == DOMAIN)
    assert domain.webhooks["clicked"] == [url]
    assert domain.webhooks["opened"][-1] == url
    assert call("put", data={"url": url, "event_types": ["delivered"]}).status_code == 200
    assert "clicked" not in domain.webhooks and url in domain.webhooks["delivered"]
    deleted = call("delete", filters={"url": url})
    assert deleted.status_code == 200
    assert all(url not in urls for urls in domain.webhooks.values())
    # the SDK's own routing, as shipped: the v4 body reaches v3, which refuses it
    refused = endpoint.create(domain=DOMAIN, data={"url": url, "event_types": ["clicked"]})
    assert refused.status_code == 400 and refused.json() == {"Reason": "id is required"}


def test_mailgun_sdk_drives_account_level_webhooks(served: tuple[SandboxApp, str]) -> None:
    app, base = served
    client = mg(base)
    (seeded,) = client.account_webhooks.get().json()["webhooks"]
    assert seeded["url"] == "https://ops-monitor.acme-mail.com/mailgun/failures"
    created = client.account_webhooks.create(
        data={
            "url": "https://sdk.acme-mail.com/all",
            "event_types": ["delivered", "opened"],
            "description": "from the SDK",
        }
    )
    assert created.status_code == 200
    hook_id = created.json()["webhook_id"]
    one = client.account_webhooks.get(webhook_id=hook_id).json()
    assert (one["url"], one["event_types"], one["description"]) == (
        "https://sdk.acme-mail.com/all",
        ["delivered", "opened"],
        "from the SDK",
    )
    replaced = client.account_webhooks.put(
        webhook_id=hook_id,
        data={"url": "https://sdk.acme-mail.com/all2", "event_types": ["clicked"]},
    )
    assert replaced.status_code == 204
    stored = next(h for h in app.state.mailgun.account_webhooks if h.id == hook_id)
    assert (stored.url, stored.event_types) == ("https://sdk.acme-mail.com/all2", ["clicked"])
    assert client.account_webhooks.delete(webhook_id=hook_id).status_code == 204
    assert client.account_webhooks.get(webhook_id=hook_id).status_code == 404
    refused = client.account_webhooks.create(
        data={"url": "https://hooks.acme.test/x", "event_types": ["delivered"]}
    )
    assert refused.status_code == 400
    assert refused.json() == {
        "message": "https://hooks.acme.test/x is not a valid url: host not found"
    }


def test_mailgun_sdk_events_paging_and_metrics(served: tuple[SandboxApp, str]) -> None:
    _, base = served
    client = mg(base)
    page = client.events.get(domain=DOMAIN, filters={"limit": 3}).json()
    assert len(page["items"]) == 3
    assert page["paging"]["next"].startswith(f"{base}/eu/v3/{DOMAIN}/events/")
    body = {
        "start": "Mon, 01 Jan 2024 00:00:00 +0000",
        "resolution": "day",
        "duration": "7d",
        "dimensions": ["time"],
        "metrics": ["delivered_count", "delivered_rate"],
        "filter": {
            "AND": [
                {
                    "attribute": "domain",
                    "comparator": "=",
                    "values": [{"label": DOMAIN, "value": DOMAIN}],
                }
            ]
        },
    }
    metrics = client.analytics_metrics.create(
        data=json.dumps(body), headers={"Content-Type": "application/json"}
    )
    assert metrics.status_code == 200
    item = metrics.json()["items"][0]
    assert isinstance(item["metrics"]["delivered_count"], int)
    assert isinstance(item["metrics"]["delivered_rate"], str)


def test_mailgun_sdk_sees_the_real_401(served: tuple[SandboxApp, str]) -> None:
    _, base = served
    response = mg(base, key="wrong").domainlist.get()
    assert response.status_code == 401
    assert response.text == "Forbidden"


def pm(base: str, token: str = "sandbox-postmark-server-token") -> Any:
    return postmarker_core.PostmarkClient(
        server_token=token,
        account_token="sandbox-postmark-account-token",
        root_api_url=f"{base}/",
    )


def test_postmarker_reads_and_edits_the_server(served: tuple[SandboxApp, str]) -> None:
    app, base = served
    client = pm(base)
    server = client.server.get()
    assert (server.Name, server.TrackOpens, server.TrackLinks) == ("Acme Production", False, "None")
    server.edit(TrackOpens=True, TrackLinks="HtmlAndText")
    assert (app.state.postmark.server.track_opens, app.state.postmark.server.track_links) == (
        True,
        "HtmlAndText",
    )


def test_postmarker_reads_bounces_stats_senders_domains(served: tuple[SandboxApp, str]) -> None:
    app, base = served
    client = pm(base)
    bounces = client.bounces.all(count=5)
    assert len(bounces) == 5 and all(b.ID for b in bounces)
    overview = client.stats.overview()
    assert overview["Sent"] == app.traffic.total(provider="postmark").sent
    sends = client.stats.sends()
    assert sum(day.get("Sent", 0) for day in sends["Days"]) == overview["Sent"]
    assert [s.EmailAddress for s in client.senders.all()] == [
        "noreply@acme-mail.com",
        "billing@acmeshop.net",
    ]
    assert [d.Name for d in client.domains.all()] == ["acme-mail.com", "acmeshop.net"]


def test_postmarker_sees_the_real_401(served: tuple[SandboxApp, str]) -> None:
    _, base = served
    exceptions = pytest.importorskip("postmarker.exceptions")
    with pytest.raises(exceptions.ClientError) as info:
        pm(base, token="wrong").server.get()
    assert info.value.error_code == 10  # Postmark's "bad or missing API token"


def test_postmarker_sees_the_default_streams_and_the_httpauth_rules(
    served: tuple[SandboxApp, str],
) -> None:
    """postmarker has no stream or webhook managers; its generic ``call`` reaches them
    as it reaches every Postmark endpoint."""
    app, base = served
    exceptions = pytest.importorskip("postmarker.exceptions")
    client = pm(base)
    streams = client.call("GET", "/message-streams")["MessageStreams"]
    defaults = [(s["ID"], s["MessageStreamType"]) for s in streams][:3]
    assert defaults == [
        ("outbound", "Transactional"),
        ("inbound", "Inbound"),
        ("broadcast", "Broadcasts"),
    ]
    hook = client.call("POST", "/webhooks", data={"Url": "https://hooks.example.com/pmk"})
    assert hook["HttpAuth"] == {"Username": None, "Password": None}
    with pytest.raises(exceptions.ClientError) as info:
        client.call(
            "POST",
            "/webhooks",
            data={
                "Url": "https://hooks.example.com/e",
                "HttpAuth": {"Username": "", "Password": ""},
            },
        )
    assert info.value.error_code == 403
    assert [h.url for h in app.state.postmark.webhooks][-1] == "https://hooks.example.com/pmk"
