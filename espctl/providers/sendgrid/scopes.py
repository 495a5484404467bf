"""The API key scopes a SendGrid block needs (``GET /v3/scopes`` lists the key's own).

Scope names follow SendGrid's "API Key Permissions" list (``<area>.<action>``);
``categories.stats.read`` is quoted there verbatim, the others follow the same pattern
for the endpoints espctl calls (UNCONFIRMED letter by letter: a key that lacks one is
told which, so a wrong name shows at once in `espctl test`).
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
