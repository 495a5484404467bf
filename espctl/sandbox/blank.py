"""An account made for a config, with nothing configured: a plan against it is meaningful.

The demo's seeded account (:mod:`.seed`) is Acme's, drifted on purpose; a plan of any
other config against it shows Acme's domains missing and Acme's streams unmanaged. For a
pull request from a fork (no secrets, so no real account) the useful question is "what
would this config change on an account that has its domains and nothing else?". This
module builds that account from an :class:`AccountSpec`:

- Postmark: one server ("Sandbox server") with the three streams every new server has
  (:data:`.seed.DEFAULT_STREAMS`) and nothing else: default tracking (opens off, links
  ``None``), no webhooks; the sender domains named are DKIM-, SPF- and
  Return-Path-verified, so a default sender check passes;
- Mailgun: each named domain in its region, active, sending DNS records valid, default
  tracking, no webhooks.

The spec is neutral data (names and regions): the sandbox imports nothing from
``espctl.config``, so the caller (``espctl.session``) describes the config in these
terms. A config read this way goes through espctl's own loader first (limits, schema,
positions in errors), rather than a second, laxer YAML reader here.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime, timedelta

from .seed import DEFAULT_STREAMS, random_dkim_key, random_hex
from .state import (
    AccountState,
    MailgunAccount,
    MgDomain,
    PmDomain,
    PmServer,
    PmStream,
    PostmarkAccount,
    Region,
    today_utc,
)


@dataclass(frozen=True)
class AccountSpec:
    """What an account made for a config holds, in plain names.

    ``mailgun_domains``: (domain, region) pairs, region ``us`` or ``eu``;
    ``postmark_domains``: the domains of the Postmark default senders.
    """

    mailgun_domains: tuple[tuple[str, Region], ...] = ()
    postmark_domains: tuple[str, ...] = ()


def _rng(seed: int, name: str) -> random.Random:
    return random.Random(f"espctl-sandbox-blank:{seed}:{name}")


def account_for(spec: AccountSpec, seed: int = 0, now: datetime | None = None) -> AccountState:
    """A fresh account holding what ``spec`` names and nothing configured (see module)."""
    now = now or today_utc()
    rng = _rng(seed, "server")
    server = PmServer(
        id=4_280_000 + rng.randrange(10_000),
        name="Sandbox server",
        inbound_hash=random_hex(rng, 32),
    )
    streams = [
        PmStream.model_validate(
            {
                "id": sid,
                "name": name,
                "type": stype,
                "created_at": now - timedelta(days=30),
                "unsubscribe_handling": "Postmark" if stype == "Broadcasts" else "None",
            }
        )
        for sid, name, stype in DEFAULT_STREAMS
    ]
    state = AccountState(
        seed=seed,
        now=now,
        postmark=PostmarkAccount(
            server=server, streams=streams, webhooks=[], senders=[], domains=[]
        ),
        mailgun=MailgunAccount(domains=[]),
    )
    complete(state, spec)
    return state


def complete(state: AccountState, spec: AccountSpec) -> list[str]:
    """Add the domains ``spec`` names that ``state`` lacks; the names added, in order.

    Run on every load of a state made for a config, so a domain the config gains later
    exists too (domains are the one thing espctl cannot create). Nothing is removed.
    """
    added: list[str] = []
    postmark = state.postmark
    known = {d.name for d in postmark.domains}
    for name in sorted({n.lower() for n in spec.postmark_domains} - known):
        rng = _rng(state.seed, f"postmark:{name}")
        postmark.domains.append(
            PmDomain(
                id=1_950_000 + len(postmark.domains),
                name=name,
                spf_verified=True,
                dkim_verified=True,
                dkim_selector=f"{state.now:%Y%m%d}pm",
                dkim_key=random_dkim_key(rng),
                return_path_domain=f"pm-bounces.{name}",
                return_path_verified=True,
            )
        )
        added.append(f"postmark domain {name}")
    mailgun = state.mailgun
    for name, region in sorted({(n.lower(), r) for n, r in spec.mailgun_domains}):
        if mailgun.find(name, region) is not None:
            continue
        rng = _rng(state.seed, f"mailgun:{region}:{name}")
        mailgun.domains.append(
            MgDomain.model_validate(
                {
                    "id": random_hex(rng, 24),
                    "name": name,
                    "region": region,
                    "state": "active",
                    "created_at": state.now - timedelta(days=30),
                    "dkim_key": random_dkim_key(rng),
                }
            )
        )
        added.append(f"mailgun domain {name} ({region})")
    return added
