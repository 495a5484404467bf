"""``espctl sandbox serve``: the simulator over HTTP on 127.0.0.1 until Ctrl-C or SIGTERM."""

from __future__ import annotations

import contextlib
import signal
import threading

import click

from .app import (
    DEFAULT_MAILGUN_API_KEY,
    DEFAULT_POSTMARK_ACCOUNT_TOKEN,
    DEFAULT_POSTMARK_SERVER_TOKEN,
    SandboxApp,
    SandboxCredentials,
)
from .faults import FaultPlan
from .seed import seed_account
from .server import ALLOWED_HOSTS, SandboxHTTPServer


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
) -> None:
    """Serve Postmark and Mailgun (US and EU) on one port until interrupted."""
    app = SandboxApp(
        seed_account(seed),
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


def _stop_on_sigterm() -> threading.Event:
    """SIGTERM (``kill``, a CI service's stop) stops the server as cleanly as Ctrl-C.

    Needed also because a shell starting ``espctl sandbox serve &`` without job control
    makes the background process ignore SIGINT, so Ctrl-C alone cannot be relied on.
    """
    stop = threading.Event()
    with contextlib.suppress(ValueError):  # not the main thread (embedded): Ctrl-C only
        signal.signal(signal.SIGTERM, lambda _signum, _frame: stop.set())
    return stop
