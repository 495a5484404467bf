"""The SendGrid part of the seeded account and of an account made for a config.

Seeded (drifted from the ``sendgrid`` block of ``examples/quickstart.yaml``):

- global account ``acme``: open tracking on (as declared), click tracking on with
  ``enable_text`` on (declared off: an update), subscription tracking off with
  SendGrid's default footers (declared on with ``[unsubscribe]``: an update), Google
  Analytics off (as declared);
- its Event Webhooks: the events collector URL without its basic auth, unsigned, with
  ``click`` missing and ``friendly_name`` unset (an update), and one made by another
  tool (``SG_ANALYTICS_URL``, friendly name "Segment", a token in its URL's userinfo:
  unmanaged). The engagement URL is absent (a create);
- authenticated domains ``em.acme-mail.com`` (valid) and ``links.acme-mail.com``
  (``mail_cname`` and ``dkim2`` do not validate); verified senders
  ``noreply@acme-mail.com`` (verified) and ``support@acme-mail.com`` (pending);
- subuser ``marketing`` with its own settings (opens off, one webhook of its own);
- EU account ``acme-eu`` on the legacy single-webhook API (its one webhook has no id).

Signed webhooks get real ECDSA P-256 keys, their scalars drawn from ``rng``.
"""

from __future__ import annotations

import random
import uuid
from datetime import datetime, timedelta

from cryptography.hazmat.primitives.asymmetric import ec

from ..seed import ENGAGEMENT_URL, EVENTS_URL
from .scopes import FULL_ACCESS
from .state import (
    SendGridAccount,
    SgAccount,
    SgDomain,
    SgSender,
    SgSubscription,
    SgTracking,
    SgUser,
    SgWebhook,
)
from .traffic import ACME, ACME_EU, MARKETING

#: an Event Webhook another tool (a CDP) set up, with its token in the URL
SG_ANALYTICS_URL = "https://segment:sg-token-4f2a@track.acme-mail.com/sendgrid/events"
SG_MARKETING_URL = "https://hooks.acme-mail.com/esp/marketing"
SG_EU_URL = "https://hooks.acme-mail.com/esp/eu-events"
_N = ec.SECP256R1().key_size  # for the scalar range (P-256's order is just below 2^256)


def _key(rng: random.Random) -> str:
    """An ECDSA P-256 private scalar (hex) from ``rng``: a real key pair, reproducible."""
    return format(rng.getrandbits(_N - 1) + 1, "x")


def _uuid(rng: random.Random) -> str:
    return str(uuid.UUID(int=rng.getrandbits(128), version=4))


def seed_sendgrid(rng: random.Random, now: datetime) -> SendGridAccount:
    """The seeded SendGrid part (drawn from ``rng`` after the providers before it)."""
    created = now - timedelta(days=200)
    collector = SgWebhook(
        id=_uuid(rng),
        url=EVENTS_URL,
        flags=["delivered", "spam_report", "bounce", "unsubscribe", "open"],
        created_date=created,
        updated_date=created + timedelta(days=3),
    )
    segment = SgWebhook(
        id=_uuid(rng),
        url=SG_ANALYTICS_URL,
        friendly_name="Segment",
        flags=["delivered", "open", "click", "processed"],
        signing_key=_key(rng),
        created_date=created + timedelta(days=40),
        updated_date=created + timedelta(days=40),
    )
    marketing = SgUser(
        username=MARKETING,
        user_id=7_310_002,
        tracking=SgTracking(open_enabled=False),
        webhooks=[
            SgWebhook(
                id=_uuid(rng),
                url=SG_MARKETING_URL,
                friendly_name="marketing",
                flags=["bounce", "spam_report", "unsubscribe", "group_unsubscribe"],
                created_date=created + timedelta(days=60),
                updated_date=created + timedelta(days=60),
            )
        ],
    )
    acme = SgAccount(
        username=ACME,
        user_id=7_310_001,
        tracking=SgTracking(
            open_enabled=True,
            click_enabled=True,
            click_enable_text=True,
            subscription=SgSubscription(enabled=False),
        ),
        webhooks=[collector, segment],
        domains=[
            SgDomain(
                id=14_001,
                user_id=7_310_001,
                domain="em.acme-mail.com",
                subdomain="em7301",
                username=ACME,
                default=True,
            ),
            SgDomain(
                id=14_002,
                user_id=7_310_001,
                domain="links.acme-mail.com",
                subdomain="em7302",
                username=ACME,
                invalid=["mail_cname", "dkim2"],
            ),
        ],
        senders=[
            SgSender(
                id=5_001,
                nickname="Acme",
                from_email="noreply@acme-mail.com",
                from_name="Acme",
                reply_to="support@acme-mail.com",
            ),
            SgSender(
                id=5_002,
                nickname="Support",
                from_email="support@acme-mail.com",
                from_name="Acme Support",
                reply_to="support@acme-mail.com",
                verified=False,
            ),
        ],
        subusers=[marketing],
    )
    eu = SgAccount(
        username=ACME_EU,
        user_id=7_320_001,
        webhook_mode="legacy",
        max_allowed=1,
        webhooks=[
            SgWebhook(
                id=None,
                url=SG_EU_URL,
                flags=["delivered", "bounce", "dropped"],
                signing_key=_key(rng),
                updated_date=created,
            )
        ],
        domains=[
            SgDomain(
                id=24_001,
                user_id=7_320_001,
                domain="eu.acme-mail.com",
                subdomain="em7321",
                username=ACME_EU,
                default=True,
            )
        ],
    )
    assert ENGAGEMENT_URL not in {h.url for h in acme.webhooks}  # the quick start creates it
    return SendGridAccount(accounts={"us": acme, "eu": eu}, scopes=list(FULL_ACCESS), next_id=1)


def blank_sendgrid(seed: int, now: datetime) -> SendGridAccount:
    """A new account in each region: SendGrid's default tracking, nothing else."""
    return SendGridAccount(
        accounts={
            "us": SgAccount(username=ACME, user_id=7_310_001),
            "eu": SgAccount(username=ACME_EU, user_id=7_320_001),
        },
        scopes=list(FULL_ACCESS),
    )


def complete_sendgrid(
    part: SendGridAccount, seed: int, now: datetime, held: tuple[object, ...]
) -> list[str]:
    """Authenticate (valid DNS) each domain a config's blocks name, in both regions."""
    lines: list[str] = []
    for name in sorted({str(h).lower() for h in held}):
        for region, account in part.accounts.items():
            if any(d.domain == name for d in account.domains):
                continue
            part.next_id += 1
            account.domains.append(
                SgDomain(
                    id=30_000 + part.next_id,
                    user_id=account.user_id,
                    domain=name,
                    subdomain=f"em{part.next_id}",
                    username=account.username,
                )
            )
            where = "global" if region == "us" else "EU"
            lines.append(f"SendGrid ({where}): authenticated domain {name}")
    return lines
