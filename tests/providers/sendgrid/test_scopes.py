"""The scope names espctl and its sandbox use are SendGrid's own: each is in the
documented "API Key Permissions" list (the part of its admin list covering the areas
espctl touches, quoted below), except ``verified_senders.read``, which the list does
not have and espctl marks UNCONFIRMED (never required up front)."""

from __future__ import annotations

from espctl.providers.sendgrid import scopes as sc
from espctl.providers.sendgrid.resources import TRACKING_SETTINGS
from espctl.sandbox.sendgrid.scopes import FULL_ACCESS
from tests.providers.sendgrid.conftest import api

#: from SendGrid's API Key Permissions page (admin list): the categories, mail, stats,
#: suppression, tracking, event webhook and whitelabel scopes, verbatim
DOCUMENTED = frozenset(
    {
        "categories.create",
        "categories.delete",
        "categories.read",
        "categories.stats.read",
        "categories.stats.sums.read",
        "categories.update",
        "mail.send",
        "stats.global.read",
        "stats.read",
        "suppression.blocks.read",
        "suppression.bounces.read",
        "suppression.read",
        "tracking_settings.click.read",
        "tracking_settings.click.update",
        "tracking_settings.google_analytics.read",
        "tracking_settings.google_analytics.update",
        "tracking_settings.open.read",
        "tracking_settings.open.update",
        "tracking_settings.read",
        "tracking_settings.subscription.read",
        "tracking_settings.subscription.update",
        "user.webhooks.event.settings.read",
        "user.webhooks.event.settings.update",
        "user.webhooks.event.test.create",
        "user.webhooks.event.test.read",
        "user.webhooks.event.test.update",
        "whitelabel.create",
        "whitelabel.delete",
        "whitelabel.read",
        "whitelabel.update",
    }
)
UNCONFIRMED = frozenset({sc.SENDERS_READ})


def test_every_scope_the_client_names_is_documented() -> None:
    client = api(domains=["em.acme-mail.com"])
    named = client.read_scopes((), everything=True)
    for setting in TRACKING_SETTINGS:
        named.update(sc.tracking_scopes(setting))
    named.update(
        {
            sc.WEBHOOKS_UPDATE,
            sc.DOMAINS_READ,
            sc.STATS_READ,
            sc.CATEGORY_STATS_READ,
            sc.BOUNCES_READ,
            sc.BLOCKS_READ,
        }
    )
    assert named - DOCUMENTED == set()
    assert len(named) == 15


def test_the_sandbox_scopes_are_documented_but_the_sender_one() -> None:
    assert set(FULL_ACCESS) - DOCUMENTED == UNCONFIRMED
    assert UNCONFIRMED.isdisjoint(DOCUMENTED)


def test_the_unconfirmed_sender_scope_is_never_required_up_front() -> None:
    client = api(default_sender="Acme <noreply@acme-mail.com>", domains=["acme-mail.com"])
    assert sc.SENDERS_READ not in client.read_scopes((), everything=True)
    assert sc.SENDERS_READ not in client.needed_scopes(())
