"""Amazon SES's validation rules beyond the schema, on the raw block (any value may have
the wrong type: the schema reports that)."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

from espctl.providers.kit.rules import HOSTNAME
from espctl.providers.kit.spec import Findings, PathKey
from espctl.providers.ses.config import NAME_PATTERN

_NAME = re.compile(NAME_PATTERN)
_ADDRESS = re.compile(r"^[^@\s]+@(?P<domain>[^@\s]+)$")


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def configuration_sets(block: Mapping[str, Any]) -> dict[str, str]:
    """The configuration sets a raw block declares (no sub-type: ``""``)."""
    return dict.fromkeys(_d(block.get("configuration_sets")), "")


def check_block(findings: Findings, base: PathKey, block: Mapping[str, Any]) -> None:
    """Set names as SES allows them, identities as domains or addresses, credentials
    that make one complete source, tracking domains that are host names."""
    for name, spec in _d(block.get("configuration_sets")).items():
        if not _NAME.match(str(name)):
            findings.error(
                (*base, "configuration_sets", name),
                f"'{name}' is not a valid configuration set name "
                "(letters, digits, '_' and '-', at most 64)",
                key=True,
            )
        domain = _d(_d(spec).get("tracking")).get("custom_redirect_domain")
        if isinstance(domain, str) and not HOSTNAME.match(domain):
            findings.error(
                (*base, "configuration_sets", name, "tracking", "custom_redirect_domain"),
                f"'{domain}' is not a valid domain name (lower-case host name)",
            )
    identities = block.get("identities")
    for i, identity in enumerate(identities if isinstance(identities, list) else []):
        if not isinstance(identity, str):
            continue
        address = _ADDRESS.match(identity)
        host = address.group("domain").lower() if address else identity
        if not HOSTNAME.match(host):
            findings.error(
                (*base, "identities", i),
                f"'{identity}' is not a domain (lower-case host name) or an email address",
            )
    if isinstance(identities, list) and len(set(map(str, identities))) != len(identities):
        findings.error((*base, "identities"), "an identity is listed twice")
    keys = [k for k in ("access_key_id", "secret_access_key") if block.get(k) is not None]
    if len(keys) == 1:
        missing = "secret_access_key" if keys[0] == "access_key_id" else "access_key_id"
        findings.error((*base, missing), f"{keys[0]} needs {missing} (one key pair)")
    if block.get("session_token") is not None and not keys:
        findings.error(
            (*base, "session_token"), "session_token needs access_key_id and secret_access_key"
        )
    if keys and block.get("profile") is not None:
        findings.error(
            (*base, "profile"),
            "give either profile or access keys: botocore would use the keys and ignore it",
        )
