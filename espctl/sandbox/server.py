"""The sandbox over real HTTP on 127.0.0.1 (threaded: one thread per connection).

Postmark paths at the root, Mailgun US under ``/v1``..``/v5``, Mailgun EU under ``/eu``.
Injected latency sleeps in the request's own thread, so concurrent requests overlap.
"""

from __future__ import annotations

import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from .app import SandboxApp
from .defaults import ALLOWED_HOSTS
from .http import Request, Response


class SandboxRequestHandler(BaseHTTPRequestHandler):
    """One HTTP exchange: the request read into a core :class:`Request`, the core's
    :class:`Response` (delay, stall or drop included) written back. A test server can
    subclass it to answer some requests itself and hand the rest to the core."""

    server: SandboxHTTPServer
    protocol_version = "HTTP/1.1"
    # Headers and body go out as separate writes: without TCP_NODELAY, Nagle plus the
    # client's delayed ACK adds ~40 ms to every keep-alive response.
    disable_nagle_algorithm = True

    def _serve(self) -> None:
        self.answer(self.server.app.handle(self.read_request()))

    def read_request(self) -> Request:
        """The request as the core sees it (its body read from the connection)."""
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        host = self.headers.get("Host") or f"127.0.0.1:{self.server.server_port}"
        return Request.build(
            self.command, f"http://{host}{self.path}", list(self.headers.items()), body
        )

    def answer(self, response: Response) -> None:
        """Deliver a core response: after its delay; stalled, dropped or written."""
        if response.delay_s > 0:
            time.sleep(response.delay_s)
        if response.action == "stall":
            self._sleep_unless_stopped(response.stall_s)
            self._drop()
            return
        if response.action == "drop":
            self._drop()
            return
        self.send_response(response.status)
        for name, value in response.headers:
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(response.body)))
        self.end_headers()
        self.wfile.write(response.body)

    def _sleep_unless_stopped(self, seconds: float) -> None:
        self.server.stopping.wait(seconds)

    def _drop(self) -> None:
        self.close_connection = True
        with suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _serve

    def log_message(self, format: str, *args: object) -> None:
        return None  # quiet: the CLI prints its own banner


class SandboxHTTPServer(ThreadingHTTPServer):
    """ThreadingHTTPServer bound to loopback with a backlog for 64+ parallel clients."""

    daemon_threads = True
    block_on_close = False
    request_queue_size = 256
    allow_reuse_address = True
    handler_class: type[SandboxRequestHandler] = SandboxRequestHandler

    def __init__(self, app: SandboxApp, host: str = "127.0.0.1", port: int = 0) -> None:
        if host not in ALLOWED_HOSTS:
            raise ValueError("the sandbox only listens on 127.0.0.1 or localhost")
        self.app = app
        self.stopping = threading.Event()
        self.started = threading.Event()
        super().__init__((host, port), self.handler_class)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.server_port}"

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that hangs up mid-request (a cancelled read) is normal, not a crash."""
        exc = sys.exc_info()[1]
        if isinstance(exc, ConnectionError | TimeoutError):
            return
        super().handle_error(request, client_address)

    def serve_forever(self, poll_interval: float = 0.5) -> None:
        self.started.set()
        super().serve_forever(poll_interval)

    def stop(self) -> None:
        """Stop serving and close the socket; safe also before serving started."""
        self.stopping.set()
        if self.started.is_set():
            self.shutdown()  # waits for serve_forever, so only once it has begun
        self.server_close()


@contextmanager
def running_server(app: SandboxApp, port: int = 0) -> Iterator[str]:
    """Serve ``app`` on 127.0.0.1 in a background thread; yield ``http://127.0.0.1:PORT``.

    Mailgun EU is at ``<base>/eu``. The server stops when the block exits.
    """
    server = SandboxHTTPServer(app, "127.0.0.1", port)
    thread = threading.Thread(target=server.serve_forever, name="espctl-sandbox", daemon=True)
    thread.start()
    try:
        yield server.base_url
    finally:
        server.stop()
        thread.join(timeout=5)
