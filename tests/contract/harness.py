"""One harness per provider for the contract suite: what the suite needs to know of it.

A new provider adds one :class:`Harness` to :data:`HARNESSES`: a config fragment (its
block and one webhook) pointing at the served sandbox under the provider's own prefix
(``/<type>``), the changes that fragment plans against the seeded account (the seeded
drift), how to move something live under a saved plan, and its canary credentials.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass

from espctl.sandbox import AccountState, SandboxCredentials
from tests.importer.test_random import (
    randomize_mailgun,
    randomize_postmark,
    randomize_sendgrid,
    randomize_ses,
)

CANARY = "canary-5ecret-c0ntract"
CREDENTIALS = SandboxCredentials(
    {
        "postmark": {
            "server_token": f"{CANARY}-pm-server",
            "account_token": f"{CANARY}-pm-account",
        },
        "mailgun": {"api_key": f"{CANARY}-mg-key"},
        "sendgrid": {"api_key": f"{CANARY}-sg-key"},
        "ses": {
            "access_key_id": f"{CANARY}-aws-key-id",
            "secret_access_key": f"{CANARY}-aws-secret",
            "session_token": f"{CANARY}-aws-session-token",
        },
    }
)
HOOK = "https://hooks.example.com/contract"


@dataclass(frozen=True)
class Share:
    """What one provider contributes to the quick start's plan against the seeded
    sandbox account (``examples/quickstart.yaml``)."""

    create: int
    update: int
    delete: int = 0
    unchanged: int = 0


@dataclass(frozen=True)
class Harness:
    """What the contract suite knows of one provider.

    ``block(base_url)`` is the provider's config block (YAML lines under ``providers:``,
    id ``type``), ``webhook`` one webhook entry's YAML lines; ``drift`` the changes
    ``(action, kind, key)`` the two plan against the seeded sandbox account; ``move``
    changes something live that the plan reads (a saved plan is then stale); ``env`` the
    variables holding the (canary) credentials, ``bad_env`` the same with a wrong one;
    ``duplicates`` names what the live account holds twice (a webhook created again);
    ``buckets`` the sandbox's traffic buckets the report reads (streams, domains).
    """

    type: str
    block: Callable[[str], str]
    webhook: str
    drift: frozenset[tuple[str, str, str]]
    move: Callable[[AccountState], None]
    env: dict[str, str]
    bad_env: dict[str, str]
    duplicates: Callable[[AccountState], list[str]]
    buckets: tuple[str, ...]
    #: its part of the quick start's plan (tests derive the quick start's totals from
    #: these, so adding a provider to the quick start means adding its share here)
    quickstart: Share = Share(0, 0)
    #: the config with a live resource's immutable field changed (None: the provider's
    #: spec declares no immutable field; the suite checks that it does not)
    immutable_change: Callable[[str], str] | None = None
    #: the report's counters its APIs do not report (shown as such, never as 0)
    unreported: tuple[str, ...] = ()
    #: randomizes its part of a seeded account (rng, state, seed): import round-trips it
    randomize: Callable[[random.Random, AccountState, int], None] | None = None

    def config(self, base_url: str) -> str:
        return f"version: 1\nproviders:\n{self.block(base_url)}webhooks:\n{self.webhook}"


def _postmark_block(base: str) -> str:
    return (
        "  postmark:\n"
        "    type: postmark\n"
        "    server_token: ${env:POSTMARK_SERVER_TOKEN}\n"
        f"    endpoint: {base}/postmark\n"
        "    tracking: {opens: true}\n"
        "    message_streams:\n"
        "      contract-news: {type: broadcasts, name: Contract news}\n"
    )


def _postmark_immutable(config: str) -> str:
    """The seeded 'newsletters' stream is a broadcasts stream: declared transactional."""
    line = "      contract-news: {type: broadcasts, name: Contract news}\n"
    assert line in config
    return config.replace(
        line, line + "      newsletters: {type: transactional, name: Newsletter}\n"
    )


def _postmark_move(state: AccountState) -> None:
    state.postmark.server.track_opens = not state.postmark.server.track_opens


def _postmark_duplicates(state: AccountState) -> list[str]:
    seen = [(h.message_stream, h.url) for h in state.postmark.webhooks]
    return sorted({f"{s} {u}" for s, u in seen if seen.count((s, u)) > 1})


def _mailgun_duplicates(state: AccountState) -> list[str]:
    found = [
        f"{d.name} {event} {url}"
        for d in state.mailgun.domains
        for event, urls in d.webhooks.items()
        for url in urls
        if urls.count(url) > 1
    ]
    account = [(h.region, h.url) for h in state.mailgun.account_webhooks]
    found += [f"{r} account {u}" for r, u in account if account.count((r, u)) > 1]
    return sorted(set(found))


def _mailgun_block(base: str) -> str:
    return (
        "  mailgun:\n"
        "    type: mailgun\n"
        "    api_key: ${env:MAILGUN_API_KEY}\n"
        "    region: eu\n"
        f"    endpoint: {base}/mailgun/eu\n"
        "    domains:\n"
        "      mg.acme-mail.com:\n"
        "        tracking: {opens: false}\n"
    )


def _mailgun_move(state: AccountState) -> None:
    domain = state.mailgun.find("mg.acme-mail.com", "eu")
    assert domain is not None
    domain.tracking.open_active = not domain.tracking.open_active


def _sendgrid_block(base: str) -> str:
    return (
        "  sendgrid:\n"
        "    type: sendgrid\n"
        "    api_key: ${env:SENDGRID_API_KEY}\n"
        f"    endpoint: {base}/sendgrid\n"
        "    tracking: {opens: true, clicks: {enabled: true, text: false}}\n"
    )


def _sendgrid_move(state: AccountState) -> None:
    tracking = state.sendgrid.accounts["us"].tracking
    tracking.click_enabled = not tracking.click_enabled


def _sendgrid_duplicates(state: AccountState) -> list[str]:
    found: list[str] = []
    for region, account in state.sendgrid.accounts.items():
        for user in (account, *account.subusers):
            urls = [h.url for h in user.webhooks]
            found += [f"{region} {user.username} {u}" for u in urls if urls.count(u) > 1]
    return sorted(set(found))


def _ses_block(base: str) -> str:
    return (
        "  ses:\n"
        "    type: ses\n"
        "    region: eu-west-1\n"
        "    access_key_id: ${env:SES_ACCESS_KEY_ID}\n"
        "    secret_access_key: ${env:SES_SECRET_ACCESS_KEY}\n"
        "    session_token: ${env:SES_SESSION_TOKEN}\n"  # temporary keys (CI's OIDC role)
        f"    endpoint: {base}/ses\n"
        "    identities: [mail.acme-mail.com]\n"
        "    configuration_sets:\n"
        "      marketing: {reputation_metrics: true, suppression: [bounce, complaint]}\n"
    )


def _ses_move(state: AccountState) -> None:
    found = state.ses.configuration_set("marketing")
    assert found is not None
    found.reputation_metrics = not found.reputation_metrics


def _ses_duplicates(state: AccountState) -> list[str]:
    """A topic subscribed twice to one endpoint; two destinations of a set publishing to
    one topic."""
    found = [
        f"{t.name} {s.endpoint}"
        for t in state.ses.topics
        for s in t.subscriptions
        if [(x.protocol, x.endpoint) for x in t.subscriptions].count((s.protocol, s.endpoint)) > 1
    ]
    for c in state.ses.configuration_sets:
        arns = [d.arn for d in c.destinations if d.type == "sns"]
        found += [f"{c.name} {a}" for a in arns if arns.count(a) > 1]
    return sorted(set(found))


HARNESSES: dict[str, Harness] = {
    "postmark": Harness(
        type="postmark",
        block=_postmark_block,
        webhook=(
            "  contract-postmark:\n"
            f"    url: {HOOK}\n"
            "    events: [delivered, opened]\n"
            "    targets: [postmark/contract-news]\n"
        ),
        drift=frozenset(
            {
                ("update", "postmark.server", "server"),
                ("create", "postmark.message_stream", "contract-news"),
                ("create", "postmark.webhook", f"contract-news {HOOK}"),
            }
        ),
        move=_postmark_move,
        env={"POSTMARK_SERVER_TOKEN": CREDENTIALS.get("postmark", "server_token")},
        bad_env={"POSTMARK_SERVER_TOKEN": "wrong-token"},
        duplicates=_postmark_duplicates,
        # every live outbound stream of the seeded server (the report reads them all)
        buckets=("outbound", "newsletters", "legacy-alerts"),
        quickstart=Share(create=3, update=5),
        immutable_change=_postmark_immutable,
        unreported=("unsubscribed",),  # Postmark's stats API has no unsubscribe count
        randomize=randomize_postmark,
    ),
    "mailgun": Harness(
        type="mailgun",
        block=_mailgun_block,
        webhook=(
            "  contract-mailgun:\n"
            f"    url: {HOOK}\n"
            "    events: [delivered, bounced]\n"
            "    targets: [mailgun/mg.acme-mail.com]\n"
        ),
        drift=frozenset(
            {
                ("update", "mailgun.tracking", "mg.acme-mail.com"),
                ("create", "mailgun.webhook", f"mg.acme-mail.com {HOOK}"),
            }
        ),
        move=_mailgun_move,
        env={"MAILGUN_API_KEY": CREDENTIALS.get("mailgun", "api_key")},
        bad_env={"MAILGUN_API_KEY": "wrong-key"},
        duplicates=_mailgun_duplicates,
        buckets=("mg.acme-mail.com",),  # the config's domains
        quickstart=Share(create=0, update=4, unchanged=2),
        randomize=randomize_mailgun,
    ),
    "sendgrid": Harness(
        type="sendgrid",
        block=_sendgrid_block,
        webhook=(
            "  contract-sendgrid:\n"
            f"    url: {HOOK}\n"
            "    events: [delivered, bounced]\n"
            "    targets: [sendgrid]\n"
        ),
        drift=frozenset(
            {
                ("update", "sendgrid.tracking", "click"),
                ("create", "sendgrid.webhook", HOOK),
            }
        ),
        move=_sendgrid_move,
        env={"SENDGRID_API_KEY": CREDENTIALS.get("sendgrid", "api_key")},
        bad_env={"SENDGRID_API_KEY": "SG.wrong-key"},
        duplicates=_sendgrid_duplicates,
        buckets=("acme",),  # the global account's own traffic (no subuser)
        quickstart=Share(create=1, update=3, unchanged=2),
        randomize=randomize_sendgrid,
    ),
    "ses": Harness(
        type="ses",
        block=_ses_block,
        webhook=(
            "  contract-ses:\n"
            f"    url: {HOOK}\n"
            "    events: [delivered, bounced]\n"
            "    targets: [ses/marketing]\n"
        ),
        drift=frozenset(
            {
                ("update", "ses.configuration_set", "marketing"),
                ("create", "ses.webhook", f"marketing {HOOK}"),
            }
        ),
        move=_ses_move,
        env={
            "SES_ACCESS_KEY_ID": CREDENTIALS.get("ses", "access_key_id"),
            "SES_SECRET_ACCESS_KEY": CREDENTIALS.get("ses", "secret_access_key"),
            "SES_SESSION_TOKEN": CREDENTIALS.get("ses", "session_token"),
        },
        bad_env={"SES_SECRET_ACCESS_KEY": "wrong-secret"},
        duplicates=_ses_duplicates,
        buckets=("marketing",),  # the config's configuration sets
        # the seeded set's options (TLS, suppression) and the events collector's
        # destination (three of six event types); its identity matches
        quickstart=Share(create=0, update=2, unchanged=1),
        # VDM has no unsubscribe, delivery delay or reject metric
        unreported=("unsubscribed", "deferred", "rejected"),
        randomize=randomize_ses,
    ),
}


def quickstart_changes() -> int:
    """How many changes the quick start plans against the seeded account."""
    return sum(h.quickstart.create + h.quickstart.update + h.quickstart.delete for h in _all())


def quickstart_managed() -> int:
    """How many resources the quick start declares (what a converged plan matches)."""
    return sum(h.quickstart.create + h.quickstart.update + h.quickstart.unchanged for h in _all())


def quickstart_plan_line() -> str:
    """The quick start's plan summary against the seeded account, from the shares."""
    shares = [h.quickstart for h in _all()]
    return (
        f"Plan: {sum(s.create for s in shares)} to create, {sum(s.update for s in shares)} "
        f"to update, {sum(s.delete for s in shares)} to delete, "
        f"{sum(s.unchanged for s in shares)} unchanged."
    )


def quickstart_apply_line(failed: int = 0) -> str:
    """The quick start's apply summary (``failed`` of its changes failing)."""
    return f"Apply: {quickstart_changes() - failed} applied, {failed} failed, 0 skipped."


def _all() -> list[Harness]:
    return list(HARNESSES.values())
