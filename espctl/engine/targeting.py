"""A targeted plan (``--provider``, ``--target``): the full plan of the providers read,
narrowed to what is targeted. Pure.

The providers' readers get only the targeted desired resources (so Mailgun reads only
the targeted domains' details), and :func:`espctl.engine.plan.make_plan` sees all they
returned, so provider limits count every live resource (the 10-stream limit counts the
streams outside the target too). :func:`narrow` then keeps the changes, blocked changes,
unmanaged resources, checks and digests of the targeted resources only, and the
fingerprint covers the targets: a saved targeted plan goes stale only when what it
targets moves, and cannot be applied as an untargeted one.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace

from espctl.engine.fingerprint import digest
from espctl.engine.plan import Plan, ratio_block
from espctl.model.resources import Resource
from espctl.model.targets import Targets


def desired_for(
    desired: Mapping[str, Sequence[Resource]], targets: Targets
) -> dict[str, list[Resource]]:
    """The desired resources of the targeted providers, only the targeted ones."""
    return {
        pid: [r for r in desired[pid] if targets.covers(r)] for pid in targets.provider_ids(desired)
    }


def _address_covered(address: str, targets: Targets) -> bool:
    provider, _, rest = address.partition(":")
    kind, _, key = rest.partition(":")
    # digests carry addresses, not resources: a webhook's key starts with its parent's
    return targets.covers(Resource(provider, kind, key, {}))


def narrow(plan: Plan, targets: Targets, max_change_ratio: float) -> Plan:
    """``plan`` kept to ``targets`` (unchanged when everything is targeted)."""
    if targets.everything:
        return plan

    def covered(resource: Resource | None) -> bool:
        return resource is not None and targets.covers(resource)

    changes = tuple(c for c in plan.changes if covered(c.after or c.before))
    digests = {
        side: {a: d for a, d in values.items() if _address_covered(a, targets)}
        for side, values in plan.digests.items()
    }
    reason = ratio_block(len(changes), plan.managed, max_change_ratio)
    return replace(
        plan,
        changes=changes,
        unmanaged=tuple(u for u in plan.unmanaged if covered(u.resource)),
        checks=tuple(c for c in plan.checks if targets.covers_check(c)),
        blocked_changes=tuple(
            b for b in plan.blocked_changes if covered(b.change.after or b.change.before)
        ),
        digests=digests,
        blocked=reason is not None,
        blocked_reason=reason,
        fingerprint=digest({"config": plan.config_digest, **digests, "targets": targets.as_json()}),
        targets=targets,
    )
