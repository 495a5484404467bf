"""A small hostile HTTP server on 127.0.0.1 for the resource-limit tests.

It wraps the sandbox (so every endpoint a mode leaves alone answers like the real
API) and turns chosen answers hostile, per mode:

- ``huge``: every answer, API and webhook receiver alike, is a JSON body that never
  ends (up to HUGE_LIMIT, or until the client hangs up);
- ``paging``: every paged listing claims 10^12 items and serves full pages of new
  ones for ever (Mailgun domains and metrics, Postmark senders and domains);
- ``trickle``: every answer sends its headers, then one byte every 0.2 s (well within
  any timeout that applies between bytes, so only a wall-clock deadline ends it);
- ``wrong_shape``: the listings that would otherwise read as "nothing exists" come
  back as ``{}``, ``[]``, ``null`` or without their list;
- ``error_body``: every API answer is the provider's error envelope with status 200.

``benign`` changes nothing (the baseline). The server records each request's method
and path and how many body bytes each hostile answer sent.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass, field
from typing import Any, Literal

from espctl.sandbox import SandboxApp
from espctl.sandbox.server import SandboxHTTPServer, SandboxRequestHandler

Mode = Literal["benign", "huge", "paging", "trickle", "wrong_shape", "error_body"]
MODES: tuple[Mode, ...] = ("huge", "paging", "trickle", "wrong_shape", "error_body")
HUGE_LIMIT = 64 * 1024 * 1024  # what one huge answer offers at most
CHUNK = 64 * 1024
CLAIM = 10**12
RECEIVER = "/hook"
TRICKLE_EVERY = 0.2  # seconds between two bytes of a trickling answer


@dataclass
class Seen:
    """What the server saw: every request, and the bytes of each hostile answer."""

    requests: list[tuple[str, str]] = field(default_factory=list)
    sent: list[int] = field(default_factory=list)
    lock: threading.Condition = field(default_factory=threading.Condition)

    def sent_by(self, count: int, timeout: float = 10.0) -> list[int]:
        """The bytes of the first ``count`` hostile answers, once they have ended (a
        handler ends when the client hangs up; this waits for it, not for a clock)."""
        with self.lock:
            self.lock.wait_for(lambda: len(self.sent) >= count, timeout)
            return list(self.sent)

    def writes(self) -> list[tuple[str, str]]:
        """Requests that could change an account (the metrics query only reads)."""
        return [
            (m, p)
            for m, p in self.requests
            if m in ("POST", "PUT", "PATCH", "DELETE")
            and not p.endswith("/analytics/metrics")
            and p != RECEIVER
        ]


def _is_mailgun(path: str) -> bool:
    head = path.split("/")[1] if path.count("/") else ""
    return head in ("eu", "v1", "v2", "v3", "v4", "v5")


def _mailgun_path(path: str) -> str:
    return path[3:] if path.startswith("/eu/") else path


class _Handler(SandboxRequestHandler):
    server: HostileServer

    def _serve(self) -> None:
        request = self.read_request()
        body = request.body
        path = self.path.split("?", 1)[0]
        with self.server.seen.lock:
            self.server.seen.requests.append((self.command, path))
        mode = self.server.mode
        if mode == "huge":
            return self._huge()
        if mode == "trickle":
            return self._trickle()
        if path == RECEIVER:
            return self._json(200, {"ok": True})
        if mode == "error_body":
            if _is_mailgun(path):
                return self._json(200, {"message": "Invalid private key"})
            return self._json(200, {"ErrorCode": 10, "Message": "Bad or missing API token."})
        if mode == "paging":
            page = self._paging(path, body)
            if page is not None:
                return self._json(200, page)
        if mode == "wrong_shape":
            hit, payload = self._wrong_shape(path)
            if hit:
                return self._json(200, payload)
        self.answer(self.server.app.handle(request))

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    # -- modes ------------------------------------------------------------------------
    def _huge(self) -> None:
        self._start(200)
        sent = 0
        piece = b'{"items": "' + b"a" * (CHUNK - 11)
        with suppress(OSError):
            while sent < HUGE_LIMIT and not self.server.stopping.is_set():
                self.wfile.write(piece)
                sent += len(piece)
                piece = b"a" * CHUNK
        self._record(sent)

    def _trickle(self) -> None:
        self._start(200)
        sent = 0
        with suppress(OSError):
            while sent < 600 and not self.server.stopping.wait(TRICKLE_EVERY):
                self.wfile.write(b" ")
                self.wfile.flush()
                sent += 1
        self._record(sent)

    def _paging(self, path: str, body: bytes) -> Any:
        query = dict(
            pair.split("=", 1) for pair in (self.path.partition("?")[2] or "").split("&") if pair
        )
        mg = _mailgun_path(path)
        if self.command == "GET" and mg == "/v4/domains":
            skip, limit = int(query.get("skip", 0)), int(query.get("limit", 100))
            items = [{"name": f"d{skip + i}.example.com", "state": "active"} for i in range(limit)]
            return {"total_count": CLAIM, "items": items}
        if self.command == "POST" and mg == "/v1/analytics/metrics":
            page = json.loads(body)["pagination"]
            skip, limit = page["skip"], page["limit"]
            items = [
                {"dimensions": [{"dimension": "tag", "value": f"t{skip + i}"}], "metrics": {}}
                for i in range(limit)
            ]
            return {"items": items, "pagination": {"skip": skip, "limit": limit, "total": CLAIM}}
        if self.command == "GET" and path.lower() in ("/senders", "/domains"):
            offset, count = int(query.get("offset", 0)), int(query.get("count", 500))
            if path.lower() == "/senders":
                rows = [
                    {"ID": offset + i, "EmailAddress": f"s{offset + i}@x.com", "Confirmed": False}
                    for i in range(count)
                ]
                return {"TotalCount": CLAIM, "SenderSignatures": rows}
            rows = [
                {
                    "ID": offset + i,
                    "Name": f"d{offset + i}.com",
                    "DKIMVerified": False,
                    "ReturnPathDomainVerified": False,
                }
                for i in range(count)
            ]
            return {"TotalCount": CLAIM, "Domains": rows}
        return None

    def _wrong_shape(self, path: str) -> tuple[bool, Any]:
        """(whether this answer is replaced, by what): each would read as "none" if
        taken at its word."""
        mg = _mailgun_path(path)
        if self.command != "GET":
            return False, None
        if path.lower() == "/webhooks":
            return True, {}
        if path.lower() == "/message-streams":
            return True, []
        if mg == "/v4/domains":
            return True, {"total_count": 0}
        if mg.startswith("/v3/domains/") and mg.endswith("/webhooks"):
            return True, None  # JSON null
        return False, None

    # -- plumbing ---------------------------------------------------------------------
    def _json(self, status: int, payload: Any) -> None:
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def _start(self, status: int) -> None:
        """Headers of a body without a length: it ends when the connection closes."""
        self.close_connection = True
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Connection", "close")
        self.end_headers()
        self.wfile.flush()

    def _record(self, sent: int) -> None:
        with self.server.seen.lock:
            self.server.seen.sent.append(sent)
            self.server.seen.lock.notify_all()
        with suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


class HostileServer(SandboxHTTPServer):
    """The hostile server: ``mode`` over a sandbox ``app`` (the sandbox's HTTP adapter
    answers whatever the mode leaves alone)."""

    handler_class = _Handler

    def __init__(self, mode: Mode, app: SandboxApp) -> None:
        self.mode = mode
        self.seen = Seen()
        super().__init__(app)

    def handle_error(self, request: Any, client_address: Any) -> None:
        return None  # clients hang up on hostile answers: that is the point


@contextmanager
def hostile_server(mode: Mode, app: SandboxApp) -> Iterator[HostileServer]:
    """Serve ``mode`` on 127.0.0.1 until the block exits."""
    server = HostileServer(mode, app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.stop()
        thread.join(timeout=5)
