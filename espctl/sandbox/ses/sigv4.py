"""SigV4 verification of a received request, with botocore's own signer.

The sandbox does not re-implement the signing maths: it rebuilds the request the client
signed (method, URL, the headers named in ``SignedHeaders``, body) as a botocore
``AWSRequest`` and asks botocore's ``SigV4Auth`` for the canonical request, the string
to sign and the signature under the sandbox's own credentials, at the request's
``X-Amz-Date``. A different signature is AWS's ``SignatureDoesNotMatch`` (query
protocol) or ``InvalidSignatureException`` (JSON protocols); an unknown access key id is
``InvalidClientTokenId`` or ``UnrecognizedClientException``.
"""

from __future__ import annotations

import hmac
import re
from dataclasses import dataclass
from urllib.parse import quote

from botocore.auth import SigV4Auth
from botocore.awsrequest import AWSRequest
from botocore.credentials import Credentials

from ..http import Request

_AUTH = re.compile(
    r"^AWS4-HMAC-SHA256\s+Credential=(?P<key>[^/,\s]+)/(?P<date>\d{8})/(?P<region>[^/]+)/"
    r"(?P<service>[^/]+)/aws4_request,\s*SignedHeaders=(?P<headers>[^,\s]+),\s*"
    r"Signature=(?P<signature>[0-9a-f]{64})$"
)


@dataclass(frozen=True)
class Scope:
    """The credential scope a request was signed for."""

    access_key_id: str
    region: str
    service: str
    signed_headers: tuple[str, ...]
    signature: str


class Unsigned(Exception):
    """The request carries no (parseable) SigV4 Authorization header."""


def scope_of(request: Request) -> Scope:
    """The credential scope of ``request`` (:class:`Unsigned` if it has none)."""
    found = _AUTH.match((request.header("authorization") or "").strip())
    if found is None or request.header("x-amz-date") is None:
        raise Unsigned()
    return Scope(
        found["key"],
        found["region"],
        found["service"],
        tuple(found["headers"].split(";")),
        found["signature"],
    )


def expected_signature(request: Request, scope: Scope, secret: str) -> str:
    """The signature botocore computes for ``request`` under ``secret``."""
    signed = set(scope.signed_headers)
    headers = {k: v for k, v in request.headers if k in signed}
    if "host" in signed:
        headers["host"] = request.host
    # the path as the client sent it (percent-encoded: SigV4 encodes it once more)
    path = quote(request.path, safe="/~")
    query = "&".join(f"{quote(k, safe='-_.~')}={quote(v, safe='-_.~')}" for k, v in request.query)
    url = f"{request.scheme}://{request.host}{path}" + (f"?{query}" if query else "")
    aws = AWSRequest(method=request.method, url=url, data=request.body, headers=headers)
    aws.context["timestamp"] = request.header("x-amz-date") or ""
    token = request.header("x-amz-security-token")
    signer = SigV4Auth(Credentials(scope.access_key_id, secret, token), scope.service, scope.region)
    canonical = signer.canonical_request(aws)
    return str(signer.signature(signer.string_to_sign(aws, canonical), aws))


def verified(request: Request, scope: Scope, secret: str) -> bool:
    """Whether the request's signature is the one ``secret`` makes."""
    return hmac.compare_digest(expected_signature(request, scope, secret), scope.signature)
