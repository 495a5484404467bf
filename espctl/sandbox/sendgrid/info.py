"""SendGrid in the sandbox, as the command line shows it (plain values, no imports)."""

from __future__ import annotations

from ..info import Credential, ProviderInfo

INFO = ProviderInfo(
    type="sendgrid",
    label="SendGrid",
    credentials=(
        Credential(
            "api_key",
            "SG.sandbox-sendgrid.api-key",
            "The only accepted SendGrid API key (Authorization: Bearer).",
        ),
    ),
    # its own prefix only (never a legacy root path): global, and the EU host
    served=(("SendGrid", "/sendgrid"), ("SendGrid EU", "/sendgrid/eu")),
)
