"""SendGrid in the sandbox: its hosts (global and EU), the key check (``Authorization:
Bearer``, the key's region, ``on-behalf-of`` subusers), its routes, rate-limit headers
and error bodies.

Every answer carries SendGrid's rate-limit headers (``X-RateLimit-Limit``,
``X-RateLimit-Remaining``, ``X-RateLimit-Reset``: epoch seconds of the window's end).
The window counts the requests of one app per minute; it never runs out on its own
(``Remaining`` stays at 1 or more), so exhaustion is only what a fault injects: a 429
with ``Remaining: 0`` and the reset, as SendGrid answers one.
"""

from __future__ import annotations

import builtins
import math
import random
import re
import time
import weakref
from collections.abc import Mapping
from datetime import datetime

from ..faults import FaultDecision
from ..http import Request, Response, Router
from ..provider import App, Target
from ..state import ProviderState, Region
from ..traffic import TrafficSource
from . import api, data
from .info import INFO
from .seed import blank_sendgrid, complete_sendgrid, seed_sendgrid
from .state import SendGridAccount, sendgrid
from .traffic import SOURCES
from .wire import SgContext, sg_error

_EU_PREFIX = re.compile(r"^/eu(/.*)$", re.IGNORECASE)
RATE_LIMIT = 600  # requests per minute (SendGrid's usual per-endpoint limit)


def _router() -> Router[SgContext]:
    router: Router[SgContext] = Router()
    api.register(router)
    data.register(router)
    return router


_ROUTER = _router()


class SendGridSandbox:
    """The SendGrid v3 API of one account per region, and its subusers."""

    type: str = INFO.type
    info = INFO
    hosts: Mapping[str, Region | None] = {"api.sendgrid.com": "us", "api.eu.sendgrid.com": "eu"}
    state_model: builtins.type[ProviderState] = SendGridAccount
    traffic: tuple[TrafficSource, ...] = SOURCES

    def __init__(self) -> None:
        self._windows: weakref.WeakKeyDictionary[object, tuple[int, int]] = (
            weakref.WeakKeyDictionary()
        )

    def target(self, path: str, prefix: str) -> Target:
        """``/sendgrid/eu/v3/...`` is the EU host, any other path the global one."""
        eu = _EU_PREFIX.match(path)
        if eu:
            return Target(self.type, "eu", f"{prefix}/eu", eu.group(1))
        return Target(self.type, "us", prefix, path)

    def legacy_target(self, path: str) -> Target | None:
        return None  # reached only by its prefix and its real hosts

    def handle(self, app: App, request: Request, target: Target) -> Response:
        region: Region = target.region or "us"
        with app.lock:
            part = sendgrid(app.state)
            response = self._answer(app, part, request, target, region)
            return self._limited(app, response)

    def _answer(
        self, app: App, part: SendGridAccount, request: Request, target: Target, region: Region
    ) -> Response:
        scheme, _, key = (request.header("authorization") or "").partition(" ")
        accepted = app.credentials.get(self.type, "api_key")
        if scheme.lower() != "bearer" or key.strip() != accepted:
            return sg_error(401, "authorization required", None)
        if part.key_region is not None and part.key_region != region:
            # a key of one region sent to the other region's host
            return sg_error(401, "authorization required", None)
        account = part.accounts[region]
        subuser = request.header("on-behalf-of")
        user = account.user(subuser.strip() if subuser is not None else None)
        if user is None:
            # UNCONFIRMED status: a subuser the key's account does not have
            return sg_error(403, "access forbidden", None)
        found = _ROUTER.match(request.method, target.path)
        if found is None:
            if _ROUTER.path_known(target.path):
                return sg_error(405, "method not allowed", None)
            return sg_error(404, "resource not found", None)
        handler, params = found
        return handler(SgContext(app.state, app.traffic, region, user), request, params)

    def _limited(self, app: App, response: Response) -> Response:
        minute = int(time.time() // 60)
        window, used = self._windows.get(app, (minute, 0))
        used = used + 1 if window == minute else 1
        self._windows[app] = (minute, used)
        return Response(
            response.status,
            response.body,
            (*response.headers, *_limit_headers(max(1, RATE_LIMIT - used), (minute + 1) * 60)),
            response.delay_s,
            response.action,
            response.stall_s,
        )

    def fault(self, decision: FaultDecision) -> Response | None:
        match decision.kind:
            case "429" | "429_body":
                # SendGrid's 429: no Retry-After, the window's reset as epoch seconds
                reset = math.ceil(time.time() + decision.retry_after)
                return Response.json(
                    429,
                    {"errors": [{"field": None, "message": "too many requests"}]},
                    _limit_headers(0, reset),
                )
            case "500" | "503":
                return Response.json(
                    int(decision.kind),
                    {"errors": [{"field": None, "message": "internal server error"}]},
                )
            case _:
                return None

    def seed(self, rng: random.Random, now: datetime) -> ProviderState:
        return seed_sendgrid(rng, now)

    def blank(self, seed: int, now: datetime) -> ProviderState:
        return blank_sendgrid(seed, now)

    def complete(
        self, part: ProviderState, seed: int, now: datetime, held: tuple[object, ...]
    ) -> list[str]:
        assert isinstance(part, SendGridAccount)
        return complete_sendgrid(part, seed, now, held)


def _limit_headers(remaining: int, reset: int) -> tuple[tuple[str, str], ...]:
    return (
        ("X-RateLimit-Limit", str(RATE_LIMIT)),
        ("X-RateLimit-Remaining", str(remaining)),
        ("X-RateLimit-Reset", str(reset)),
    )


PROVIDER = SendGridSandbox()
