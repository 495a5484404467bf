"""The SES webhook mapping: one SNS event destination per (configuration set, URL), so
each URL receives exactly the events its entries name (SNS delivers every event type a
destination matches to every subscription of its topic)."""

from __future__ import annotations

from pathlib import Path

from espctl.model.common import Secret
from espctl.providers.ses import resources as ses
from tests.conftest import find, problems_for
from tests.providers.ses.helpers import CONFIG, ENV, load

TWO_HOOKS = (
    CONFIG
    + """\
  opens:
    url: https://analytics.acme-mail.com/opens
    events: [opened, clicked]
    targets: [ses/transactional]
"""
)


def _hooks(text: str) -> dict[str, list[str]]:
    _, desired = load(text)
    return {r.key: list(r.fields["events"]) for r in desired if r.kind == ses.KIND_WEBHOOK}


def test_the_config_block_as_resources() -> None:
    _, desired = load()
    by_kind = {(r.kind, r.key): r for r in desired}
    assert set(by_kind) == {
        (ses.KIND_IDENTITY, "mail.acme-mail.com"),
        (ses.KIND_CONFIGURATION_SET, "transactional"),
        (ses.KIND_WEBHOOK, "transactional https://hooks.acme-mail.com/esp/events"),
    }
    assert by_kind[(ses.KIND_CONFIGURATION_SET, "transactional")].fields == {
        "custom_redirect_domain": "click.acme-mail.com",
        "tls": "require",
        "reputation_metrics": True,
        "suppression": ["bounce", "complaint"],
    }
    hook = by_kind[(ses.KIND_WEBHOOK, "transactional https://hooks.acme-mail.com/esp/events")]
    assert hook.parent == "transactional"
    assert hook.sensitive == frozenset({"basic_auth_password"})
    password = hook.fields["basic_auth_password"]
    assert isinstance(password, Secret) and password.reveal() == "hook-pass-123"
    assert {k: v for k, v in hook.fields.items() if k != "basic_auth_password"} == {
        "events": ["BOUNCE", "COMPLAINT", "DELIVERY", "DELIVERY_DELAY"],
        "enabled": True,
        "basic_auth_username": "espctl",
    }


def test_two_webhooks_with_different_events_on_one_set_get_two_destinations() -> None:
    assert _hooks(TWO_HOOKS) == {
        "transactional https://hooks.acme-mail.com/esp/events": [
            "BOUNCE",
            "COMPLAINT",
            "DELIVERY",
            "DELIVERY_DELAY",
        ],
        "transactional https://analytics.acme-mail.com/opens": ["CLICK", "OPEN"],
    }
    names = {
        ses.destination_name("https://hooks.acme-mail.com/esp/events"),
        ses.destination_name("https://analytics.acme-mail.com/opens"),
    }
    assert len(names) == 2  # two destinations, two topics: no URL gets the other's events


def test_two_entries_for_one_url_on_one_set_are_refused(tmp_path: Path) -> None:
    """One URL of one set is one destination: validation asks to merge the entries
    rather than guess which credentials the subscription carries."""
    text = (
        CONFIG
        + """\
  more:
    url: https://hooks.acme-mail.com/esp/events
    events: [dropped, accepted]
    targets: [ses/transactional]
"""
    )
    problem = find(problems_for(tmp_path, text, env=ENV), "already sends to this URL")
    assert problem.message == (
        "webhook 'events' already sends to this URL from ses/transactional; merge the two "
        "(Amazon SES keys webhooks by configuration set and URL without its credentials)"
    )


def test_one_url_on_two_sets_is_one_destination_per_set() -> None:
    text = CONFIG.replace(
        "        suppression: [bounce, complaint]\n",
        "        suppression: [bounce, complaint]\n      marketing: {}\n",
    ).replace("targets: [ses/transactional]", "targets: [ses/transactional, ses/marketing]")
    hooks = _hooks(text)
    assert sorted(hooks) == [
        "marketing https://hooks.acme-mail.com/esp/events",
        "transactional https://hooks.acme-mail.com/esp/events",
    ]
    assert ses.topic_name("marketing", "u") != ses.topic_name("transactional", "u")


def test_rendering_failures_are_an_ses_option_of_a_webhook() -> None:
    text = TWO_HOOKS + "    ses: {rendering_failures: true}\n"
    assert _hooks(text)["transactional https://analytics.acme-mail.com/opens"] == [
        "CLICK",
        "OPEN",
        "RENDERING_FAILURE",
    ]


def test_the_naming_rule() -> None:
    identity = "https://hooks.acme-mail.com/esp/events"
    digest = ses.digest(identity)
    assert len(digest) == 12 and int(digest, 16) >= 0
    assert ses.destination_name(identity) == f"espctl-{digest}"
    assert ses.topic_name("transactional", identity) == f"espctl-transactional-{digest}"
    # within SES's and SNS's name limits for the longest set name
    assert len(ses.topic_name("x" * 64, identity)) <= 256
    assert len(ses.destination_name(identity)) <= 64
