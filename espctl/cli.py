"""The ``espctl`` command line: parse, call :mod:`espctl.api`, render, exit.

Results go to stdout, progress and diagnostics to stderr. Exit codes follow
DESIGN.md; an :class:`~espctl.errors.EspctlError` never shows a traceback.

Arguments are parsed with only click and small espctl modules loaded: each command
imports what it needs (the API, the renderers, the report) when it runs, and the
sandbox's commands load when used (:class:`~espctl.commands.lazy.LazyGroup`). So
``--help`` and completion load click and little else, and ``validate`` the config
models only; ``espctl --version`` is answered before this module imports click
(:func:`espctl.answer_version_early`), a help text the console script printed before
is printed again without click when nothing it depends on changed
(:mod:`espctl.helpcache`), and help texts find their width without importing shutil
(:class:`HelpContext`). README "Benchmarks"; tests/test_startup_imports.py,
tests/test_help_cache.py.
"""

from __future__ import annotations

from espctl import answer_version_early, helpcache, launched_as_console_script

if launched_as_console_script():
    # before click is imported: `espctl --version`, and a help text click printed before
    # (espctl.helpcache: only when nothing it depends on has changed); see their docstrings
    answer_version_early()
    helpcache.answer_early()

import os
import sys
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING

import click

from espctl import __version__, defaults
from espctl.commands.common import (
    colour,
    config_args,
    config_given,
    config_option,
    echo,
    echo_lines,
    echo_styled,
    format_option,
    handle_errors,
    notify,
    parallelism_option,
    sandbox_from_config,
    sandbox_option,
)
from espctl.commands.completion_cmd import completion
from espctl.commands.demo_cmd import demo
from espctl.commands.import_cmd import import_cmd
from espctl.commands.lazy import LazyGroup, adopt_context
from espctl.commands.limits import limit_options, run_options
from espctl.commands.route_cmd import route
from espctl.commands.show_cmd import show
from espctl.commands.targeting import target_options
from espctl.commands.test_cmd import test
from espctl.commands.verbose import log_from_environment, verbose_option

if TYPE_CHECKING:
    from espctl import api
    from espctl.engine.plan import Plan


class HelpContext(click.Context):
    """click's context; its help width is click's, found by
    :func:`~espctl.helpcache.terminal_columns` (without importing shutil), and the help
    text the console script was asked for is kept for next time (:mod:`espctl.helpcache`)."""

    #: the width of the last help formatter made, None when something forced one
    help_width: int | None = None

    def make_formatter(self) -> click.HelpFormatter:
        from click import formatting

        width = self.terminal_width
        self.help_width = None
        if width is None and formatting.FORCED_WIDTH is None:  # else click's own rule
            width = self.help_width = helpcache.help_width(self.max_content_width)
        return self.formatter_class(width=width, max_width=self.max_content_width)

    def get_help(self) -> str:
        if not helpcache.wanted(self.command_path):
            return super().get_help()
        helpcache.start_recording()
        text = super().get_help()
        helpcache.remember(text + "\n", width=self.help_width)  # what click.echo writes
        return text


#: commands whose modules are heavy to import: name -> (module:attribute, one-line help)
LAZY_COMMANDS = {
    "sandbox": (
        "espctl.commands.sandbox_cmd:sandbox",
        "Offline simulator of the providers' APIs.",
    ),
}


@click.group(
    cls=LazyGroup,
    lazy=LAZY_COMMANDS,
    context_settings={
        "help_option_names": list(helpcache.HELP_FLAGS),
        "max_content_width": helpcache.MAX_HELP_WIDTH,
    },
)
@click.version_option(__version__, prog_name="espctl")
@verbose_option
@click.pass_context
def main(ctx: click.Context) -> None:
    """espctl: email delivery infrastructure as code.

    Keep your email providers' settings (tracking, message streams, domains,
    configuration sets, webhooks) and email routing in one YAML file; plan and apply
    changes; report on deliverability across providers. `espctl import --help` lists
    the provider types.
    """
    log_from_environment(ctx)


@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@config_option
@format_option
@handle_errors
def validate(files: tuple[str, ...], config: tuple[str, ...], fmt: str) -> None:
    """Check config files offline: schema, references, provider limits.

    Validates each of FILES on its own (pre-commit passes the changed files), or else
    the -c files merged in order. Needs no credentials: an unset ${env:NAME} is a
    warning here. Every problem is printed at once as FILE:LINE:COL: config.path:
    message. --format json prints {"valid", "files": [{"file", "valid", "problems"}]}.
    Exit 0 when every file is valid, 1 otherwise.
    """
    from espctl import api
    from espctl.model.text import plural

    results = [api.validate(path) for path in files] if files else [api.validate(config)]
    if fmt == "json":
        import json

        payload = {
            "valid": all(r.valid for r in results),
            "files": [r.as_json() for r in results],
        }
        echo(json.dumps(payload, indent=2))
    else:
        for result in results:
            echo_lines(problem.render() for problem in result.problems)
            warned = f", {plural(result.warnings, 'warning')}" if result.warnings else ""
            if result.valid:
                echo(f"{result.file}: valid ({result.summary()}){warned}")
            else:
                echo(f"{result.file}: {plural(result.errors, 'error')}{warned}", err=True)
    sys.exit(0 if all(r.valid for r in results) else 1)


@main.command()
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of the config language."""
    from espctl.config import schema_text

    echo(schema_text(), nl=False)


@main.command()
@config_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text for people, json for machines, markdown for a PR comment.",
)
@click.option(
    "--out",
    type=click.Path(dir_okay=False),
    help="Save the plan (JSON, no secrets) to exactly this path, for `espctl apply PATH` "
    "and `espctl show PATH` (the recipes use plans/plan.json).",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there are no changes, 2 when changes are pending, 1 on error or when "
    "the config cannot converge (a check of severity error failed).",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Exit 1 when any check failed, warnings (e.g. an unverified domain) included.",
)
@target_options
@parallelism_option
@limit_options()
@sandbox_option
@handle_errors
def plan(
    config: tuple[str, ...],
    fmt: str,
    out: str | None,
    detailed_exitcode: bool,
    strict: bool,
    parallelism: int,
    sandbox: bool,
) -> None:
    """Show what apply would change: read live settings concurrently and diff them.

    Unmanaged live resources are listed (policy.unmanaged), failed checks shown with
    their severity (error: the config cannot converge, and the changes that depend on the
    failed fact are listed as blocked, never applied; warning: it converges but will not
    deliver well), and a plan over policy.max_change_ratio is marked BLOCKED (apply then
    needs --force).
    """
    import json
    import shlex

    from espctl import api
    from espctl.engine.render import (
        convergence_reason,
        render_markdown,
        strict_reason,
        text_lines,
    )

    options = run_options(config, sandbox, parallelism)
    result = api.plan(options).plan
    if fmt == "json":
        echo(json.dumps(result.as_json(), indent=2))
    elif fmt == "markdown":
        echo(render_markdown(result))
    else:
        echo_styled(text_lines(result), colour=colour())
    if out:
        created = datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        path = api.save_plan(result, out, created_at=created, version=__version__, notify=notify)
        again = f"espctl apply {shlex.quote(str(path))}{config_args(config)}"
        sandboxed = (
            " --sandbox-from-config" if sandbox_from_config() else " --sandbox" if sandbox else ""
        )
        notify(f"saved plan to {path} (apply it with: {again}{sandboxed})")
    if detailed_exitcode and not result.converges:
        notify(f"error: the config cannot converge: {convergence_reason(result)}")
        sys.exit(1)
    if strict and (reason := strict_reason(result)):
        notify(f"error: {reason}")
        sys.exit(1)
    if detailed_exitcode and result.has_changes:
        sys.exit(2)


@main.command()
@click.argument("plan_file", required=False, type=click.Path(dir_okay=False))
@config_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking (for CI).")
@click.option("--force", is_flag=True, help="Apply a plan blocked by policy.max_change_ratio.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="json: one object on stdout with every change's action, address, status, error "
    "and seconds (the plan shown before a prompt goes to stderr).",
)
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=defaults.LOCK_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for another apply of the same config on this machine to finish.",
)
@click.option(
    "--strict",
    is_flag=True,
    help="Apply nothing (exit 1) when any check failed, warnings included.",
)
@target_options
@parallelism_option
@limit_options()
@sandbox_option
@handle_errors
def apply(
    plan_file: str | None,
    config: tuple[str, ...],
    auto_approve: bool,
    force: bool,
    fmt: str,
    lock_timeout: float,
    strict: bool,
    parallelism: int,
    sandbox: bool,
) -> None:
    """Make the providers match the config.

    Without PLAN_FILE: compute the plan, show it and ask (on a terminal) or need
    --auto-approve. With PLAN_FILE (from `plan --out`): use the config the plan was made
    from (-c may only name the same files), re-read live state and refuse if anything
    moved since the plan was made; secrets come from the environment again.

    Progress goes to stderr as changes finish (on a terminal, at least every second).
    Applies of one config from this machine run one at a time (a lock in .espctl/
    beside the config). Changes blocked by a failed check of severity error are never
    attempted. Exit 0 all applied or nothing to do, 1 nothing applied (error, refused,
    cancelled, stale or blocked plan, lock not taken, every change blocked by a check),
    3 partial failure (some applied; re-run apply to finish failed ones, fix the config
    or the account for blocked ones).
    """
    import json

    from espctl import api
    from espctl.engine.render import summary_line, text_lines
    from espctl.errors import ApplyRefused, PlanFileError
    from espctl.model.text import plural

    if plan_file and not config_given():
        recorded = api.plan_config(api.read_saved_plan(plan_file))
        missing = [f for f in recorded if not os.path.exists(f)]
        if missing:
            raise PlanFileError(
                f"{plan_file} was made from the config {' + '.join(recorded)}, and "
                f"{', '.join(missing)} is not here (the plan keeps paths as given to `plan`): "
                "run apply where plan ran, or name the same config with -c; nothing was applied"
            )
        config = recorded or config
    options = run_options(
        config, sandbox, parallelism, progress_every=1.0 if sys.stderr.isatty() else None
    )

    def confirm(plan_: Plan) -> bool:
        echo_styled(text_lines(plan_), colour=colour(), err=fmt == "json")
        if auto_approve:
            return True
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            return False
        if not click.confirm("Apply these changes?", default=False, err=fmt == "json"):
            raise ApplyRefused("apply cancelled; nothing changed")
        return True

    outcome = api.apply(
        options,
        plan_file=plan_file,
        force=force,
        confirm=confirm,
        lock_timeout=lock_timeout,
        strict=strict,
    )
    result = outcome.result
    if fmt == "json":
        echo(json.dumps(apply_json(outcome), indent=2))
        sys.exit(0 if result is None else result.exit_code)
    if result is None:
        echo(summary_line(outcome.plan))
        return
    echo(result.summary())
    echo_lines(
        f"  {item.status}: {item.change.provider} {item.change.kind} "
        f"{item.change.key}: {item.message}"
        for item in result.outcomes
        if item.status != "applied"
    )
    if result.count("blocked"):
        echo(
            f"{plural(result.count('blocked'), 'change is', 'changes are')} blocked by failed "
            "checks of severity error, not attempted: the config cannot converge until those "
            "checks pass (fix the config or the account, then plan again).",
            err=True,
        )
    if result.rerun_helps and result.count("applied"):
        echo("Some changes did not apply; run `espctl apply` again to finish.", err=True)
    sys.exit(result.exit_code)


def apply_json(outcome: api.ApplyOutcome) -> dict[str, object]:
    """``apply --format json``: the summary and every change's outcome."""
    result = outcome.result
    items = result.outcomes if result is not None else ()
    return {
        "format": "espctl-apply/1",
        "fingerprint": outcome.plan.fingerprint,
        "exit_code": 0 if result is None else result.exit_code,
        "summary": {
            status: sum(1 for o in items if o.status == status)
            for status in ("applied", "failed", "skipped", "blocked")
        },
        "changes": [o.as_json() for o in items],
    }


@main.command()
@config_option
@click.option(
    "--since",
    default=None,
    metavar="30d",
    help="The last N whole UTC days, ending yesterday (today, still in progress, is left "
    "out): 7d, 30d, 12w. Default: the config's report.window, else 30d.",
)
@click.option("--from", "start", metavar="DATE", help="First day (YYYY-MM-DD, UTC).")
@click.option("--to", "end", metavar="DATE", help="Last day, inclusive (default: yesterday).")
@click.option(
    "--out",
    default="report.html",
    show_default=True,
    type=click.Path(dir_okay=False),
    help="Where to write the HTML file.",
)
@target_options
@parallelism_option
@limit_options()
@sandbox_option
@handle_errors
def report(
    config: tuple[str, ...],
    since: str | None,
    start: str | None,
    end: str | None,
    out: str,
    parallelism: int,
    sandbox: bool,
) -> None:
    """Render one self-contained HTML deliverability report comparing the providers.

    Reads stats, bounces and events over one UTC window (and the previous window of
    equal length, for comparison), plus live settings for the provider cards, checks,
    webhooks and drift. The file makes no network request and needs no JavaScript. A
    provider, domain or stream that cannot be read is named as failed; the rest is
    shown. Thresholds and the default window come from the config's `report:` section.
    """
    from espctl import api
    from espctl.model.text import plural
    from espctl.report.window import WindowError, resolve_window

    first: date | None = None
    last: date | None = None
    if since or start or end:
        try:
            first, last = resolve_window(since, start, end, datetime.now(UTC).date())
        except WindowError as exc:
            raise click.BadParameter(str(exc), param_hint=exc.option) from exc
    options = run_options(config, sandbox, parallelism)
    result = api.report(options, start=first, end=last, out=out)
    providers = result.data.providers
    failed = [p.id for p in providers if p.status == "failed"]
    partial = [p.id for p in providers if p.status == "partial"]
    size = len(result.html.encode()) / 1024
    shown_start = result.data.window_start.date()
    shown_end = result.data.window_end.date() - timedelta(days=1)
    echo(
        f"wrote {result.path} ({size:.0f} KiB; {shown_start} to {shown_end}, "
        f"{plural(len(providers), 'provider')}"
        + (f"; failed: {', '.join(failed)}" if failed else "")
        + (f"; partial: {', '.join(partial)}" if partial else "")
        + ")"
    )


main.add_command(completion)
main.add_command(demo)
main.add_command(import_cmd)
main.add_command(route)
main.add_command(test)
main.add_command(show)
# every help text espctl prints (a lazy command gets it when imported: LazyGroup)
adopt_context(main, HelpContext)
