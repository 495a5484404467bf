"""Real HTTP on 127.0.0.1: routing by prefix, paging URLs, concurrency, faults, CLI."""

from __future__ import annotations

import asyncio
import threading

import httpx
import pytest
from click.testing import CliRunner

from espctl.commands.sandbox_cmd import sandbox
from espctl.sandbox import (
    Request,
    Response,
    SandboxApp,
    SandboxTransport,
    running_server,
    seed_account,
)
from espctl.sandbox.mailgun.events import domain_events

from .conftest import MG_AUTH, NOW, SERVER


def test_both_providers_on_one_port(app: SandboxApp) -> None:
    with running_server(app) as base:
        assert base.startswith("http://127.0.0.1:")
        assert httpx.get(f"{base}/server", headers=SERVER).json()["TrackOpens"] is False
        us = httpx.get(f"{base}/v4/domains", auth=MG_AUTH).json()
        assert [d["type"] for d in us["items"]] == ["sandbox"]
        eu = httpx.get(f"{base}/eu/v4/domains/mg.acme-mail.com", auth=MG_AUTH)
        assert eu.json()["domain"]["state"] == "active"
        assert httpx.get(f"{base}/eu/v4/domains", auth=("api", "bad")).text == "Forbidden"
        r = httpx.put(
            f"{base}/eu/v3/domains/mg.acme-mail.com/tracking/click",
            auth=MG_AUTH,
            files={"active": (None, "yes")},
        )
        assert r.json()["click"] == {"active": True}


def test_events_paging_urls_point_at_served_host(app: SandboxApp) -> None:
    with running_server(app) as base:
        page = httpx.get(
            f"{base}/eu/v3/news.acme-mail.com/events", params={"limit": 300}, auth=MG_AUTH
        ).json()
        nxt = page["paging"]["next"]
        assert nxt.startswith(f"{base}/eu/v3/news.acme-mail.com/events/")
        total = len(page["items"])
        while True:
            page = httpx.get(nxt, auth=MG_AUTH).json()
            if not page["items"]:
                break
            total += len(page["items"])
            nxt = page["paging"]["next"]
        assert total == len(domain_events(app.traffic, "news.acme-mail.com"))
        assert httpx.get(nxt, auth=MG_AUTH).json()["items"] == []  # past the end: empty


def test_64_concurrent_requests_overlap() -> None:
    """64 requests are handled at once: each waits at a 64-party barrier, which a server
    handling them one by one (or a client sending them in series) could never fill."""
    app = SandboxApp(seed_account(0, NOW))
    barrier = threading.Barrier(64, timeout=30)
    handle = app.handle

    def meet_then_handle(request: Request) -> Response:
        barrier.wait()
        return handle(request)

    app.handle = meet_then_handle  # type: ignore[method-assign]
    with running_server(app) as base:

        async def run() -> list[int]:
            limits = httpx.Limits(max_connections=100)
            timeout = httpx.Timeout(60)
            async with httpx.AsyncClient(
                base_url=base, headers=SERVER, limits=limits, timeout=timeout
            ) as c:
                responses = await asyncio.gather(*(c.get("/server") for _ in range(64)))
            return [r.status_code for r in responses]

        statuses = asyncio.run(run())
    assert statuses == [200] * 64
    assert not barrier.broken


def test_async_transport_in_process(app: SandboxApp) -> None:
    async def run() -> int:
        async with httpx.AsyncClient(transport=SandboxTransport(app), headers=SERVER) as c:
            r = await c.get("https://api.postmarkapp.com/server")
            return r.status_code

    assert asyncio.run(run()) == 200


def test_served_stall_and_drop(app: SandboxApp) -> None:
    app.faults.stall_s = 5
    with running_server(app) as base:
        app.faults.add(kind="stall", path_regex="/server")
        with pytest.raises(httpx.ReadTimeout):
            httpx.get(f"{base}/server", headers=SERVER, timeout=0.3)
        app.faults.add(kind="drop", path_regex="/server")
        with pytest.raises(httpx.TransportError):
            httpx.get(f"{base}/server", headers=SERVER, timeout=2)
        assert httpx.get(f"{base}/server", headers=SERVER).status_code == 200


def test_cli_help_shows_defaults() -> None:
    result = CliRunner().invoke(sandbox, ["serve", "--help"])
    assert result.exit_code == 0
    for text in (
        "--port",
        "8025",
        "--fault-rate",
        "sandbox-postmark-server-token",
        "sandbox-postmark-account-token",
        "sandbox-mailgun-api-key",
        "--latency-ms",
        "--jitter-ms",
        "--seed",
    ):
        assert text in result.output
    bad = CliRunner().invoke(sandbox, ["serve", "--host", "0.0.0.0"])
    assert bad.exit_code != 0
