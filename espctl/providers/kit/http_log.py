"""The HTTP request log of ``-v/--verbose`` and ``ESPCTL_LOG=debug`` (README "Commands").

Every attempt a provider client makes is logged on the ``espctl.http`` logger at DEBUG:
provider, method, path (never the query string, which may carry a key), the outcome
(status or transport failure), how long it took, the attempt number, and the wait before
the next attempt with its reason. Text goes through :func:`espctl.errors.redact`, so a
sensitive value that sits in a path (a stream id from ``${env:...}``) is masked, and
nothing else a request carries (headers, bodies, credentials) is ever logged.

Nothing is printed unless the command line turns the logger on
(:func:`espctl.commands.common.enable_http_log`): logging is silent by default, and the
cost of a disabled logger is one level check per attempt.
"""

from __future__ import annotations

import logging

from espctl.errors import redact

logger = logging.getLogger("espctl.http")


def log_attempt(
    provider: str,
    method: str,
    path: str,
    outcome: str,
    seconds: float,
    attempt: int,
    *,
    then: str = "",
) -> None:
    """Log one finished attempt (``then``: what happens next, e.g. a retry's wait)."""
    if not logger.isEnabledFor(logging.DEBUG):
        return
    tried = f", attempt {attempt}" if attempt > 1 else ""
    after = f"; {then}" if then else ""
    shown = path.split("?", 1)[0]
    took = f"{seconds * 1000:.0f}ms"
    logger.debug(redact(f"{provider} {method} {shown} -> {outcome} ({took}{tried}){after}"))
