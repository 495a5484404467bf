"""``espctl route``: which target (and fallbacks) an email type goes to. Offline."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from espctl.commands.common import config_option, echo, echo_lines, format_option, handle_errors

if TYPE_CHECKING:  # the router (the config models) is imported when route runs
    from espctl.routing import Route, Router


def render_route(route: Route) -> list[str]:
    """A route for a terminal: target, where it comes from, sender, tag, fallbacks."""
    if route.stream:
        where = f"stream {route.stream}"
    elif route.domain:
        where = f"domain {route.domain}"
    else:
        where = "account-wide"  # a provider id alone (its settings are account-wide)
    via = f"rule {route.rule}" if route.matched_by == "rule" else "routing.default"
    lines = [
        f"{route.email_type} -> {route.target}",
        f"  provider:  {route.provider} ({route.provider_type}, {where})",
        f"  matched:   {via}",
        f"  sender:    {route.sender or '(no default_sender configured)'}",
        f"  tag:       {route.tag}",
        "  fallbacks: " + (", ".join(f.target for f in route.fallbacks) or "none"),
    ]
    if route.skipped:
        lines.append(f"  skipped:   {', '.join(route.skipped)} (provider unavailable)")
    return lines


def render_table(router: Router, unavailable: frozenset[str] = frozenset()) -> list[str]:
    """Every routed email type on one line each, then the default (skipping the targets
    of ``unavailable`` providers)."""
    lines = []
    table = router.table(unavailable)
    types = router.email_types
    width = max((len(t) for t in types), default=1)
    down = ", ".join(sorted(unavailable))
    for email_type in types:
        route = table["email_types"][email_type]
        if route is None:
            lines.append(f"{email_type.ljust(width)}  (no available route: {down} unavailable)")
            continue
        chain = " -> ".join([route["target"], *(f["target"] for f in route["fallbacks"])])
        lines.append(f"{email_type.ljust(width)}  {chain}  ({route['rule']})")
    default = table["default"]
    if default:
        shown = default["target"]
    elif router.has_default:
        shown = f"(no available route: {down} unavailable)"
    else:
        shown = "(no default)"
    lines.append(f"{'*'.ljust(width)}  {shown}")
    return lines


@click.command()
@click.argument("email_type", required=False)
@click.option("--all", "show_all", is_flag=True, help="The whole routing table.")
@click.option(
    "--unavailable",
    "unavailable",
    multiple=True,
    metavar="PROVIDER",
    help="Treat this provider id as down and skip to the next fallback (repeatable); "
    "an id the config does not declare is an error.",
)
@config_option
@format_option
@handle_errors
def route(
    email_type: str | None,
    show_all: bool,
    unavailable: tuple[str, ...],
    config: tuple[str, ...],
    fmt: str,
) -> None:
    """Show which target (and fallbacks) EMAIL_TYPE is sent through.

    Offline: needs no credentials (unset ${env:NAME} are fine). An email type no rule
    names goes to routing.default. The tag to put on the message is the email type.
    `--all --format json` prints the whole table for programs. Exit 1 when there is no
    route.
    """
    import json

    from espctl.routing import Router

    if show_all == (email_type is not None):
        raise click.UsageError("give either EMAIL_TYPE or --all")
    router = Router.from_config(config)
    down = router.check_providers(unavailable)
    if email_type is None:
        if fmt == "json":
            echo(json.dumps(router.table(down), indent=2))
        else:
            echo_lines(render_table(router, down))
        return
    result = router.resolve(email_type, frozenset(unavailable))
    if fmt == "json":
        echo(json.dumps(result.as_json(), indent=2))
    else:
        echo_lines(render_route(result))
