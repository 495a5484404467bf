"""Whether a Postmark routing target can send: its message stream exists live, or the plan
creates (or unarchives) it; otherwise sends routed there are refused."""

from __future__ import annotations

from espctl.model.resources import Check
from espctl.providers.kit.spec import ROUTING_CHECK, RoutingTarget


def route_check(t: RoutingTarget) -> Check:
    """The check of one ``<provider>/<stream>`` routing target (from the live facts)."""
    streams = {str(s) for s in t.live.facts.get("streams") or ()}
    archived = {str(s) for s in t.live.facts.get("archived_streams") or ()}
    where = f"{t.target} ({t.used})"
    if t.sub in streams:
        return Check(t.provider, ROUTING_CHECK, t.target, True, f"{where}: stream exists")
    if t.created:
        how = "unarchives" if t.sub in archived else "creates"
        return Check(t.provider, ROUTING_CHECK, t.target, True, f"{where}: this plan {how} it")
    return Check(
        t.provider,
        ROUTING_CHECK,
        t.target,
        False,
        f"{where}: Postmark has no message stream '{t.sub}' and this plan does "
        "not create it: sends routed there will be refused (ErrorCode 1235)",
    )
