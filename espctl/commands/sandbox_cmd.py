"""``espctl sandbox serve``: the simulator over HTTP on 127.0.0.1 until Ctrl-C or SIGTERM.

The account served is the demo's seeded one, or with ``--from-config FILE`` one made for
that config (:mod:`espctl.sandbox.blank`). The config is read with espctl's own loader
(limits, schema, positions in errors), without its secrets: serving needs none.
"""

from __future__ import annotations

import contextlib
import os
import signal
import threading
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, TypeVar

import click

from espctl.commands.common import handle_errors, notify
from espctl.sandbox import registry
from espctl.sandbox.defaults import ALLOWED_HOSTS

if TYPE_CHECKING:  # the simulator is imported by `serve`, not by `sandbox --help`
    from espctl.sandbox.state import AccountState

F = TypeVar("F", bound=Callable[..., object])


def _credential_options(command: F) -> F:
    """One option per credential of each simulated provider (``--<type>-<key>``, from the
    registry's plain descriptions), each into ``credentials[(type, key)]``."""
    for info in reversed(registry.INFOS.values()):
        for credential in reversed(info.credentials):
            command = click.option(
                info.option(credential),
                f"credential_{info.type}__{credential.key}",
                default=credential.default,
                show_default=True,
                help=credential.help,
            )(command)
    return command


def _credentials(options: dict[str, str]) -> dict[str, dict[str, str]]:
    """The values of :func:`_credential_options`: provider type -> key -> value."""
    out: dict[str, dict[str, str]] = {}
    for name, value in options.items():
        provider_type, _, key = name.removeprefix("credential_").partition("__")
        out.setdefault(provider_type, {})[key] = value
    return out


def _new_account_defaults() -> str:
    """What new accounts have before anyone configures them, for ``--from-config``'s help
    (`` (apart from Postmark's defaults)``), from the registry's plain descriptions."""
    notes = [i.new_account for i in registry.INFOS.values() if i.new_account]
    return f" (apart from {' and '.join(notes)})" if notes else ""


@click.group(name="sandbox")
def sandbox() -> None:
    """Offline simulator of the providers' APIs."""


@sandbox.command(name="serve")
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=8025,
    show_default=True,
    help="TCP port (0 picks a free one).",
)
@click.option(
    "--host",
    type=click.Choice(ALLOWED_HOSTS),
    default="127.0.0.1",
    show_default=True,
    help="Loopback only.",
)
@click.option(
    "--seed",
    type=int,
    default=0,
    show_default=True,
    help="Seed of the simulated account, its traffic and its faults.",
)
@click.option(
    "--latency-ms",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Fixed latency added to every request.",
)
@click.option(
    "--jitter-ms",
    type=click.FloatRange(min=0),
    default=0.0,
    show_default=True,
    help="Extra random latency, uniform in [0, N].",
)
@click.option(
    "--fault-rate",
    type=click.FloatRange(0, 1),
    default=0.0,
    show_default=True,
    help="Share of requests answered with a random fault (429, 5xx, stall...).",
)
@click.option(
    "--from-config",
    "from_config",
    type=click.Path(dir_okay=False),
    default=None,
    metavar="FILE",
    help="Serve an account made for this config instead of the demo's: its domains exist "
    f"and are verified, its streams do not exist yet{_new_account_defaults()}, no "
    "webhooks, default tracking. Its ${env:...} values are not needed.",
)
@_credential_options
@handle_errors
def serve(
    port: int,
    host: str,
    seed: int,
    latency_ms: float,
    jitter_ms: float,
    fault_rate: float,
    from_config: str | None,
    **credential_options: str,
) -> None:
    """Serve every simulated provider on one port until interrupted (the banner lists
    each one's base URL and accepted credentials)."""
    from espctl.sandbox.app import SandboxApp
    from espctl.sandbox.credentials import SandboxCredentials
    from espctl.sandbox.faults import FaultPlan
    from espctl.sandbox.server import SandboxHTTPServer

    credentials = SandboxCredentials(_credentials(credential_options))
    app = SandboxApp(
        _account(from_config, seed),
        credentials=credentials,
        faults=FaultPlan(seed=seed, rate=fault_rate, latency_ms=latency_ms, jitter_ms=jitter_ms),
    )
    stop = _stop_on_sigterm()  # before the address is printed: a client may stop us at once
    try:
        server = SandboxHTTPServer(app, host, port)
    except OSError as exc:
        raise click.ClickException(f"cannot listen on {host}:{port}: {exc.strerror}") from exc
    base = f"http://{host}:{server.server_port}"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    try:  # a Ctrl-C from the first printed line on stops cleanly
        for line in _banner(base, credentials.values):
            click.echo(line)
        click.echo("Press Ctrl-C to stop.", err=True)
        thread.start()
        while thread.is_alive() and not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        click.echo("stopping", err=True)
        server.stop()


def _banner(base: str, accepted: Mapping[str, Mapping[str, str]]) -> list[str]:
    """Where each provider answers, then the credentials each accepts, in columns."""
    infos = registry.INFOS.values()
    served = [(f"{label}:", f"{base}{path}") for i in infos for label, path in i.served]
    # an optional credential left unset (SES's session token) reads "(none)", not blank
    names = [
        (f"{i.type} {c.key.replace('_', ' ')}:", accepted[i.type][c.key] or "(none)")
        for i in infos
        for c in i.credentials
    ]
    lines = []
    for rows, gap in ((served, 2), (names, 1)):
        width = max(len(name) for name, _ in rows) + gap
        lines += [f"{name:<{width}}{value}" for name, value in rows]
    return lines


def _account(from_config: str | None, seed: int) -> AccountState:
    """The demo's seeded account, or one made for the config at ``from_config``."""
    from espctl.sandbox.blank import account_for
    from espctl.sandbox.seed import seed_account

    if from_config is None:
        return seed_account(seed)
    from espctl.config import load_config
    from espctl.session import sandbox_spec

    # a config error is one readable message per problem and exit 1 (handle_errors)
    loaded = load_config(from_config, env=os.environ, env_mode="lenient")
    spec = sandbox_spec(loaded.config)
    # alphabetical by label, whatever the registry's order; the providers the config
    # gives none (a config without them) left out
    infos = sorted(registry.INFOS.values(), key=lambda i: i.label)
    held = " and ".join(f"{spec.count(i.type)} {i.label}" for i in infos if spec.count(i.type))
    held = held or "no"
    notify(f"serving an account made for {from_config}: {held} domains, nothing configured")
    return account_for(spec, seed)


def _stop_on_sigterm() -> threading.Event:
    """SIGTERM (``kill``, a CI service's stop) stops the server as cleanly as Ctrl-C.

    Needed also because a shell starting ``espctl sandbox serve &`` without job control
    makes the background process ignore SIGINT, so Ctrl-C alone cannot be relied on.
    """
    stop = threading.Event()
    with contextlib.suppress(ValueError):  # not the main thread (embedded): Ctrl-C only
        signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    return stop
