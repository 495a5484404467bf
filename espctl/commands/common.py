"""What every command shares: error handling, common options, output helpers.

``espctl.cli`` and the modules of this package both use these, so no command module
needs to import ``espctl.cli`` (which registers them).
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, TypeVar

import click

from espctl.errors import EspctlError, error_lines, redact, sensitive_scope

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(func: F) -> F:
    """Turn espctl errors into one readable message and the documented exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with sensitive_scope():  # the command's secrets, masked in all it says
            return _run(*args, **kwargs)

    def _run(*args: Any, **kwargs: Any) -> Any:
        try:
            return func(*args, **kwargs)
        except EspctlError as exc:
            for line in error_lines(exc):
                click.echo(f"error: {redact(line)}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except click.ClickException:
            raise  # usage errors: click prints them and exits 2
        except Exception as exc:  # a bug: one line, the traceback only on request
            if os.environ.get("ESPCTL_DEBUG"):
                raise
            click.echo(
                f"internal error (a bug in espctl, please report it): {type(exc).__name__}: "
                f"{redact(str(exc))[:300]}; set ESPCTL_DEBUG=1 to see the traceback",
                err=True,
            )
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


def config_option(func: F) -> F:
    """``-c/--config FILE`` (default ./espctl.yaml)."""
    return click.option(
        "-c",
        "--config",
        "config",
        default="espctl.yaml",
        show_default=True,
        help="Config file.",
        type=click.Path(dir_okay=False),
    )(func)


def format_option(func: F) -> F:
    """``--format text|json``."""
    return click.option(
        "--format",
        "fmt",
        type=click.Choice(["text", "json"]),
        default="text",
        show_default=True,
        help="Output format.",
    )(func)


def sandbox_option(func: F) -> F:
    """``--sandbox``: the embedded sandbox instead of the real APIs."""
    return click.option(
        "--sandbox",
        is_flag=True,
        help="Run against the embedded sandbox (state in .espctl/sandbox.json), not the real "
        "APIs. Unset credentials resolve to the sandbox's own.",
    )(func)


def parallelism_option(func: F) -> F:
    """``--parallelism N``: concurrent requests per provider."""
    return click.option(
        "--parallelism",
        type=click.IntRange(1, 64),
        default=8,
        show_default=True,
        help="Concurrent API requests per provider.",
    )(func)


def notify(message: str) -> None:
    """Progress and notices: stderr, so stdout stays the result (secrets masked)."""
    click.echo(redact(message), err=True)


def colour() -> bool:
    """Colour only on a terminal and never with NO_COLOR."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ
