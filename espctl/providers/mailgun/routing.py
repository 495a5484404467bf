"""Whether a Mailgun routing target can send: its domain exists in the account's region
(espctl cannot create domains: an error), and is active with valid sending DNS records
(a warning: the settings converge, the mail does not go out)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from espctl.model.resources import Check
from espctl.providers.kit.spec import ROUTING_CHECK, RoutingTarget


def route_check(t: RoutingTarget) -> Check:
    """The check of one ``<provider>/<domain>`` routing target (from the live facts)."""
    where = f"{t.target} ({t.used})"
    if t.created:
        return Check(t.provider, ROUTING_CHECK, t.target, True, f"{where}: plan creates it")
    domains: Mapping[str, Any] = t.live.facts.get("domains") or {}
    facts: Mapping[str, Any] = domains.get(t.sub) or {}
    region = str(t.live.facts.get("region") or "").upper()
    if not facts.get("exists"):
        return Check(
            t.provider,
            ROUTING_CHECK,
            t.target,
            False,
            f"{where}: domain {t.sub} does not exist in Mailgun's {region} region "
            "and espctl cannot create domains: create and verify it at Mailgun, or check "
            "`region`",
        )
    state = str(facts.get("state") or "unknown")
    if state != "active" or not facts.get("verified"):
        invalid = [
            f"{r.get('type')} {r.get('name')}"
            for r in facts.get("dns") or ()
            if isinstance(r, Mapping) and r.get("valid") != "valid"
        ]
        detail = f"; DNS records not valid: {', '.join(invalid)}" if invalid else ""
        return Check(
            t.provider,
            ROUTING_CHECK,
            t.target,
            False,
            f"{where}: domain {t.sub} is {state}{detail}: Mailgun will not send "
            "routed mail from it until it is active and verified",
            severity="warning",
        )
    return Check(t.provider, ROUTING_CHECK, t.target, True, f"{where}: domain active and verified")
