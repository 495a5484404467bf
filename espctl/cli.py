"""The ``espctl`` command line: parse, call :mod:`espctl.api`, render, exit.

Results go to stdout, progress and diagnostics to stderr. Exit codes follow
DESIGN.md; an :class:`~espctl.errors.EspctlError` never shows a traceback.
"""

from __future__ import annotations

import functools
import json
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from espctl import __version__, api
from espctl.config import schema_text
from espctl.errors import EspctlError

F = TypeVar("F", bound=Callable[..., Any])

CONFIG_HELP = "Config file (default ./espctl.yaml)."


def handle_errors(func: F) -> F:
    """Turn espctl errors into one readable message and the documented exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except EspctlError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)

    return wrapper  # type: ignore[return-value]


def config_option(func: F) -> F:
    return click.option(
        "-c",
        "--config",
        "config",
        default="espctl.yaml",
        show_default=True,
        help=CONFIG_HELP,
        type=click.Path(dir_okay=False),
    )(func)


@click.group(context_settings={"help_option_names": ["-h", "--help"], "max_content_width": 100})
@click.version_option(__version__, prog_name="espctl")
def main() -> None:
    """espctl: email delivery infrastructure as code.

    Keep Postmark and Mailgun settings (tracking, message streams, domains, webhooks)
    and email routing in one YAML file; plan and apply changes; report on
    deliverability across providers.
    """


@main.command()
@config_option
@click.option(
    "--format",
    "fmt",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="Output format.",
)
@handle_errors
def validate(config: str, fmt: str) -> None:
    """Check a config offline: schema, references, provider limits.

    Needs no credentials: an unset ${env:NAME} is a warning here. Every problem is
    printed at once as FILE:LINE:COL: config.path: message. Exit 0 valid, 1 invalid.
    """
    result = api.validate(config)
    if fmt == "json":
        payload = {
            "file": config,
            "valid": result.valid,
            "problems": [p.as_json() for p in result.problems],
        }
        click.echo(json.dumps(payload, indent=2))
    else:
        for problem in result.problems:
            click.echo(problem.render())
        if result.valid:
            click.echo(f"{config}: valid ({result.summary()})")
        else:
            errors = sum(1 for p in result.problems if p.severity == "error")
            click.echo(f"{config}: {errors} error{'s' if errors != 1 else ''}", err=True)
    sys.exit(0 if result.valid else 1)


@main.command()
def schema() -> None:
    """Print the JSON Schema (draft 2020-12) of the config language."""
    click.echo(schema_text(), nl=False)
