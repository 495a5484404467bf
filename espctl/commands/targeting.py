"""``--provider ID`` and ``--target ID/KEY``: point a command at part of the config.

The values are kept in the click context (like the limit options) and become
:attr:`espctl.session.RunOptions.targets` through
:func:`espctl.commands.limits.run_options`. A ``--target`` that is not ``ID/KEY`` is a
usage error (exit 2); an id or key the config does not declare is an error the command
reports (exit 1), naming what the config does declare.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, TypeVar

import click

if TYPE_CHECKING:
    from espctl.model.targets import Targets

F = TypeVar("F", bound=Callable[..., Any])

_KEY = "espctl.targets"


def _remember(ctx: click.Context, param: click.Parameter, value: tuple[str, ...]) -> Any:
    if param.name is not None:
        ctx.meta.setdefault(_KEY, {})[param.name] = value
    if param.name == "target" and value and not ctx.resilient_parsing:
        from espctl.errors import TargetError
        from espctl.model.targets import target_pair

        for text in value:
            try:
                target_pair(text)
            except TargetError as exc:  # a usage error: exit 2, like click's own
                raise click.BadParameter(str(exc), ctx=ctx, param=param) from exc
    return value


PROVIDER_HELP = "Only this provider (its id in the config); repeatable. Default: all."
TARGET_HELP = (
    "Only this resource and what it holds: PROVIDER_ID/KEY, the provider's id in the "
    "config and a key as the plan shows it (a stream with its webhooks, a domain with its "
    "tracking and webhooks, server); repeatable. A saved plan records its targets and "
    "apply keeps to them."
)


def provider_option(func: F) -> F:
    """``--provider ID`` (repeatable)."""
    return click.option(
        "--provider",
        "provider",
        multiple=True,
        metavar="ID",
        expose_value=False,
        callback=_remember,
        help=PROVIDER_HELP,
    )(func)


def target_option(func: F, text: str = TARGET_HELP) -> F:
    """``--target ID/KEY`` (repeatable)."""
    return click.option(
        "--target",
        "target",
        multiple=True,
        metavar="ID/KEY",
        expose_value=False,
        callback=_remember,
        help=text,
    )(func)


def target_options(func: F) -> F:
    """``--provider ID`` and ``--target ID/KEY`` (both repeatable)."""
    return provider_option(target_option(func))


def current_targets() -> Targets:
    """The running command's targets (everything when it has no such options)."""
    from espctl.model.targets import Targets

    ctx = click.get_current_context(silent=True)
    values = ctx.meta.get(_KEY, {}) if ctx is not None else {}
    return Targets.parse(values.get("provider", ()), values.get("target", ()))
