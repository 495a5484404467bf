"""Fidelity: Mailgun responses and requests validate against the official OpenAPI spec,
and generated events have the shape of real webhook payloads.

Reads ../shared (next to the checkout); skipped with a reason when it is absent.
"""

from __future__ import annotations

import json
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml
from referencing import Registry
from referencing.jsonschema import DRAFT202012

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SPEC = SHARED / "api-specs" / "mailgun" / "openapi.yaml"
SAMPLES = SHARED / "samples"

pytestmark = [
    pytest.mark.spec,
    pytest.mark.skipif(not SPEC.exists(), reason=f"Mailgun OpenAPI spec not found at {SPEC}"),
]


@cache
def spec() -> dict[str, Any]:
    loaded: dict[str, Any] = yaml.safe_load(SPEC.read_text())
    return loaded


def validator(schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    root = spec()
    registry: Registry[Any] = Registry().with_resource(
        "urn:mailgun", DRAFT202012.create_resource(root)
    )
    # Rewrite local refs to the registered document.
    text = json.dumps(schema).replace('"#/components/', '"urn:mailgun#/components/')
    return jsonschema.Draft202012Validator(json.loads(text), registry=registry)


def response_schema(path: str, method: str, status: str = "200") -> dict[str, Any]:
    op = spec()["paths"][path][method]
    schema: dict[str, Any] = op["responses"][status]["content"]["application/json"]["schema"]
    return schema


def request_schema(path: str, method: str, media: str) -> dict[str, Any]:
    op = spec()["paths"][path][method]
    schema: dict[str, Any] = op["requestBody"]["content"][media]["schema"]
    return schema


def check(path: str, method: str, body: Any, status: str = "200") -> None:
    errors = list(validator(response_schema(path, method, status)).iter_errors(body))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


def test_domains_responses(mg: httpx.Client) -> None:
    check("/v4/domains", "get", mg.get("/v4/domains").json())
    for name in ("mg.acme-mail.com", "news.acme-mail.com", "legacy.acme-mail.com"):
        check("/v4/domains/{name}", "get", mg.get(f"/v4/domains/{name}").json())
    check("/v4/domains/{name}", "get", mg.get("/v4/domains/nope.example.com").json(), "404")


def test_tracking_responses(mg: httpx.Client) -> None:
    path = "/v3/domains/{name}/tracking"
    body = mg.get("/v3/domains/news.acme-mail.com/tracking").json()
    # The spec types click.active as boolean; ESP-API.md 2.5 documents that the real API
    # returns "htmlonly" for HTML-only tracking. We follow ESP-API.md, so the spec check
    # runs on the boolean form and the htmlonly form is asserted separately.
    assert body["tracking"]["click"]["active"] == "htmlonly"
    mg.put("/v3/domains/news.acme-mail.com/tracking/click", data={"active": "true"})
    check(path, "get", mg.get("/v3/domains/news.acme-mail.com/tracking").json())
    for kind, data in (
        ("open", {"active": "yes", "place_at_the_top": "no"}),
        ("click", {"active": "false"}),
        ("unsubscribe", {"active": "true", "html_footer": "<p>x</p>"}),
    ):
        r = mg.put(f"/v3/domains/mg.acme-mail.com/tracking/{kind}", data=data)
        check(f"{path}/{kind}", "put", r.json())


def test_webhook_responses(mg: httpx.Client) -> None:
    base = "/v3/domains/mg.acme-mail.com/webhooks"
    check("/v3/domains/{domain}/webhooks", "get", mg.get(base).json())
    created = mg.post(base, data={"id": "clicked", "url": ["https://a.example.com/h"]})
    check("/v3/domains/{domain}/webhooks", "post", created.json())
    error = mg.post(base, data={"id": "clicked", "url": ["https://a.example.com/h"]})
    check("/v3/domains/{domain}/webhooks", "post", error.json(), "400")
    one = "/v3/domains/{domain_name}/webhooks/{webhook_name}"
    check(one, "get", mg.get(f"{base}/clicked").json())
    check(one, "put", mg.put(f"{base}/clicked", data={"url": "https://b.example.com"}).json())
    check(one, "delete", mg.delete(f"{base}/clicked").json())


def test_v4_webhook_responses(mg: httpx.Client) -> None:
    path = "/v4/domains/{domain}/webhooks"
    base = "/v4/domains/mg.acme-mail.com/webhooks"
    url = "https://v4.acme-mail.com/h"
    created = mg.post(base, data={"url": url, "event_types": ["clicked", "opened"]})
    check(path, "post", created.json())
    exists = mg.post(base, data={"url": url, "event_types": "clicked"})
    check(path, "post", exists.json(), "400")
    check(path, "put", mg.put(base, data={"url": url, "event_types": "delivered"}).json())
    refused = mg.put(base, data={"url": "https://intranet/x", "event_types": "opened"})
    check(path, "put", refused.json(), "400")
    check(path, "delete", mg.delete(base, params={"url": url}).json())
    # The spec's own examples disagree with its error schemas here: the 404 of PUT shows
    # {"Description": "Webhook not found"} under a schema requiring "message", the 400 of
    # DELETE {"Field": "url"} under one requiring "Reason". The sandbox answers the
    # examples (ESP-API.md 2.2 lists both bodies).
    op = spec()["paths"][path]
    missing = mg.put(base, data={"url": "https://none.acme-mail.com", "event_types": "opened"})
    assert (
        missing.json()
        == op["put"]["responses"]["404"]["content"]["application/json"]["examples"]["Example"][
            "value"
        ]
    )
    no_url = mg.delete(base)
    assert (
        no_url.json()
        == op["delete"]["responses"]["400"]["content"]["application/json"]["examples"]["Example"][
            "value"
        ]
    )
    check(path, "delete", mg.delete("/v4/domains/nope.example.com/webhooks?url=x").json(), "404")


def test_metrics_stats_events_responses(mg: httpx.Client) -> None:
    body = {
        "dimensions": ["time", "tag"],
        "metrics": ["accepted_count", "delivered_count", "opened_rate", "bounce_rate"],
        "duration": "7d",
        "include_aggregates": True,
    }
    check("/v1/analytics/metrics", "post", mg.post("/v1/analytics/metrics", json=body).json())
    stats = mg.get(
        "/v3/mg.acme-mail.com/stats/total",
        params=[
            ("event", e)
            for e in (
                "accepted",
                "delivered",
                "failed",
                "opened",
                "clicked",
                "unsubscribed",
                "complained",
                "stored",
            )
        ],
    )
    check("/v3/{domain}/stats/total", "get", stats.json())
    events = mg.get("/v3/news.acme-mail.com/events", params={"limit": 300}).json()
    assert events["items"]
    check("/v3/{domain_name}/events", "get", events)


def _request_valid(schema: dict[str, Any], fields: dict[str, Any]) -> None:
    errors = list(validator(schema).iter_errors(fields))
    assert not errors, [e.message for e in errors]


def _typed(schema: dict[str, Any], form: dict[str, str]) -> dict[str, Any]:
    """Form values are strings on the wire; coerce the ones the schema types as boolean."""
    props = schema.get("properties", {})
    return {
        k: (v in ("true", "yes")) if props.get(k, {}).get("type") == "boolean" else v
        for k, v in form.items()
    }


def test_requests_espctl_sends_validate() -> None:
    mp = "multipart/form-data"
    for kind, form in (
        ("open", {"active": "true", "place_at_the_top": "false"}),
        ("click", {"active": "htmlonly"}),
        ("unsubscribe", {"active": "true", "html_footer": "<p>u</p>", "text_footer": "u"}),
    ):
        schema = spec()["components"]["schemas"][
            request_schema(f"/v3/domains/{{name}}/tracking/{kind}", "put", mp)["$ref"].split("/")[
                -1
            ]
        ]
        _request_valid(schema, _typed(schema, form))
    # Repeated url fields: each value must satisfy the spec's (single) url property.
    for path, method, form in (
        ("/v3/domains/{domain}/webhooks", "post", {"id": "delivered"}),
        ("/v3/domains/{domain_name}/webhooks/{webhook_name}", "put", {}),
    ):
        schema = request_schema(path, method, mp)
        for url in ("https://hooks.acme-mail.com/esp/events", "https://x.example.com/h"):
            _request_valid(schema, {**form, "url": url})
    # v4 webhooks: urlencoded, one url, event_types repeated (each value a valid type)
    for method in ("post", "put"):
        schema = spec()["components"]["schemas"][
            request_schema(
                "/v4/domains/{domain}/webhooks", method, "application/x-www-form-urlencoded"
            )["$ref"].split("/")[-1]
        ]
        for event in ("delivered", "permanent_fail"):
            _request_valid(
                schema,
                {"url": "https://esp:pw@hooks.acme-mail.com/esp/events", "event_types": event},
            )
    metrics = {
        "start": "Mon, 13 Nov 2023 20:56:50 -0600",
        "end": "Wed, 20 Dec 2023 20:56:50 -0600",
        "resolution": "day",
        "dimensions": ["time", "tag"],
        "metrics": ["accepted_count", "delivered_count", "opened_rate"],
        "filter": {
            "AND": [
                {
                    "attribute": "domain",
                    "comparator": "=",
                    "values": [{"label": "mg.acme-mail.com", "value": "mg.acme-mail.com"}],
                }
            ]
        },
        "include_aggregates": True,
    }
    _request_valid(request_schema("/v1/analytics/metrics", "post", "application/json"), metrics)


# --- generated events vs real webhook payloads ------------------------------------

_MG_PATHS = (
    ("event",),
    ("timestamp",),
    ("id",),
    ("recipient",),
    ("tags",),
    ("message", "headers", "message-id"),
    ("delivery-status", "code"),
    ("delivery-status", "message"),
    ("severity",),
    ("reason",),
)


def _get(data: dict[str, Any], path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return KeyError
        data = data[key]
    return data


@pytest.mark.skipif(not SAMPLES.exists(), reason=f"samples not found at {SAMPLES}")
def test_mailgun_events_shape_matches_samples(mg: httpx.Client) -> None:
    items = mg.get("/v3/mg.acme-mail.com/events", params={"limit": 300}).json()["items"]
    items += mg.get("/v3/mg.acme-mail.com/events", params={"event": "failed", "limit": 50}).json()[
        "items"
    ]
    ours = {(e["event"], e.get("severity")): e for e in items}
    compared = 0
    for sample_file in sorted((SAMPLES / "mailgun").glob("*.json")):
        sample = json.loads(sample_file.read_text())["event-data"]
        mine = ours.get((sample["event"], sample.get("severity")))
        if mine is None:
            continue
        compared += 1
        for path in _MG_PATHS:
            theirs, got = _get(sample, path), _get(mine, path)
            if theirs is KeyError:
                continue
            assert got is not KeyError, (sample_file.name, path)
            assert type(got) is type(theirs) or (
                isinstance(theirs, float) and isinstance(got, float)
            ), (sample_file.name, path)
    assert compared >= 4


@pytest.mark.skipif(not SAMPLES.exists(), reason=f"samples not found at {SAMPLES}")
def test_postmark_bounces_shape_matches_sample(pm: httpx.Client) -> None:
    sample = json.loads((SAMPLES / "postmark" / "symfony-bounce.json").read_text())
    bounce = pm.get("/bounces", params={"count": 1, "offset": 0, "type": "HardBounce"}).json()
    ours = bounce["Bounces"][0]
    assert set(ours) == set(sample)
    for key, value in sample.items():
        assert type(ours[key]) is type(value), key
    datetime.fromisoformat(ours["BouncedAt"])


@pytest.mark.skipif(not SAMPLES.exists(), reason=f"samples not found at {SAMPLES}")
def test_postmark_message_events_shape(pm: httpx.Client) -> None:
    delivery = json.loads((SAMPLES / "postmark" / "symfony-delivery.json").read_text())
    msg = pm.get("/messages/outbound", params={"count": 1, "offset": 0}).json()["Messages"][0]
    details = pm.get(f"/messages/outbound/{msg['MessageID']}/details").json()
    assert type(details["MessageID"]) is type(delivery["MessageID"])
    assert type(details["Tag"]) is type(delivery["Tag"])
    assert details["MessageStream"] in ("outbound", "newsletters", "legacy-alerts")
    for event in details["MessageEvents"]:
        assert set(event) == {"Recipient", "Type", "ReceivedAt", "Details"}
        assert type(event["Recipient"]) is type(delivery["Recipient"])
        datetime.fromisoformat(event["ReceivedAt"])
