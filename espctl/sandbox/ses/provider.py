"""Amazon SES in the sandbox: one prefix (``/ses``) for the AWS APIs espctl calls, told
apart by the SigV4 credential scope's service (``ses``: SES v2, ``sns``, ``sts``,
``monitoring``: CloudWatch), each
request's signature verified with botocore's signer against the sandbox's own keys.

On the real hosts (``email.<region>.amazonaws.com``, ``sns.<region>...``,
``sts.<region>...``, ``monitoring.<region>...``; the embedded sandbox sees those) it
answers the same. Faults are decided from the path alone, before the request is read:
SES v2's ``/v2/`` paths answer them in ``rest-json``, every other path (SNS, STS and
CloudWatch post to ``/``) in ``query`` XML with the ``x-amzn-query-error`` header from
which botocore's CloudWatch (``json``, query-compatible) parser takes the code. Every region
reaches the one simulated account.
"""

from __future__ import annotations

import builtins
import random
import re
from collections.abc import Iterator, Mapping
from dataclasses import replace
from datetime import datetime

from ..faults import FaultDecision
from ..http import Request, Response, Router
from ..provider import App, Target
from ..state import ProviderState, Region
from ..traffic import TrafficSource
from . import cloudwatch, query, sesv2, sigv4
from .info import INFO
from .seed import blank_ses, complete_ses, seed_ses
from .state import SesAccount
from .traffic import SOURCES
from .wire import Wire, error, error_code

_ROUTER: Router[sesv2.SesCtx] = sesv2.router()
#: the SigV4 signing name of each simulated service -> its wire protocol
SERVICES: dict[str, Wire] = {
    "ses": "rest-json",
    "sns": "query",
    "sts": "query",
    "monitoring": "json",
}


class AwsHosts(Mapping[str, Region | None]):
    """The real hosts of the simulated services, in any region (no region of espctl's:
    AWS regions are not the ``us``/``eu`` of the other providers)."""

    PATTERN = re.compile(
        r"^(email|sns|sts|monitoring)(\.[a-z]{2}(-[a-z]+)+-\d{1,2})?\.amazonaws\.com$"
    )
    EXAMPLES = ("email.eu-west-1.amazonaws.com", "sns.eu-west-1.amazonaws.com", "sts.amazonaws.com")

    def __contains__(self, host: object) -> bool:
        return isinstance(host, str) and self.PATTERN.match(host) is not None

    def __getitem__(self, host: str) -> Region | None:
        if host not in self:
            raise KeyError(host)
        return None

    def __iter__(self) -> Iterator[str]:
        return iter(self.EXAMPLES)

    def __len__(self) -> int:
        return len(self.EXAMPLES)


def _wire(path: str) -> Wire:
    """The protocol a request speaks, from its path alone (faults are decided before the
    request is read): SES v2's paths start with ``/v2/``, the query APIs post to ``/``."""
    return "rest-json" if path.startswith("/v2/") else "query"


class SesSandbox:
    """SES v2, SNS and STS of one AWS account."""

    type: str = INFO.type
    info = INFO
    hosts: Mapping[str, Region | None] = AwsHosts()
    state_model: builtins.type[ProviderState] = SesAccount
    traffic: tuple[TrafficSource, ...] = SOURCES

    def target(self, path: str, prefix: str) -> Target:
        return Target(self.type, None, prefix, path)

    def legacy_target(self, path: str) -> Target | None:
        return None

    def handle(self, app: App, request: Request, target: Target) -> Response:
        try:
            scope = sigv4.scope_of(request)
        except sigv4.Unsigned:
            wire = _wire(target.path)
            if wire == "rest-json":
                return error(
                    wire, 403, "MissingAuthenticationTokenException", "Missing Authentication Token"
                )
            return error(
                wire, 403, "MissingAuthenticationToken", "Request is missing Authentication Token"
            )
        service_wire = SERVICES.get(scope.service)
        if service_wire is None:
            # UNCONFIRMED: what AWS answers a scope of another service on this host
            return error(
                _wire(target.path),
                403,
                "InvalidSignatureException"
                if _wire(target.path) == "rest-json"
                else "SignatureDoesNotMatch",
                f"Credential should be scoped to a valid service, not '{scope.service}'.",
            )
        wire = service_wire
        denied = self._auth(app, request, scope, wire)
        if denied is not None:
            return denied
        with app.lock:
            part = app.state.of(SesAccount)
            if scope.service == "ses":
                found = _ROUTER.match(request.method, target.path)
                if found is None:
                    return error(wire, 404, "UnknownOperationException", "")
                handler, params = found
                ctx = sesv2.SesCtx(part, app.traffic, app.state.now)
                return handler(ctx, request, params)
            if scope.service == "monitoring":
                return cloudwatch.handle(app.traffic, request)
            return query.handle(part, scope.service, scope.region, request, app.state.now)

    def _auth(self, app: App, request: Request, scope: sigv4.Scope, wire: Wire) -> Response | None:
        creds = app.credentials
        token = request.header("x-amz-security-token") or ""
        if scope.access_key_id != creds.get(self.type, "access_key_id") or token != creds.get(
            self.type, "session_token"
        ):
            if wire == "rest-json":
                return error(
                    wire,
                    403,
                    "UnrecognizedClientException",
                    "The security token included in the request is invalid.",
                )
            return error(
                wire,
                403,
                "InvalidClientTokenId",
                "The security token included in the request is invalid.",
            )
        if not sigv4.verified(request, scope, creds.get(self.type, "secret_access_key")):
            message = (
                "The request signature we calculated does not match the signature you "
                "provided. Check your AWS Secret Access Key and signing method. Consult the "
                "service documentation for details."
            )
            if wire == "rest-json":
                return error(wire, 403, "InvalidSignatureException", message)
            return error(wire, 403, "SignatureDoesNotMatch", message)
        return None

    def fault(self, decision: FaultDecision) -> Response | None:
        wire = _wire(decision.path)
        match decision.kind:
            case "429" | "429_body":
                # AWS sends no Retry-After: botocore backs off on the code
                if wire == "rest-json":
                    return error(wire, 429, "TooManyRequestsException", "Too Many Requests")
                answer = error(wire, 400, "Throttling", "Rate exceeded")
            case "500":
                answer = error(wire, 500, "InternalFailure", "An internal error occurred.")
            case "503":
                answer = error(wire, 503, "ServiceUnavailable", "Service is unavailable.")
            case _:
                return None
        if wire == "rest-json":
            return answer
        # ``/`` is SNS's and STS's (query XML) and CloudWatch's (json, query-compatible):
        # the header AWS's query-compatible JSON errors carry gives CloudWatch's botocore
        # parser the code too; the XML parsers ignore it
        code = "Throttling" if answer.status == 400 else error_code(answer)
        side = "Sender" if answer.status < 500 else "Receiver"
        return replace(answer, headers=(*answer.headers, ("x-amzn-query-error", f"{code};{side}")))

    def seed(self, rng: random.Random, now: datetime) -> ProviderState:
        return seed_ses(rng, now)

    def blank(self, seed: int, now: datetime) -> ProviderState:
        return blank_ses(seed, now)

    def complete(
        self, part: ProviderState, seed: int, now: datetime, held: tuple[object, ...]
    ) -> list[str]:
        assert isinstance(part, SesAccount)
        return complete_ses(part, seed, now, held)


PROVIDER = SesSandbox()
