"""Postmark in the sandbox: its host, its token check, its routes and its error bodies."""

from __future__ import annotations

import builtins
import random
from collections.abc import Mapping
from datetime import datetime

from ..faults import FaultDecision
from ..http import Request, Response, Router
from ..provider import App, Target
from ..state import ProviderState, Region
from ..traffic import TrafficSource
from . import api, data
from .info import INFO
from .seed import blank_postmark, complete_postmark, seed_postmark
from .state import PostmarkAccount
from .traffic import SOURCES
from .wire import PmContext, pm_error


def _router() -> Router[PmContext]:
    router: Router[PmContext] = Router(case_insensitive=True)
    api.register(router)
    data.register(router)
    return router


_ROUTER = _router()


class PostmarkSandbox:
    """The Postmark server and account APIs (one server)."""

    type: str = INFO.type
    info = INFO
    hosts: Mapping[str, Region | None] = {"api.postmarkapp.com": None}
    state_model: builtins.type[ProviderState] = PostmarkAccount
    traffic: tuple[TrafficSource, ...] = SOURCES

    def target(self, path: str, prefix: str) -> Target:
        return Target(self.type, None, prefix, path)

    def legacy_target(self, path: str) -> Target | None:
        """Postmark was served at the root: every path no other provider claims."""
        return Target(self.type, None, "", path)

    def handle(self, app: App, request: Request, target: Target) -> Response:
        found = _ROUTER.match(request.method, target.path)
        if found is None:
            # UNCONFIRMED: Postmark's body for unknown endpoints; a bare 404 is safest.
            return Response.text(404, "Not Found")
        denied = self._auth(app, request, target.path)
        if denied is not None:
            return denied
        handler, params = found
        with app.lock:
            token = app.credentials.get(self.type, "server_token")
            ctx = PmContext(app.state, app.traffic, token)
            return handler(ctx, request, params)

    def _auth(self, app: App, request: Request, path: str) -> Response | None:
        server = request.header("x-postmark-server-token")
        account = request.header("x-postmark-account-token")
        creds = app.credentials
        if api.ACCOUNT_PATH.match(path):
            accepted = creds.get(self.type, "account_token")
            if account is not None and account.lower() == accepted.lower():
                return None
            label = "Account"
        else:
            accepted = creds.get(self.type, "server_token")
            if server is not None and server.lower() == accepted.lower():
                return None
            label = "Server"
        if server is None and account is None:
            # Message text is UNCONFIRMED; the ErrorCode (10) and status (401) are documented.
            return pm_error(
                10,
                "No Account or Server API tokens were supplied in the HTTP headers. Please "
                "add a header for either X-Postmark-Server-Token or X-Postmark-Account-Token.",
                401,
            )
        return pm_error(10, f"Request does not contain a valid {label} token.", 401)

    def fault(self, decision: FaultDecision) -> Response | None:
        match decision.kind:
            case "429":
                # Postmark documents no rate-limit headers (ESP-API 1.3, UNCONFIRMED);
                # we send Retry-After anyway so well-behaved clients can use it.
                return Response.json(
                    429,
                    {"ErrorCode": 429, "Message": "Rate limit exceeded."},
                    [("Retry-After", f"{decision.retry_after:g}")],
                )
            case "429_body":
                return Response.json(429, {"ErrorCode": 429, "Message": "Rate limit exceeded."})
            case "500" | "503":
                status = int(decision.kind)
                body = {
                    "ErrorCode": 100 if status == 503 else 0,
                    "Message": "Maintenance" if status == 503 else "Internal error",
                }
                return Response.json(status, body)
            case _:
                return None

    def seed(self, rng: random.Random, now: datetime) -> ProviderState:
        return seed_postmark(rng, now)

    def blank(self, seed: int, now: datetime) -> ProviderState:
        return blank_postmark(seed, now)

    def complete(
        self, part: ProviderState, seed: int, now: datetime, held: tuple[object, ...]
    ) -> list[str]:
        assert isinstance(part, PostmarkAccount)
        return complete_postmark(part, seed, now, held)


PROVIDER = PostmarkSandbox()
