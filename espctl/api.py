"""The facade the CLI and library users call.

Each function takes plain arguments, does the work through the lower layers and
returns a result value; rendering and exit codes are the CLI's business. Progress and
notices go to the ``notify`` callback (the CLI sends them to stderr).
"""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from espctl import __version__, defaults
from espctl.config import LoadedConfig, load_config
from espctl.config.load import config_files
from espctl.errors import (
    ApplyRefused,
    BlockedPlanError,
    ConfigError,
    EspctlError,
    FileRefused,
    PlanError,
    Problem,
    StalePlanError,
    TargetError,
    redact,
)
from espctl.model.text import plural

# What validate does not need is imported where it is used (or on first access of a
# re-exported name, below): `espctl validate` then loads the config models and nothing
# of the providers, the sandbox, the report or asyncio (README "Benchmarks").
if TYPE_CHECKING:
    from pathlib import Path

    from espctl.config.models import Config
    from espctl.engine.apply import ApplyResult
    from espctl.engine.plan import Plan
    from espctl.model.resources import Resource
    from espctl.model.targets import Targets
    from espctl.planfile import check_plan_config, plan_config, read_saved_plan, save_plan
    from espctl.providers.kit.protocol import Provider
    from espctl.report.data import ReportData
    from espctl.session import SANDBOX_HOOK_PASSWORD, Notify, RunOptions, load, providers_for

DEFAULT_LOCK_TIMEOUT = defaults.LOCK_TIMEOUT

#: names this facade re-exports, by the module that defines them (imported on first use)
_REEXPORTED = {
    "SANDBOX_HOOK_PASSWORD": "espctl.session",
    "RunOptions": "espctl.session",
    "load": "espctl.session",
    "providers_for": "espctl.session",
    "check_plan_config": "espctl.planfile",
    "plan_config": "espctl.planfile",
    "read_saved_plan": "espctl.planfile",
    "save_plan": "espctl.planfile",
}

__all__ = [
    "DEFAULT_LOCK_TIMEOUT",
    "SANDBOX_HOOK_PASSWORD",
    "ApplyOutcome",
    "PlanResult",
    "ReportResult",
    "RunOptions",
    "ValidationResult",
    "apply",
    "check_plan_config",
    "compute_plan",
    "load",
    "plan",
    "plan_config",
    "providers_for",
    "read_saved_plan",
    "report",
    "save_plan",
    "validate",
]


def __getattr__(name: str) -> object:
    """A re-exported name (``api.RunOptions``, ``api.save_plan``...), imported when first
    asked for (PEP 562)."""
    module = _REEXPORTED.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value  # later lookups skip this function
    return value


@dataclass(frozen=True)
class ValidationResult:
    """The outcome of ``espctl validate``: every problem, and a summary when valid."""

    file: str
    problems: tuple[Problem, ...]
    loaded: LoadedConfig | None
    files: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        """No error (warnings, e.g. unset variables, leave a config valid)."""
        return not any(p.severity == "error" for p in self.problems)

    @property
    def errors(self) -> int:
        return sum(1 for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> int:
        return sum(1 for p in self.problems if p.severity == "warning")

    def summary(self) -> str:
        """What the config declares (``2 providers, 3 message streams, ...``)."""
        if self.loaded is None:
            return "not checked further until its variables are set"
        cfg = self.loaded.config
        from espctl.providers import registry

        # every provider's targets (streams, domains...) counted, zero ones too
        targets = {s.targets.noun: 0 for s in registry.specs() if s.targets.kind is not None}
        for block in cfg.providers.values():
            form = registry.spec(block.type).targets
            if form.kind is not None:  # a provider with sub-targets (streams, domains)
                targets[form.noun] += len(form.names(block))
        rules = len(cfg.routing.rules) if cfg.routing else 0
        return ", ".join(
            (
                plural(len(cfg.providers), "provider"),
                *(plural(count, noun) for noun, count in targets.items()),
                plural(len(cfg.webhooks), "webhook"),
                plural(rules, "routing rule"),
            )
        )

    def as_json(self) -> dict[str, object]:
        """One entry of ``validate --format json``'s ``files`` list."""
        return {
            "file": self.file,
            "files": list(self.files or (self.file,)),
            "valid": self.valid,
            "errors": self.errors,
            "warnings": self.warnings,
            "problems": [p.as_json() for p in self.problems],
        }


def validate(path: str | Sequence[str], env: Mapping[str, str] | None = None) -> ValidationResult:
    """Validate a config offline (several files: merged in order, as ``-c a -c b``).

    Unset variables are warnings, not errors: ``validate`` needs no secrets.
    """
    files = tuple(config_files(path))
    shown = " + ".join(files)
    try:
        loaded = load_config(files, env=os.environ if env is None else env, env_mode="lenient")
    except ConfigError as exc:
        return ValidationResult(shown, tuple(exc.problems), None, files)
    return ValidationResult(shown, loaded.warnings, loaded, files)


async def compute_plan(
    loaded: LoadedConfig,
    providers: Mapping[str, Provider],
    notify: Notify | None = None,
    targets: Targets | None = None,
) -> Plan:
    """Read live state and diff it against the config (``notify``: None says nothing).

    With ``targets`` (``--provider``, ``--target``), only the targeted resources are read
    and compared (:mod:`espctl.engine.targeting`); ``providers`` holds the targeted ones.
    """
    from espctl.engine.desired import desired_state
    from espctl.engine.plan import make_plan
    from espctl.engine.refresh import read_all
    from espctl.engine.routing_checks import routing_checks
    from espctl.engine.targeting import desired_for, narrow
    from espctl.model.targets import Targets
    from espctl.session import quiet, request_counter, waiting_notes

    notify = notify or quiet
    targets = targets or Targets()
    declared = list(loaded.config.providers)
    everything = desired_state(loaded.config)
    unknown = targets.unknown(declared, everything)
    if unknown:
        raise TargetError("; ".join(unknown))
    desired = desired_for(everything, targets)
    live = await read_all(
        providers, desired, notify, request_counter(providers), waiting_notes(providers)
    )
    capabilities = {pid: p.capabilities for pid, p in providers.items()}
    for pid in sorted(live):
        for warning in live[pid].warnings:
            notify(f"warning: {warning}")
    plan_ = make_plan(
        desired,
        live,
        capabilities,
        loaded.config.policy,
        config_path=loaded.path,
        config_files=loaded.files,
        config_digest=loaded.digest,
        extra_checks=routing_checks(loaded.config, live, desired, capabilities),
        secrets=loaded.sensitive_values,
    )
    return narrow(plan_, targets, loaded.config.policy.max_change_ratio)


@dataclass(frozen=True)
class PlanResult:
    """A computed plan and the number of API requests it took."""

    plan: Plan
    requests: int


def plan(options: RunOptions) -> PlanResult:
    """``espctl plan``: read every provider concurrently and compute the plan."""
    import asyncio

    from espctl.session import close_all, load, providers_for, request_counter

    loaded = load(options)
    with providers_for(loaded, options) as providers:

        async def run() -> PlanResult:
            try:
                result = await compute_plan(loaded, providers, options.notify, options.targets)
                return PlanResult(result, request_counter(providers)())
            finally:
                await close_all(providers)

        return asyncio.run(run())


@dataclass(frozen=True)
class ApplyOutcome:
    """What apply did: the plan it applied (or refused) and every change's outcome."""

    plan: Plan
    result: ApplyResult | None  # None: nothing to do


def apply(
    options: RunOptions,
    *,
    plan_file: str | None = None,
    force: bool = False,
    confirm: Callable[[Plan], bool] | None = None,
    lock_timeout: float = DEFAULT_LOCK_TIMEOUT,
    strict: bool = False,
) -> ApplyOutcome:
    """``espctl apply``: recompute the plan, check it against a saved one, apply it.

    With ``plan_file`` the live state is re-read and the apply is refused if anything
    moved since the plan was made. Without it, ``confirm`` is asked (None refuses).
    A blocked plan is refused unless ``force``. Changes that failed error checks block
    are never attempted (their outcomes say ``blocked``). Applies of one config file from one
    machine run one at a time (:func:`espctl.session.apply_lock`, waiting at most
    ``lock_timeout`` seconds). ``strict`` refuses (nothing applied) when any check
    failed, warnings included.
    """
    from espctl.planfile import check_plan_config, plan_targets, read_saved_plan
    from espctl.session import apply_lock

    saved = read_saved_plan(plan_file) if plan_file else None
    if saved is not None and plan_file is not None:
        check_plan_config(saved, options.config, plan_file)
        options = replace(options, targets=plan_targets(saved, options.targets, plan_file))
    with apply_lock(options.config, options.notify, lock_timeout):
        return _apply_locked(options, saved, plan_file, force, confirm, strict)


def _apply_locked(
    options: RunOptions,
    saved: Mapping[str, Any] | None,
    plan_file: str | None,
    force: bool,
    confirm: Callable[[Plan], bool] | None,
    strict: bool = False,
) -> ApplyOutcome:
    import asyncio

    from espctl.engine.apply import apply_plan
    from espctl.engine.fingerprint import what_moved
    from espctl.engine.render import strict_reason
    from espctl.session import close_all, load, providers_for

    loaded = load(options)
    with providers_for(loaded, options) as providers:

        async def run() -> ApplyOutcome:
            try:
                current = await compute_plan(loaded, providers, options.notify, options.targets)
                if saved is not None and saved.get("fingerprint") != current.fingerprint:
                    moved = what_moved(saved, current) or ["the plan's fingerprint differs"]
                    raise StalePlanError(
                        f"the saved plan {plan_file} is stale: live state or config moved since "
                        "it was made; nothing was applied. Run `espctl plan` again.\n  "
                        + "\n  ".join(moved)
                    )
                if current.blocked and not force:
                    raise BlockedPlanError(
                        f"refusing to apply a blocked plan: {current.blocked_reason}; "
                        "nothing was applied"
                    )
                if strict and (reason := strict_reason(current)):
                    raise ApplyRefused(f"{reason}; nothing was applied")
                if not current.has_changes and not current.blocked_changes:
                    return ApplyOutcome(current, None)
                if not current.has_changes:
                    # only blocked changes: nothing to attempt, nothing to confirm
                    return ApplyOutcome(current, await apply_plan(current, providers))
                if saved is None and (confirm is None or not confirm(current)):
                    raise ApplyRefused(
                        "apply needs confirmation: run it in a terminal, pass --auto-approve, "
                        "or apply a saved plan file; nothing was applied"
                    )
                result = await apply_plan(
                    current, providers, options.notify, progress_every=options.progress_every
                )
                return ApplyOutcome(current, result)
            finally:
                await close_all(providers)

        return asyncio.run(run())


@dataclass(frozen=True)
class ReportResult:
    """The rendered report, its input data and where it was written."""

    html: str
    data: ReportData
    path: Path


def report(
    options: RunOptions,
    *,
    start: date | None = None,
    end: date | None = None,
    out: str = "report.html",
    now: datetime | None = None,
) -> ReportResult:
    """``espctl report``: read every provider's settings and traffic, render one HTML file.

    The window is [start, end) in UTC days; without one, the config's ``report.window``
    ending today. The previous window of equal length is read too, for comparison.
    Settings and traffic are read separately, and traffic unit by unit (domain, stream,
    tag): whatever fails is named in the report and the rest is still shown.
    """
    import asyncio
    from pathlib import Path

    from espctl.engine.desired import desired_state
    from espctl.engine.hiding import hide_live
    from espctl.engine.plan import make_plan
    from espctl.engine.routing_checks import routing_checks
    from espctl.engine.targeting import desired_for, narrow
    from espctl.files import write_atomic
    from espctl.model.resources import LiveState
    from espctl.model.traffic import TrafficData, TrafficQuery
    from espctl.providers import registry
    from espctl.report.collect import ProviderInput, build_report_data
    from espctl.report.render import render_report
    from espctl.report.window import since_days
    from espctl.session import close_all, load, providers_for

    loaded = load(options)
    config = loaded.config
    generated = now or datetime.now(UTC)
    today = generated.date()
    if start is None or end is None:
        end = today
        start = end - timedelta(days=since_days(config.report.window))
    if start > today:
        raise EspctlError(
            f"the report window starts after today ({today.isoformat()}, UTC): "
            "no provider has data for it yet"
        )
    history_start = start - (end - start)
    targets = options.targets
    declared = desired_state(config)
    _check_report_targets(targets, config, declared)
    desired = desired_for(declared, targets)
    tags = tuple(
        sorted(
            {
                t
                for rule in (config.routing.rules if config.routing else ())
                for t in rule.email_types
            }
        )
    )
    with providers_for(loaded, options) as providers:

        async def one(pid: str, provider: Provider) -> ProviderInput:
            block = config.providers[pid]
            buckets = registry.spec(block.type).report_buckets(block)
            buckets = tuple(b for b in buckets if targets.names(pid, b))
            query = TrafficQuery(start, end, history_start, buckets, tags)
            live, traffic = await asyncio.gather(
                provider.read(desired[pid]),
                provider.read_traffic(query),
                return_exceptions=True,
            )
            errors: dict[str, str] = {}
            for warning in live.warnings if isinstance(live, LiveState) else ():
                options.notify(f"warning: {warning}")
            for part, value in (("settings", live), ("traffic", traffic)):
                if isinstance(value, EspctlError):
                    errors[part] = redact(str(value)).removeprefix(f"{pid}: ")
                elif isinstance(value, BaseException):
                    raise value
            if len(set(errors.values())) == 1 and len(errors) == 2:
                # one cause (a rejected credential): one line, as for plan and import
                options.notify(f"warning: {pid}: {errors['settings']}")
            else:
                for part, text in errors.items():
                    options.notify(f"warning: {pid}: {part} not read: {text}")
            if isinstance(traffic, TrafficData) and traffic.failures:
                if len(traffic.failures) >= traffic.units:
                    first = traffic.failures[0].error
                    options.notify(f"warning: {pid}: traffic not read: {first}")
                else:
                    by_unit: dict[str, str] = {}
                    for failure in traffic.failures:
                        by_unit.setdefault(failure.unit, failure.error)
                    for unit, error in by_unit.items():
                        options.notify(f"warning: {pid}: {unit} not read: {error}")
            return ProviderInput(
                pid,
                block.type,
                # secrets hidden as the plan hides them: the report never shows one
                hide_live(live, desired[pid], loaded.sensitive_values)
                if isinstance(live, LiveState)
                else None,
                traffic if isinstance(traffic, TrafficData) else None,
                live_error=redact(str(live)) if isinstance(live, EspctlError) else None,
                traffic_error=redact(str(traffic)) if isinstance(traffic, EspctlError) else None,
            )

        async def run() -> tuple[list[ProviderInput], Plan | None]:
            try:
                inputs = await asyncio.gather(*(one(pid, p) for pid, p in providers.items()))
            finally:
                await close_all(providers)
            ok = {i.id: i.live for i in inputs if i.live is not None}
            live_states = {pid: live for pid, live in ok.items() if live is not None}
            capabilities = {pid: providers[pid].capabilities for pid in ok}
            wanted = {pid: desired[pid] for pid in ok}
            try:
                plan_ = make_plan(
                    wanted,
                    live_states,
                    capabilities,
                    config.policy,
                    config_path=loaded.path,
                    config_files=loaded.files,
                    config_digest=loaded.digest,
                    extra_checks=routing_checks(config, live_states, wanted, capabilities),
                    secrets=loaded.sensitive_values,
                )
            except PlanError as exc:
                options.notify(f"warning: drift not shown: {exc}")
                plan_ = None
            if plan_ is not None:
                plan_ = narrow(plan_, targets, config.policy.max_change_ratio)
            return list(inputs), plan_

        inputs, plan_ = asyncio.run(run())
    data = build_report_data(
        config=config,
        config_path=loaded.path,
        config_digest=loaded.digest,
        providers=inputs,
        plan=plan_,
        window=(start, end),
        generated_at=generated,
        version=__version__,
        history_start=history_start,
        targeted=targets.describe() or None,
    )
    html = render_report(data)
    path = Path(out)
    try:
        replaced = write_atomic(path, html)
    except FileRefused as exc:
        raise FileRefused(str(path), f"cannot write the report: {exc.reason}") from exc
    except OSError as exc:
        raise EspctlError(f"cannot write the report to {path}: {exc.strerror}") from exc
    if replaced:
        options.notify(f"replaced the existing {path}")
    return ReportResult(html, data, path)


def _check_report_targets(
    targets: Targets, config: Config, desired: Mapping[str, Sequence[Resource]]
) -> None:
    """``report --target`` names what the report reads per unit: a stream or domain."""
    from espctl.providers import registry

    unknown = targets.unknown(list(config.providers), desired)
    if unknown:
        raise TargetError("; ".join(unknown))
    for pid, key in targets.resources:
        block = config.providers[pid]
        buckets = registry.spec(block.type).report_buckets(block)
        if not buckets:
            raise TargetError(
                f"report --target {pid}/{key}: {pid}'s traffic is read for the whole account, "
                f"not per {key}: use --provider {pid}"
            )
        if key not in buckets:
            raise TargetError(
                f"report --target {pid}/{key}: the report reads {pid}'s traffic per "
                f"{', '.join(buckets)}: target one of those, or use --provider {pid}"
            )
