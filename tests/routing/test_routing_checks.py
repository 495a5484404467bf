"""Plan checks for routing targets: exist live or created by the plan; Mailgun verified."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Mapping
from typing import Any

from espctl.config import Config, LoadedConfig, load_config
from espctl.engine.desired import desired_state
from espctl.engine.plan import Plan, make_plan
from espctl.engine.refresh import read_all
from espctl.engine.render import render_markdown, render_text
from espctl.engine.routing_checks import CHECK_NAME, routing_checks
from espctl.model.resources import Check, LiveState
from espctl.providers.kit.protocol import Capabilities
from espctl.providers.mailgun.client import MailgunApi
from espctl.providers.postmark.client import PostmarkApi
from espctl.providers.registry import create_provider
from espctl.providers.sendgrid.client import SendGridApi
from espctl.providers.ses.client import SesApi
from espctl.sandbox import SandboxApp, SandboxTransport, seed_account
from tests.conftest import QUICKSTART

SANDBOX_ENV = {
    "POSTMARK_SERVER_TOKEN": "sandbox-postmark-server-token",
    "POSTMARK_ACCOUNT_TOKEN": "sandbox-postmark-account-token",
    "MAILGUN_API_KEY": "sandbox-mailgun-api-key",
    "SENDGRID_API_KEY": "SG.sandbox-sendgrid.api-key",
    "SES_ACCESS_KEY_ID": "AKIASANDBOXESPCTL000",
    "SES_SECRET_ACCESS_KEY": "sandbox-ses-secret-access-key",
    "HOOK_PASSWORD": "hook-secret",
}
CAPS: dict[str, Capabilities] = {
    "postmark": PostmarkApi.capabilities,
    "mailgun": MailgunApi.capabilities,
    "sendgrid": SendGridApi.capabilities,
    "ses": SesApi.capabilities,
}


def quickstart() -> LoadedConfig:
    return load_config(QUICKSTART, env=SANDBOX_ENV)


def live(
    streams: list[str],
    domains: Mapping[str, dict[str, Any]],
    archived: list[str] | None = None,
) -> dict[str, LiveState]:
    return {
        "postmark": LiveState(
            "postmark", (), (), {"streams": streams, "archived_streams": archived or []}
        ),
        "mailgun": LiveState("mailgun", (), (), {"region": "eu", "domains": dict(domains)}),
        "sendgrid": LiveState(
            "sendgrid", (), (), {"domains": {"em.acme-mail.com": {"exists": True, "valid": True}}}
        ),
        # the quick start's SES fallback: its configuration set exists and sends
        "ses": LiveState(
            "ses",
            (),
            (),
            {"region": "eu-west-1", "configuration_sets": {"transactional": {"sending": True}}},
        ),
    }


ACTIVE = {"exists": True, "state": "active", "verified": True, "dns": []}
UNVERIFIED = {
    "exists": True,
    "state": "unverified",
    "verified": False,
    "dns": [
        {"type": "TXT", "name": "news.acme-mail.com", "valid": "unknown"},
        {"type": "TXT", "name": "k1._domainkey.news.acme-mail.com", "valid": "unknown"},
    ],
}


def by_target(checks: list[Check]) -> dict[str, Check]:
    assert all(c.name == CHECK_NAME for c in checks)
    return {c.subject: c for c in checks}


def checks_for(config: Config, state: dict[str, LiveState]) -> dict[str, Check]:
    return by_target(routing_checks(config, state, desired_state(config), CAPS))


def test_every_target_checked_once_with_where_it_is_used() -> None:
    config = quickstart().config
    checks = checks_for(
        config,
        live(
            ["outbound", "receipts"],
            {"mg.acme-mail.com": ACTIVE, "news.acme-mail.com": ACTIVE},
        ),
    )
    assert sorted(checks) == [
        "mailgun/mg.acme-mail.com",
        "mailgun/news.acme-mail.com",
        "postmark/outbound",
        "postmark/receipts",
        "sendgrid",
        "ses/transactional",
    ]
    assert all(c.ok for c in checks.values())
    assert "rule 'promotions'" in checks["sendgrid"].message
    outbound = checks["postmark/outbound"].message
    assert "routing.default" in outbound and "rule 'auth-mail'" in outbound
    assert "fallback of rule 'receipts'" in checks["mailgun/mg.acme-mail.com"].message


def test_stream_created_by_the_same_plan_passes() -> None:
    checks = checks_for(
        quickstart().config,
        live(["outbound"], {"mg.acme-mail.com": ACTIVE, "news.acme-mail.com": ACTIVE}),
    )
    receipts = checks["postmark/receipts"]
    assert receipts.ok
    assert "this plan creates it" in receipts.message


def test_archived_stream_is_unarchived_by_the_plan() -> None:
    checks = checks_for(
        quickstart().config,
        live(
            ["outbound"],
            {"mg.acme-mail.com": ACTIVE, "news.acme-mail.com": ACTIVE},
            archived=["receipts"],
        ),
    )
    assert checks["postmark/receipts"].ok
    assert "unarchives" in checks["postmark/receipts"].message


def test_stream_neither_live_nor_creatable_fails() -> None:
    config = quickstart().config
    state = live(["outbound"], {"mg.acme-mail.com": ACTIVE, "news.acme-mail.com": ACTIVE})
    no_create = dict(CAPS)
    no_create["postmark"] = Capabilities(frozenset(), frozenset(), frozenset(), {})
    checks = by_target(routing_checks(config, state, desired_state(config), no_create))
    assert not checks["postmark/receipts"].ok
    assert "no message stream 'receipts'" in checks["postmark/receipts"].message


def test_unverified_mailgun_domain_fails_with_its_dns() -> None:
    checks = checks_for(
        quickstart().config,
        live(
            ["outbound", "receipts"], {"mg.acme-mail.com": ACTIVE, "news.acme-mail.com": UNVERIFIED}
        ),
    )
    news = checks["mailgun/news.acme-mail.com"]
    assert not news.ok
    assert "rule 'marketing'" in news.message
    assert "is unverified" in news.message
    assert "TXT k1._domainkey.news.acme-mail.com" in news.message


def test_missing_mailgun_domain_fails_naming_the_region() -> None:
    checks = checks_for(
        quickstart().config,
        live(["outbound", "receipts"], {"mg.acme-mail.com": {"exists": False}}),
    )
    for target in ("mailgun/mg.acme-mail.com", "mailgun/news.acme-mail.com"):
        assert not checks[target].ok
        assert "does not exist in Mailgun's EU region" in checks[target].message


def test_provider_not_read_fails() -> None:
    state = live(["outbound", "receipts"], {})
    del state["mailgun"]
    checks = checks_for(quickstart().config, state)
    assert not checks["mailgun/mg.acme-mail.com"].ok


def test_no_routing_no_checks() -> None:
    config = quickstart().config.model_copy(update={"routing": None})
    assert routing_checks(config, live([], {}), desired_state(config), CAPS) == []


def sandbox_plan() -> Plan:
    """The quickstart against the seeded sandbox, routing checks passed as extra_checks."""
    loaded = quickstart()
    config = loaded.config
    app = SandboxApp(seed_account())
    providers = {
        pid: create_provider(pid, block, transport=SandboxTransport(app))
        for pid, block in config.providers.items()
    }
    desired = desired_state(config)

    async def read() -> dict[str, LiveState]:
        try:
            return await read_all(providers, desired)
        finally:
            await asyncio.gather(*(p.aclose() for p in providers.values()))

    state = asyncio.run(read())
    caps = {pid: p.capabilities for pid, p in providers.items()}
    return make_plan(
        desired,
        state,
        caps,
        config.policy,
        config_text=loaded.text,
        extra_checks=routing_checks(config, state, desired, caps),
    )


def test_against_the_sandbox_checks_show_in_every_rendering() -> None:
    plan = sandbox_plan()
    routing = by_target([c for c in plan.checks if c.name == CHECK_NAME])
    # seeded: receipts is missing (the plan creates it), news.acme-mail.com unverified
    assert routing["postmark/receipts"].ok
    assert "this plan creates it" in routing["postmark/receipts"].message
    assert routing["postmark/outbound"].ok
    assert routing["mailgun/mg.acme-mail.com"].ok
    news = routing["mailgun/news.acme-mail.com"]
    assert not news.ok

    text = render_text(plan)
    assert news.severity == "warning"  # unverified: converges, will not deliver well
    assert f"[warn ] mailgun {CHECK_NAME}: {news.message}" in text
    assert f"[ok   ] postmark {CHECK_NAME}: {routing['postmark/receipts'].message}" in text
    assert f"**mailgun** {CHECK_NAME}" in render_markdown(plan)
    as_json = json.loads(json.dumps(plan.as_json()))
    assert {
        "provider": "mailgun",
        "name": CHECK_NAME,
        "subject": news.subject,
        "ok": False,
        "severity": "warning",
        "status": "warning",
        "message": news.message,
        "blocks": [],
    } in as_json["checks"]
