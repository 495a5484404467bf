"""The pure core: :class:`SandboxApp` maps a :class:`Request` to a :class:`Response`.

Dispatch (:func:`route_target`; the providers are those of :mod:`.registry`):
- a provider's real API host (``api.postmarkapp.com``, ``api.mailgun.net``,
  ``api.eu.mailgun.net``) -> that provider (and region);
- any other host (a served sandbox, or a config ``endpoint:`` pointing at one):
  ``/<type>/...`` -> provider ``<type>`` (``/mailgun/eu/v3/...``: Mailgun EU), so that no
  two providers collide on a path; the unprefixed paths of before stay as they were
  (:data:`.registry.LEGACY_TYPES`): ``/eu/v1``..``/eu/v5`` -> Mailgun EU (prefix ``/eu``),
  ``/v1``..``/v5`` -> Mailgun US, everything else -> Postmark.

Order per request: fault decision (delay + maybe a fault that short-circuits before any
state is touched) -> routing -> credentials -> handler under the app lock ->
``timeout_after_commit`` if asked.
"""

from __future__ import annotations

import threading
from dataclasses import replace
from typing import assert_never

from . import registry
from .credentials import SandboxCredentials
from .faults import FaultDecision, FaultPlan
from .http import Request, Response
from .provider import Target
from .seed import seed_account
from .state import AccountState
from .traffic import Traffic

__all__ = [
    "SandboxApp",
    "SandboxCredentials",
    "Target",
    "route_target",
]


def route_target(request: Request) -> Target:
    """Pick provider and region from host and path (see the module docstring)."""
    host = request.hostname
    providers = registry.providers()
    for provider in providers.values():
        if host in provider.hosts:
            return Target(provider.type, provider.hosts[host], "", request.path)
    first, _, rest = request.path.lstrip("/").partition("/")
    prefixed = providers.get(first.lower())
    if prefixed is not None:
        return prefixed.target(f"/{rest}", f"/{first}")
    for provider in registry.legacy():
        found = provider.legacy_target(request.path)
        if found is not None:
            return found
    raise AssertionError("the last legacy provider claims every path")


class SandboxApp:
    """The simulator: one account, its credentials and its fault plan.

    ``handle`` is safe to call from many threads; handlers run one at a time under a
    lock, while injected latency is applied by the adapters outside it, so slow
    requests overlap.
    """

    def __init__(
        self,
        state: AccountState | None = None,
        *,
        credentials: SandboxCredentials | None = None,
        faults: FaultPlan | None = None,
    ) -> None:
        self.state = state if state is not None else seed_account()
        self.credentials = credentials or SandboxCredentials()
        self.faults = faults or FaultPlan()
        self.lock = threading.RLock()
        self._traffic: Traffic | None = None

    @property
    def traffic(self) -> Traffic:
        """The known truth behind stats and events (see :class:`Traffic`)."""
        current = self._traffic
        if current is None or current.seed != self.state.seed or current.now != self.state.now:
            current = Traffic(self.state.seed, self.state.now)
            self._traffic = current
        return current

    def handle(self, request: Request) -> Response:
        """Answer one request (never raises for bad input; faults become responses)."""
        target = route_target(request)
        decision = self.faults.decide(request.method, target.path, target.provider)
        response = self._dispatch(request, target, decision)
        return replace(response, delay_s=response.delay_s + decision.delay_s)

    def _dispatch(self, request: Request, target: Target, decision: FaultDecision) -> Response:
        kind = decision.kind
        if kind is not None and kind not in ("timeout_after_commit", "malformed"):
            return self._fault(target, decision)
        response = registry.provider(target.provider).handle(self, request, target)
        if kind == "timeout_after_commit":
            return replace(response, action="stall", stall_s=self.faults.stall_s)
        if kind == "malformed":
            # A 200 means the server did the work: the body is what gets mangled, in
            # transit, after the commit (a truncated copy of the real answer).
            return replace(response, body=response.body[: max(1, len(response.body) // 2)])
        return response

    def _fault(self, target: Target, decision: FaultDecision) -> Response:
        kind = decision.kind
        match kind:
            case "429" | "429_body" | "500" | "503":
                # each provider's own body (and rate-limit headers)
                answer = registry.provider(target.provider).fault(decision)
                if answer is None:
                    raise AssertionError(f"{target.provider} has no answer for fault {kind}")
                return answer
            case "502":
                return Response(
                    502,
                    b"<html><body><h1>502 Bad Gateway</h1></body></html>",
                    (("Content-Type", "text/html"),),
                )
            case "stall":
                return Response(504, action="stall", stall_s=self.faults.stall_s)
            case "drop":
                return Response(502, action="drop")
            case "timeout_after_commit" | "malformed" | None:  # handled by the caller
                raise AssertionError("not a pre-commit fault")
            case _:
                assert_never(kind)
