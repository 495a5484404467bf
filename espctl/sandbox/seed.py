"""The deterministic seeded account: settings that drift from examples/quickstart.yaml.

Same ``seed`` and ``now`` -> byte-identical state. The drift is deliberate and listed in
the docstring of :func:`seed_account` so that end-to-end tests can assert exact plans.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from .state import (
    AccountState,
    MailgunAccount,
    MgAccountWebhook,
    MgDomain,
    MgTracking,
    PmDomain,
    PmHeader,
    PmSender,
    PmServer,
    PmStream,
    PmTriggers,
    PmWebhook,
    PostmarkAccount,
    today_utc,
)

EVENTS_URL = "https://hooks.acme-mail.com/esp/events"
ENGAGEMENT_URL = "https://hooks.acme-mail.com/esp/engagement"
LEGACY_PM_URL = "https://legacy-monitor.acme-mail.com/postmark/bounces"
#: Postmark's docs suggest basic auth as URL userinfo; real accounts have such hooks
LEGACY_PM_USERINFO = "monitor:legacy-monitor-pw-2019"
MG_OPENS_URL = "https://analytics.acme-mail.com/mailgun/opens"
MG_CLICKS_LEGACY_URL = "https://hooks.acme-mail.com/esp/clicks-legacy"
#: an account-level Mailgun webhook another team set up: it fires for every EU domain
MG_ACCOUNT_URL = "https://ops-monitor.acme-mail.com/mailgun/failures"
#: the streams of a new Postmark server (id, name, type): postmark.js's integration test
#: counts three on a new server; the broadcast one's id and name are the UI's defaults
#: (that the API gives exactly these is UNCONFIRMED)
DEFAULT_STREAMS: tuple[tuple[str, str, str], ...] = (
    ("outbound", "Default Transactional Stream", "Transactional"),
    ("inbound", "Default Inbound Stream", "Inbound"),
    ("broadcast", "Default Broadcast Stream", "Broadcasts"),
)


def random_hex(rng: random.Random, n: int) -> str:
    return "".join(rng.choice("0123456789abcdef") for _ in range(n))


def random_dkim_key(rng: random.Random) -> str:
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    return "MIGfMA0GCSqGSIb3DQEBAQUAA4GNADCBiQKBgQ" + "".join(
        rng.choice(alphabet) for _ in range(120)
    )


def seed_account(seed: int = 0, now: datetime | None = None) -> AccountState:
    """Build the seeded account.

    Postmark (server token's server "Acme Production"):
    - tracking ``TrackOpens=false``, ``TrackLinks="None"`` (quickstart: true/HtmlAndText);
    - streams ``outbound`` (Transactional, name "Default Transactional Stream"),
      ``inbound`` (Inbound) and ``broadcast`` (Broadcasts, "Default Broadcast Stream"),
      the three every new server has (:data:`DEFAULT_STREAMS`), ``newsletters``
      (Broadcasts, name "Newsletter"), and the unmanaged ``legacy-alerts``
      (Transactional); quickstart's ``receipts`` is missing;
    - webhooks: events-collector URL on ``outbound`` with only Delivery, Bounce and
      SpamComplaint enabled and basic auth ``esp``/``old-hook-password``; the engagement
      URL on ``newsletters`` exactly as quickstart declares it (Open, Click,
      SubscriptionChange, header ``X-Espctl-Source: engagement``); and an unmanaged
      Bounce webhook on ``legacy-alerts`` whose basic auth is URL userinfo (no HttpAuth);
    - senders ``noreply@acme-mail.com`` (confirmed) and ``billing@acmeshop.net``
      (unconfirmed); domains ``acme-mail.com`` (SPF, DKIM, Return-Path verified) and
      ``acmeshop.net`` (nothing verified).

    Mailgun: EU domains ``mg.acme-mail.com`` (active; clicks "htmlonly" where quickstart
    wants on), ``news.acme-mail.com`` (unverified, DNS "unknown"; unsubscribe on with the
    default text footer, which quickstart overrides), unmanaged ``alerts.acme-mail.com``
    and ``legacy.acme-mail.com`` (disabled); one US sandbox domain. Webhooks: the events
    collector URL on four events of ``mg.acme-mail.com`` without its basic auth, next to
    another integration's URL on ``opened`` (``MG_OPENS_URL``, which quickstart does not
    declare); the engagement URL on two of the three events quickstart gives it on
    ``news.acme-mail.com``, beside a legacy clicks URL; and one account-level EU webhook
    set up by another team (``MG_ACCOUNT_URL``: failures and complaints of every domain).
    """
    rng = random.Random(f"espctl-sandbox-seed:{seed}")
    now = now or today_utc()
    created = now - timedelta(days=400)

    server = PmServer(
        id=4_270_000 + rng.randrange(10_000),
        name="Acme Production",
        color="purple",
        inbound_hash=random_hex(rng, 32),
        track_opens=False,
        track_links="None",
    )

    def stream(sid: str, name: str, stype: str, days_ago: int, desc: str | None = None) -> PmStream:
        return PmStream.model_validate(
            {
                "id": sid,
                "name": name,
                "type": stype,
                "description": desc,
                "created_at": created + timedelta(days=400 - days_ago),
                "unsubscribe_handling": "Postmark" if stype == "Broadcasts" else "None",
            }
        )

    streams = [
        *(stream(sid, name, stype, 400) for sid, name, stype in DEFAULT_STREAMS),
        stream("newsletters", "Newsletter", "Broadcasts", 300, "Monthly product news"),
        stream("legacy-alerts", "Legacy alerts", "Transactional", 250, "Old monitoring"),
    ]
    webhooks = [
        PmWebhook(
            id=1,
            url=EVENTS_URL,
            message_stream="outbound",
            auth_username="esp",
            auth_password="old-hook-password",
            triggers=PmTriggers(delivery=True, bounce=True, spam_complaint=True),
        ),
        PmWebhook(
            id=2,
            url=ENGAGEMENT_URL,
            message_stream="newsletters",
            headers=[PmHeader(name="X-Espctl-Source", value="engagement")],
            triggers=PmTriggers(open=True, click=True, subscription_change=True),
        ),
        PmWebhook(
            id=3,
            url=LEGACY_PM_URL.replace("://", f"://{LEGACY_PM_USERINFO}@", 1),
            message_stream="legacy-alerts",
            triggers=PmTriggers(bounce=True, bounce_include_content=True),
        ),
    ]
    senders = [
        PmSender(
            id=3_100_000 + rng.randrange(1000),
            email="noreply@acme-mail.com",
            name="Acme",
            confirmed=True,
            spf_verified=True,
            dkim_verified=True,
            return_path_domain="pm-bounces.acme-mail.com",
            return_path_verified=True,
        ),
        PmSender(
            id=3_101_000 + rng.randrange(1000),
            email="billing@acmeshop.net",
            name="Acme Billing",
            confirmed=False,
            spf_verified=False,
            dkim_verified=False,
        ),
    ]
    domains = [
        PmDomain(
            id=1_900_000 + rng.randrange(1000),
            name="acme-mail.com",
            spf_verified=True,
            dkim_verified=True,
            dkim_selector="20230601pm",
            dkim_key=random_dkim_key(rng),
            return_path_domain="pm-bounces.acme-mail.com",
            return_path_verified=True,
        ),
        PmDomain(
            id=1_901_000 + rng.randrange(1000),
            name="acmeshop.net",
            spf_verified=False,
            dkim_verified=False,
            dkim_selector="20240110pm",
            dkim_key=random_dkim_key(rng),
        ),
    ]
    postmark = PostmarkAccount(
        server=server,
        streams=streams,
        webhooks=webhooks,
        senders=senders,
        domains=domains,
        next_webhook_id=4,
    )

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
    return AccountState(seed=seed, now=now, postmark=postmark, mailgun=mailgun)
