"""Fault injection: reproducible by seed, per route, before-commit vs after-commit."""

from __future__ import annotations

import httpx
import pytest

from espctl.sandbox import FaultPlan, SandboxApp, SandboxTransport, seed_account

from .conftest import NOW, SERVER


def client(app: SandboxApp) -> httpx.Client:
    return httpx.Client(
        transport=SandboxTransport(app), base_url="https://api.postmarkapp.com", headers=SERVER
    )


def outcomes(seed: int) -> list[str]:
    app = SandboxApp(seed_account(0, NOW), faults=FaultPlan(seed=seed, rate=0.5))
    c = client(app)
    out = []
    for _ in range(40):
        try:
            out.append(str(c.get("/server").status_code))
        except httpx.TransportError as exc:
            out.append(type(exc).__name__)
    return out


def test_same_seed_same_fault_sequence() -> None:
    first = outcomes(3)
    assert first == outcomes(3)
    assert first != outcomes(4)
    assert "200" in first and len(set(first)) > 2


def test_per_route_fault_with_retry_after(app: SandboxApp) -> None:
    c = client(app)
    app.faults.add(method="POST", path_regex=r"^/webhooks$", kind="429", times=2, retry_after=3)
    body = {"Url": "https://h.example.com/x"}
    for _ in range(2):
        r = c.post("/webhooks", json=body)
        assert r.status_code == 429 and r.headers["Retry-After"] == "3"
    assert c.get("/webhooks").status_code == 200  # other routes untouched
    assert c.post("/webhooks", json=body).status_code == 200
    assert [k for _, _, k in app.faults.history] == ["429", "429"]


def test_mailgun_429_headers(app: SandboxApp) -> None:
    app.faults.add(kind="429", provider="mailgun")
    r = httpx.Client(transport=SandboxTransport(app)).get("https://api.eu.mailgun.net/v4/domains")
    assert r.status_code == 429
    assert "Retry-After" in r.headers and float(r.headers["X-RateLimit-Reset"]) > 0


def test_429_body_sends_mailguns_documented_body_and_no_header(app: SandboxApp) -> None:
    app.faults.add(kind="429_body", provider="mailgun", retry_after=30)
    app.faults.add(kind="429_body", provider="postmark")
    r = httpx.Client(transport=SandboxTransport(app)).get("https://api.eu.mailgun.net/v4/domains")
    assert (r.status_code, r.json()) == (429, {"retry-seconds": 30})
    assert "Retry-After" not in r.headers and "X-RateLimit-Reset" not in r.headers
    pm = client(app).get("/server")
    assert (pm.status_code, pm.json()["ErrorCode"]) == (429, 429)
    assert "Retry-After" not in pm.headers  # Postmark documents no rate-limit header


@pytest.mark.parametrize("kind", ["500", "502", "503", "stall", "drop"])
def test_faulted_write_changes_nothing(app: SandboxApp, kind: str) -> None:
    c = client(app)
    before = c.get("/server").json()
    app.faults.add(method="PUT", path_regex="/server", kind=kind)  # type: ignore[arg-type]
    try:
        r = c.put("/server", json={"TrackOpens": True})
        assert r.status_code == int(kind)
    except (httpx.ReadTimeout, httpx.RemoteProtocolError):
        assert kind in ("stall", "drop")
    assert c.get("/server").json() == before


def test_malformed_body_comes_after_the_commit(app: SandboxApp) -> None:
    # a 200 means the work was done: only the body is mangled (truncated in transit)
    c = client(app)
    app.faults.add(method="PUT", path_regex="/server", kind="malformed")
    r = c.put("/server", json={"TrackOpens": True})
    assert r.status_code == 200
    with pytest.raises(ValueError):
        r.json()
    assert c.get("/server").json()["TrackOpens"] is True


def test_timeout_after_commit_applies_write(app: SandboxApp) -> None:
    c = client(app)
    app.faults.add(method="POST", path_regex="/message-streams", kind="timeout_after_commit")
    with pytest.raises(httpx.ReadTimeout):
        c.post(
            "/message-streams",
            json={"ID": "receipts", "Name": "Receipts", "MessageStreamType": "Transactional"},
        )
    assert c.get("/message-streams/receipts").status_code == 200
    retry = c.post(
        "/message-streams",
        json={"ID": "receipts", "Name": "Receipts", "MessageStreamType": "Transactional"},
    )
    assert retry.json()["ErrorCode"] == 1230  # a blind retry sees the committed write


def test_latency_is_reported_not_slept_by_core(app: SandboxApp) -> None:
    from espctl.sandbox import Request

    app.faults = FaultPlan(latency_ms=250, jitter_ms=50)
    response = app.handle(
        Request.build("GET", "https://api.postmarkapp.com/server", list(SERVER.items()))
    )
    assert 0.25 <= response.delay_s <= 0.3


def test_invalid_rate() -> None:
    with pytest.raises(ValueError):
        FaultPlan(rate=2)
