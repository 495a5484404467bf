"""The Mailgun part of the seeded account and of an account made for a config."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from ..seed import ENGAGEMENT_URL, EVENTS_URL, random_dkim_key, random_hex
from ..state import Region
from .state import MailgunAccount, MgAccountWebhook, MgDomain, MgTracking

MG_OPENS_URL = "https://analytics.acme-mail.com/mailgun/opens"
MG_CLICKS_LEGACY_URL = "https://hooks.acme-mail.com/esp/clicks-legacy"
#: an account-level Mailgun webhook another team set up: it fires for every EU domain
MG_ACCOUNT_URL = "https://ops-monitor.acme-mail.com/mailgun/failures"


def seed_mailgun(rng: random.Random, now: datetime) -> MailgunAccount:
    """The seeded Mailgun account (drawn from ``rng`` after the providers before it).

    EU domains ``mg.acme-mail.com`` (active; clicks "htmlonly" where quickstart
    wants on), ``news.acme-mail.com`` (unverified, DNS "unknown"; unsubscribe on with the
    default text footer, which quickstart overrides), unmanaged ``alerts.acme-mail.com``
    and ``legacy.acme-mail.com`` (disabled); one US sandbox domain. Webhooks: the events
    collector URL on four events of ``mg.acme-mail.com`` without its basic auth, next to
    another integration's URL on ``opened`` (``MG_OPENS_URL``, which quickstart does not
    declare); the engagement URL on two of the three events quickstart gives it on
    ``news.acme-mail.com``, beside a legacy clicks URL; and one account-level EU webhook
    set up by another team (``MG_ACCOUNT_URL``: failures and complaints of every domain).
    """

    def mg_domain(name: str, region: str, state: str, days_ago: int, **extra: object) -> MgDomain:
        data: dict[str, object] = {
            "id": random_hex(rng, 24),
            "name": name,
            "region": region,
            "state": state,
            "created_at": now - timedelta(days=days_ago),
            "dkim_key": random_dkim_key(rng),
        }
        data.update(extra)
        return MgDomain.model_validate(data)

    mailgun = MailgunAccount(
        domains=[
            mg_domain(
                "mg.acme-mail.com",
                "eu",
                "active",
                380,
                tracking=MgTracking(open_active=True, click_active="htmlonly"),
                webhooks={
                    "delivered": [EVENTS_URL],
                    "permanent_fail": [EVENTS_URL],
                    "complained": [EVENTS_URL],
                    "opened": [EVENTS_URL, MG_OPENS_URL],
                },
            ),
            mg_domain(
                "news.acme-mail.com",
                "eu",
                "unverified",
                20,
                dns_valid="unknown",
                tracking=MgTracking(
                    open_active=True, click_active="htmlonly", unsubscribe_active=True
                ),
                webhooks={
                    "opened": [ENGAGEMENT_URL],
                    "clicked": [MG_CLICKS_LEGACY_URL],
                    "unsubscribed": [ENGAGEMENT_URL],
                },
            ),
            mg_domain(
                "alerts.acme-mail.com",
                "eu",
                "active",
                700,
                tracking=MgTracking(),
                webhooks={"permanent_fail": ["https://status.acme-mail.com/hooks/mailgun"]},
            ),
            mg_domain("legacy.acme-mail.com", "eu", "disabled", 1200),
            mg_domain(
                f"sandbox{random_hex(rng, 32)}.mailgun.org",
                "us",
                "active",
                1300,
                type="sandbox",
            ),
        ]
    )
    mailgun.account_webhooks.append(
        MgAccountWebhook(
            id=random_hex(rng, 24),
            region="eu",
            url=MG_ACCOUNT_URL,
            event_types=["permanent_fail", "temporary_fail", "complained"],
            description="Ops monitoring: failures on every domain",
            created_at=now - timedelta(days=90),
        )
    )
    return mailgun


def blank_mailgun(seed: int, now: datetime) -> MailgunAccount:
    """No domains, no webhooks (:func:`complete_mailgun` adds the config's domains)."""
    return MailgunAccount(domains=[])


def complete_mailgun(
    mailgun: MailgunAccount, seed: int, now: datetime, held: tuple[object, ...]
) -> list[str]:
    """Add the (domain, region) pairs ``held`` names that the account lacks, each active,
    its sending DNS records valid, default tracking, no webhooks; the names added."""
    added: list[str] = []
    wanted: set[tuple[str, Region]] = set()
    for item in held:
        match item:
            case (str(name), "us" | "eu" as region):
                wanted.add((name.lower(), region))
            case _:
                raise ValueError(f"not a (domain, region) pair: {item!r}")
    for name, region in sorted(wanted):
        if mailgun.find(name, region) is not None:
            continue
        rng = random.Random(f"espctl-sandbox-blank:{seed}:mailgun:{region}:{name}")
        mailgun.domains.append(
            MgDomain.model_validate(
                {
                    "id": random_hex(rng, 24),
                    "name": name,
                    "region": region,
                    "state": "active",
                    "created_at": now - timedelta(days=30),
                    "dkim_key": random_dkim_key(rng),
                }
            )
        )
        added.append(f"mailgun domain {name} ({region})")
    return added
