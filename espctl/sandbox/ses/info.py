"""Amazon SES in the sandbox, as the command line shows it (plain values, no imports)."""

from __future__ import annotations

from ..info import Credential, ProviderInfo

INFO = ProviderInfo(
    type="ses",
    label="Amazon SES",
    credentials=(
        Credential(
            "access_key_id",
            "AKIASANDBOXESPCTL000",
            "The only accepted AWS access key id (SigV4 credential scope).",
        ),
        Credential(
            "secret_access_key",
            "sandbox-ses-secret-access-key",
            "The AWS secret access key every SigV4 signature is verified against.",
        ),
        Credential(
            "session_token",
            "",
            "The only accepted AWS session token (default: none, long-term keys).",
        ),
    ),
    # one prefix for SES v2, SNS, STS and CloudWatch: a config's `endpoint:` names it
    served=(("Amazon SES (SES v2, SNS, STS, CloudWatch; any region)", "/ses"),),
)
