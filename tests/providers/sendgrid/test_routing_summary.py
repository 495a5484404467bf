"""SendGrid's routing check, report summary and the kit pieces it added (error
envelopes, the used-up rate-limit window)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from espctl.model.common import BasicAuth, Secret
from espctl.model.resources import LiveState
from espctl.providers.kit.limits import quota_exhausted
from espctl.providers.kit.shapes import error_envelope
from espctl.providers.kit.spec import RoutingTarget
from espctl.providers.sendgrid import resources as sg
from espctl.providers.sendgrid.routing import route_check
from espctl.providers.sendgrid.summary import SendGridAdapter


def target(domains: dict[str, Any]) -> RoutingTarget:
    live = LiveState("sg", (), (), {"domains": domains})
    return RoutingTarget("sg", "routing.default", "sg", "", live, False)


def test_route_check_from_the_domain_facts() -> None:
    ok = route_check(target({"em.acme-mail.com": {"exists": True, "valid": True}}))
    assert ok.ok and ok.message == "sg (routing.default): 1 authenticated domain(s) valid"
    missing = route_check(target({"gone.example": {"exists": False, "valid": False}}))
    assert not missing.ok and missing.severity == "error"
    assert "gone.example does not exist at SendGrid" in missing.message
    invalid = route_check(target({"em.acme-mail.com": {"exists": True, "valid": False}}))
    assert not invalid.ok and invalid.severity == "warning"
    assert route_check(target({})).ok  # no domains declared: the account is what is routed


def test_summary_of_a_live_account() -> None:
    hooks = (
        sg.webhook_resource(
            "sg",
            sg.WebhookUrl(
                "https://hooks.acme-mail.com/esp", BasicAuth(username="esp", password=Secret("pw"))
            ),
            ["bounce", "open", "group_resubscribe"],
            friendly_name="events",
            signed=True,
            ref="1",
        ),
        sg.webhook_resource(
            "sg",
            sg.WebhookUrl("https://off.acme-mail.com/"),
            ["open"],
            friendly_name=None,
            signed=False,
            enabled=False,
            ref="2",
        ),
    )
    tracking = (
        sg.tracking_resource("sg", "open", {"enabled": True}),
        sg.tracking_resource("sg", "click", {"enabled": True, "enable_text": True}),
    )
    live = LiveState(
        "sg",
        (*tracking, *hooks),
        (),
        {
            "region": "eu",
            "subuser": "marketing",
            "domains": {"gone.example": {"exists": False}},
            "all_domains": {"em.acme-mail.com": {"valid": True}},
        },
    )
    adapter = SendGridAdapter()
    account = adapter.account(live)
    assert account.description == "subuser marketing, eu region, 1 authenticated domain"
    assert [(d.name, d.state, d.verified) for d in account.domains] == [
        ("em.acme-mail.com", "valid", True),
        ("gone.example", "missing", False),
    ]
    info = adapter.tracking(live)
    assert info.opens is True and info.clicks is True and info.detail == "clicks: html and text"
    (hook,) = adapter.webhooks("sg", live)  # the disabled one delivers nothing
    assert hook.url == "https://esp:***@hooks.acme-mail.com/esp"
    assert hook.auth == "basic auth + signature (ECDSA)"
    assert [(t.event, t.native) for t in hook.triggers] == [
        ("bounced", "bounce"),
        ("opened", "open"),
    ]
    assert "pw" not in repr(hook)


def test_sendgrid_error_envelopes_read_as_errors() -> None:
    assert error_envelope({"errors": [{"message": "access\nforbidden", "field": None}]}) == (
        "access forbidden"
    )
    assert error_envelope({"errors": []}) is None


def test_a_used_up_window_names_its_reset() -> None:
    now = time.time()

    def answer(remaining: str, reset: str) -> httpx.Response:
        headers = {"X-RateLimit-Remaining": remaining, "X-RateLimit-Reset": reset}
        return httpx.Response(200, headers=headers)

    assert quota_exhausted(answer("0", str(int(now) + 9)), now) == int(now) + 9
    assert quota_exhausted(answer("3", str(int(now) + 9)), now) is None
    assert quota_exhausted(answer("0", str(int(now) - 1)), now) is None  # already reset
    assert quota_exhausted(answer("0", "soon"), now) is None
    assert quota_exhausted(httpx.Response(200), now) is None


def test_the_plan_checks_a_routing_target_that_is_a_provider_id_alone() -> None:
    from espctl.config import load_config_text
    from espctl.engine.routing_checks import routing_checks

    text = (
        "version: 1\nproviders:\n  sg:\n    type: sendgrid\n    api_key: ${env:K}\n"
        "    domains: [em.acme-mail.com]\nrouting:\n  default: sg\n"
    )
    config = load_config_text(text, "c.yaml", env={"K": "k"}).config
    live = LiveState("sg", (), (), {"domains": {"em.acme-mail.com": {"exists": False}}})
    (check,) = routing_checks(config, {"sg": live}, {}, {})
    assert check.subject == "sg" and not check.ok
    assert check.message.startswith("sg (routing.default): authenticated domain em.acme-mail.com")
