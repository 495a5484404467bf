"""``espctl test``: real-time connection test of every configured provider.

The click command and the text rendering; the test itself (provider probes, webhook
sample POSTs) is :func:`espctl.conntest.run_connection_test`. Results are printed as
they arrive, then a summary (or the whole report as JSON with ``--format json``).
"""

from __future__ import annotations

import functools
import sys
from typing import TYPE_CHECKING

import click

from espctl import defaults
from espctl.commands.common import (
    config_option,
    echo,
    echo_lines,
    format_option,
    handle_errors,
    notify,
    sandbox_from_config,
    sandbox_option,
)
from espctl.commands.limits import http_options, limit_options
from espctl.commands.targeting import current_targets, provider_option, target_option

if TYPE_CHECKING:  # the connection test (httpx, the providers) is imported when test runs
    from espctl.conntest import ConnectionReport, ProviderResult, WebhookResult

__all__ = ["render_provider", "render_webhook", "summary", "test"]


# -- rendering -------------------------------------------------------------------------
def _ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f}ms"


def render_provider(result: ProviderResult, *, sandbox: bool = False) -> list[str]:
    """One headline per provider, then one line per probe (with the cause of a failure)."""
    mark = "PASS" if result.ok else "FAIL"
    where = f"region {result.region}, " if result.region else ""
    note = " via the embedded sandbox" if sandbox else ""
    lines = [
        f"{mark} {result.provider} ({result.type}, {where}{result.endpoint}{note}) "
        f"{_ms(result.seconds)}"
    ]
    width = max((len(p.name) for p in result.probes), default=0)
    for probe in result.probes:
        lines.append(
            f"  {'ok  ' if probe.ok else 'FAIL'} {probe.name.ljust(width)} "
            f"{_ms(probe.seconds):>7}  {probe.detail}"
        )
        if probe.cause and not probe.ok:
            lines.append(f"       cause: {probe.cause}")
    return lines


def render_webhook(result: WebhookResult) -> list[str]:
    """One line per webhook POST (and the cause of a failure)."""
    mark = "PASS" if result.ok else "FAIL"
    lines = [
        f"{mark} webhook {result.webhook} ({result.format} {result.record}) {result.url}: "
        f"{result.detail} in {_ms(result.seconds)}"
    ]
    if result.cause and not result.ok:
        lines.append(f"       cause: {result.cause}")
    return lines


def summary(report: ConnectionReport) -> str:
    """``N providers: a passed, b failed`` and the webhooks: ``4 of 5 answered (401)``
    counts every receiver that answered at all, and names the statuses that failed."""
    from espctl.model.text import plural

    failed = sum(1 for p in report.providers if not p.ok)
    text = (
        f"{plural(len(report.providers), 'provider')}: "
        f"{len(report.providers) - failed} passed, {failed} failed"
    )
    if report.webhooks:
        answered = [w for w in report.webhooks if w.status is not None]
        refused = sorted({w.status for w in answered if not w.ok and w.status is not None})
        text += f"; webhooks: {len(answered)} of {len(report.webhooks)} answered"
        if refused:
            text += f" ({', '.join(str(s) for s in refused)})"
    return text


@click.command()
@config_option
@sandbox_option
@format_option
@click.option(
    "--webhooks",
    is_flag=True,
    help="Also POST a sample event in each provider's format to each webhook URL.",
)
@click.option(
    "--allow-private-receivers",
    is_flag=True,
    help="With --webhooks, also POST to receivers on this machine (loopback) or a private "
    "network. Link-local and cloud-metadata addresses are never posted to.",
)
@click.option(
    "--webhook-timeout",
    type=click.FloatRange(0.05, 60),
    default=defaults.WEBHOOK_TIMEOUT,
    show_default=True,
    help="Seconds a webhook receiver may take to answer (wall clock; at most 64 KiB of "
    "its answer is read).",
)
@click.option(
    "--timeout",
    type=click.FloatRange(0.1, 120),
    default=10.0,
    show_default=True,
    help="Seconds each provider API request may take, reading the answer included "
    "(at most 2 attempts).",
)
@provider_option
@functools.partial(
    target_option,
    text="With --webhooks, post samples only to the webhooks of this stream or domain "
    "(PROVIDER_ID/KEY; repeatable); its provider is probed.",
)
@limit_options(request_timeout=False)
@handle_errors
def test(
    config: str,
    sandbox: bool,
    fmt: str,
    webhooks: bool,
    allow_private_receivers: bool,
    webhook_timeout: float,
    timeout: float,
) -> None:
    """Check that each provider works: credentials, region or endpoint, latency.

    Providers are probed in parallel and printed as results arrive: credentials
    accepted, endpoint or region, each probe's latency, optional credentials present,
    domains and identities with their DNS verification, streams and configuration
    sets, webhooks. A failure shows the provider's own message and its documented
    cause. With --webhooks, a sample event is POSTed to each webhook URL whose name
    resolves to public addresses only (private and loopback receivers need
    --allow-private-receivers).

    Exit 0 when everything passed, 1 otherwise.
    """
    import json

    from espctl import api
    from espctl.conntest import run_connection_test

    options = api.RunOptions(
        config=config,
        sandbox=sandbox,
        sandbox_from_config=sandbox_from_config(),
        notify=notify,
        http=http_options(
            connect_timeout=min(5.0, timeout),
            read_timeout=timeout,
            request_timeout=timeout,
            max_attempts=2,
        ),
        targets=current_targets(),
    )
    text = fmt == "text"

    def show_provider(result: ProviderResult) -> None:
        if text:
            echo_lines(render_provider(result, sandbox=sandbox))

    def show_webhook(result: WebhookResult) -> None:
        if text:
            echo_lines(render_webhook(result))

    report = run_connection_test(
        options,
        webhooks=webhooks,
        webhook_timeout=webhook_timeout,
        on_provider=show_provider,
        on_webhook=show_webhook,
        allow_private_receivers=allow_private_receivers,
    )
    if text:
        echo(summary(report))
    else:
        echo(json.dumps(report.as_json(), indent=2))
    sys.exit(0 if report.ok else 1)
