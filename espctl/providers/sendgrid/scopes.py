"""The API key scopes a SendGrid block needs (``GET /v3/scopes`` lists the key's own).

Checked against SendGrid's documented "API Key Permissions" list (its complete admin
list of scopes; ``tsg_scopes_v3.yaml`` only shows ``mail.send`` and ``alerts.*`` as
examples): ``user.webhooks.event.settings.read``/``.update``,
``user.webhooks.event.test.create``, ``tracking_settings.<setting>.read``/``.update``
for ``open``, ``click``, ``subscription`` and ``google_analytics``,
``whitelabel.read``, ``stats.read`` (beside ``stats.global.read`` in the Stats group),
``categories.stats.read``, ``suppression.bounces.read`` and
``suppression.blocks.read`` are all in it, letter by letter
(``tests/providers/sendgrid/test_scopes.py`` keeps them there).

UNCONFIRMED: ``verified_senders.read`` is not in that list (no scope of the Sender
Verification API is): espctl never requires it up front; the sender check calls
``GET /v3/verified_senders`` and a 403 is a warning that says the senders could not be
read. Which of ``stats.read`` and ``stats.global.read`` ``GET /v3/stats`` checks is
not documented either: the README asks for both.
"""

from __future__ import annotations

from collections.abc import Iterable

from espctl.errors import ProviderAuthError

WEBHOOKS_READ = "user.webhooks.event.settings.read"
WEBHOOKS_UPDATE = "user.webhooks.event.settings.update"
DOMAINS_READ = "whitelabel.read"
SENDERS_READ = "verified_senders.read"
STATS_READ = "stats.read"
CATEGORY_STATS_READ = "categories.stats.read"
BOUNCES_READ = "suppression.bounces.read"
BLOCKS_READ = "suppression.blocks.read"


def tracking_scopes(setting: str) -> tuple[str, str]:
    """The read and update scopes of one tracking setting (``open``, ``click``...)."""
    return f"tracking_settings.{setting}.read", f"tracking_settings.{setting}.update"


class MissingScopes(ProviderAuthError):
    """The API key lacks scopes reading the account needs: named, with where to grant
    them (scopes it lacks only to write are a blocking check of the plan instead)."""

    def __init__(self, provider: str, missing: Iterable[str]) -> None:
        self.missing = tuple(sorted(set(missing)))
        super().__init__(
            provider,
            "GET",
            "/v3/scopes",
            403,
            f"the API key lacks the scopes reading this config needs: "
            f"{', '.join(self.missing)} "
            "(grant them to the key under Settings > API Keys at SendGrid, or use a key "
            "with full access)",
        )

    def _message(self) -> str:
        return f"{self.provider}: {self.detail} ({self.method} {self.path})"
