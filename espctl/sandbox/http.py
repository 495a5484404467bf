"""Framework-free HTTP value types for the sandbox core, plus a tiny regex router.

The core is a pure function ``Request -> Response``; adapters (httpx transport, HTTP
server) translate to and from these types. A :class:`Response` also carries what the
adapter must do around delivering it (sleep first, stall, drop the connection), so that
latency and faults stay out of the pure core's control flow.
"""

from __future__ import annotations

import email.parser
import email.policy
import json
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any, Generic, Literal, TypeVar
from urllib.parse import parse_qsl, unquote, urlsplit

Action = Literal["respond", "stall", "drop"]


class BadRequestBody(ValueError):
    """The request body could not be decoded as the expected media type."""


@dataclass(frozen=True)
class Request:
    """One HTTP request as the core sees it. Header names are lower-cased."""

    method: str
    scheme: str
    host: str
    path: str
    query: tuple[tuple[str, str], ...] = ()
    headers: tuple[tuple[str, str], ...] = ()
    body: bytes = b""

    @classmethod
    def build(
        cls,
        method: str,
        url: str,
        headers: Sequence[tuple[str, str]] = (),
        body: bytes = b"",
    ) -> Request:
        """Build from an absolute URL (``http://host:port/path?query``)."""
        parts = urlsplit(url)
        return cls(
            method=method.upper(),
            scheme=parts.scheme or "http",
            host=parts.netloc,
            path=unquote(parts.path) or "/",
            query=tuple(parse_qsl(parts.query, keep_blank_values=True)),
            headers=tuple((k.lower(), v) for k, v in headers),
            body=body,
        )

    def header(self, name: str) -> str | None:
        """The first value of header ``name`` (case-insensitive), or None."""
        wanted = name.lower()
        for key, value in self.headers:
            if key == wanted:
                return value
        return None

    @property
    def hostname(self) -> str:
        """The host without port, lower-cased."""
        host = self.host.lower()
        if host.startswith("["):
            return host.split("]")[0] + "]"
        return host.split(":")[0]

    def json(self) -> Any:
        """The body decoded as JSON (empty body -> None)."""
        if not self.body.strip():
            return None
        try:
            return json.loads(self.body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise BadRequestBody(str(exc)) from exc

    def form(self) -> list[tuple[str, str]]:
        """Form fields from a urlencoded or multipart body, repeated keys kept in order.

        Query parameters are not included; Mailgun also reads form fields from the query
        string for some writes, which callers add explicitly where it matters.
        """
        ctype = self.header("content-type") or ""
        if ctype.lower().startswith("multipart/form-data"):
            return _parse_multipart(ctype, self.body)
        try:
            text = self.body.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise BadRequestBody(str(exc)) from exc
        return parse_qsl(text, keep_blank_values=True)


def _parse_multipart(content_type: str, body: bytes) -> list[tuple[str, str]]:
    raw = b"Content-Type: " + content_type.encode("latin-1") + b"\r\n\r\n" + body
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    if not message.is_multipart():
        raise BadRequestBody("malformed multipart body")
    fields: list[tuple[str, str]] = []
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        if not isinstance(name, str):
            continue
        payload = part.get_payload(decode=True)
        data = payload if isinstance(payload, bytes) else b""
        fields.append((name, data.decode("utf-8", errors="replace")))
    return fields


@dataclass(frozen=True)
class Response:
    """One HTTP response plus delivery instructions for the adapter.

    ``delay_s``: sleep this long before answering (injected latency).
    ``action``: ``respond`` normally; ``stall`` = never answer in time (the adapter sleeps
    ``stall_s`` then closes, or raises a read timeout in process); ``drop`` = close the
    connection without a response.
    """

    status: int
    body: bytes = b""
    headers: tuple[tuple[str, str], ...] = ()
    delay_s: float = 0.0
    action: Action = "respond"
    stall_s: float = 0.0

    @classmethod
    def json(
        cls, status: int, payload: object, headers: Sequence[tuple[str, str]] = ()
    ) -> Response:
        body = json.dumps(payload, separators=(",", ":")).encode("utf-8")
        return cls(
            status=status,
            body=body,
            headers=(("Content-Type", "application/json; charset=utf-8"), *headers),
        )

    @classmethod
    def text(cls, status: int, text: str, headers: Sequence[tuple[str, str]] = ()) -> Response:
        return cls(
            status=status,
            body=text.encode("utf-8"),
            headers=(("Content-Type", "text/plain; charset=utf-8"), *headers),
        )

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers:
            if key.lower() == wanted:
                return value
        return None

    def parsed(self) -> Any:
        """The body as JSON (for tests and the known-truth helpers)."""
        return json.loads(self.body)


C = TypeVar("C")
Handler = Callable[[C, Request, dict[str, str]], Response]


class Answered(Exception):
    """Raised anywhere in a handler to answer at once with ``response``: the refusal a
    provider would send (a bad query, an invalid body, a missing domain)."""

    def __init__(self, response: Response) -> None:
        super().__init__(response.status)
        self.response = response


def answering(handler: Handler[C]) -> Handler[C]:
    """``handler``, answering with the response of any :class:`Answered` it raises."""

    def wrapped(ctx: C, request: Request, params: dict[str, str]) -> Response:
        try:
            return handler(ctx, request, params)
        except Answered as answered:
            return answered.response

    return wrapped


@dataclass
class Router(Generic[C]):
    """Method + path-regex routing. ``case_insensitive`` also strips a trailing slash."""

    case_insensitive: bool = False
    routes: list[tuple[str, re.Pattern[str], Handler[C]]] = field(default_factory=list)

    def add(self, method: str, pattern: str, handler: Handler[C]) -> None:
        flags = re.IGNORECASE if self.case_insensitive else 0
        self.routes.append((method.upper(), re.compile(f"^{pattern}$", flags), handler))

    def match(self, method: str, path: str) -> tuple[Handler[C], dict[str, str]] | None:
        """The handler and path parameters, or None when nothing matches."""
        if self.case_insensitive and len(path) > 1:
            path = path.rstrip("/") or "/"
        for route_method, pattern, handler in self.routes:
            if route_method != method.upper():
                continue
            found = pattern.match(path)
            if found:
                return handler, found.groupdict()
        return None

    def path_known(self, path: str) -> bool:
        """True when some route (any method) matches ``path``."""
        if self.case_insensitive and len(path) > 1:
            path = path.rstrip("/") or "/"
        return any(pattern.match(path) for _, pattern, _ in self.routes)


def query_ci(request: Request) -> dict[str, str]:
    """Query parameters keyed by lower-cased name (Postmark's are case-insensitive)."""
    out: dict[str, str] = {}
    for key, value in request.query:
        out.setdefault(key.lower(), value)
    return out


def parse_bool(value: object) -> bool | None:
    """Lenient boolean: JSON bools and the strings true/false/yes/no/1/0."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str):
        lowered = value.strip().lower()
        if lowered in ("true", "yes", "1"):
            return True
        if lowered in ("false", "no", "0"):
            return False
    return None
