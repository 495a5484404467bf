"""Whether a SendGrid routing target (the provider id alone: SendGrid's settings are
account-wide) can send: the key reads the account, and the configured authenticated
domains are valid (a warning otherwise: the settings converge, the mail does not go out
well)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from espctl.model.resources import Check
from espctl.providers.kit.spec import ROUTING_CHECK, RoutingTarget


def route_check(t: RoutingTarget) -> Check:
    """The check of one ``<provider>`` routing target (from the live facts)."""
    where = f"{t.target} ({t.used})"
    domains: Mapping[str, Any] = t.live.facts.get("domains") or {}
    missing = sorted(name for name, f in domains.items() if not f.get("exists"))
    invalid = sorted(name for name, f in domains.items() if f.get("exists") and not f.get("valid"))
    if missing:
        return Check(
            t.provider,
            ROUTING_CHECK,
            t.target,
            False,
            f"{where}: authenticated domain {', '.join(missing)} does not exist at SendGrid "
            "and espctl cannot create it: authenticate it at SendGrid",
        )
    if invalid:
        return Check(
            t.provider,
            ROUTING_CHECK,
            t.target,
            False,
            f"{where}: authenticated domain {', '.join(invalid)} has DNS records that do "
            "not validate: SendGrid sends routed mail from it without your DKIM signature",
            severity="warning",
        )
    detail = f"{len(domains)} authenticated domain(s) valid" if domains else "account readable"
    return Check(t.provider, ROUTING_CHECK, t.target, True, f"{where}: {detail}")
