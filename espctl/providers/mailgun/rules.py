"""Mailgun's validation rules beyond the schema, on the raw block (any value may have the
wrong type: the schema reports that)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from espctl.providers.kit.rules import HOSTNAME
from espctl.providers.kit.spec import Findings, PathKey


def _d(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def domains(block: Mapping[str, Any]) -> dict[str, str]:
    """The domains a raw block declares (a domain has no sub-type: ``""``)."""
    return dict.fromkeys(_d(block.get("domains")), "")


def check_block(findings: Findings, base: PathKey, block: Mapping[str, Any]) -> None:
    """Every domain is a lower-case host name."""
    for name in _d(block.get("domains")):
        if not HOSTNAME.match(name):
            findings.error(
                (*base, "domains", name),
                f"'{name}' is not a valid domain name (lower-case host name)",
                key=True,
            )
