"""SendGrid's validation rules beyond the schema, on the raw block (any value may have
the wrong type: the schema reports that)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from espctl.providers.kit.rules import HOSTNAME
from espctl.providers.kit.spec import Findings, PathKey


def targets(block: Mapping[str, Any]) -> dict[str, str]:
    """A SendGrid target is the provider id alone: no sub-targets."""
    return {}


def check_block(findings: Findings, base: PathKey, block: Mapping[str, Any]) -> None:
    """Every domain is a lower-case host name, listed once; a subuser name has no
    spaces or colons (SendGrid's usernames; ``on-behalf-of: account-id ...`` is the
    customer-account form espctl does not use)."""
    domains = block.get("domains")
    seen: set[str] = set()
    for i, name in enumerate(domains if isinstance(domains, list) else []):
        if not isinstance(name, str):
            continue
        if not HOSTNAME.match(name):
            findings.error(
                (*base, "domains", i),
                f"'{name}' is not a valid domain name (lower-case host name)",
            )
        elif name in seen:
            findings.error((*base, "domains", i), f"domain '{name}' is listed twice")
        seen.add(name)
    subuser = block.get("subuser")
    if isinstance(subuser, str) and (subuser != subuser.strip() or " " in subuser):
        findings.error(
            (*base, "subuser"),
            f"'{subuser}' is not a SendGrid subuser name (a username has no spaces)",
        )
