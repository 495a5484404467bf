"""SendGrid's report traffic and connection probes over respx: ``/v3/stats`` by day,
``/v3/categories/stats`` per tag, bounce and block reasons where the key may read them,
and the probes (key, scopes, region, domains, sender, webhooks)."""

from __future__ import annotations

from datetime import date
from typing import Any

import httpx
import respx

from espctl.model.traffic import TrafficQuery
from tests.providers.helpers import run
from tests.providers.sendgrid.conftest import ALL, OURS, SCOPES, SG, SG_EU, api, body, hook

QUERY = TrafficQuery(
    start=date(2026, 11, 1),
    end=date(2026, 11, 3),
    history_start=date(2026, 10, 30),
    tags=("welcome", "receipt"),
)


def metrics(**values: int) -> dict[str, int]:
    return {"processed": 0, "delivered": 0, "bounces": 0, "blocks": 0, **values}


def day(when: str, **values: int) -> dict[str, Any]:
    return {"date": when, "stats": [{"metrics": metrics(**values)}]}


@respx.mock
def test_traffic_reads_stats_by_day_categories_and_reasons() -> None:
    stats = respx.get(f"{SG}/v3/stats").mock(
        return_value=httpx.Response(
            200,
            json=[
                day("2026-10-30", processed=10, delivered=9, bounces=1),
                day(
                    "2026-11-01",
                    processed=100,
                    delivered=90,
                    bounces=3,
                    blocks=2,
                    spam_reports=1,
                    unique_opens=40,
                    unique_clicks=8,
                    unsubscribes=1,
                    deferred=5,
                    bounce_drops=2,
                    invalid_emails=1,
                ),
            ],
        )
    )
    categories = respx.get(f"{SG}/v3/categories/stats").mock(
        side_effect=lambda request: httpx.Response(
            200 if request.url.params["categories"] == "welcome" else 404,
            json=[
                {
                    "date": "2026-11-01",
                    "stats": [
                        {"type": "category", "name": "welcome", "metrics": metrics(processed=7)}
                    ],
                }
            ]
            if request.url.params["categories"] == "welcome"
            else {"errors": [{"message": "category does not exist", "field": "categories"}]},
        )
    )
    bounces = respx.get(f"{SG}/v3/suppression/bounces").mock(
        return_value=httpx.Response(
            200,
            json=[
                {
                    "email": "a@x.org",
                    "created": 1793577600,
                    "reason": "550 5.1.1 no such user",
                    "status": "5.1.1",
                },
                {
                    "email": "b@x.org",
                    "created": 1793577601,
                    "reason": "550 5.1.1 no such user",
                    "status": "5.1.1",
                },
            ],
        )
    )
    respx.get(f"{SG}/v3/suppression/blocks").mock(
        return_value=httpx.Response(403, json={"errors": [{"message": "access forbidden"}]})
    )
    data = run(api().read_traffic(QUERY))
    assert dict(stats.calls[0].request.url.params) == {
        "start_date": "2026-10-30",
        "end_date": "2026-11-02",  # SendGrid's end date is inclusive; the query's is not
        "aggregated_by": "day",
    }
    series = data.buckets["account"]
    assert series[date(2026, 11, 1)] == {
        "sent": 100,
        "delivered": 90,
        "hard_bounced": 3,
        "soft_bounced": 2,
        "complained": 1,
        "opened_unique": 40,
        "clicked_unique": 8,
        "unsubscribed": 1,
        "deferred": 5,
        "rejected": 3,
    }
    assert categories.call_count == 2
    assert data.tags == {"welcome": {**dict.fromkeys(series[date(2026, 11, 1)], 0), "sent": 7}}
    assert data.unread_tags == ("receipt",)
    assert [f.unit for f in data.failures] == ["tag receipt"]
    assert dict(bounces.calls[0].request.url.params)["limit"] == "500"
    (sample,) = data.reason_samples
    assert sample.kind == "permanent" and sample.sampled == 2
    assert sample.reasons[0].smtp_code == 550 and sample.reasons[0].count == 2
    assert any("/v3/suppression/blocks not readable" in n for n in data.notes)
    assert any("first-attempt" in n for n in data.notes)


@respx.mock
def test_a_subuser_traffic_bucket_is_the_subuser() -> None:
    respx.get(f"{SG}/v3/stats").mock(return_value=httpx.Response(200, json=[]))
    for path in ("bounces", "blocks"):
        respx.get(f"{SG}/v3/suppression/{path}").mock(return_value=httpx.Response(200, json=[]))
    data = run(
        api(subuser="marketing").read_traffic(
            QUERY.__class__(start=QUERY.start, end=QUERY.end, history_start=QUERY.history_start)
        )
    )
    assert list(data.buckets) == ["marketing"]


@respx.mock
def test_probes_name_missing_scopes_domains_and_webhooks() -> None:
    respx.get(f"{SG_EU}/v3/scopes").mock(
        return_value=httpx.Response(200, json={"scopes": ["user.webhooks.event.settings.read"]})
    )
    respx.get(f"{SG_EU}/v3/user/webhooks/event/settings/all").mock(
        return_value=httpx.Response(
            200, json={"max_allowed": 5, "webhooks": [hook(public_key="PK", open=True)]}
        )
    )
    respx.get(f"{SG_EU}/v3/whitelabel/domains").mock(return_value=httpx.Response(200, json=[]))
    client = api(region="eu", tracking={"opens": True}, domains=["em.acme-mail.com"])
    probes = {p.name: p for p in run(client.probe())}
    key = probes["api key"]
    assert not key.ok
    assert key.detail == (
        "accepted (EU region), but the key lacks scopes: tracking_settings.open.read, "
        "tracking_settings.open.update, whitelabel.read"
    )
    assert not probes["domains"].ok
    assert "em.acme-mail.com is not an authenticated domain" in probes["domains"].detail
    hooks = probes["event webhooks"]
    assert hooks.ok and "signed, public key PK" in hooks.detail
    assert "espctl test --webhooks also asks SendGrid to send its own test event" in hooks.detail


@respx.mock
def test_a_rejected_key_probe_names_the_region() -> None:
    respx.get(f"{SG}/v3/scopes").mock(
        return_value=httpx.Response(
            401, json={"errors": [{"field": None, "message": "authorization required"}]}
        )
    )
    respx.get(ALL).mock(return_value=httpx.Response(401))
    probes = {p.name: p for p in run(api().probe())}
    key = probes["api key"]
    assert not key.ok and "try `region: eu`" in (key.cause or "")
    assert "canary" not in key.detail and "canary" not in (key.cause or "")
    assert SCOPES  # the full list is what the other tests grant


@respx.mock
def test_a_failing_suppression_list_hides_only_its_reasons() -> None:
    respx.get(f"{SG}/v3/stats").mock(
        return_value=httpx.Response(200, json=[day("2026-11-01", processed=5, delivered=5)])
    )
    respx.get(f"{SG}/v3/suppression/bounces").mock(
        return_value=httpx.Response(200, json={"errors": [{"message": "not a list"}]})
    )
    respx.get(f"{SG}/v3/suppression/blocks").mock(return_value=httpx.Response(200, json=[]))
    query = TrafficQuery(start=QUERY.start, end=QUERY.end, history_start=QUERY.history_start)
    data = run(api().read_traffic(query))
    assert data.buckets["account"][date(2026, 11, 1)]["delivered"] == 5
    assert [(f.unit, f.what) for f in data.failures] == [("bounces list", "reasons")]
    assert "not a list of suppressions" in data.failures[0].error
    (sample,) = data.reason_samples
    assert sample.kind == "temporary" and sample.sampled == 0


@respx.mock
def test_send_test_events_posts_the_live_id_and_the_url_sendgrid_holds() -> None:
    """``POST /v3/user/webhooks/event/test``: ``{"url", "id"}`` for a live webhook (basic
    auth as userinfo), ``{"url"}`` for one not live; 204 is success; POST never retried."""
    from espctl.model.common import BasicAuth, Event, Secret
    from espctl.providers.kit.spec import WebhookBinding
    from espctl.providers.sendgrid.resources import desired_resources

    respx.get(ALL).mock(
        return_value=httpx.Response(200, json={"max_allowed": 5, "webhooks": [hook(open=True)]})
    )
    test = respx.post(f"{SG}/v3/user/webhooks/event/test").mock(
        side_effect=[httpx.Response(204), httpx.Response(500, json={"errors": [{"message": "x"}]})]
    )
    client = api()
    bindings = [
        WebhookBinding(
            "events",
            "",
            OURS,
            (Event.opened,),
            BasicAuth(username="esp", password=Secret("pw-9")),
            (),
            None,
        ),
        WebhookBinding("new", "", "https://new.example.com/h", (Event.opened,), None, (), None),
    ]
    desired = desired_resources("sg", client.block, bindings)
    results = {p.name: p for p in run(client.send_test_events(desired))}
    sent = [body(call.request) for call in test.calls]
    assert len(sent) == 2  # one each, the failed one not retried
    assert {"url": "https://esp:pw-9@hooks.acme-mail.com/esp/events", "id": "wh-1"} in sent
    assert {"url": "https://new.example.com/h"} in sent
    assert sum(p.ok for p in results.values()) == 1
    assert all("pw-9" not in p.detail for p in results.values())


@respx.mock
def test_the_legacy_webhooks_test_event_goes_by_url_and_claims_no_signature() -> None:
    """The legacy single webhook has no id to name: its test is sent by URL, and the
    result never says it is signed (SendGrid does not document whether it is)."""
    from espctl.model.common import Event
    from espctl.providers.kit.spec import WebhookBinding
    from espctl.providers.sendgrid.resources import desired_resources

    legacy = hook(id=None, public_key="PK", friendly_name=None, open=True)
    respx.get(ALL).mock(
        return_value=httpx.Response(200, json={"max_allowed": 1, "webhooks": [legacy]})
    )
    test = respx.post(f"{SG}/v3/user/webhooks/event/test").mock(return_value=httpx.Response(204))
    client = api()
    binding = WebhookBinding("events", "", OURS, (Event.opened,), None, (), None)
    desired = desired_resources("sg", client.block, [binding])
    (result,) = run(client.send_test_events(desired))
    assert [body(call.request) for call in test.calls] == [{"url": OURS}]
    assert result.ok and result.facts["signed"] is False
    assert "by URL (the legacy webhook has no id" in result.detail
    assert "(signed)" not in result.detail
