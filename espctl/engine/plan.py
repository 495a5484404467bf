"""Diff desired against live state into a :class:`Plan`, the artifact people review.

Pure: no I/O. The plan is deterministic (sorted by provider, parents before children,
key), carries checks and unmanaged resources, a ``blocked`` flag from
``policy.max_change_ratio``, and a fingerprint of the live state and config computed
without any secret: a sensitive field contributes only whether it matches the config.

Never the impossible: a change to a resource that a failed ``error`` check blocks (a
webhook of a Mailgun domain that does not exist, a stream over Postmark's limit), or to
one of its children, is not a change of the plan. It is listed apart
(:attr:`Plan.blocked_changes`, each with the checks that block it), so apply attempts
nothing for it and the plan says the config cannot converge.
"""

from __future__ import annotations

import hashlib
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

from espctl.config.models import Policy, UnmanagedPolicy
from espctl.engine.blocking import blocked_keys, blockers
from espctl.engine.fingerprint import digest, resource_digest
from espctl.engine.hiding import hidden_like_config, masked, without_values
from espctl.engine.redaction import SENSITIVE, redact
from espctl.errors import PlanError
from espctl.model.common import split_target
from espctl.model.resources import Check, LiveState, Resource, same
from espctl.model.targets import Targets
from espctl.providers.kit.protocol import Action, Capabilities

PLAN_FORMAT = "espctl-plan/1"
MIN_MANAGED_FOR_BLOCK = 10


@dataclass(frozen=True)
class FieldDiff:
    """One field's before and after (both redacted); ``sensitive`` hides the values."""

    name: str
    before: Any
    after: Any
    sensitive: bool = False


@dataclass(frozen=True)
class Change:
    """One resource to create, update or delete."""

    action: Action
    provider: str
    kind: str
    key: str
    before: Resource | None
    after: Resource | None
    fields: tuple[FieldDiff, ...] = ()

    @property
    def address(self) -> str:
        return f"{self.provider}:{self.kind}:{self.key}"

    @property
    def parent(self) -> str | None:
        resource = self.after or self.before
        return resource.parent if resource else None

    def as_json(self) -> dict[str, Any]:
        return {
            "action": self.action,
            "provider": self.provider,
            "kind": self.kind,
            "key": self.key,
            "before": redact(dict(self.before.fields)) if self.before else None,
            "after": redact(dict(self.after.fields)) if self.after else None,
            "fields": [
                {
                    "name": f.name,
                    "before": SENSITIVE if f.sensitive else f.before,
                    "after": SENSITIVE if f.sensitive else f.after,
                    "sensitive": f.sensitive,
                }
                for f in self.fields
            ],
        }


@dataclass(frozen=True)
class BlockedChange:
    """A change the config asks for that cannot be made while ``blocked_by`` fail.

    Its parent (or the resource itself) cannot exist: a Mailgun domain missing from the
    account, a Postmark stream over the server's limit. It is shown, never applied.
    """

    change: Change
    blocked_by: tuple[Check, ...]

    def as_json(self) -> dict[str, Any]:
        return {**self.change.as_json(), "blocked_by": [c.reference() for c in self.blocked_by]}


UnmanagedAction = Literal["listed", "delete", "protected", "kept"]


@dataclass(frozen=True)
class Unmanaged:
    """A live resource the config does not declare, and what the policy does with it.

    ``reason`` says why a kept resource is kept when the provider says so (a Postmark
    server's default stream); None for the policy's own reasons.
    """

    resource: Resource
    action: UnmanagedAction
    reason: str | None = None

    def as_json(self) -> dict[str, Any]:
        r = self.resource
        return {
            "provider": r.provider,
            "kind": r.kind,
            "key": r.key,
            "action": self.action,
            "reason": self.reason,
            "fields": redact(dict(r.fields)),
        }


@dataclass(frozen=True)
class Plan:
    """The reviewed artifact: changes, unmanaged resources, checks, safety, fingerprint."""

    changes: tuple[Change, ...]
    unmanaged: tuple[Unmanaged, ...]
    checks: tuple[Check, ...]
    unchanged: int
    managed: int
    blocked: bool
    blocked_reason: str | None
    fingerprint: str
    config_digest: str
    digests: Mapping[str, Mapping[str, str]]
    config_path: str = ""
    facts: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)
    #: changes the config asks for that failed error checks block (never applied)
    blocked_changes: tuple[BlockedChange, ...] = ()
    #: the config files the plan was made from, in merge order (``apply PLAN`` uses them)
    config_files: tuple[str, ...] = ()
    #: what the plan was made for (``--provider``, ``--target``); ``apply PLAN`` keeps to it
    targets: Targets = field(default_factory=Targets)

    def count(self, action: Action) -> int:
        return sum(1 for c in self.changes if c.action == action)

    @property
    def summary(self) -> dict[str, int]:
        return {
            "create": self.count("create"),
            "update": self.count("update"),
            "delete": self.count("delete"),
            "unchanged": self.unchanged,
            "blocked": len(self.blocked_changes),
        }

    @property
    def has_changes(self) -> bool:
        """Whether apply has anything to do (blocked changes are not changes)."""
        return bool(self.changes)

    @property
    def failed_checks(self) -> tuple[Check, ...]:
        return tuple(c for c in self.checks if not c.ok)

    @property
    def errors(self) -> tuple[Check, ...]:
        """Failed checks of severity ``error``: the config cannot converge."""
        return tuple(c for c in self.checks if c.status == "error")

    @property
    def warnings(self) -> tuple[Check, ...]:
        """Failed checks of severity ``warning``: it converges but will not deliver well."""
        return tuple(c for c in self.checks if c.status == "warning")

    @property
    def converges(self) -> bool:
        """No failed error check: applying the plan makes the providers match the config."""
        return not self.errors

    def as_json(self) -> dict[str, Any]:
        """The machine contract of DESIGN.md (other renderings are views of it)."""
        return {
            "format": PLAN_FORMAT,
            "fingerprint": self.fingerprint,
            "summary": self.summary,
            "blocked": self.blocked,
            "blocked_reason": self.blocked_reason,
            "changes": [c.as_json() for c in self.changes],
            "blocked_changes": [b.as_json() for b in self.blocked_changes],
            "converges": self.converges,
            "unmanaged": [u.as_json() for u in self.unmanaged],
            "checks": [c.as_json() for c in self.checks],
            "config": {
                "path": self.config_path,
                "files": list(self.config_files or (self.config_path,)),
                "digest": self.config_digest,
            },
            "digests": {k: dict(v) for k, v in self.digests.items()},
            "targets": self.targets.as_json(),
        }


def ratio_block(touched: int, managed: int, max_ratio: float) -> str | None:
    """Why the plan is blocked by ``policy.max_change_ratio``, or None."""
    if managed < MIN_MANAGED_FOR_BLOCK or touched / managed <= max_ratio:
        return None
    return (
        f"{touched} changes to {managed} managed resources ({touched / managed:.0%}) exceed "
        f"policy.max_change_ratio {max_ratio:.0%}; review and apply with --force"
    )


def _kind_rank(resource: Resource) -> int:
    return 0 if resource.parent is None else 1


def _order(resource: Resource) -> tuple[str, int, str, str]:
    return (resource.provider, _kind_rank(resource), resource.kind, resource.key)


def _change_order(change: Change) -> tuple[str, int, str, str, str]:
    resource = change.after or change.before
    assert resource is not None
    return (*_order(resource), change.action)


def _field_diffs(desired: Resource, live: Resource) -> tuple[FieldDiff, ...]:
    """Fields whose values differ; one whose visible parts are equal is a sensitive change."""
    diffs = []
    for name in sorted(desired.fields):
        after = desired.fields[name]
        before = live.fields.get(name)
        if not same(after, before):
            sensitive = redact(after) == redact(before)
            diffs.append(FieldDiff(name, redact(before), redact(after), sensitive))
    return tuple(diffs)


def _protected(resource: Resource, protect: Sequence[str]) -> bool:
    """Named by ``policy.protect``: the target itself, what it holds (its webhooks), or
    anything at a provider named alone."""
    for target in protect:
        pid, sub = split_target(target)
        if resource.provider != pid:
            continue
        if not sub or resource.parent == sub or (resource.key == sub and resource.parent is None):
            return True
    return False


def make_plan(
    desired: Mapping[str, Sequence[Resource]],
    live: Mapping[str, LiveState],
    capabilities: Mapping[str, Capabilities],
    policy: Policy,
    *,
    config_text: str = "",
    config_path: str = "",
    extra_checks: Sequence[Check] = (),
    secrets: Collection[str] = (),
    config_digest: str | None = None,
    config_files: Sequence[str] = (),
) -> Plan:
    """Compute the plan. Raises PlanError for changes no provider can make (immutables).

    ``secrets`` are the values in play that came from the environment: a live string
    holding one is hidden even where it does not line up with the config.
    ``config_digest`` identifies the config in the fingerprint (the digest of its
    meaning, :attr:`espctl.config.LoadedConfig.digest`); without it, the SHA-256 of
    ``config_text``.
    """
    changes: list[Change] = []
    held: list[BlockedChange] = []
    unmanaged: list[Unmanaged] = []
    refused: list[str] = []
    checks = [masked(c) for pid in sorted(live) for c in live[pid].checks]
    checks.extend(masked(c) for c in extra_checks)
    blocking = blocked_keys(checks)
    unchanged = 0
    managed = 0
    live_digests: dict[str, str] = {}
    desired_digests: dict[str, str] = {}
    limit_checks: list[Check] = []
    for pid in sorted(desired):
        caps = capabilities[pid]
        state = live[pid]
        want = {(r.kind, r.key): r for r in desired[pid]}
        have = {
            (r.kind, r.key): hidden_like_config(without_values(r, secrets), want)
            for r in state.resources
        }
        for ident, resource in sorted(want.items(), key=lambda item: _order(item[1])):
            managed += 1
            desired_digests[resource.address] = resource_digest(resource, resource)
            current = have.get(ident)
            blocked_by = blockers(resource, blocking.get(pid, {}))
            if blocked_by:
                # never the impossible: shown as blocked, not planned (see module docstring)
                if current is not None and not _field_diffs(resource, current):
                    unchanged += 1
                elif current is None and resource.kind not in caps.creatable:
                    if resource.parent is not None:  # a child that comes with its parent
                        held.append(BlockedChange(_would_change(pid, resource, None), blocked_by))
                    # else the missing parent itself, which espctl cannot create: its check
                    # says so
                else:
                    held.append(BlockedChange(_would_change(pid, resource, current), blocked_by))
                continue
            if current is None:
                if resource.kind in caps.creatable:
                    changes.append(
                        Change(
                            "create",
                            pid,
                            resource.kind,
                            resource.key,
                            None,
                            resource,
                            tuple(
                                FieldDiff(n, None, redact(v))
                                for n, v in sorted(resource.fields.items())
                            ),
                        )
                    )
                continue  # not creatable (a Mailgun domain): the provider's check says so
            diffs = _field_diffs(resource, current)
            frozen = caps.immutable.get(resource.kind, frozenset())
            for diff in diffs:
                if diff.name in frozen:
                    refused.append(
                        f"{resource.address}: {diff.name} is immutable at {state.provider} "
                        f"(live {diff.before!r}, config {diff.after!r}); change the config back "
                        "or create a new resource under another id"
                    )
            if diffs:
                changes.append(
                    Change("update", pid, resource.kind, resource.key, current, resource, diffs)
                )
            else:
                unchanged += 1
        for ident, resource in sorted(have.items(), key=lambda item: _order(item[1])):
            live_digests[resource.address] = resource_digest(resource, want.get(ident))
            if ident in want:
                continue
            if (
                resource.duplicate_of is not None
                and (resource.kind, resource.duplicate_of) in want
                and resource.kind in caps.deletable
            ):
                # a second copy of a managed resource (two applies at once): drift, removed
                # whatever policy.unmanaged says; the provider keeps the oldest as the match
                changes.append(Change("delete", pid, resource.kind, resource.key, resource, None))
                continue
            if resource.kind not in caps.unmanaged:
                continue
            permanent = caps.permanent.get(resource.kind, {}).get(resource.key)
            if permanent is not None:
                # the provider's own (a default stream): never deleted, whatever the policy
                if policy.unmanaged is not UnmanagedPolicy.ignore:
                    unmanaged.append(Unmanaged(resource, "kept", permanent))
                continue
            match policy.unmanaged:
                case UnmanagedPolicy.ignore:
                    continue
                case UnmanagedPolicy.warn:
                    kept = resource.kind not in caps.deletable
                    unmanaged.append(Unmanaged(resource, "kept" if kept else "listed"))
                case UnmanagedPolicy.prune:
                    if _protected(resource, policy.protect):
                        unmanaged.append(Unmanaged(resource, "protected"))
                    elif resource.kind not in caps.deletable:
                        unmanaged.append(Unmanaged(resource, "kept"))
                    else:
                        unmanaged.append(Unmanaged(resource, "delete"))
                        changes.append(
                            Change("delete", pid, resource.kind, resource.key, resource, None)
                        )
        if caps.limits is not None:
            limit_checks.extend(_limits(pid, caps, want, have, changes, held))
    if refused:
        raise PlanError("the plan needs changes no provider can make:\n  " + "\n  ".join(refused))
    checks.extend(limit_checks)
    changes.sort(key=_change_order)
    held.sort(key=lambda b: _change_order(b.change))
    reason = ratio_block(len(changes), managed, policy.max_change_ratio)
    blocked = reason is not None
    if config_digest is None:
        config_digest = hashlib.sha256(config_text.encode()).hexdigest()
    digests = {"live": live_digests, "desired": desired_digests}
    fingerprint = digest({"config": config_digest, **digests})
    return Plan(
        changes=tuple(changes),
        unmanaged=tuple(unmanaged),
        checks=tuple(checks),
        unchanged=unchanged,
        managed=managed,
        blocked=blocked,
        blocked_reason=reason,
        fingerprint=fingerprint,
        config_digest=config_digest,
        digests=digests,
        config_path=config_path,
        facts={pid: dict(live[pid].facts) for pid in sorted(live)},
        blocked_changes=tuple(held),
        config_files=tuple(config_files),
    )


def _limits(
    pid: str,
    caps: Capabilities,
    want: Mapping[tuple[str, str], Resource],
    have: Mapping[tuple[str, str], Resource],
    changes: list[Change],
    held: list[BlockedChange],
) -> list[Check]:
    """A provider's limits over what exists after apply (Mailgun's 3 URLs per event).

    Counted: the declared resources and the live ones the plan keeps (not deleted). A
    failed limit check is an error that blocks the changes taking the places it lacks:
    they move from ``changes`` to ``held``, shown as blocked, never attempted.
    """
    assert caps.limits is not None
    deleted = {(c.kind, c.key) for c in changes if c.action == "delete" and c.provider == pid}
    staying = [r for i, r in have.items() if i not in want and i not in deleted]
    current = [have[i] for i in want if i in have]
    found = [masked(c) for c in caps.limits(list(want.values()), staying, current)]
    stop = blocked_keys(found).get(pid, {})
    for change in [c for c in changes if c.provider == pid and c.action != "delete"]:
        resource = change.after or change.before
        by = tuple(stop.get(resource.key, ())) if resource is not None else ()
        if by:
            changes.remove(change)
            held.append(BlockedChange(change, by))
    return found


def _would_change(pid: str, resource: Resource, current: Resource | None) -> Change:
    """The change a blocked resource would need if what blocks it were fixed."""
    if current is None:
        fields = tuple(FieldDiff(n, None, redact(v)) for n, v in sorted(resource.fields.items()))
        return Change("create", pid, resource.kind, resource.key, None, resource, fields)
    diffs = _field_diffs(resource, current)
    return Change("update", pid, resource.kind, resource.key, current, resource, diffs)
