"""Fixtures for the connection test: sandboxes served on 127.0.0.1, webhook receivers."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from espctl.sandbox import SandboxApp, SandboxCredentials, running_server, seed_account

PM_SERVER = "pm-server-tok-SECRET-1a2b"
PM_ACCOUNT = "pm-account-tok-SECRET-3c4d"
MG_KEY = "key-mg-SECRET-5e6f"
HOOK_PASSWORD = "hook-pw-SECRET-7g8h"
SECRETS = (PM_SERVER, PM_ACCOUNT, MG_KEY, HOOK_PASSWORD)
CREDENTIALS = SandboxCredentials(
    {
        "postmark": {"server_token": PM_SERVER, "account_token": PM_ACCOUNT},
        "mailgun": {"api_key": MG_KEY},
    }
)
ENV = {
    "T_PM_SERVER": PM_SERVER,
    "T_PM_ACCOUNT": PM_ACCOUNT,
    "T_MG_KEY": MG_KEY,
    "T_HOOK_PASSWORD": HOOK_PASSWORD,
}


@pytest.fixture
def sandbox_url() -> Iterator[str]:
    """The seeded sandbox over HTTP (Mailgun EU at ``<url>/eu``), accepting CREDENTIALS."""
    with running_server(SandboxApp(seed_account(), credentials=CREDENTIALS)) as url:
        yield url


def config_text(
    postmark_url: str,
    mailgun_url: str,
    *,
    region: str = "eu",
    domains: tuple[str, ...] = ("mg.acme-mail.com",),
    account_token: str | None = "${env:T_PM_ACCOUNT}",
    server_token: str = "${env:T_PM_SERVER}",
    webhooks: str = "",
) -> str:
    """A config whose providers point at sandbox URLs through ``endpoint:``."""
    account = f"    account_token: {account_token}\n" if account_token else ""
    domain_lines = "".join(f"      {d}: {{}}\n" for d in domains)
    return (
        "version: 1\n"
        "providers:\n"
        "  postmark:\n"
        "    type: postmark\n"
        f"    server_token: {server_token}\n"
        f"{account}"
        f"    endpoint: {postmark_url}\n"
        '    default_sender: "Acme <noreply@acme-mail.com>"\n'
        "    message_streams:\n"
        "      outbound: {type: transactional, name: Transactional}\n"
        "  mailgun:\n"
        "    type: mailgun\n"
        "    api_key: ${env:T_MG_KEY}\n"
        f"    region: {region}\n"
        f"    endpoint: {mailgun_url}\n"
        "    domains:\n"
        f"{domain_lines}" + webhooks
    )


@pytest.fixture
def write(tmp_path: Path):  # type: ignore[no-untyped-def]
    def _write(text: str) -> str:
        path = tmp_path / "espctl.yaml"
        path.write_text(text)
        return str(path)

    return _write


@dataclass
class Receiver:
    """A webhook receiver on 127.0.0.1 answering ``status``; records what it got."""

    url: str
    status: int
    requests: list[dict[str, Any]] = field(default_factory=list)


def _handler(receiver: Receiver) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length)
            receiver.requests.append(
                {
                    "path": self.path,
                    "headers": {k.lower(): v for k, v in self.headers.items()},
                    "json": json.loads(body),
                }
            )
            self.send_response(receiver.status)
            self.send_header("Content-Length", "0")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    return Handler


@pytest.fixture
def receiver() -> Iterator[Any]:
    """A factory of receivers answering a given status; all stopped at teardown."""
    servers: list[ThreadingHTTPServer] = []

    def make(status: int) -> Receiver:
        made = Receiver("", status)
        server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(made))
        made.url = f"http://127.0.0.1:{server.server_address[1]}/hook"
        threading.Thread(target=server.serve_forever, daemon=True).start()
        servers.append(server)
        return made

    yield make
    for server in servers:
        server.shutdown()
        server.server_close()


@pytest.fixture
def silent_url() -> Iterator[str]:
    """A socket that accepts connections (kernel backlog) and never answers."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    sock.listen(8)
    try:
        yield f"http://127.0.0.1:{sock.getsockname()[1]}/hook"
    finally:
        sock.close()
