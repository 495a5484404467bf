"""Mailgun in the sandbox, as the command line shows it (plain values, no imports)."""

from __future__ import annotations

from ..info import Credential, ProviderInfo

INFO = ProviderInfo(
    type="mailgun",
    label="Mailgun",
    credentials=(
        Credential(
            "api_key",
            "sandbox-mailgun-api-key",
            "The only accepted Mailgun key (Basic auth user 'api').",
        ),
    ),
    # served at /v1../v5 and /eu before providers had prefixes (registry.LEGACY)
    served=(("Mailgun US", ""), ("Mailgun EU", "/eu")),
)
