"""Postmark in the sandbox, as the command line shows it (plain values, no imports)."""

from __future__ import annotations

from ..info import Credential, ProviderInfo

INFO = ProviderInfo(
    type="postmark",
    label="Postmark",
    credentials=(
        Credential(
            "server_token",
            "sandbox-postmark-server-token",
            "The only accepted X-Postmark-Server-Token.",
        ),
        Credential(
            "account_token",
            "sandbox-postmark-account-token",
            "The only accepted X-Postmark-Account-Token.",
        ),
    ),
    # served at the root before providers had prefixes (registry.LEGACY)
    served=(("Postmark", ""),),
    # a new server's three streams (seed.DEFAULT_STREAMS)
    new_account="Postmark's defaults",
)
