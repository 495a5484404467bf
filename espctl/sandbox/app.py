"""The pure core: :class:`SandboxApp` maps a :class:`Request` to a :class:`Response`.

Dispatch (decided in the design):
- host ``api.postmarkapp.com`` -> Postmark; ``api.mailgun.net`` -> Mailgun US;
  ``api.eu.mailgun.net`` -> Mailgun EU;
- any other host (a served sandbox, or a config ``endpoint:`` pointing at one): paths
  under ``/eu/v1``..``/eu/v5`` -> Mailgun EU (prefix ``/eu``), ``/v1``..``/v5`` -> Mailgun
  US, everything else -> Postmark.

Order per request: fault decision (delay + maybe a fault that short-circuits before any
state is touched) -> routing -> credentials -> handler under the app lock ->
``timeout_after_commit`` if asked.
"""

from __future__ import annotations

import base64
import binascii
import re
import threading
import time
from dataclasses import dataclass, replace
from typing import Literal, assert_never

from . import mailgun, mailgun_data, postmark, postmark_data
from .faults import FaultDecision, FaultPlan
from .http import Request, Response, Router
from .mgwire import MgContext, mg_error
from .pmwire import PmContext, pm_error
from .seed import seed_account
from .state import AccountState, Region
from .traffic import Traffic

DEFAULT_POSTMARK_SERVER_TOKEN = "sandbox-postmark-server-token"
DEFAULT_POSTMARK_ACCOUNT_TOKEN = "sandbox-postmark-account-token"
DEFAULT_MAILGUN_API_KEY = "sandbox-mailgun-api-key"

_MG_EU_PREFIX = re.compile(r"^/eu(/v[1-5]/.*)$", re.IGNORECASE)
_MG_PATH = re.compile(r"^/v[1-5]/", re.IGNORECASE)

Provider = Literal["postmark", "mailgun"]


@dataclass(frozen=True)
class SandboxCredentials:
    """The only credentials the sandbox accepts; anything else gets the provider's 401."""

    postmark_server_token: str = DEFAULT_POSTMARK_SERVER_TOKEN
    postmark_account_token: str = DEFAULT_POSTMARK_ACCOUNT_TOKEN
    mailgun_api_key: str = DEFAULT_MAILGUN_API_KEY


@dataclass(frozen=True)
class Target:
    """Where a request goes: provider, Mailgun region, path prefix and inner path."""

    provider: Provider
    region: Region | None
    prefix: str
    path: str


def route_target(request: Request) -> Target:
    """Pick provider and region from host and path (see the module docstring)."""
    host = request.hostname
    if host == "api.postmarkapp.com":
        return Target("postmark", None, "", request.path)
    if host == "api.mailgun.net":
        return Target("mailgun", "us", "", request.path)
    if host == "api.eu.mailgun.net":
        return Target("mailgun", "eu", "", request.path)
    eu = _MG_EU_PREFIX.match(request.path)
    if eu:
        return Target("mailgun", "eu", request.path[:3], eu.group(1))
    if _MG_PATH.match(request.path):
        return Target("mailgun", "us", "", request.path)
    return Target("postmark", None, "", request.path)


def _pm_router() -> Router[PmContext]:
    router: Router[PmContext] = Router(case_insensitive=True)
    postmark.register(router)
    postmark_data.register(router)
    return router


def _mg_router() -> Router[MgContext]:
    router: Router[MgContext] = Router()
    mailgun.register(router)
    mailgun_data.register(router)
    return router


_PM_ROUTER = _pm_router()
_MG_ROUTER = _mg_router()


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
        match target.provider:
            case "postmark":
                response = self._postmark(request, target)
            case "mailgun":
                response = self._mailgun(request, target)
            case _:
                assert_never(target.provider)
        if kind == "timeout_after_commit":
            return replace(response, action="stall", stall_s=self.faults.stall_s)
        if kind == "malformed":
            # A 200 means the server did the work: the body is what gets mangled, in
            # transit, after the commit (a truncated copy of the real answer).
            return replace(response, body=response.body[: max(1, len(response.body) // 2)])
        return response

    def _fault(self, target: Target, decision: FaultDecision) -> Response:
        kind = decision.kind
        pm = target.provider == "postmark"
        retry = f"{decision.retry_after:g}"
        match kind:
            case "429":
                if pm:
                    # Postmark documents no rate-limit headers (ESP-API 1.3, UNCONFIRMED);
                    # we send Retry-After anyway so well-behaved clients can use it.
                    return Response.json(
                        429,
                        {"ErrorCode": 429, "Message": "Rate limit exceeded."},
                        [("Retry-After", retry)],
                    )
                reset = f"{time.time() + decision.retry_after:.3f}"
                return Response.json(
                    429,
                    {"message": "Too many requests", "retry-seconds": decision.retry_after},
                    [("Retry-After", retry), ("X-RateLimit-Reset", reset)],
                )
            case "429_body":
                if pm:
                    return Response.json(429, {"ErrorCode": 429, "Message": "Rate limit exceeded."})
                # the documented Domains/Webhooks API body, with no header (ESP-API.md 2.3)
                seconds = float(decision.retry_after)
                return Response.json(
                    429, {"retry-seconds": int(seconds) if seconds.is_integer() else seconds}
                )
            case "500" | "503":
                status = int(kind)
                if pm:
                    body = {
                        "ErrorCode": 100 if status == 503 else 0,
                        "Message": "Maintenance" if status == 503 else "Internal error",
                    }
                    return Response.json(status, body)
                return Response.json(status, {"message": "Internal Server Error"})
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

    # --- Postmark ---------------------------------------------------------------

    def _postmark(self, request: Request, target: Target) -> Response:
        found = _PM_ROUTER.match(request.method, target.path)
        if found is None:
            # UNCONFIRMED: Postmark's body for unknown endpoints; a bare 404 is safest.
            return Response.text(404, "Not Found")
        denied = self._postmark_auth(request, target.path)
        if denied is not None:
            return denied
        handler, params = found
        with self.lock:
            ctx = PmContext(self.state, self.traffic, self.credentials.postmark_server_token)
            return handler(ctx, request, params)

    def _postmark_auth(self, request: Request, path: str) -> Response | None:
        server = request.header("x-postmark-server-token")
        account = request.header("x-postmark-account-token")
        creds = self.credentials
        if postmark.ACCOUNT_PATH.match(path):
            if account is not None and account.lower() == creds.postmark_account_token.lower():
                return None
            given, label = account, "Account"
        else:
            if server is not None and server.lower() == creds.postmark_server_token.lower():
                return None
            given, label = server, "Server"
        if server is None and account is None:
            # Message text is UNCONFIRMED; the ErrorCode (10) and status (401) are documented.
            return pm_error(
                10,
                "No Account or Server API tokens were supplied in the HTTP headers. Please "
                "add a header for either X-Postmark-Server-Token or X-Postmark-Account-Token.",
                401,
            )
        _ = given
        return pm_error(10, f"Request does not contain a valid {label} token.", 401)

    # --- Mailgun ----------------------------------------------------------------

    def _mailgun(self, request: Request, target: Target) -> Response:
        if not self._mailgun_authorized(request):
            return Response.text(401, "Forbidden")
        found = _MG_ROUTER.match(request.method, target.path)
        if found is None:
            if _MG_ROUTER.path_known(target.path):
                return mg_error(405, "Method Not Allowed")
            # The real API answers unknown paths with 200 and this plain text.
            return Response.text(200, "Mailgun Magnificent API")
        handler, params = found
        region = target.region or "us"
        base = f"{request.scheme}://{request.host}{target.prefix}"
        with self.lock:
            ctx = MgContext(self.state, self.traffic, region, base)
            return handler(ctx, request, params)

    def _mailgun_authorized(self, request: Request) -> bool:
        header = request.header("authorization") or ""
        scheme, _, encoded = header.partition(" ")
        if scheme.lower() != "basic":
            return False
        try:
            decoded = base64.b64decode(encoded.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            return False
        user, _, key = decoded.partition(":")
        return user == "api" and key == self.credentials.mailgun_api_key
