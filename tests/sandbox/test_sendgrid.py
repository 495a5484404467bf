"""The SendGrid sandbox: subusers, scopes, regions, the legacy single webhook, signing
keys, rate-limit headers and faults, and stats that add up to the traffic truth."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from datetime import date

import httpx
import pytest
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec

from espctl.providers.sendgrid.signature import verify_signature
from espctl.sandbox import SandboxApp, SandboxTransport, seed_account
from espctl.sandbox.blank import AccountSpec, account_for
from espctl.sandbox.sendgrid.seed import SG_ANALYTICS_URL
from espctl.sandbox.sendgrid.state import sendgrid
from tests.sandbox.conftest import NOW

KEY = {"Authorization": "Bearer SG.sandbox-sendgrid.api-key"}
HOOKS = "/v3/user/webhooks/event/settings"


@pytest.fixture
def app() -> SandboxApp:
    return SandboxApp(seed_account(seed=7, now=NOW))


def client(app: SandboxApp, host: str = "https://api.sendgrid.com") -> httpx.Client:
    return httpx.Client(transport=SandboxTransport(app), base_url=host, headers=KEY)


@pytest.fixture
def sg(app: SandboxApp) -> Iterator[httpx.Client]:
    with client(app) as c:
        yield c


def test_a_subuser_has_its_own_settings_and_an_unknown_one_is_refused(sg: httpx.Client) -> None:
    mine = {"on-behalf-of": "marketing"}
    assert sg.get("/v3/tracking_settings/open").json() == {"enabled": True}
    assert sg.get("/v3/tracking_settings/open", headers=mine).json() == {"enabled": False}
    sg.patch("/v3/tracking_settings/open", json={"enabled": True}, headers=mine)
    assert sg.get("/v3/tracking_settings/open", headers=mine).json() == {"enabled": True}
    urls = [h["url"] for h in sg.get(f"{HOOKS}/all", headers=mine).json()["webhooks"]]
    assert urls == ["https://hooks.acme-mail.com/esp/marketing"]
    refused = sg.get("/v3/tracking_settings/open", headers={"on-behalf-of": "nobody"})
    assert (refused.status_code, refused.json()["errors"][0]["message"]) == (
        403,
        "access forbidden",
    )


def test_a_key_without_a_scope_is_refused_where_it_needs_it(
    app: SandboxApp, sg: httpx.Client
) -> None:
    sendgrid(app.state).scopes.remove("tracking_settings.click.update")
    assert "tracking_settings.click.update" not in sg.get("/v3/scopes").json()["scopes"]
    assert sg.get("/v3/tracking_settings/click").status_code == 200
    refused = sg.patch("/v3/tracking_settings/click", json={"enabled": False})
    assert refused.status_code == 403
    assert refused.json() == {"errors": [{"field": None, "message": "access forbidden"}]}
    assert sg.get("/v3/tracking_settings/click").json()["enabled"] is True  # not written


def test_wrong_keys_and_a_key_of_the_other_region_answer_401(app: SandboxApp) -> None:
    with client(app, "https://api.eu.sendgrid.com") as eu:
        assert eu.get("/v3/scopes").status_code == 200  # the sandbox key: both hosts
        sendgrid(app.state).key_region = "us"
        assert eu.get("/v3/scopes").status_code == 401
        basic = eu.get("/v3/scopes", headers={"Authorization": "Basic x"})
        assert basic.json() == {"errors": [{"field": None, "message": "authorization required"}]}


def test_the_eu_account_is_on_the_legacy_single_webhook_api(app: SandboxApp) -> None:
    with client(app, "https://api.eu.sendgrid.com") as eu:
        listing = eu.get(f"{HOOKS}/all").json()
        assert listing["max_allowed"] == 1
        (legacy,) = listing["webhooks"]
        assert "id" not in legacy and legacy["public_key"]
        refused = eu.post(HOOKS, json={"url": "https://x.example.com/h"})
        assert refused.status_code == 400
        # SendGrid's documentation: without an id the update acts on the legacy webhook
        moved = eu.patch(
            HOOKS, json={"url": "https://x.example.com/h", "open": True, "friendly_name": "n"}
        )
        assert moved.status_code == 200 and moved.json()["open"] is True
        # the single-webhook API has no friendly_name: the sandbox keeps none
        assert moved.json()["friendly_name"] is None
        assert eu.get(f"{HOOKS}/all").json()["webhooks"][0]["friendly_name"] is None
        signed = eu.patch(f"{HOOKS}/signed", json={"enabled": False}).json()
        assert signed == {"id": "", "public_key": ""}


def test_a_signed_webhooks_key_pair_is_real(app: SandboxApp, sg: httpx.Client) -> None:
    listed = sg.get(f"{HOOKS}/all").json()["webhooks"]
    public = next(h["public_key"] for h in listed if h["url"] == SG_ANALYTICS_URL)
    hook = next(h for h in sendgrid(app.state).accounts["us"].webhooks if h.signing_key)
    private = ec.derive_private_key(int(hook.signing_key or "0", 16), ec.SECP256R1())
    body, stamp = b'[{"event":"delivered"}]', "1717200000"
    der = private.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    signature = base64.b64encode(der).decode()
    assert verify_signature(public, body, signature, stamp)
    assert not verify_signature(public, body + b" ", signature, stamp)


def test_rate_limit_headers_and_sendgrids_429(app: SandboxApp, sg: httpx.Client) -> None:
    first = sg.get("/v3/scopes")
    assert first.headers["X-RateLimit-Limit"] == "600"
    remaining = int(first.headers["X-RateLimit-Remaining"])
    assert int(sg.get("/v3/scopes").headers["X-RateLimit-Remaining"]) == remaining - 1
    app.faults.add(kind="429", path_regex="/v3/scopes", retry_after=3)
    limited = sg.get("/v3/scopes")
    assert limited.status_code == 429
    assert limited.json() == {"errors": [{"field": None, "message": "too many requests"}]}
    assert limited.headers["X-RateLimit-Remaining"] == "0"
    assert "Retry-After" not in limited.headers
    assert int(limited.headers["X-RateLimit-Reset"]) >= int(time.time()) + 2
    for kind in ("500", "503"):
        app.faults.add(kind=kind, path_regex="/v3/scopes")  # type: ignore[arg-type]
        failed = sg.get("/v3/scopes")
        assert failed.status_code == int(kind) and failed.json()["errors"][0]["message"]


def test_stats_add_up_to_the_traffic_truth(app: SandboxApp, sg: httpx.Client) -> None:
    start, end = date(2024, 5, 1), date(2024, 5, 31)
    days = sg.get(
        "/v3/stats", params={"start_date": start.isoformat(), "end_date": end.isoformat()}
    ).json()
    truth = app.traffic.total(provider="sendgrid", bucket="acme", start=start, end=end)
    metrics = [d["stats"][0]["metrics"] for d in days]
    assert sum(m["processed"] for m in metrics) == truth.sent > 0
    assert sum(m["bounces"] for m in metrics) == truth.hard_bounced
    assert sum(m["blocks"] for m in metrics) == truth.soft_bounced
    assert sum(m["delivered"] for m in metrics) == truth.delivered
    drops = sum(
        m[k]
        for m in metrics
        for k in ("bounce_drops", "spam_report_drops", "unsubscribe_drops", "invalid_emails")
    )
    assert sum(m["requests"] for m in metrics) == truth.sent + drops
    assert 0 < drops < truth.sent * 0.02  # a realistic share of requests
    rate = truth.delivered / truth.sent
    assert 0.95 < rate < 0.995
    bad = sg.get("/v3/stats", params={"start_date": "may"})
    assert bad.status_code == 400 and bad.json()["errors"][0]["field"] == "start_date"
    missing = sg.get("/v3/categories/stats", params={"start_date": "2024-05-01"})
    assert missing.json()["errors"][0]["field"] == "categories"


def test_an_account_made_for_a_config_authenticates_its_domains() -> None:
    state = account_for(AccountSpec({"sendgrid": ("em.globex-mail.com",)}), seed=1, now=NOW)
    part = sendgrid(state)
    for account in part.accounts.values():
        assert [d.domain for d in account.domains] == ["em.globex-mail.com"]
        assert account.webhooks == [] and account.domains[0].valid
        assert account.tracking.open_enabled and account.tracking.click_enabled  # defaults
