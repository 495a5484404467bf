"""Apply a plan: ordered, dependency-aware, never doing more than was planned.

Creates and updates run parents first (a stream before its webhooks), deletes children
first; under a shared provider limit, changes that free room run before those that take
it. Changes in one phase run concurrently (each provider bounds its own
parallelism). A failed change does not stop independent ones; its dependents are
skipped. Every change ends applied, failed (with the provider's message) or skipped.
A change the plan lists as blocked by a failed error check (its domain does not exist,
its stream is over the limit) is never attempted: it ends ``blocked``, with the check.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Literal

from espctl.engine.plan import BlockedChange, Change, Plan
from espctl.errors import EspctlError
from espctl.providers.kit.protocol import ChangeRequest, Provider

Status = Literal["applied", "failed", "skipped", "blocked"]
Notify = Callable[[str], None]


@dataclass(frozen=True)
class Outcome:
    """What happened to one change."""

    change: Change
    status: Status
    message: str = ""
    seconds: float = 0.0

    def as_json(self) -> dict[str, object]:
        """One change of ``apply --format json``."""
        c = self.change
        return {
            "action": c.action,
            "address": c.address,
            "provider": c.provider,
            "kind": c.kind,
            "key": c.key,
            "status": self.status,
            "error": self.message if self.status == "failed" else None,
            "reason": self.message if self.status in ("skipped", "blocked") else None,
            "seconds": round(self.seconds, 3),
        }


@dataclass(frozen=True)
class ApplyResult:
    """Every change's outcome; the exit code follows DESIGN.md."""

    outcomes: tuple[Outcome, ...]

    def count(self, status: Status) -> int:
        return sum(1 for o in self.outcomes if o.status == status)

    @property
    def exit_code(self) -> int:
        """0 all applied (or nothing to do), 1 nothing applied, 3 partial failure.

        A blocked change counts as not applied: the providers do not match the config.
        """
        if self.count("applied") == len(self.outcomes):
            return 0
        return 3 if self.count("applied") else 1

    @property
    def rerun_helps(self) -> bool:
        """Whether running apply again can finish (failed or skipped changes remain)."""
        return bool(self.count("failed") or self.count("skipped"))

    def summary(self) -> str:
        text = (
            f"Apply: {self.count('applied')} applied, {self.count('failed')} failed, "
            f"{self.count('skipped')} skipped"
        )
        if self.count("blocked"):
            text += f", {self.count('blocked')} blocked (not attempted)"
        return text + "."


def blocked_outcome(blocked: BlockedChange) -> Outcome:
    """A blocked change, not attempted: its outcome names the checks that block it."""
    checks = "; ".join(
        f"{c.provider} {c.name} {c.subject}: {c.message}" for c in blocked.blocked_by
    )
    return Outcome(blocked.change, "blocked", f"not attempted, blocked by {checks}")


def _request(change: Change) -> ChangeRequest:
    return ChangeRequest(change.action, change.kind, change.key, change.before, change.after)


def _phase(change: Change, provider: Provider | None) -> int:
    """0 parents made, 1 room freed under a shared limit, 2 children made, 3 children
    deleted, 4 parents deleted.

    Kinds under a shared limit (Mailgun's 3 URLs per event) have no children: their
    changes that only free room run first, the others after them, so a full event never
    needs a place that another change of the same apply is about to free.
    """
    caps = provider.capabilities if provider is not None else None
    if caps is not None and caps.releases is not None and change.kind in caps.limited:
        return 1 if caps.releases(_request(change)) else 2
    child = change.parent is not None
    if change.action == "delete":
        return 3 if child else 4
    return 2 if child else 0


def _line(outcome: Outcome) -> str:
    c = outcome.change
    symbol = (
        "!"
        if outcome.status == "blocked"
        else {"create": "+", "update": "~", "delete": "-"}[c.action]
    )
    text = f"{symbol} {c.provider} {c.kind} {c.key}: {outcome.status}"
    if outcome.status == "applied":
        text += f" ({outcome.seconds:.2f}s)"
    if outcome.message:
        text += f": {outcome.message}"
    return text


async def apply_plan(
    plan: Plan,
    providers: Mapping[str, Provider],
    notify: Notify | None = None,
    *,
    progress_every: float | None = None,
) -> ApplyResult:
    """Make the plan's changes; report each outcome on ``notify`` as it happens.

    Each line says how far the apply got (``[3/17]``). With ``progress_every`` (seconds)
    a line also comes at least that often while changes are in flight, saying what is
    still running and for how long, so a terminal is never silent for longer. The plan's
    blocked changes are not attempted; they end ``blocked`` (said first, unnumbered).
    """
    outcomes: dict[str, Outcome] = {}
    total = len(plan.changes)
    started = time.perf_counter()
    running: dict[str, float] = {}
    refused = tuple(blocked_outcome(b) for b in plan.blocked_changes)
    if notify:
        for outcome in refused:
            notify(_line(outcome))

    def blocked_by(change: Change) -> str | None:
        """The failed/skipped change this one depends on, if any."""
        for done in outcomes.values():
            other = done.change
            if done.status == "applied" or other.provider != change.provider:
                continue
            if (
                change.action != "delete"
                and other.action == "create"
                and other.parent is None
                and change.parent == other.key
            ):
                return other.address  # my parent was not created
            if change.action == "delete" and other.parent == change.key:
                return other.address  # a child of mine was not deleted
        return None

    async def run(change: Change) -> None:
        reason = blocked_by(change)
        if reason is not None:
            outcome = Outcome(change, "skipped", f"depends on {reason}, which did not apply")
        else:
            start = time.perf_counter()
            running[change.address] = start
            try:
                await providers[change.provider].apply(_request(change))
                outcome = Outcome(change, "applied", seconds=time.perf_counter() - start)
            except EspctlError as exc:
                outcome = Outcome(change, "failed", str(exc), time.perf_counter() - start)
            finally:
                running.pop(change.address, None)
        outcomes[change.address] = outcome
        if notify:
            notify(f"[{len(outcomes)}/{total}] {_line(outcome)}")

    async def ticker(every: float) -> None:
        assert notify is not None
        while True:
            await asyncio.sleep(every)
            now = time.perf_counter()
            oldest = sorted(running.items(), key=lambda item: item[1])
            waiting = ", ".join(address for address, _ in oldest[:3])
            more = f" and {len(oldest) - 3} more" if len(oldest) > 3 else ""
            notify(
                f"applying: {len(outcomes)}/{total} done, {now - started:.0f}s elapsed"
                + (f"; in flight: {waiting}{more}" if waiting else "")
            )

    ticking = (
        asyncio.create_task(ticker(progress_every))
        if progress_every is not None and notify is not None and total
        else None
    )
    try:
        for phase in range(5):
            batch = [c for c in plan.changes if _phase(c, providers.get(c.provider)) == phase]
            await asyncio.gather(*(run(c) for c in batch))
    finally:
        if ticking is not None:
            ticking.cancel()
            await asyncio.gather(ticking, return_exceptions=True)
    return ApplyResult(tuple(outcomes[c.address] for c in plan.changes) + refused)
