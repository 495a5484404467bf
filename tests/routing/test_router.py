"""Router: resolution order, fallbacks, unavailable providers, unknown types, errors."""

from __future__ import annotations

from pathlib import Path

import pytest

from espctl.config import load_config
from espctl.errors import ConfigError, EspctlError, RoutingError
from espctl.routing import ROUTES_FORMAT, Route, Router
from tests.routing.conftest import ROUTING_CONFIG, write


def router(path: Path) -> Router:
    return Router.from_config(path, env={})


def test_rule_gives_target_stream_sender_tag_and_fallbacks_in_order(
    routing_config: Path,
) -> None:
    route = router(routing_config).resolve("password_reset")
    assert isinstance(route, Route)
    assert route.target == "postmark/outbound"
    assert (route.provider, route.provider_type) == ("postmark", "postmark")
    assert (route.stream, route.domain) == ("outbound", None)
    assert route.sender == "Acme <noreply@acme-mail.com>"
    assert route.tag == "password_reset"
    assert (route.matched_by, route.rule) == ("rule", "auth-mail")
    assert [f.target for f in route.fallbacks] == [
        "mailgun/mg.acme-mail.com",
        "backup/mg2.acme-mail.com",
    ]
    assert route.fallbacks[0].domain == "mg.acme-mail.com"
    assert route.fallbacks[0].stream is None
    assert route.fallbacks[0].sender == "Acme <noreply@mg.acme-mail.com>"
    assert route.fallbacks[1].sender is None  # backup has no default_sender
    assert route.skipped == ()


def test_every_type_of_a_rule_gets_the_rule(routing_config: Path) -> None:
    r = router(routing_config)
    assert r.resolve("magic_link").rule == "auth-mail"
    assert r.resolve("magic_link").tag == "magic_link"
    assert r.resolve("receipt").target == "postmark/receipts"
    assert r.resolve("receipt").rule == "rules[1]"  # unnamed rule: its position
    newsletter = r.resolve("newsletter")
    assert newsletter.target == "mailgun/news.acme-mail.com"
    assert newsletter.domain == "news.acme-mail.com"
    assert newsletter.fallbacks == ()


def test_rule_wins_over_default_even_when_default_is_the_same_provider(
    routing_config: Path,
) -> None:
    route = router(routing_config).resolve("receipt")
    assert route.matched_by == "rule"
    assert route.target == "postmark/receipts"


def test_unknown_type_goes_to_default(routing_config: Path) -> None:
    route = router(routing_config).resolve("welcome")
    assert route.matched_by == "default"
    assert route.rule == "default"
    assert route.target == "postmark/outbound"
    assert route.tag == "welcome"
    assert route.fallbacks == ()


def test_unavailable_primary_skips_to_the_next_fallback(routing_config: Path) -> None:
    route = router(routing_config).resolve("password_reset", frozenset({"postmark"}))
    assert route.target == "mailgun/mg.acme-mail.com"
    assert [f.target for f in route.fallbacks] == ["backup/mg2.acme-mail.com"]
    assert route.skipped == ("postmark/outbound",)


def test_two_unavailable_providers_leave_the_last_fallback(routing_config: Path) -> None:
    route = router(routing_config).resolve("password_reset", {"postmark", "mailgun"})
    assert route.target == "backup/mg2.acme-mail.com"
    assert route.fallbacks == ()
    assert route.skipped == ("postmark/outbound", "mailgun/mg.acme-mail.com")


def test_unavailable_fallback_is_dropped_from_the_fallbacks(routing_config: Path) -> None:
    route = router(routing_config).resolve("password_reset", frozenset({"mailgun"}))
    assert route.target == "postmark/outbound"
    assert [f.target for f in route.fallbacks] == ["backup/mg2.acme-mail.com"]
    assert route.skipped == ("mailgun/mg.acme-mail.com",)


def test_an_unknown_provider_in_unavailable_changes_nothing(routing_config: Path) -> None:
    r = router(routing_config)
    assert r.resolve("password_reset", frozenset({"sendgrid"})) == r.resolve("password_reset")


def test_every_target_unavailable_is_a_routing_error(routing_config: Path) -> None:
    with pytest.raises(RoutingError) as caught:
        router(routing_config).resolve("newsletter", frozenset({"mailgun"}))
    message = str(caught.value)
    assert "newsletter" in message and "rule 'marketing'" in message
    assert "mailgun/news.acme-mail.com" in message


def test_a_rule_never_falls_through_to_the_default(routing_config: Path) -> None:
    # postmark/outbound (the default) is available, but a newsletter must not go there
    with pytest.raises(RoutingError):
        router(routing_config).resolve("newsletter", frozenset({"mailgun", "backup"}))


def test_unavailable_default_is_a_routing_error(routing_config: Path) -> None:
    with pytest.raises(RoutingError, match=r"routing\.default"):
        router(routing_config).resolve("welcome", frozenset({"postmark"}))


def test_unknown_type_without_default_is_a_clear_error(no_default_config: Path) -> None:
    with pytest.raises(RoutingError) as caught:
        router(no_default_config).resolve("welcome")
    message = str(caught.value)
    assert "no route for email type 'welcome'" in message
    assert "no routing.default" in message
    assert "password_reset" in message  # lists what is routed
    assert isinstance(caught.value, EspctlError)


def test_no_routing_section_is_a_clear_error(tmp_path: Path) -> None:
    start = ROUTING_CONFIG.index("routing:")
    path = write(tmp_path, ROUTING_CONFIG[:start])
    with pytest.raises(RoutingError, match=r"no routing rules and no routing\.default"):
        router(path).resolve("password_reset")


def test_empty_email_type_is_an_error(routing_config: Path) -> None:
    with pytest.raises(RoutingError, match="email type is needed"):
        router(routing_config).resolve("  ")


def test_from_config_needs_no_credentials(routing_config: Path) -> None:
    # RT_* variables are unset: lenient loading turns them into warnings, not errors
    assert router(routing_config).resolve("receipt").target == "postmark/receipts"


def test_invalid_config_is_a_config_error(tmp_path: Path) -> None:
    path = write(tmp_path, ROUTING_CONFIG.replace("to: postmark/receipts", "to: postmark/nope"))
    with pytest.raises(ConfigError, match="no message stream 'nope'"):
        router(path)


def test_router_from_a_loaded_model(routing_config: Path) -> None:
    loaded = load_config(routing_config, env={}, env_mode="lenient")
    r = Router(loaded.config)
    assert r.resolve("magic_link").target == "postmark/outbound"
    assert r.email_types == ("password_reset", "magic_link", "receipt", "newsletter")
    assert r.has_default


def test_route_json_contract(routing_config: Path) -> None:
    data = router(routing_config).resolve("password_reset", {"postmark"}).as_json()
    assert data == {
        "email_type": "password_reset",
        "matched_by": "rule",
        "rule": "auth-mail",
        "target": "mailgun/mg.acme-mail.com",
        "provider": "mailgun",
        "provider_type": "mailgun",
        "stream": None,
        "domain": "mg.acme-mail.com",
        "sender": "Acme <noreply@mg.acme-mail.com>",
        "tag": "password_reset",
        "fallbacks": [
            {
                "target": "backup/mg2.acme-mail.com",
                "provider": "backup",
                "provider_type": "mailgun",
                "stream": None,
                "domain": "mg2.acme-mail.com",
                "sender": None,
            }
        ],
        "skipped": ["postmark/outbound"],
    }


def test_table_lists_every_type_rule_and_default(routing_config: Path) -> None:
    table = router(routing_config).table()
    assert table["format"] == ROUTES_FORMAT
    assert table["default"]["target"] == "postmark/outbound"
    assert list(table["email_types"]) == ["password_reset", "magic_link", "receipt", "newsletter"]
    assert table["email_types"]["receipt"]["fallbacks"][0]["target"] == "backup/mg2.acme-mail.com"
    assert table["rules"] == [
        {
            "rule": "auth-mail",
            "email_types": ["password_reset", "magic_link"],
            "targets": [
                "postmark/outbound",
                "mailgun/mg.acme-mail.com",
                "backup/mg2.acme-mail.com",
            ],
        },
        {
            "rule": "rules[1]",
            "email_types": ["receipt"],
            "targets": ["postmark/receipts", "backup/mg2.acme-mail.com"],
        },
        {
            "rule": "marketing",
            "email_types": ["newsletter"],
            "targets": ["mailgun/news.acme-mail.com"],
        },
    ]


def test_table_without_default(no_default_config: Path) -> None:
    assert router(no_default_config).table()["default"] is None
    assert not router(no_default_config).has_default
