"""Whether an SES routing target (``<provider>/<configuration set>``) can send: the set
exists (or the plan creates it) and sending is enabled on it and on the account."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from espctl.model.resources import Check
from espctl.providers.kit.spec import ROUTING_CHECK, RoutingTarget


def route_check(t: RoutingTarget) -> Check:
    """The check of one routing target, from the live facts of a read."""
    where = f"{t.target} ({t.used})"
    account: Mapping[str, Any] = t.live.facts.get("account") or {}
    if account and account.get("sending_enabled") is False:
        return Check(
            t.provider,
            ROUTING_CHECK,
            t.target,
            False,
            f"{where}: sending is paused for this account in {t.live.facts.get('region')}: "
            "SES sends nothing until it is enabled again",
            severity="warning",
        )
    if t.created:
        return Check(t.provider, ROUTING_CHECK, t.target, True, f"{where}: plan creates it")
    sets: Mapping[str, Any] = t.live.facts.get("configuration_sets") or {}
    facts: Mapping[str, Any] | None = sets.get(t.sub)
    if facts is None:
        return Check(
            t.provider,
            ROUTING_CHECK,
            t.target,
            False,
            f"{where}: configuration set {t.sub} does not exist in "
            f"{t.live.facts.get('region')}: declare it under configuration_sets",
        )
    if facts.get("sending") is False:
        return Check(
            t.provider,
            ROUTING_CHECK,
            t.target,
            False,
            f"{where}: sending is disabled on configuration set {t.sub}",
            severity="warning",
        )
    return Check(t.provider, ROUTING_CHECK, t.target, True, f"{where}: configuration set ready")
