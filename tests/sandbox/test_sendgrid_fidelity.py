"""Fidelity: the SendGrid sandbox's responses validate against the official OpenAPI
files' response schemas, and espctl's SendGrid client's requests against their request
schemas (``../shared/api-specs/sendgrid/``; skipped with a reason when absent).

The files are OpenAPI 3.1 documents that still write ``nullable: true`` (a 3.0 word):
it is read as "or null", which is what it means in them.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import httpx
import jsonschema  # type: ignore[import-untyped]
import pytest
import yaml
from referencing import Registry
from referencing.jsonschema import DRAFT202012

from espctl import api
from espctl.sandbox import SandboxApp, SandboxTransport, running_server, seed_account
from espctl.sandbox.app import route_target
from espctl.sandbox.http import Request, Response
from tests.sandbox.conftest import NOW

SHARED = Path(__file__).resolve().parents[2].parent / "shared"
SPECS = SHARED / "api-specs" / "sendgrid"
KEY = {"Authorization": "Bearer SG.sandbox-sendgrid.api-key"}

pytestmark = [
    pytest.mark.spec,
    pytest.mark.skipif(
        not (SPECS / "tsg_webhooks_v3.yaml").exists(),
        reason=f"SendGrid OpenAPI files not found in {SPECS}",
    ),
]


def _nullable(node: Any) -> Any:
    if isinstance(node, dict):
        out = {k: _nullable(v) for k, v in node.items() if k != "nullable"}
        if node.get("nullable") is True and isinstance(out.get("type"), str):
            out["type"] = [out["type"], "null"]
        return out
    if isinstance(node, list):
        return [_nullable(v) for v in node]
    return node


@cache
def spec(name: str) -> dict[str, Any]:
    loaded: dict[str, Any] = _nullable(yaml.safe_load((SPECS / f"tsg_{name}_v3.yaml").read_text()))
    return loaded


def _validator(name: str, schema: dict[str, Any]) -> jsonschema.Draft202012Validator:
    uri = f"urn:sendgrid:{name}"
    registry: Registry[Any] = Registry().with_resource(uri, DRAFT202012.create_resource(spec(name)))
    text = json.dumps(schema).replace('"#/components/', f'"{uri}#/components/')
    return jsonschema.Draft202012Validator(json.loads(text), registry=registry)


def _resolve(name: str, node: dict[str, Any]) -> dict[str, Any]:
    while "$ref" in node:
        parts = node["$ref"].removeprefix("#/").split("/")
        found: Any = spec(name)
        for part in parts:
            found = found[part]
        node = found
    return node


def check(name: str, path: str, method: str, status: int, body: Any) -> None:
    """``body`` validates against the response schema of (path, method, status)."""
    op = spec(name)["paths"][path][method]
    response = _resolve(name, op["responses"][str(status)])
    schema = response["content"]["application/json"]["schema"]
    errors = list(_validator(name, schema).iter_errors(body))
    assert not errors, [f"{list(e.absolute_path)}: {e.message}" for e in errors[:5]]


@pytest.fixture
def sg() -> Iterator[httpx.Client]:
    app = SandboxApp(seed_account(seed=7, now=NOW))
    with httpx.Client(
        transport=SandboxTransport(app), base_url="https://api.sendgrid.com", headers=KEY
    ) as client:
        yield client


def test_scopes_tracking_domains_senders(sg: httpx.Client) -> None:
    check("scopes", "/v3/scopes", "get", 200, sg.get("/v3/scopes").json())
    unauthorized = sg.get("/v3/scopes", headers={"Authorization": "Bearer nope"})
    check("scopes", "/v3/scopes", "get", 401, unauthorized.json())
    for setting, body in (
        ("open", {"enabled": False}),
        ("click", {"enabled": True, "enable_text": False}),
        ("subscription", {"enabled": True, "replace": "[unsubscribe]"}),
        ("google_analytics", {"enabled": True, "utm_source": "espctl"}),
    ):
        path = f"/v3/tracking_settings/{setting}"
        check("tracking_settings", path, "get", 200, sg.get(path).json())
        check("tracking_settings", path, "patch", 200, sg.patch(path, json=body).json())
    domains = sg.get("/v3/whitelabel/domains", params={"limit": 1, "offset": 1}).json()
    assert [d["domain"] for d in domains] == ["links.acme-mail.com"]
    check("domain_authentication", "/v3/whitelabel/domains", "get", 200, domains)
    senders = sg.get("/v3/verified_senders").json()
    check("verified_senders", "/v3/verified_senders", "get", 200, senders)


def test_webhook_responses(sg: httpx.Client) -> None:
    base = "/v3/user/webhooks/event/settings"
    listing = sg.get(f"{base}/all").json()
    check("webhooks", f"{base}/all", "get", 200, listing)
    assert any("public_key" in h for h in listing["webhooks"])  # another tool's, signed
    url = "https://fidelity.example.com/hook"
    created = sg.post(base, json={"url": url, "delivered": True, "friendly_name": "f"})
    assert created.status_code == 201
    check("webhooks", base, "post", 201, created.json())
    again = sg.post(base, json={"url": url})
    check("webhooks", base, "post", 400, again.json())  # the spec's "Exists"
    ident = created.json()["id"]
    one = f"{base}/{{id}}"
    check("webhooks", one, "get", 200, sg.get(f"{base}/{ident}").json())
    patched = sg.patch(f"{base}/{ident}", json={"url": url, "bounce": True})
    check("webhooks", one, "patch", 200, patched.json())
    check("webhooks", one, "patch", 404, sg.patch(f"{base}/nope", json={"url": url}).json())
    signed = f"{base}/signed/{{id}}"
    on = sg.patch(f"{base}/signed/{ident}", json={"enabled": True})
    check("webhooks", signed, "patch", 200, on.json())
    assert on.json()["public_key"].startswith("MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAE")
    check("webhooks", signed, "get", 200, sg.get(f"{base}/signed/{ident}").json())
    off = sg.patch(f"{base}/signed/{ident}", json={"enabled": False}).json()
    assert off == {"id": ident, "public_key": ""}  # the spec's "Disabled" example
    assert sg.delete(f"{base}/{ident}").status_code == 204
    check("webhooks", one, "delete", 404, sg.delete(f"{base}/{ident}").json())
    tested = sg.post("/v3/user/webhooks/event/test", json={"url": url})
    assert (tested.status_code, tested.content) == (204, b"")


def test_stats_and_suppression_responses(sg: httpx.Client) -> None:
    window = {"start_date": "2024-05-01", "end_date": "2024-05-31", "aggregated_by": "day"}
    days = sg.get("/v3/stats", params=window).json()
    assert len(days) == 31
    check("stats", "/v3/stats", "get", 200, days)
    weeks = sg.get("/v3/stats", params={**window, "aggregated_by": "week"}).json()
    check("stats", "/v3/stats", "get", 200, weeks)
    cats = sg.get(
        "/v3/categories/stats", params={**window, "categories": ["promotion", "winback"]}
    ).json()
    check("stats", "/v3/categories/stats", "get", 200, cats)
    assert {s["name"] for d in cats for s in d["stats"]} == {"promotion", "winback"}
    for kind in ("bounces", "blocks"):
        path = f"/v3/suppression/{kind}"
        body = sg.get(path, params={"limit": 50}).json()
        assert len(body) == 50
        check("suppressions", path, "get", 200, body)


# -- the client's requests against the request schemas ------------------------------------
CONFIG = """\
version: 1
providers:
  sendgrid:
    type: sendgrid
    api_key: ${env:SENDGRID_API_KEY}
    endpoint: BASE/sendgrid
    tracking:
      opens: false
      clicks: {enabled: true, text: false}
      subscription: {enabled: true, html: "<p><% unsubscribe %></p>", replace_tag: "[u]"}
      google_analytics: {enabled: true, utm_source: espctl}
webhooks:
  events-collector:
    url: https://hooks.acme-mail.com/esp/events
    events: [delivered, bounced, dropped]
    targets: [sendgrid]
    basic_auth: {username: esp, password: "${env:HOOK_PASSWORD}"}
  signed-new:
    url: https://new.example.com/hook
    events: [opened, clicked]
    targets: [sendgrid]
    sendgrid: {signed: true}
policy: {unmanaged: prune, max_change_ratio: 1}
"""


def _templates(name: str) -> list[tuple[re.Pattern[str], str, str]]:
    return [
        (re.compile("^" + re.sub(r"\{[^}]+\}", "[^/]+", path) + "$"), path, name)
        for path in spec(name)["paths"]
    ]


def test_the_clients_requests_validate_against_the_request_schemas(tmp_path: Path) -> None:
    app = SandboxApp(seed_account(seed=0, now=NOW))
    seen: list[tuple[str, str, Any]] = []
    answer = app.handle

    def recording(request: Request) -> Response:
        if route_target(request).provider == "sendgrid" and request.body:
            seen.append((request.method, route_target(request).path, request.json()))
        return answer(request)

    app.handle = recording  # type: ignore[method-assign]
    templates = [t for name in ("tracking_settings", "webhooks") for t in _templates(name)]
    with running_server(app) as base_url:
        config = tmp_path / "espctl.yaml"
        config.write_text(CONFIG.replace("BASE", base_url))
        env = {"SENDGRID_API_KEY": "SG.sandbox-sendgrid.api-key", "HOOK_PASSWORD": "pw"}
        options = api.RunOptions(config=str(config), env=env)
        outcome = api.apply(options, force=True, confirm=lambda plan: True)
        assert outcome.result is not None and outcome.result.exit_code == 0
        assert not api.plan(options).plan.has_changes
    methods = {(m, p.rsplit("/", 1)[-1] if "tracking" in p else p) for m, p, _ in seen}
    assert ("POST", "/v3/user/webhooks/event/settings") in methods
    assert {"open", "click", "subscription", "google_analytics"} <= {p for _, p in methods}
    for method, path, body in seen:
        matches = [(t, name) for pattern, t, name in templates if pattern.match(path)]
        # PATCH .../settings/signed/{id} also matches .../settings/{id}: the longest wins
        template, name = max(matches, key=lambda m: m[0].count("/"))
        op = spec(name)["paths"][template][method.lower()]
        schema = op["requestBody"]["content"]["application/json"]["schema"]
        errors = list(_validator(name, schema).iter_errors(body))
        assert not errors, (method, path, [e.message for e in errors[:3]])
