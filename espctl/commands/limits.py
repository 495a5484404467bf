"""The limit options of the commands that talk to providers (README "Limits").

``--max-response-mb``, ``--max-listing-items``, ``--command-timeout`` and
``--request-timeout``, each with an environment variable, become the command's
:class:`~espctl.providers.kit.http.HttpOptions` through :func:`http_options`.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any, TypeVar

import click

from espctl import defaults
from espctl.commands.common import notify, sandbox_from_config
from espctl.commands.verbose import verbose_option
from espctl.defaults import MIB

if TYPE_CHECKING:  # imported where used: --help loads no HTTP stack
    from espctl import api
    from espctl.providers.kit.http import HttpOptions

F = TypeVar("F", bound=Callable[..., Any])

_LIMITS_KEY = "espctl.limits"


def _remember(ctx: click.Context, param: click.Parameter, value: Any) -> Any:
    """Keep a limit option's value for :func:`http_options` (not a command argument)."""
    if value is not None and param.name is not None:
        ctx.meta.setdefault(_LIMITS_KEY, {})[param.name] = value
    return value


def _limit(name: str, kind: Any, default: Any, env: str, text: str) -> Any:
    """One limit option: shown with its environment variable, kept for http_options."""
    return click.option(
        name,
        type=kind,
        default=default,
        show_default=True,
        envvar=env,
        show_envvar=True,
        expose_value=False,
        callback=_remember,
        help=text,
    )


def limit_options(*, request_timeout: bool = True) -> Callable[[F], F]:
    """``--max-response-mb``, ``--max-listing-items``, ``--command-timeout`` and
    ``--request-timeout`` (each with an environment variable): what bounds a command
    against slow, huge or endless answers (README "Limits"); and ``-v/--verbose``, the
    HTTP request log of every command that talks to providers.

    ``espctl test`` has its own ``--timeout`` and passes ``request_timeout=False``.
    """
    options = [
        _limit(
            "--max-response-mb",
            click.IntRange(1, 4096),
            defaults.MAX_RESPONSE_BYTES // MIB,
            "ESPCTL_MAX_RESPONSE_MB",
            "Refuse a provider response larger than this many MiB.",
        ),
        _limit(
            "--max-listing-items",
            click.IntRange(100, 10_000_000),
            defaults.MAX_LISTING_ITEMS,
            "ESPCTL_MAX_LISTING_ITEMS",
            "Refuse a paged provider listing (domains, senders, metrics) longer than this.",
        ),
        _limit(
            "--command-timeout",
            click.FloatRange(1, 86400),
            defaults.COMMAND_TIMEOUT,
            "ESPCTL_COMMAND_TIMEOUT",
            "Seconds the command may spend on provider requests, retries and rate-limit "
            "waits included.",
        ),
    ]
    if request_timeout:
        options.append(
            _limit(
                "--request-timeout",
                click.FloatRange(0.1, 3600),
                defaults.REQUEST_TIMEOUT,
                "ESPCTL_REQUEST_TIMEOUT",
                "Seconds one provider request may take, reading the answer included.",
            )
        )

    options.append(verbose_option)

    def decorate(func: F) -> F:
        for option in options:
            func = option(func)
        return func

    return decorate


def run_options(
    config: str | Sequence[str], sandbox: bool, parallelism: int, **extra: Any
) -> api.RunOptions:
    """The RunOptions of a command that reads providers: its limits, progress on stderr
    (``extra``: further RunOptions fields, e.g. ``progress_every``)."""
    from espctl import api
    from espctl.commands.targeting import current_targets

    return api.RunOptions(
        config=config,
        sandbox=sandbox,
        sandbox_from_config=sandbox_from_config(),
        parallelism=parallelism,
        notify=notify,
        http=http_options(parallelism),
        targets=current_targets(),
        **extra,
    )


def http_options(parallelism: int = defaults.PARALLELISM, **overrides: Any) -> HttpOptions:
    """The HttpOptions of the running command: its limit options, then ``overrides``."""
    from espctl.providers.kit.http import HttpOptions

    chosen = click.get_current_context().meta.get(_LIMITS_KEY, {})
    values: dict[str, Any] = {"parallelism": parallelism}
    if "max_response_mb" in chosen:
        values["max_response_bytes"] = int(chosen["max_response_mb"]) * MIB
    if "max_listing_items" in chosen:
        values["max_listing_items"] = int(chosen["max_listing_items"])
    if "command_timeout" in chosen:
        values["command_timeout"] = float(chosen["command_timeout"])
    if "request_timeout" in chosen:
        values["request_timeout"] = float(chosen["request_timeout"])
    values.update(overrides)
    return HttpOptions(**values)
