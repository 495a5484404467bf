"""What every command shares: error handling, common options, output helpers.

``espctl.cli`` and the modules of this package both use these, so no command module
needs to import ``espctl.cli`` (which registers them).

Every line the CLI prints goes through :func:`echo`, :func:`echo_lines`,
:func:`echo_styled`, :func:`notify` or the error handler, which show control characters
(escape sequences, carriage returns, bidi overrides) escaped
(:func:`espctl.model.text.escape_controls`): provider-sourced text cannot drive the
terminal, on a TTY or piped.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import click

from espctl import defaults

F = TypeVar("F", bound=Callable[..., Any])


def handle_errors(func: F) -> F:
    """Turn espctl errors into one readable message and the documented exit code."""

    @functools.wraps(func)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        from espctl.errors import sensitive_scope

        with sensitive_scope():  # the command's secrets, masked in all it says
            return _run(*args, **kwargs)

    def _run(*args: Any, **kwargs: Any) -> Any:
        from espctl.errors import EspctlError, error_lines, redact

        try:
            return func(*args, **kwargs)
        except EspctlError as exc:
            for line in error_lines(exc):
                echo(f"error: {redact(line)}", err=True)
            sys.exit(exc.exit_code)
        except KeyboardInterrupt:
            click.echo("interrupted", err=True)
            sys.exit(130)
        except click.ClickException:
            raise  # usage errors: click prints them and exits 2
        except Exception as exc:  # a bug: one line, the traceback only on request
            if os.environ.get("ESPCTL_DEBUG"):
                raise
            notify(
                f"internal error (a bug in espctl, please report it): {type(exc).__name__}: "
                f"{redact(str(exc))[:300]}; set ESPCTL_DEBUG=1 to see the traceback"
            )
            sys.exit(1)

    return wrapper  # type: ignore[return-value]


DEFAULT_CONFIG = "espctl.yaml"


def config_option(func: F) -> F:
    """``-c/--config FILE`` (repeatable; default ./espctl.yaml, or ``ESPCTL_CONFIG``)."""
    return click.option(
        "-c",
        "--config",
        "config",
        multiple=True,
        default=(DEFAULT_CONFIG,),
        show_default=True,
        envvar="ESPCTL_CONFIG",
        show_envvar=True,
        help="Config file. Repeat to deep-merge files in order (-c base.yaml -c prod.yaml); "
        "ESPCTL_CONFIG takes a colon-separated list.",
        type=click.Path(dir_okay=False),
    )(func)


def config_given(name: str = "config") -> bool:
    """Whether the running command's ``-c`` came from the command line or ESPCTL_CONFIG
    (not the default)."""
    source = click.get_current_context().get_parameter_source(name)
    return source in (
        click.core.ParameterSource.COMMANDLINE,
        click.core.ParameterSource.ENVIRONMENT,
    )


def config_args(config: Sequence[str]) -> str:
    """`` -c FILE`` for each file, shell-quoted ("" for the default config)."""
    import shlex

    if tuple(config) == (DEFAULT_CONFIG,):
        return ""
    return "".join(f" -c {shlex.quote(f)}" for f in config)


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


_FROM_CONFIG = "espctl.sandbox_from_config"


def sandbox_option(func: F) -> F:
    """``--sandbox`` (the demo's seeded account) and ``--sandbox-from-config`` (an account
    made for the config). The latter implies the former: the command's ``sandbox``
    argument is True with either; :func:`sandbox_from_config` tells them apart."""

    @functools.wraps(func)
    def wrapper(*args: Any, sandbox_from_config: bool = False, **kwargs: Any) -> Any:
        if sandbox_from_config:
            click.get_current_context().meta[_FROM_CONFIG] = True
            kwargs["sandbox"] = True
        return func(*args, **kwargs)

    with_config = click.option(
        "--sandbox-from-config",
        is_flag=True,
        help="Run against an embedded sandbox account made for this config (state in "
        ".espctl/sandbox-from-config.json): what the config checks (domains, identities) "
        "exists and is verified, what it would create does not exist yet (beyond what a new "
        "account holds), no webhooks, default tracking. For a plan that means something "
        "without credentials (pull requests from forks).",
    )(wrapper)
    return click.option(
        "--sandbox",
        is_flag=True,
        help="Run against the embedded sandbox (state in .espctl/sandbox.json: the demo's "
        "seeded account), not the real APIs. Unset credentials resolve to the sandbox's own.",
    )(with_config)  # type: ignore[return-value]


def sandbox_from_config() -> bool:
    """Whether the running command was given ``--sandbox-from-config``."""
    return bool(click.get_current_context().meta.get(_FROM_CONFIG))


def parallelism_option(func: F) -> F:
    """``--parallelism N``: concurrent requests per provider."""
    return click.option(
        "--parallelism",
        type=click.IntRange(1, 64),
        default=defaults.PARALLELISM,
        show_default=True,
        help="Concurrent API requests per provider.",
    )(func)


def echo(text: str = "", *, err: bool = False, nl: bool = True) -> None:
    """Print text espctl composed (lines separated by ``\\n``), control characters escaped."""
    from espctl.model.text import escape_controls

    click.echo(escape_controls(text, keep_newlines=True), err=err, nl=nl)


def echo_lines(lines: Iterable[str], *, err: bool = False) -> None:
    """Print one line per item; a line break inside an item is shown as ``\\n``, so a
    provider-sourced value cannot add lines of its own."""
    from espctl.model.text import escape_controls

    for line in lines:
        click.echo(escape_controls(line), err=err)


def echo_styled(
    lines: Iterable[tuple[str, str | None]], *, colour: bool, err: bool = False
) -> None:
    """Print ``(line, SGR style)`` pairs: each line escaped, then coloured if ``colour``."""
    from espctl.model.text import paint

    for line, style in lines:
        click.echo(paint(line, style, colour and not err), err=err)


def notify(message: str) -> None:
    """Progress and notices, one line each: stderr, so stdout stays the result (secrets
    masked, control characters escaped)."""
    from espctl.errors import redact
    from espctl.model.text import escape_controls

    click.echo(escape_controls(redact(message)), err=True)


def colour() -> bool:
    """Colour only on a terminal and never with NO_COLOR."""
    return sys.stdout.isatty() and "NO_COLOR" not in os.environ
