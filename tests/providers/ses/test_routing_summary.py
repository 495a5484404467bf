"""The SES routing check and report summary, from the facts and resources of a read."""

from __future__ import annotations

from espctl.model.resources import LiveState, Resource
from espctl.providers.kit.spec import RoutingTarget
from espctl.providers.ses import resources as ses
from espctl.providers.ses.routing import route_check
from espctl.providers.ses.summary import SesAdapter

FACTS = {
    "region": "eu-west-1",
    "account": {"sending_enabled": True, "production_access": True},
    "configuration_sets": {"transactional": {"sending": True}, "paused": {"sending": False}},
    "identities": {"mail.acme-mail.com": {"exists": True, "verified": True, "status": "success"}},
    "all_configuration_sets": ["paused", "transactional"],
}


def _target(sub: str, facts: dict[str, object] = FACTS, created: bool = False) -> RoutingTarget:
    live = LiveState("ses", (), (), facts)
    return RoutingTarget(f"ses/{sub}", "routing.default", "ses", sub, live, created)


def test_routing_checks() -> None:
    assert route_check(_target("transactional")).ok
    assert route_check(_target("new", created=True)).message.endswith("plan creates it")
    missing = route_check(_target("nope"))
    assert (missing.ok, missing.severity) == (False, "error")
    assert "configuration set nope does not exist in eu-west-1" in missing.message
    paused = route_check(_target("paused"))
    assert (paused.ok, paused.severity) == (False, "warning")
    stopped = {**FACTS, "account": {"sending_enabled": False}}
    account = route_check(_target("transactional", stopped))
    assert (account.ok, account.severity) == (False, "warning")
    assert "sending is paused for this account in eu-west-1" in account.message


def test_the_report_summary() -> None:
    hook = Resource(
        "ses",
        ses.KIND_WEBHOOK,
        "transactional https://hooks.example.com/x",
        {"events": ["BOUNCE", "OPEN"], "basic_auth_username": "u", "enabled": True},
        parent="transactional",
    )
    other = Resource(
        "ses",
        ses.KIND_DESTINATION,
        "transactional bus",
        {"type": "eventbridge", "target": "arn:bus", "enabled": True, "events": ["CLICK"]},
        parent="transactional",
    )
    cs = Resource("ses", ses.KIND_CONFIGURATION_SET, "transactional", {})
    live = LiveState("ses", (hook, other, cs), (), FACTS)
    adapter = SesAdapter()
    info = adapter.account(live)
    assert info.description == "eu-west-1, production access, 2 configuration sets"
    assert [(d.name, d.state, d.verified) for d in info.domains] == [
        ("mail.acme-mail.com", "success", True)
    ]
    tracking = adapter.tracking(live)
    assert (tracking.opens, tracking.clicks) == (True, True)
    hooks = adapter.webhooks("ses", live)
    assert [(h.url, h.scope, h.auth) for h in hooks] == [
        (
            "https://u:***@hooks.example.com/x",
            "configuration set transactional (SNS)",
            "basic auth",
        ),
        ("arn:bus", "configuration set transactional (eventbridge, not managed)", "AWS"),
    ]
    assert [(t.event, t.native) for t in hooks[0].triggers] == [
        ("bounced", "BOUNCE"),
        ("opened", "OPEN"),
    ]
