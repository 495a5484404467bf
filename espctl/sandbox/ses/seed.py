"""The Amazon SES part of the seeded account and of an account made for a config.

The seeded account (AWS account ``111122223333``, production access, VDM on) drifts
from the ``ses`` block of ``examples/quickstart.yaml`` so that plans are exact:

- identities: ``mail.acme-mail.com`` (verified, DKIM signing), ``acme-mail.com``
  (verification and DKIM pending: a warning check) and ``noreply@acme-mail.com``;
- configuration set ``transactional``: TLS ``OPTIONAL`` where the quick start requires
  it, suppression of bounces only where it wants complaints too, and options set by
  other tools that no config names (HTTPS policy ``REQUIRE_OPEN_ONLY``, a dedicated
  pool, VDM dashboard options, tags); its destinations: espctl's for the events
  collector (topic ``espctl-transactional-efb377d0665f``, publishing three of the six
  event types the quick start declares, its HTTPS subscription with basic-auth
  credentials in the URL pending confirmation since a day before ``now``: SNS deletes
  it 48 hours after it was made), an EventBridge destination and a CloudWatch
  one another team made (unmanaged, shown);
- configuration set ``marketing`` (not in the quick start) with espctl's destination for
  the engagement URL (opens, clicks, unsubscribes; subscription confirmed) and a
  disabled SNS destination to another team's topic ``acme-ses-alerts`` (an email
  subscription, confirmed).
"""

from __future__ import annotations

import hashlib
import random
from datetime import datetime, timedelta

from ..seed import ENGAGEMENT_URL, EVENTS_URL, random_hex
from .state import (
    SesAccount,
    SesConfigurationSet,
    SesDestination,
    SesIdentity,
    SnsSubscription,
    SnsTopic,
)

REGION = "eu-west-1"
ACCOUNT = "111122223333"
#: the password of the events collector's seeded subscription URL
SEEDED_HOOK_PASSWORD = "sandbox-hook-password"


def espctl_names(configuration_set: str, url: str) -> tuple[str, str]:
    """espctl's naming rule (README "Amazon SES"): destination ``espctl-<d>`` and topic
    ``espctl-<set>-<d>``, ``d`` the first 12 hex digits of the SHA-256 of the URL
    without credentials. Restated here (the sandbox never imports espctl's providers);
    a test checks both agree."""
    digest = hashlib.sha256(url.encode()).hexdigest()[:12]
    return f"espctl-{digest}", f"espctl-{configuration_set}-{digest}"


def _tokens(rng: random.Random) -> list[str]:
    return [random_hex(rng, 32) for _ in range(3)]


def seed_ses(rng: random.Random, now: datetime) -> SesAccount:
    """The seeded SES account (module docstring)."""
    arn = f"arn:aws:sns:{REGION}:{ACCOUNT}"
    destination, topic = espctl_names("transactional", EVENTS_URL)
    scheme, rest = EVENTS_URL.split("://", 1)
    endpoint = f"{scheme}://esp:{SEEDED_HOOK_PASSWORD}@{rest}"
    engagement, engagement_topic = espctl_names("marketing", ENGAGEMENT_URL)
    return SesAccount(
        account_id=ACCOUNT,
        sent_last_24h=float(rng.randrange(200, 900)),
        identities=[
            SesIdentity(
                name="mail.acme-mail.com",
                verification_status="SUCCESS",
                dkim_tokens=_tokens(rng),
                mail_from_domain="bounce.mail.acme-mail.com",
                mail_from_status="SUCCESS",
            ),
            SesIdentity(
                name="acme-mail.com",
                verification_status="PENDING",
                dkim_status="PENDING",
                dkim_tokens=_tokens(rng),
            ),
            SesIdentity(
                name="noreply@acme-mail.com",
                type="EMAIL_ADDRESS",
                verification_status="SUCCESS",
                dkim_status="NOT_STARTED",
                dkim_signing=False,
            ),
        ],
        configuration_sets=[
            SesConfigurationSet(
                name="transactional",
                custom_redirect_domain="click.acme-mail.com",
                https_policy="REQUIRE_OPEN_ONLY",
                tls_policy="OPTIONAL",
                sending_pool="acme-dedicated",
                max_delivery_seconds=28800,
                reputation_metrics=True,
                suppressed_reasons=["BOUNCE"],
                tags=[("team", "platform"), ("cost-center", "email")],
                vdm_engagement="ENABLED",
                vdm_shared_delivery="DISABLED",
                destinations=[
                    SesDestination(
                        name=destination,
                        event_types=["DELIVERY", "BOUNCE", "COMPLAINT"],
                        type="sns",
                        arn=f"{arn}:{topic}",
                    ),
                    SesDestination(
                        name="crm-eventbridge",
                        event_types=["SEND", "DELIVERY", "BOUNCE", "COMPLAINT", "CLICK"],
                        type="eventbridge",
                        arn=f"arn:aws:events:{REGION}:{ACCOUNT}:event-bus/default",
                    ),
                    SesDestination(
                        name="ses-metrics",
                        event_types=["SEND", "DELIVERY", "BOUNCE", "COMPLAINT", "REJECT"],
                        type="cloudwatch",
                        dimensions=[("ses:configuration-set", "MESSAGE_TAG", "none")],
                    ),
                ],
            ),
            SesConfigurationSet(
                name="marketing",
                tls_policy="REQUIRE",
                suppressed_reasons=["BOUNCE", "COMPLAINT"],
                destinations=[
                    SesDestination(
                        name=engagement,
                        event_types=["OPEN", "CLICK", "SUBSCRIPTION"],
                        type="sns",
                        arn=f"{arn}:{engagement_topic}",
                    ),
                    SesDestination(
                        name="alerts",
                        enabled=False,
                        event_types=["BOUNCE", "COMPLAINT", "REJECT"],
                        type="sns",
                        arn=f"{arn}:acme-ses-alerts",
                    ),
                ],
            ),
        ],
        topics=[
            SnsTopic(
                arn=f"{arn}:{topic}",
                tags=[("managed-by", "espctl")],
                subscriptions=[
                    SnsSubscription(
                        arn=f"{arn}:{topic}:0c5e1f7a-5e5a-4b0c-9d1e-{random_hex(rng, 12)}",
                        protocol="https",
                        endpoint=endpoint,
                        confirmed=False,
                        # subscribed a day ago: still pending, 24 hours before SNS
                        # would delete it
                        created=now - timedelta(days=1),
                    )
                ],
            ),
            SnsTopic(
                arn=f"{arn}:{engagement_topic}",
                tags=[("managed-by", "espctl")],
                subscriptions=[
                    SnsSubscription(
                        arn=f"{arn}:{engagement_topic}:7a2c4e6d-5e5a-4b0c-9d1e-"
                        + random_hex(rng, 12),
                        protocol="https",
                        endpoint=ENGAGEMENT_URL,
                    )
                ],
            ),
            SnsTopic(
                arn=f"{arn}:acme-ses-alerts",
                tags=[("team", "ops")],
                subscriptions=[
                    SnsSubscription(
                        arn=f"{arn}:acme-ses-alerts:3f1d2b9c-5e5a-4b0c-9d1e-{random_hex(rng, 12)}",
                        protocol="email",
                        endpoint="ops@acme-mail.com",
                    )
                ],
            ),
        ],
    )


def blank_ses(seed: int, now: datetime) -> SesAccount:
    """A new AWS account's SES: in the SES sandbox (no production access: 200 messages
    a day, one a second), VDM off (the report reads CloudWatch), no identity, no
    configuration set, no topic."""
    return SesAccount(
        production_access=False,
        max_24h_send=200.0,
        max_send_rate=1.0,
        vdm_enabled=False,
    )


def complete_ses(part: SesAccount, seed: int, now: datetime, held: tuple[object, ...]) -> list[str]:
    """Add the identities a config declares (``held``: their names), verified; a line
    per addition."""
    lines: list[str] = []
    for name in held:
        if not isinstance(name, str) or part.identity(name) is not None:
            continue
        is_domain = "@" not in name
        rng = random.Random(f"espctl-sandbox-ses:{seed}:{name}")
        part.identities.append(
            SesIdentity(
                name=name,
                type="DOMAIN" if is_domain else "EMAIL_ADDRESS",
                verification_status="SUCCESS",
                dkim_status="SUCCESS" if is_domain else "NOT_STARTED",
                dkim_signing=is_domain,
                dkim_tokens=_tokens(rng) if is_domain else [],
            )
        )
        lines.append(f"ses: identity {name} (verified)")
    return lines
