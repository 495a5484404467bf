"""A served sandbox routes ``/<type>/...`` to that provider, and keeps the unprefixed
paths of before (Postmark at the root, Mailgun at ``/v1``..``/v5`` and ``/eu``)."""

from __future__ import annotations

import httpx
import pytest

from espctl.sandbox import Request, SandboxApp, registry, running_server
from espctl.sandbox.app import route_target
from espctl.sandbox.registry import LEGACY, PROVIDERS

from .conftest import MG_AUTH, SERVER


def _target(url: str) -> tuple[str, str | None, str, str]:
    t = route_target(Request.build("GET", url))
    return t.provider, t.region, t.prefix, t.path


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        # real API hosts
        ("https://api.postmarkapp.com/server", ("postmark", None, "", "/server")),
        ("https://api.mailgun.net/v4/domains", ("mailgun", "us", "", "/v4/domains")),
        ("https://api.eu.mailgun.net/v4/domains", ("mailgun", "eu", "", "/v4/domains")),
        # a served sandbox, by provider prefix
        ("http://127.0.0.1:9/postmark/server", ("postmark", None, "/postmark", "/server")),
        ("http://127.0.0.1:9/mailgun/v4/domains", ("mailgun", "us", "/mailgun", "/v4/domains")),
        (
            "http://127.0.0.1:9/mailgun/eu/v4/domains",
            ("mailgun", "eu", "/mailgun/eu", "/v4/domains"),
        ),
        # under its prefix a provider owns every path, /v3 included
        ("http://127.0.0.1:9/postmark/v3/x", ("postmark", None, "/postmark", "/v3/x")),
        # the unprefixed paths of before
        ("http://127.0.0.1:9/server", ("postmark", None, "", "/server")),
        ("http://127.0.0.1:9/sendgrid/v3/scopes", ("sendgrid", "us", "/sendgrid", "/v3/scopes")),
        (
            "http://127.0.0.1:9/sendgrid/eu/v3/stats",
            ("sendgrid", "eu", "/sendgrid/eu", "/v3/stats"),
        ),
        ("https://api.eu.sendgrid.com/v3/stats", ("sendgrid", "eu", "", "/v3/stats")),
        ("http://127.0.0.1:9/v3/x/events", ("mailgun", "us", "", "/v3/x/events")),
        ("http://127.0.0.1:9/eu/v4/domains", ("mailgun", "eu", "/eu", "/v4/domains")),
    ],
)
def test_route_target(url: str, expected: tuple[str, str | None, str, str]) -> None:
    assert _target(url) == expected


def test_the_registry_lists_each_provider_once_and_the_root_last() -> None:
    assert list(PROVIDERS) == list(registry.TYPES)
    # a provider added after prefixes existed claims no root path
    assert {p.type for p in LEGACY} == {"postmark", "mailgun"}
    assert all(PROVIDERS[p.type] is p for p in LEGACY)
    # the last legacy provider takes every path left: nothing after it is reachable
    assert LEGACY[-1].legacy_target("/anything/else") is not None
    assert all(p.legacy_target("/anything/else") is None for p in LEGACY[:-1])


def test_both_providers_by_prefix_on_one_port(app: SandboxApp) -> None:
    with running_server(app) as base:
        by_prefix = httpx.get(f"{base}/postmark/server", headers=SERVER).json()
        assert by_prefix == httpx.get(f"{base}/server", headers=SERVER).json()
        us = httpx.get(f"{base}/mailgun/v4/domains", auth=MG_AUTH).json()
        assert us == httpx.get(f"{base}/v4/domains", auth=MG_AUTH).json()
        eu = httpx.get(f"{base}/mailgun/eu/v4/domains/mg.acme-mail.com", auth=MG_AUTH)
        assert eu.json()["domain"]["state"] == "active"
        # paging links keep the prefix the request came in by
        page = httpx.get(
            f"{base}/mailgun/eu/v3/news.acme-mail.com/events",
            params={"limit": 300},
            auth=MG_AUTH,
        ).json()
        assert page["paging"]["next"].startswith(f"{base}/mailgun/eu/v3/news.acme-mail.com/")
        assert httpx.get(f"{base}/mailgun/v4/domains", auth=("api", "bad")).text == "Forbidden"
        assert httpx.get(f"{base}/postmark/server").status_code == 401
