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
from typing import TYPE_CHECKING

import click

from espctl.commands.common import handle_errors, notify
from espctl.sandbox.defaults import (
    ALLOWED_HOSTS,
    DEFAULT_MAILGUN_API_KEY,
    DEFAULT_POSTMARK_ACCOUNT_TOKEN,
    DEFAULT_POSTMARK_SERVER_TOKEN,
)

if TYPE_CHECKING:  # the simulator is imported by `serve`, not by `sandbox --help`
    from espctl.sandbox.state import AccountState


@click.group(name="sandbox")
def sandbox() -> None:
    """Offline simulator of the Postmark and Mailgun APIs."""


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
    "and are verified, its streams do not exist yet (apart from Postmark's defaults), no "
    "webhooks, default tracking. Its ${env:...} values are not needed.",
)
@click.option(
    "--postmark-server-token",
    default=DEFAULT_POSTMARK_SERVER_TOKEN,
    show_default=True,
    help="The only accepted X-Postmark-Server-Token.",
)
@click.option(
    "--postmark-account-token",
    default=DEFAULT_POSTMARK_ACCOUNT_TOKEN,
    show_default=True,
    help="The only accepted X-Postmark-Account-Token.",
)
@click.option(
    "--mailgun-api-key",
    default=DEFAULT_MAILGUN_API_KEY,
    show_default=True,
    help="The only accepted Mailgun key (Basic auth user 'api').",
)
@handle_errors
def serve(
    port: int,
    host: str,
    seed: int,
    latency_ms: float,
    jitter_ms: float,
    fault_rate: float,
    postmark_server_token: str,
    postmark_account_token: str,
    mailgun_api_key: str,
    from_config: str | None,
) -> None:
    """Serve Postmark and Mailgun (US and EU) on one port until interrupted."""
    from espctl.sandbox.app import SandboxApp, SandboxCredentials
    from espctl.sandbox.faults import FaultPlan
    from espctl.sandbox.server import SandboxHTTPServer

    app = SandboxApp(
        _account(from_config, seed),
        credentials=SandboxCredentials(
            postmark_server_token, postmark_account_token, mailgun_api_key
        ),
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
        click.echo(f"Postmark:    {base}")
        click.echo(f"Mailgun US:  {base}")
        click.echo(f"Mailgun EU:  {base}/eu")
        click.echo(f"postmark server token:  {postmark_server_token}")
        click.echo(f"postmark account token: {postmark_account_token}")
        click.echo(f"mailgun api key:        {mailgun_api_key}")
        click.echo("Press Ctrl-C to stop.", err=True)
        thread.start()
        while thread.is_alive() and not stop.wait(0.5):
            pass
    except KeyboardInterrupt:
        pass
    finally:
        click.echo("stopping", err=True)
        server.stop()


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
    notify(
        f"serving an account made for {from_config}: {len(spec.mailgun_domains)} Mailgun "
        f"and {len(spec.postmark_domains)} Postmark domains, nothing configured"
    )
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
