"""Plan checks for routing: every routing target must be able to send.

A target must exist live or be created by the same plan (a new Postmark stream; one
that a failed check blocks, e.g. over Postmark's stream limit, is not created): if not,
the check fails with severity ``error`` (sends there will be refused). A Mailgun target
domain must also be active with valid sending DNS records; if not, the check fails with
severity ``warning`` (the settings converge, the mail does not go out). The checks are
computed from the providers' live facts (Postmark ``facts["streams"]``, Mailgun
``facts["domains"][name]``) and the desired resources the plan would create, and are
passed to :func:`espctl.engine.plan.make_plan` as ``extra_checks``, so they show in every
plan rendering and in the report. Pure: no I/O.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, assert_never

from espctl.config.models import Config
from espctl.engine.blocking import blocked_keys
from espctl.model import mailgun as mg
from espctl.model import postmark as pm
from espctl.model.common import split_target
from espctl.model.mailgun import MailgunProvider
from espctl.model.postmark import PostmarkProvider
from espctl.model.resources import Check, LiveState, Resource
from espctl.providers.base import Capabilities

CHECK_NAME = "routing_target"


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


def _postmark(
    target: str, used: str, pid: str, stream: str, live: LiveState, created: bool
) -> Check:
    streams = {str(s) for s in live.facts.get("streams") or ()}
    archived = {str(s) for s in live.facts.get("archived_streams") or ()}
    if stream in streams:
        return Check(pid, CHECK_NAME, target, True, f"{target} ({used}): stream exists")
    if created:
        how = "unarchives" if stream in archived else "creates"
        return Check(pid, CHECK_NAME, target, True, f"{target} ({used}): this plan {how} it")
    return Check(
        pid,
        CHECK_NAME,
        target,
        False,
        f"{target} ({used}): Postmark has no message stream '{stream}' and this plan does "
        "not create it: sends routed there will be refused (ErrorCode 1235)",
    )


def _mailgun(target: str, used: str, pid: str, domain: str, live: LiveState) -> Check:
    domains: Mapping[str, Any] = live.facts.get("domains") or {}
    facts: Mapping[str, Any] = domains.get(domain) or {}
    region = str(live.facts.get("region") or "").upper()
    if not facts.get("exists"):
        return Check(
            pid,
            CHECK_NAME,
            target,
            False,
            f"{target} ({used}): domain {domain} does not exist in Mailgun's {region} region "
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
            pid,
            CHECK_NAME,
            target,
            False,
            f"{target} ({used}): domain {domain} is {state}{detail}: Mailgun will not send "
            "routed mail from it until it is active and verified",
            severity="warning",
        )
    return Check(pid, CHECK_NAME, target, True, f"{target} ({used}): domain active and verified")


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
        match block:
            case PostmarkProvider():
                created = _created(pid, pm.KIND_STREAM, sub, state, desired, capabilities)
                checks.append(_postmark(target, used, pid, sub, state, created))
            case MailgunProvider():
                if _created(pid, mg.KIND_DOMAIN, sub, state, desired, capabilities):
                    checks.append(
                        Check(pid, CHECK_NAME, target, True, f"{target} ({used}): plan creates it")
                    )
                else:
                    checks.append(_mailgun(target, used, pid, sub, state))
            case _:
                assert_never(block)
    return checks
