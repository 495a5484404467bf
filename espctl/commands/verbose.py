"""``-v/--verbose`` and ``ESPCTL_LOG=debug``: each HTTP request logged on stderr.

The log itself is written by :mod:`espctl.providers.kit.http_log` (one line per attempt:
provider, method, path, status or failure, seconds, retries and waits, redacted). This
module only turns it on for one command and off again when the command ends, so a
process that runs several commands (tests, the demo) never logs one it was not asked to.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import Any, TypeVar

import click

F = TypeVar("F", bound=Callable[..., Any])

#: the values ESPCTL_LOG understands; only ``debug`` prints anything today
LOG_LEVELS = ("debug", "info", "warning", "error", "off")
_ON_KEY = "espctl.verbose"


def _turn_on(ctx: click.Context, param: click.Parameter, value: bool) -> bool:
    if value:
        enable_http_log(ctx)
    return value


def verbose_option(func: F) -> F:
    """``-v/--verbose`` on a command (also accepted before the command: ``espctl -v plan``)."""
    return click.option(
        "-v",
        "--verbose",
        is_flag=True,
        expose_value=False,
        is_eager=True,
        callback=_turn_on,
        help="Log each HTTP request on stderr (method, path, status, seconds, retries and "
        "waits; credentials and sensitive values redacted). Also ESPCTL_LOG=debug.",
    )(func)


def log_from_environment(ctx: click.Context) -> None:
    """Apply ``ESPCTL_LOG`` (case-insensitive); an unknown value is named and ignored."""
    value = os.environ.get("ESPCTL_LOG", "").strip().lower()
    if not value:
        return
    if value == "debug":
        enable_http_log(ctx)
    elif value not in LOG_LEVELS:
        click.echo(
            f"warning: ESPCTL_LOG={value!r} is not one of {', '.join(LOG_LEVELS)}; ignored",
            err=True,
        )


def enable_http_log(ctx: click.Context) -> None:
    """Print the HTTP log on stderr until the outermost command ends."""
    import logging

    root = ctx.find_root()
    if root.meta.get(_ON_KEY):
        return
    root.meta[_ON_KEY] = True

    class StderrHandler(logging.Handler):
        """Writes through click at emit time (so a test runner's stderr gets it), with
        secrets masked and control characters escaped. Defined here: logging is loaded
        only when asked for (start-up, tests/test_startup_imports.py)."""

        def emit(self, record: logging.LogRecord) -> None:
            from espctl.errors import redact
            from espctl.model.text import escape_controls

            click.echo(f"http: {escape_controls(redact(record.getMessage()))}", err=True)

    logger = logging.getLogger("espctl.http")
    handler = StderrHandler()
    logger.addHandler(handler)
    previous = logger.level
    logger.setLevel(logging.DEBUG)
    logger.propagate = False

    def turn_off() -> None:
        logger.removeHandler(handler)
        logger.setLevel(previous)

    root.call_on_close(turn_off)
