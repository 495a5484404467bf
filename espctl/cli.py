"""The ``espctl`` command line: parse, call :mod:`espctl.api`, render, exit.

Results go to stdout, progress and diagnostics to stderr. Exit codes follow
DESIGN.md; an :class:`~espctl.errors.EspctlError` never shows a traceback.
"""

from __future__ import annotations

import json
import sys
from datetime import UTC, date, datetime, timedelta

import click

from espctl import __version__, api
from espctl.commands.common import (
    colour,
    config_option,
    echo,
    echo_lines,
    echo_styled,
    format_option,
    handle_errors,
    notify,
    parallelism_option,
    sandbox_option,
)
from espctl.commands.demo_cmd import demo
from espctl.commands.import_cmd import import_cmd
from espctl.commands.limits import limit_options, run_options
from espctl.commands.route_cmd import route
from espctl.commands.sandbox_cmd import sandbox
from espctl.commands.test_cmd import test
from espctl.config import schema_text
from espctl.engine.plan import Plan
from espctl.engine.render import convergence_reason, render_markdown, summary_line, text_lines
from espctl.report.window import WindowError, resolve_window


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="espctl")
def main() -> None:
    """espctl: email delivery infrastructure as code.

    Keep Postmark and Mailgun settings (tracking, message streams, domains, webhooks)
    and email routing in one YAML file; plan and apply changes; report on
    deliverability across providers.
    """


@main.command()
@click.argument("files", nargs=-1, type=click.Path(dir_okay=False))
@config_option
@format_option
@handle_errors
def validate(files: tuple[str, ...], config: str, fmt: str) -> None:
    """Check config files offline: schema, references, provider limits.

    Validates FILES, or the -c file when none are given (pre-commit passes the
    changed files). Needs no credentials: an unset ${env:NAME} is a warning here.
    Every problem is printed at once as FILE:LINE:COL: config.path: message.
    Exit 0 when every file is valid, 1 otherwise.
    """
    results = [api.validate(path) for path in (files or (config,))]
    if fmt == "json":
        payloads = [
            {"file": r.file, "valid": r.valid, "problems": [p.as_json() for p in r.problems]}
            for r in results
        ]
        echo(json.dumps(payloads[0] if len(payloads) == 1 else payloads, indent=2))
    else:
        for result in results:
            echo_lines(problem.render() for problem in result.problems)
            if result.valid:
                echo(f"{result.file}: valid ({result.summary()})")
            else:
                errors = sum(1 for p in result.problems if p.severity == "error")
                echo(f"{result.file}: {errors} error{'s' if errors != 1 else ''}", err=True)
    sys.exit(0 if all(r.valid for r in results) else 1)


@main.command()
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of the config language."""
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
    help="Save the plan (JSON, no secrets) for `espctl apply PLAN_FILE`; a bare name goes "
    "under plans/.",
)
@click.option(
    "--detailed-exitcode",
    is_flag=True,
    help="Exit 0 when there are no changes, 2 when changes are pending, 1 on error or when "
    "the config cannot converge (a check of severity error failed).",
)
@parallelism_option
@limit_options()
@sandbox_option
@handle_errors
def plan(
    config: str, fmt: str, out: str | None, detailed_exitcode: bool, parallelism: int, sandbox: bool
) -> None:
    """Show what apply would change: read live settings concurrently and diff them.

    Unmanaged live resources are listed (policy.unmanaged), failed checks shown with
    their severity (error: the config cannot converge, and the changes that depend on the
    failed fact are listed as blocked, never applied; warning: it converges but will not
    deliver well), and a plan over policy.max_change_ratio is marked BLOCKED (apply then
    needs --force).
    """
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
        notify(f"saved plan to {path} (apply it with: espctl apply {path})")
    if detailed_exitcode and not result.converges:
        reason = convergence_reason(result)
        notify(f"error: the config cannot converge: {reason}")
        sys.exit(1)
    if detailed_exitcode and result.has_changes:
        sys.exit(2)


@main.command()
@click.argument("plan_file", required=False, type=click.Path(dir_okay=False))
@config_option
@click.option("--auto-approve", is_flag=True, help="Apply without asking (for CI).")
@click.option("--force", is_flag=True, help="Apply a plan blocked by policy.max_change_ratio.")
@click.option(
    "--lock-timeout",
    type=click.FloatRange(min=0),
    default=api.DEFAULT_LOCK_TIMEOUT,
    show_default=True,
    metavar="SECONDS",
    help="How long to wait for another apply of the same config on this machine to finish.",
)
@parallelism_option
@limit_options()
@sandbox_option
@handle_errors
def apply(
    plan_file: str | None,
    config: str,
    auto_approve: bool,
    force: bool,
    lock_timeout: float,
    parallelism: int,
    sandbox: bool,
) -> None:
    """Make the providers match the config.

    Without PLAN_FILE: compute the plan, show it and ask (on a terminal) or need
    --auto-approve. With PLAN_FILE (from `plan --out`): re-read live state and refuse if
    anything moved since the plan was made; secrets come from the environment again.

    Applies of one config file from this machine run one at a time (a lock in
    .espctl/ beside the config). Changes blocked by a failed check of severity error are
    never attempted. Exit 0 all applied or nothing to do, 1 nothing applied (error,
    refused, stale or blocked plan, lock not taken, every change blocked by a check), 3
    partial failure (some applied; re-run apply to finish failed ones, fix the config or
    account for blocked ones).
    """
    options = run_options(config, sandbox, parallelism)

    def confirm(plan_: Plan) -> bool:
        echo_styled(text_lines(plan_), colour=colour())
        if auto_approve:
            return True
        if not (sys.stdin.isatty() and sys.stdout.isatty()):
            return False
        return click.confirm("Apply these changes?", default=False)

    outcome = api.apply(
        options, plan_file=plan_file, force=force, confirm=confirm, lock_timeout=lock_timeout
    )
    if outcome.result is None:
        echo(summary_line(outcome.plan))
        return
    result = outcome.result
    echo(result.summary())
    echo_lines(
        f"  {item.status}: {item.change.provider} {item.change.kind} "
        f"{item.change.key}: {item.message}"
        for item in result.outcomes
        if item.status != "applied"
    )
    if result.count("blocked"):
        echo(
            f"{result.count('blocked')} changes are blocked by failed checks of severity error "
            "and were not attempted: the config cannot converge until those checks pass (fix "
            "the config or the account, then plan again).",
            err=True,
        )
    if result.rerun_helps and result.count("applied"):
        echo("Some changes did not apply; run `espctl apply` again to finish.", err=True)
    sys.exit(result.exit_code)


@main.command()
@config_option
@click.option(
    "--since",
    default=None,
    metavar="30d",
    help="Window ending today (UTC), in days or weeks: 7d, 30d, 12w. Default: the "
    "config's report.window, else 30d.",
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
@parallelism_option
@limit_options()
@sandbox_option
@handle_errors
def report(
    config: str,
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
        f"{len(providers)} providers"
        + (f"; failed: {', '.join(failed)}" if failed else "")
        + (f"; partial: {', '.join(partial)}" if partial else "")
        + ")"
    )


main.add_command(demo)
main.add_command(import_cmd)
main.add_command(route)
main.add_command(test)
main.add_command(sandbox)
