"""The Postmark part of the seeded account and of an account made for a config."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

from ..seed import ENGAGEMENT_URL, EVENTS_URL, random_dkim_key, random_hex
from .state import (
    PmDomain,
    PmHeader,
    PmSender,
    PmServer,
    PmStream,
    PmTriggers,
    PmWebhook,
    PostmarkAccount,
)

LEGACY_PM_URL = "https://legacy-monitor.acme-mail.com/postmark/bounces"
#: Postmark's docs suggest basic auth as URL userinfo; real accounts have such hooks
LEGACY_PM_USERINFO = "monitor:legacy-monitor-pw-2019"
#: the streams of a new Postmark server (id, name, type): postmark.js's integration test
#: counts three on a new server; the broadcast one's id and name are the UI's defaults
#: (that the API gives exactly these is UNCONFIRMED)
DEFAULT_STREAMS: tuple[tuple[str, str, str], ...] = (
    ("outbound", "Default Transactional Stream", "Transactional"),
    ("inbound", "Default Inbound Stream", "Inbound"),
    ("broadcast", "Default Broadcast Stream", "Broadcasts"),
)


def _stream(
    sid: str, name: str, stype: str, created_at: datetime, description: str | None = None
) -> PmStream:
    """A stream as Postmark makes it: broadcast streams handle unsubscribes themselves."""
    return PmStream.model_validate(
        {
            "id": sid,
            "name": name,
            "type": stype,
            "description": description,
            "created_at": created_at,
            "unsubscribe_handling": "Postmark" if stype == "Broadcasts" else "None",
        }
    )


def seed_postmark(rng: random.Random, now: datetime) -> PostmarkAccount:
    """The seeded Postmark account (drawn from ``rng``, after nothing).

    The server token's server "Acme Production"):
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
    """
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
        return _stream(sid, name, stype, created + timedelta(days=400 - days_ago), desc)

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
    return PostmarkAccount(
        server=server,
        streams=streams,
        webhooks=webhooks,
        senders=senders,
        domains=domains,
        next_webhook_id=4,
    )


def _rng(seed: int, name: str) -> random.Random:
    return random.Random(f"espctl-sandbox-blank:{seed}:{name}")


def blank_postmark(seed: int, now: datetime) -> PostmarkAccount:
    """One server ("Sandbox server") with the three streams every new server has
    (:data:`DEFAULT_STREAMS`) and nothing else: default tracking (opens off, links
    ``None``), no webhooks, no senders, no domains."""
    rng = _rng(seed, "server")
    server = PmServer(
        id=4_280_000 + rng.randrange(10_000),
        name="Sandbox server",
        inbound_hash=random_hex(rng, 32),
    )
    streams = [
        _stream(sid, name, stype, now - timedelta(days=30)) for sid, name, stype in DEFAULT_STREAMS
    ]
    return PostmarkAccount(server=server, streams=streams, webhooks=[], senders=[], domains=[])


def complete_postmark(
    postmark: PostmarkAccount, seed: int, now: datetime, held: tuple[object, ...]
) -> list[str]:
    """Add the sender domains ``held`` names (the domains of the config's default
    senders) that the account lacks, DKIM-, SPF- and Return-Path-verified, so a default
    sender check passes; the names added."""
    added: list[str] = []
    known = {d.name for d in postmark.domains}
    for name in sorted({str(n).lower() for n in held} - known):
        rng = _rng(seed, f"postmark:{name}")
        postmark.domains.append(
            PmDomain(
                id=1_950_000 + len(postmark.domains),
                name=name,
                spf_verified=True,
                dkim_verified=True,
                dkim_selector=f"{now:%Y%m%d}pm",
                dkim_key=random_dkim_key(rng),
                return_path_domain=f"pm-bounces.{name}",
                return_path_verified=True,
            )
        )
        added.append(f"postmark domain {name}")
    return added
