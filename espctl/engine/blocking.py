"""What failed checks block: resources that cannot exist while a check fails (pure).

A failed check of severity ``error`` that names keys in ``blocks`` (a missing Mailgun
domain, streams over Postmark's limit) blocks those resources and their children: the
plan lists changes to them as blocked, never as changes (:mod:`espctl.engine.plan`),
and routing checks do not count a blocked stream as created.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from espctl.model.resources import Check, Resource


def blocked_keys(checks: Sequence[Check]) -> dict[str, dict[str, list[Check]]]:
    """provider -> resource key -> the failed error checks that block it."""
    found: dict[str, dict[str, list[Check]]] = {}
    for check in checks:
        if check.blocking:
            for key in check.blocks:
                found.setdefault(check.provider, {}).setdefault(key, []).append(check)
    return found


def blockers(resource: Resource, blocked: Mapping[str, Sequence[Check]]) -> tuple[Check, ...]:
    """The checks that block ``resource``: blocking it, or its parent."""
    found = list(blocked.get(resource.key, ()))
    if resource.parent is not None:
        found.extend(c for c in blocked.get(resource.parent, ()) if c not in found)
    return tuple(found)
