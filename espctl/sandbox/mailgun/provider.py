"""Mailgun in the sandbox: its hosts (US and EU), its key check, its routes and its error
bodies."""

from __future__ import annotations

import base64
import binascii
import builtins
import random
import re
import time
from collections.abc import Mapping
from datetime import datetime

from ..faults import FaultDecision
from ..http import Request, Response, Router
from ..provider import App, Target
from ..state import ProviderState, Region
from ..traffic import TrafficSource
from . import api, data
from .info import INFO
from .seed import blank_mailgun, complete_mailgun, seed_mailgun
from .state import MailgunAccount
from .traffic import SOURCES
from .wire import MgContext, mg_error

_EU_PREFIX = re.compile(r"^/eu(/v[1-5]/.*)$", re.IGNORECASE)
_API_PATH = re.compile(r"^/v[1-5]/", re.IGNORECASE)


def _router() -> Router[MgContext]:
    router: Router[MgContext] = Router()
    api.register(router)
    data.register(router)
    return router


_ROUTER = _router()


class MailgunSandbox:
    """The Mailgun API of one account, in its US and EU regions."""

    type: str = INFO.type
    info = INFO
    hosts: Mapping[str, Region | None] = {"api.mailgun.net": "us", "api.eu.mailgun.net": "eu"}
    state_model: builtins.type[ProviderState] = MailgunAccount
    traffic: tuple[TrafficSource, ...] = SOURCES

    def target(self, path: str, prefix: str) -> Target:
        """``/eu/v3/...`` is the EU region (prefix ``.../eu``), any other path the US."""
        eu = _EU_PREFIX.match(path)
        if eu:
            return Target(self.type, "eu", f"{prefix}{path[:3]}", eu.group(1))
        return Target(self.type, "us", prefix, path)

    def legacy_target(self, path: str) -> Target | None:
        """Mailgun was served at ``/v1``..``/v5`` (US) and ``/eu/v1``..``/eu/v5`` (EU)."""
        if _EU_PREFIX.match(path) or _API_PATH.match(path):
            return self.target(path, "")
        return None

    def handle(self, app: App, request: Request, target: Target) -> Response:
        if not self._authorized(app, request):
            return Response.text(401, "Forbidden")
        found = _ROUTER.match(request.method, target.path)
        if found is None:
            if _ROUTER.path_known(target.path):
                return mg_error(405, "Method Not Allowed")
            # The real API answers unknown paths with 200 and this plain text.
            return Response.text(200, "Mailgun Magnificent API")
        handler, params = found
        region = target.region or "us"
        base = f"{request.scheme}://{request.host}{target.prefix}"
        with app.lock:
            ctx = MgContext(app.state, app.traffic, region, base)
            return handler(ctx, request, params)

    def _authorized(self, app: App, request: Request) -> bool:
        header = request.header("authorization") or ""
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, _, key = decoded.partition(":")
        return user == "api" and key == app.credentials.get(self.type, "api_key")

    def fault(self, decision: FaultDecision) -> Response | None:
        match decision.kind:
            case "429":
                reset = f"{time.time() + decision.retry_after:.3f}"
                return Response.json(
                    429,
                    {"message": "Too many requests", "retry-seconds": decision.retry_after},
                    [("Retry-After", f"{decision.retry_after:g}"), ("X-RateLimit-Reset", reset)],
                )
            case "429_body":
                # the documented Domains/Webhooks API body, with no header (ESP-API.md 2.3)
                seconds = float(decision.retry_after)
                return Response.json(
                    429, {"retry-seconds": int(seconds) if seconds.is_integer() else seconds}
                )
            case "500" | "503":
                return Response.json(int(decision.kind), {"message": "Internal Server Error"})
            case _:
                return None

    def seed(self, rng: random.Random, now: datetime) -> ProviderState:
        return seed_mailgun(rng, now)

    def blank(self, seed: int, now: datetime) -> ProviderState:
        return blank_mailgun(seed, now)

    def complete(
        self, part: ProviderState, seed: int, now: datetime, held: tuple[object, ...]
    ) -> list[str]:
        assert isinstance(part, MailgunAccount)
        return complete_mailgun(part, seed, now, held)


PROVIDER = MailgunSandbox()
