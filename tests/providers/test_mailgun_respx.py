"""Mailgun provider against respx routes: reads, paging, normalization, form bodies."""

from __future__ import annotations

from urllib.parse import parse_qsl

import httpx
import pytest
import respx

from espctl.errors import ProviderAuthError
from espctl.model.common import Secret
from espctl.model.resources import Resource
from espctl.providers.kit.protocol import ChangeRequest
from espctl.providers.mailgun import resources as mg
from espctl.providers.mailgun.client import MailgunApi
from espctl.providers.mailgun.webhooks import join_userinfo, split_userinfo
from tests.providers.helpers import (
    API_KEY,
    FAST,
    MG_EU,
    Sleeps,
    account_webhooks,
    mailgun_block,
    run,
)

DOMAIN = "mg.acme-mail.com"


def api(**extra: object) -> MailgunApi:
    return MailgunApi("mg", mailgun_block(**extra), options=FAST, sleep=Sleeps())


def desired(*names: str) -> list[Resource]:
    return [Resource("mg", mg.KIND_DOMAIN, n, {}) for n in names]


def record(kind: str, name: str, value: str, valid: str) -> dict[str, object]:
    """A DNS record as Mailgun lists it (spec: is_active, cached, record_type, valid, value)."""
    return {
        "record_type": kind,
        "name": name,
        "value": value,
        "valid": valid,
        "is_active": True,
        "cached": [],
    }


def written(message: str, **extra: object) -> httpx.Response:
    """Mailgun's 200 to a write: a message and the object written (ESP-API.md 2.5/2.6)."""
    return httpx.Response(200, json={"message": message, **extra})


TRACKED = "Domain tracking settings have been updated"


def mock_domain(
    name: str,
    *,
    state: str = "active",
    valid: str = "valid",
    tracking: dict | None = None,
    hooks: dict | None = None,
) -> list[respx.Route]:  # type: ignore[type-arg]
    return [
        respx.get(f"{MG_EU}/v4/domains/{name}").mock(
            return_value=httpx.Response(
                200,
                json={
                    "domain": {"name": name, "state": state, "web_scheme": "https"},
                    "sending_dns_records": [
                        record("TXT", name, "v=spf1 include:mailgun.org ~all", valid),
                        record("CNAME", f"email.{name}", "eu.mailgun.org", "valid"),
                    ],
                    "receiving_dns_records": [],
                },
            )
        ),
        respx.get(f"{MG_EU}/v3/domains/{name}/tracking").mock(
            return_value=httpx.Response(
                200,
                json={
                    "tracking": tracking
                    or {
                        "open": {"active": "yes"},
                        "click": {"active": "htmlonly"},
                        "unsubscribe": {"active": False, "html_footer": "h", "text_footer": "t"},
                    }
                },
            )
        ),
        respx.get(f"{MG_EU}/v3/domains/{name}/webhooks").mock(
            return_value=httpx.Response(
                200,
                json={
                    "webhooks": hooks
                    if hooks is not None
                    else {
                        "delivered": {"urls": ["https://esp:p%40ss@hooks.acme-mail.com/mg"]},
                        "opened": None,
                        "clicked": {"url": "https://old.acme-mail.com/click"},
                    }
                },
            )
        ),
    ]


@respx.mock
def test_read_pages_domains_and_normalizes() -> None:
    page1 = respx.get(f"{MG_EU}/v4/domains", params={"limit": "1000", "skip": "0"}).mock(
        return_value=httpx.Response(
            200,
            json={
                "total_count": 1001,
                "items": [{"name": f"d{i}.acme-mail.com", "state": "active"} for i in range(1000)],
            },
        )
    )
    page2 = respx.get(f"{MG_EU}/v4/domains", params={"limit": "1000", "skip": "1000"}).mock(
        return_value=httpx.Response(
            200, json={"total_count": 1001, "items": [{"name": DOMAIN, "state": "active"}]}
        )
    )
    detail, *routes = [*mock_domain(DOMAIN), account_webhooks()]
    state = run(api().read(desired(DOMAIN)))
    assert page1.called and page2.called and all(r.called for r in routes)
    assert not detail.called  # listed as active: no detail read (2 GETs per domain)
    assert (
        page1.calls[0].request.headers["Authorization"]
        == httpx.BasicAuth("api", API_KEY)._auth_header
    )
    by_key = {(r.kind, r.key): r for r in state.resources}
    assert by_key[(mg.KIND_TRACKING, DOMAIN)].fields == {
        "opens": True,
        "clicks": "html_only",
        "unsubscribe": False,
        "unsubscribe_html_footer": "h",
        "unsubscribe_text_footer": "t",
    }
    # one resource per URL, keyed without its credentials, with the events that list it
    delivered = by_key[(mg.KIND_WEBHOOK, f"{DOMAIN} https://hooks.acme-mail.com/mg")].fields
    assert delivered == {
        "events": ["delivered"],
        "basic_auth_username": "esp",
        "basic_auth_password": Secret("p@ss"),
        "stored_url": Secret("https://esp:p%40ss@hooks.acme-mail.com/mg"),
    }
    clicked = by_key[(mg.KIND_WEBHOOK, f"{DOMAIN} https://old.acme-mail.com/click")]
    assert clicked.fields["events"] == ["clicked"]  # legacy single "url"; null "opened": none
    assert len([k for k in by_key if k[0] == mg.KIND_WEBHOOK]) == 2
    unmanaged = [k for k in by_key if k[0] == mg.KIND_DOMAIN and k[1] != DOMAIN]
    assert len(unmanaged) == 1000
    (check,) = state.checks
    assert check.ok


@respx.mock
def test_unverified_and_missing_domains_are_failed_checks() -> None:
    respx.get(f"{MG_EU}/v4/domains").mock(
        return_value=httpx.Response(
            200,
            json={
                "total_count": 1,
                "items": [{"name": "news.acme-mail.com", "state": "unverified"}],
            },
        )
    )
    mock_domain("news.acme-mail.com", state="unverified", valid="unknown", hooks={})
    account_webhooks()
    # gone.acme-mail.com is not in the listing: it does not exist, and no request names it
    # (respx refuses any request no route declares)
    state = run(api().read(desired("news.acme-mail.com", "gone.acme-mail.com")))
    assert respx.calls.call_count == 5  # listing, account webhooks, news: detail (unverified),
    # tracking, webhooks
    checks = {c.subject: c for c in state.checks}
    assert not checks["news.acme-mail.com"].ok
    assert checks["news.acme-mail.com"].message == (
        "news.acme-mail.com is unverified; DNS records not valid: TXT news.acme-mail.com"
    )
    assert not checks["gone.acme-mail.com"].ok
    assert "does not exist in Mailgun's EU region" in checks["gone.acme-mail.com"].message
    # missing: nothing under it can converge (an error that blocks the domain); unverified:
    # the settings converge, the mail will not go out well (a warning, blocks nothing)
    gone, news = checks["gone.acme-mail.com"], checks["news.acme-mail.com"]
    assert (gone.severity, gone.blocks) == ("error", ("gone.acme-mail.com",))
    assert (news.severity, news.blocks) == ("warning", ())


@respx.mock
def test_401_forbidden_plain_text() -> None:
    respx.get(f"{MG_EU}/v4/domains").mock(
        return_value=httpx.Response(401, text="Forbidden", headers={"Content-Type": "text/plain"})
    )
    with pytest.raises(ProviderAuthError) as info:
        run(api().read(()))
    assert str(info.value) == "mg: the API key was rejected (HTTP 401, Forbidden) — check `api_key`"
    assert API_KEY not in str(info.value)


@respx.mock
def test_region_and_endpoint_choose_the_host() -> None:
    us = respx.get("https://api.mailgun.net/v4/domains").mock(
        return_value=httpx.Response(200, json={"total_count": 0, "items": []})
    )
    account_webhooks(base="https://api.mailgun.net")
    account_webhooks(base="http://127.0.0.1:8025/eu")
    run(MailgunApi("mg", mailgun_block(region="us"), options=FAST).read(()))
    assert us.called
    custom = respx.get("http://127.0.0.1:8025/eu/v4/domains").mock(
        return_value=httpx.Response(200, json={"total_count": 0, "items": []})
    )
    run(MailgunApi("mg", mailgun_block(endpoint="http://127.0.0.1:8025/eu"), options=FAST).read(()))
    assert custom.called


def _form(request: httpx.Request) -> list[tuple[str, str]]:
    assert request.headers["Content-Type"] == "application/x-www-form-urlencoded"
    return parse_qsl(request.content.decode(), keep_blank_values=True)


@respx.mock
def test_tracking_writes_only_what_changed_as_forms() -> None:
    base = f"{MG_EU}/v3/domains/{DOMAIN}/tracking"
    click = respx.put(f"{base}/click").mock(
        return_value=written(TRACKED, click={"active": "htmlonly"})
    )
    unsub = respx.put(f"{base}/unsubscribe").mock(
        return_value=written(TRACKED, unsubscribe={"active": True})
    )
    opened = respx.put(f"{base}/open").mock(return_value=written(TRACKED, open={"active": True}))
    before = Resource(
        "mg",
        mg.KIND_TRACKING,
        DOMAIN,
        {
            "opens": True,
            "clicks": True,
            "unsubscribe": False,
            "unsubscribe_html_footer": "",
            "unsubscribe_text_footer": "old",
        },
    )
    after = Resource(
        "mg",
        mg.KIND_TRACKING,
        DOMAIN,
        {
            "opens": True,
            "clicks": "html_only",
            "unsubscribe": True,
            "unsubscribe_text_footer": "\n\nBye: %unsubscribe_url%\n",
        },
    )
    run(api().apply(ChangeRequest("update", mg.KIND_TRACKING, DOMAIN, before, after)))
    assert not opened.called
    assert _form(click.calls[0].request) == [("active", "htmlonly")]
    assert _form(unsub.calls[0].request) == [
        ("active", "true"),
        ("text_footer", "\n\nBye: %unsubscribe_url%\n"),
    ]


def test_userinfo_round_trip() -> None:
    parsed = split_userinfo("https://u%3Ax:p%40ss@h.acme-mail.com:8443/p?q=1")
    assert parsed.url == "https://h.acme-mail.com:8443/p?q=1"
    assert parsed.basic_auth is not None
    assert parsed.basic_auth.username == "u:x"
    assert parsed.basic_auth.password.reveal() == "p@ss"
    rebuilt = join_userinfo(parsed.url, "u:x", Secret("p@ss"))
    assert split_userinfo(rebuilt) == parsed


@pytest.mark.parametrize(
    ("answer", "wanted", "live", "note"),
    [
        # the spec types GET click.active as a boolean: true may mean HTML-only
        (True, "html_only", "html_only", True),
        (True, True, True, True),
        ("htmlonly", "html_only", "html_only", False),
        ("htmlonly", True, "html_only", False),
        # strings are exact: "yes" is all links, whatever the config wants
        ("yes", "html_only", True, False),
        (False, "html_only", False, False),
    ],
)
@respx.mock
def test_click_tracking_reads_either_shape_without_a_permanent_diff(
    answer: object, wanted: object, live: object, note: bool
) -> None:
    from espctl.config.models import Policy
    from espctl.engine.plan import make_plan

    respx.get(f"{MG_EU}/v4/domains").mock(
        return_value=httpx.Response(
            200, json={"total_count": 1, "items": [{"name": DOMAIN, "state": "active"}]}
        )
    )
    tracking = {
        "open": {"active": True, "place_at_the_top": False},
        "click": {"active": answer},
        "unsubscribe": {"active": False, "html_footer": "h", "text_footer": "t"},
    }
    mock_domain(DOMAIN, tracking=tracking, hooks={})
    account_webhooks()
    declared = [
        *desired(DOMAIN),
        Resource("mg", mg.KIND_TRACKING, DOMAIN, {"clicks": wanted}, parent=DOMAIN),
    ]
    client = api()
    state = run(client.read(declared))
    plan = make_plan(
        {"mg": declared}, {"mg": state}, {"mg": client.capabilities}, Policy(), config_text=""
    )
    fields = {(c.key, f.name): (f.before, f.after) for c in plan.changes for f in c.fields}
    if live == wanted:
        assert fields == {}  # converged: no PUT on every apply
    else:
        assert fields == {(DOMAIN, "clicks"): (live, wanted)}
    notes = [c for c in state.checks if c.name == "tracking"]
    assert [(c.ok, c.subject) for c in notes] == ([(True, DOMAIN)] if note else [])
    if note and wanted == "html_only":
        assert notes[0].message == (
            f"click tracking on {DOMAIN} reads back as true, which Mailgun may also answer for "
            "HTML-only (the API types it as a boolean): taken as html_only, as configured"
        )
