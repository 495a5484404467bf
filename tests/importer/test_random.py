"""Randomized accounts: import, then plan is empty (seeded generator, a few dozen cases).

The generator is per provider (:func:`randomize_postmark`, :func:`randomize_mailgun`): the
contract suite's harnesses use it for their 24 random accounts each.

Each case mutates :func:`espctl.sandbox.seed_account`'s state: many Mailgun domains with
tracking variations and odd footers, odd webhook URLs (ports, paths, query strings,
trailing slashes, localhost over http), every trigger/event combination over the run,
basic auth on some webhooks (canary passwords, some needing percent-encoding), headers
and trigger options on Postmark webhooks, extra and archived streams.
"""

from __future__ import annotations

import itertools
import random
from datetime import timedelta
from pathlib import Path
from urllib.parse import quote

import pytest

from espctl.sandbox import AccountState, load_state, seed_account
from espctl.sandbox.mailgun.state import (
    MAILGUN_WEBHOOK_EVENTS,
    MgAccountWebhook,
    MgDomain,
    MgTracking,
)
from espctl.sandbox.postmark.state import PmHeader, PmStream, PmTriggers, PmWebhook
from espctl.sandbox.sendgrid.state import (
    WEBHOOK_FLAGS,
    SgAnalytics,
    SgDomain,
    SgSubscription,
    SgTracking,
    SgWebhook,
)
from espctl.sandbox.sendgrid.wire import new_signing_key
from espctl.sandbox.ses.seed import espctl_names
from espctl.sandbox.ses.state import (
    SesConfigurationSet,
    SesDestination,
    SesIdentity,
    SnsSubscription,
    SnsTopic,
)
from tests.importer.conftest import (
    CANARY,
    api_import,
    api_plan,
    assert_no_canary,
    changes_text,
    hook_env,
    write_state,
)

URLS = [
    "https://hooks.example.com/esp/events",
    "https://hooks.example.com:8443/esp/events",
    "https://other.example.net/esp/events",
    "https://hooks.example.com/esp/events/",
    "https://hooks.example.com/esp/events?source=espctl&v=2",
    "https://h.example.org",
    "https://h.example.org/",
    "https://api.example.io/v1/hooks/MailGun/Opens",
    "https://x.example.com/a%20b/c?d=%2F&e=",
    "https://x.example.com/p;params?q#frag",
    "http://localhost:9000/hook",
    "http://127.0.0.1:8080/x?y=1",
    "https://über.example.de/hook",
    "https://hooks.example.com/-/--/",
]
FOOTERS = [
    "",
    "\n\nUnsubscribe: %unsubscribe_url%\n",
    '\n<br>\n<p><a href="%unsubscribe_url%">unsubscribe</a></p>\n',
    "  leading and trailing spaces  ",
    "yes",
    "null",
    "# not a comment: really",
    "{braces} [brackets], commas & 'quotes' \"double\"",
    "tab\there, unicode ✓ ünïcödé, emoji 📬",
    "%unsubscribe_url%",
    "- dash\n- list\n",
    "line1\r\nline2\u2028line3",
]
TRIGGERS = ("open", "click", "delivery", "bounce", "spam_complaint", "subscription_change")
STREAM_TEXT = ["Alerts", "Ops: pager", "yes", "  padded  ", "Ünïcode ✓", "100%", "a, b [c]"]


def _userinfo(url: str, username: str, password: str) -> str:
    scheme, rest = url.split("://", 1)
    return f"{scheme}://{quote(username, safe='')}:{quote(password, safe='')}@{rest}"


def random_account(seed: int) -> AccountState:
    """The seeded account with every provider's part randomized (reproducible by seed)."""
    rng = random.Random(seed)
    state = seed_account(seed=seed)
    randomize_postmark(rng, state, seed)
    randomize_mailgun(rng, state, seed)
    randomize_sendgrid(rng, state, seed)
    return state


def randomize_postmark(rng: random.Random, state: AccountState, seed: int) -> None:
    """Server tracking, extra and archived streams, webhooks with every trigger mix,
    basic auth, headers and trigger options."""
    pm = state.postmark
    pm.server.track_opens = rng.random() < 0.5
    pm.server.track_links = rng.choice(["None", "HtmlAndText", "HtmlOnly", "TextOnly"])
    # streams: up to 10 including outbound and inbound; sometimes an archived one
    for i in range(rng.randrange(0, 5)):
        kind = rng.choice(["Transactional", "Broadcasts"])
        pm.streams.append(
            PmStream(
                id=f"s{seed}-{i}",
                name=rng.choice(STREAM_TEXT),
                description=rng.choice([None, "", *STREAM_TEXT]),
                type=kind,  # type: ignore[arg-type]
                created_at=state.now - timedelta(days=10),
                archived_at=state.now if rng.random() < 0.15 else None,
                unsubscribe_handling="Postmark" if kind == "Broadcasts" else "None",
            )
        )
    streams = [s for s in pm.streams if s.type != "Inbound"]
    hook_id = 100
    for stream in streams:
        for url in rng.sample(URLS, rng.randrange(0, 4)):
            allowed = [
                t
                for t in TRIGGERS
                if stream.type != "Broadcasts" or t not in ("bounce", "spam_complaint")
            ]
            chosen = rng.sample(allowed, rng.randrange(1, len(allowed) + 1))
            content = rng.random() < 0.3
            mixed = rng.random() < 0.1  # cannot be said in config: warned, left unmanaged
            triggers = PmTriggers(
                **dict.fromkeys(chosen, True),
                open_post_first_open_only=rng.random() < 0.3,
                bounce_include_content=content,
                spam_complaint_include_content=content != mixed,
            )
            auth = rng.random() < 0.3
            headers = (
                [PmHeader(name="X-Source", value=rng.choice(["espctl", "a: b", "yes"]))]
                if rng.random() < 0.3
                else []
            )
            pm.webhooks.append(
                PmWebhook(
                    id=hook_id,
                    url=url,
                    message_stream=stream.id,
                    auth_username=rng.choice(["esp", "hook user"]) if auth else None,
                    auth_password=f"{CANARY}-pm-{rng.randrange(3)}" if auth else None,
                    headers=headers,
                    triggers=triggers,
                )
            )
            hook_id += 1


def randomize_mailgun(rng: random.Random, state: AccountState, seed: int) -> None:
    """Many domains in both regions and every state, tracking variations, webhook URLs
    with userinfo, account-level webhooks."""
    # Mailgun: many domains, both regions, every state, tracking variations
    template = state.mailgun.domains[0]
    for i in range(rng.randrange(5, 25)):
        tracking = MgTracking(
            open_active=rng.random() < 0.6,
            click_active=rng.choice(["true", "false", "htmlonly"]),
            unsubscribe_active=rng.random() < 0.4,
            html_footer=rng.choice([MgTracking().html_footer] * 3 + FOOTERS),
            text_footer=rng.choice([MgTracking().text_footer] * 3 + FOOTERS),
        )
        webhooks: dict[str, list[str]] = {}
        # one receiver URL has one set of credentials on a domain (a second set is a
        # copy of it: tests/importer/test_e2e.py covers that)
        with_auth: dict[str, str] = {}
        for event in rng.sample(MAILGUN_WEBHOOK_EVENTS, rng.randrange(0, 9)):
            urls = rng.sample(URLS, rng.randrange(1, 4))
            for j, url in enumerate(urls):
                if url not in with_auth:
                    password = rng.choice([f"{CANARY}-mg", f"{CANARY}:p@ss/w?rd#%"])
                    user = rng.choice(["esp", "mg user"])
                    with_auth[url] = _userinfo(url, user, password) if rng.random() < 0.2 else url
                urls[j] = with_auth[url]
            webhooks[event] = urls
        state.mailgun.domains.append(
            MgDomain(
                id=f"{seed:04d}{i:020d}",
                name=f"d{i}-{rng.choice(['mail', 'news', 'mg'])}.example{seed}.com",
                region=rng.choice(["eu", "eu", "us"]),  # type: ignore[arg-type]
                state=rng.choice(["active", "active", "unverified", "disabled"]),  # type: ignore[arg-type]
                created_at=template.created_at,
                dkim_key=template.dkim_key,
                dns_valid=rng.choice(["valid", "unknown"]),  # type: ignore[arg-type]
                tracking=tracking,
                webhooks=webhooks,
            )
        )
    # account-level webhooks in both regions, some with basic auth as userinfo; at most
    # 3 URLs per event (the seeded account has one in the EU already)
    for region, most in (("eu", 2), ("us", 3)):
        for j, bare in enumerate(rng.sample(URLS, rng.randrange(0, most + 1))):
            with_auth = rng.random() < 0.3
            state.mailgun.account_webhooks.append(
                MgAccountWebhook(
                    id=f"{region}{seed:04d}{j:04d}",
                    region=region,  # type: ignore[arg-type]
                    url=_userinfo(bare, "acct", f"{CANARY}-acct") if with_auth else bare,
                    event_types=rng.sample(MAILGUN_WEBHOOK_EVENTS, rng.randrange(1, 9)),  # type: ignore[arg-type]
                    description=rng.choice(["", "Segment", "ops: failures"]),
                    created_at=state.now,
                )
            )


def randomize_sendgrid(rng: random.Random, state: AccountState, seed: int) -> None:
    """The global account: tracking variations (odd footers, utm values), up to ten
    Event Webhooks with every flag mix, odd URLs (some with a canary password in their
    userinfo), friendly names or none, signed or not, enabled or not; more domains."""
    account = state.sendgrid.accounts["us"]
    account.tracking = SgTracking(
        open_enabled=rng.random() < 0.5,
        click_enabled=rng.random() < 0.5,
        click_enable_text=rng.random() < 0.5,
        subscription=SgSubscription(
            enabled=rng.random() < 0.5,
            html_content=rng.choice([SgSubscription().html_content, *FOOTERS]),
            plain_content=rng.choice([SgSubscription().plain_content, *FOOTERS]),
            replace=rng.choice(["", "[unsubscribe]", *STREAM_TEXT]),
            url=rng.choice(["", "https://acme-mail.com/unsubscribe"]),
            landing=rng.choice(["", "<p>bye</p>"]),
        ),
        google_analytics=SgAnalytics(
            enabled=rng.random() < 0.5,
            utm_source=rng.choice(["", "sendgrid", "yes"]),
            utm_campaign=rng.choice(["", "spring sale", "100%"]),
        ),
    )
    account.max_allowed = 10
    taken = {h.url for h in account.webhooks}
    for j, bare in enumerate(rng.sample(URLS, rng.randrange(0, 9))):
        with_auth = rng.random() < 0.25
        password = rng.choice([f"{CANARY}-sg", f"{CANARY}:p@ss/w?rd#%"])
        url = _userinfo(bare, "sg user", password) if with_auth else bare
        if url in taken:
            continue
        taken.add(url)
        account.webhooks.append(
            SgWebhook(
                id=f"{seed:04d}-{j:04d}-random",
                url=url,
                enabled=rng.random() < 0.8,
                friendly_name=rng.choice([None, "", "Segment", *STREAM_TEXT]),
                flags=rng.sample(WEBHOOK_FLAGS, rng.randrange(0, len(WEBHOOK_FLAGS) + 1)),
                signing_key=new_signing_key() if rng.random() < 0.3 else None,
                created_date=state.now - timedelta(days=j),
                updated_date=state.now,
            )
        )
    for i in range(rng.randrange(0, 4)):
        account.domains.append(
            SgDomain(
                id=90_000 + i,
                user_id=account.user_id,
                domain=f"r{i}.example{seed}.com",
                subdomain=f"em{i}",
                username=account.username,
                invalid=rng.sample(["mail_cname", "dkim1", "dkim2"], rng.randrange(0, 3)),
            )
        )


def import_then_plan(tmp_path: Path, state: AccountState, region: str = "eu") -> None:
    state_path = write_state(tmp_path, state)
    result = api_import(tmp_path, state_path, region=region)
    assert_no_canary(result.text, *result.warnings, *(v.name + v.purpose for v in result.env))
    out = tmp_path / "espctl.yaml"
    out.write_text(result.text)
    plan = api_plan(out, state_path, hook_env(result.text, load_state(state_path)))
    assert not plan.has_changes, changes_text(plan) + "\n" + result.text
    if not result.warnings:
        assert plan.unmanaged == ()
    # unmanaged only where a warning said why
    assert len(plan.unmanaged) <= len(result.warnings)


@pytest.mark.parametrize("seed", range(3, 24, 4))
def test_random_account_round_trips_in_the_us_region(tmp_path: Path, seed: int) -> None:
    """The contract suite (tests/contract) round-trips 24 random accounts per provider in
    the EU region through the CLI; these read the US region's domains and webhooks."""
    import_then_plan(tmp_path, random_account(seed), region="us")


def test_every_trigger_and_event_combination(tmp_path: Path) -> None:
    """All 63 Postmark trigger sets on one stream; all 255 Mailgun event sets over domains."""
    state = seed_account(seed=0)
    for n, combo in enumerate(
        c for r in range(1, len(TRIGGERS) + 1) for c in itertools.combinations(TRIGGERS, r)
    ):
        state.postmark.webhooks.append(
            PmWebhook(
                id=1000 + n,
                url=f"https://pm.example.com/combo/{n}",
                message_stream="outbound",
                triggers=PmTriggers(**dict.fromkeys(combo, True)),
            )
        )
    combos = [
        c
        for r in range(1, len(MAILGUN_WEBHOOK_EVENTS) + 1)
        for c in itertools.combinations(MAILGUN_WEBHOOK_EVENTS, r)
    ]
    template = state.mailgun.domains[0]
    for d in range(0, len(combos), 3):
        webhooks: dict[str, list[str]] = {}
        for k, combo in enumerate(combos[d : d + 3]):
            # the same three URLs on every domain: entries merge across targets by event set
            for event in combo:
                webhooks.setdefault(event, []).append(f"https://mg.example.com/slot{k}")
        state.mailgun.domains.append(
            template.model_copy(
                deep=True,
                update={"id": f"c{d:023d}", "name": f"c{d}.example.com", "webhooks": webhooks},
            )
        )
    import_then_plan(tmp_path, state)


#: the SES event types an espctl webhook may publish (every normalized event's)
SES_TYPES = [
    "SEND",
    "DELIVERY",
    "DELIVERY_DELAY",
    "BOUNCE",
    "COMPLAINT",
    "OPEN",
    "CLICK",
    "SUBSCRIPTION",
    "REJECT",
]


def randomize_ses(rng: random.Random, state: AccountState, seed: int) -> None:
    """Configuration sets with every option mix, identities in every state, espctl
    webhooks (a destination, its topic and HTTPS subscription, some with credentials in
    the URL, some pending) with every event mix, and other tools' destinations."""
    part = state.ses
    region, account = "eu-west-1", part.account_id
    for i in range(rng.randrange(2, 6)):
        part.identities.append(
            SesIdentity(
                name=f"i{i}.example{seed}.com",
                verification_status=rng.choice(["SUCCESS", "SUCCESS", "PENDING", "FAILED"]),
                dkim_status=rng.choice(["SUCCESS", "PENDING", "FAILED"]),
                dkim_signing=rng.random() < 0.7,
            )
        )
    for i in range(rng.randrange(1, 6)):
        name = f"set-{i}-{rng.choice(['tx', 'news', 'ops'])}"
        made = SesConfigurationSet(
            name=name,
            custom_redirect_domain=rng.choice([None, f"click{i}.example{seed}.com"]),
            https_policy=rng.choice([None, "REQUIRE", "REQUIRE_OPEN_ONLY", "OPTIONAL"]),
            tls_policy=rng.choice(["REQUIRE", "OPTIONAL"]),
            reputation_metrics=rng.random() < 0.5,
            sending_enabled=rng.random() < 0.8,
            suppressed_reasons=rng.choice([None, [], ["BOUNCE"], ["BOUNCE", "COMPLAINT"]]),
        )
        for url in rng.sample(URLS, rng.randrange(0, 3)):
            if not url.startswith("https://"):
                continue  # SNS delivers to HTTPS endpoints only in espctl's mapping
            destination, topic = espctl_names(name, url)
            arn = f"arn:aws:sns:{region}:{account}:{topic}"
            endpoint = _userinfo(url, "esp", f"{CANARY}-ses") if rng.random() < 0.3 else url
            made.destinations.append(
                SesDestination(
                    name=destination,
                    enabled=rng.random() < 0.9,
                    event_types=sorted(rng.sample(SES_TYPES, rng.randrange(1, len(SES_TYPES)))),
                    type="sns",
                    arn=arn,
                )
            )
            part.topics.append(
                SnsTopic(
                    arn=arn,
                    tags=[("managed-by", "espctl")],
                    subscriptions=[
                        SnsSubscription(
                            arn=f"{arn}:{seed:08d}-0000-4000-8000-{i:012d}",
                            protocol="https",
                            endpoint=endpoint,
                            confirmed=rng.random() < 0.8,
                        )
                    ],
                )
            )
        if rng.random() < 0.5:
            made.destinations.append(
                SesDestination(
                    name=f"bus-{i}",
                    event_types=["SEND", "BOUNCE"],
                    type="eventbridge",
                    arn=f"arn:aws:events:{region}:{account}:event-bus/default",
                )
            )
        part.configuration_sets.append(made)
