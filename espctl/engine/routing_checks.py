"""Plan checks for routing: every routing target must be able to send.

A target must exist live or be created by the same plan (a new stream; one that a failed
check blocks, e.g. over a provider's limit, is not created): if not, the check fails with
severity ``error`` (sends there will be refused). A provider may also require more (a
sending domain active with valid DNS records; if not, a ``warning``: the settings
converge, the mail does not go out). Each provider's spec judges its own targets from its
live facts (:attr:`~espctl.providers.kit.spec.ProviderSpec.route_check`); this module
finds the targets, where the routing section uses them and whether the plan creates
them. The checks are passed to :func:`espctl.engine.plan.make_plan` as ``extra_checks``,
so they show in every plan rendering and in the report. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from espctl.config.models import Config
from espctl.engine.blocking import blocked_keys
from espctl.model.common import split_target
from espctl.model.resources import Check, LiveState, Resource
from espctl.providers import registry
from espctl.providers.kit.protocol import Capabilities
from espctl.providers.kit.spec import ROUTING_CHECK, RoutingTarget

CHECK_NAME = ROUTING_CHECK


def _uses(config: Config) -> dict[str, list[str]]:
    """Target -> where the routing section uses it (``routing.default``, ``rule 'x'``...)."""
    uses: dict[str, list[str]] = {}
    routing = config.routing
    if routing is None:
        return uses
    if routing.default is not None:
        uses.setdefault(routing.default, []).append("routing.default")
    for i, rule in enumerate(routing.rules):
        label = f"rule '{rule.name}'" if rule.name else f"routing.rules[{i}]"
        uses.setdefault(rule.to, []).append(label)
        for target in rule.fallback:
            uses.setdefault(target, []).append(f"fallback of {label}")
    return uses


def _created(
    pid: str,
    kind: str,
    key: str,
    live: LiveState,
    desired: Mapping[str, Sequence[Resource]],
    capabilities: Mapping[str, Capabilities],
) -> bool:
    """Whether the plan computed from the same inputs creates this resource."""
    caps = capabilities.get(pid)
    if caps is None or kind not in caps.creatable:
        return False
    if key in blocked_keys(live.checks).get(pid, {}):
        return False  # a failed check blocks it: the plan lists it as blocked, not created
    wanted = any(r.kind == kind and r.key == key for r in desired.get(pid, ()))
    present = any(r.kind == kind and r.key == key for r in live.resources)
    return wanted and not present


def routing_checks(
    config: Config,
    live: Mapping[str, LiveState],
    desired: Mapping[str, Sequence[Resource]],
    capabilities: Mapping[str, Capabilities],
) -> list[Check]:
    """One check per distinct routing target, in target order.

    ``live``, ``desired`` and ``capabilities`` are what :func:`make_plan` receives, so a
    target the plan creates counts as existing. A target whose provider was not read
    (not in ``live``) is a failed check.
    """
    checks: list[Check] = []
    for target, where in sorted(_uses(config).items()):
        used = ", ".join(where)
        pid, sub = split_target(target)
        state = live.get(pid)
        block = config.providers.get(pid)
        if state is None or block is None:
            checks.append(
                Check(pid, CHECK_NAME, target, False, f"{target} ({used}): provider not read")
            )
            continue
        spec = registry.spec(block.type)
        kind = spec.targets.kind
        created = kind is not None and _created(pid, kind, sub, state, desired, capabilities)
        checks.append(spec.route_check(RoutingTarget(target, used, pid, sub, state, created)))
    return checks
