"""``espctl test --webhooks`` and a receiver whose TLS certificate does not verify.

Mailgun delivers only to https receivers whose certificate a public CA signed (issue 13
item 10): a self-signed receiver is a failed receiver with that cause, not "nothing
answered". The certificate is made in the test; the same receiver answers a client that
trusts it, so the failure is the certificate and nothing else.
"""

from __future__ import annotations

import asyncio
import datetime
import ipaddress
import json
import ssl
import threading
from collections.abc import Iterator
from http.server import ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from espctl.config import load_config
from espctl.conntest import post_sample, webhook_posts
from tests.conntest.conftest import ENV, Receiver, _handler, config_text
from tests.conntest.test_receivers import invoke


def self_signed(tmp: Path) -> tuple[Path, Path]:
    """A certificate for localhost and 127.0.0.1 that no CA signed, and its key."""
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")])
    now = datetime.datetime.now(datetime.UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.DNSName("localhost"), x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    cert_path, key_path = tmp / "receiver.pem", tmp / "receiver.key"
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )
    )
    return cert_path, key_path


@pytest.fixture
def tls_receiver(tmp_path: Path) -> Iterator[tuple[Receiver, Path]]:
    """An https receiver on 127.0.0.1 (named localhost) with a self-signed certificate."""
    cert, key = self_signed(tmp_path)
    made = Receiver("", 200)
    server = ThreadingHTTPServer(("127.0.0.1", 0), _handler(made))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.socket = context.wrap_socket(server.socket, server_side=True)
    made.url = f"https://localhost:{server.server_address[1]}/hook"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield made, cert
    finally:
        server.shutdown()
        server.server_close()


def mailgun_hook(url: str) -> str:
    return (
        "webhooks:\n  receiver:\n"
        f"    url: {url}\n    events: [delivered]\n    targets: [mailgun/mg.acme-mail.com]\n"
    )


def test_a_self_signed_receiver_fails_with_the_certificate_as_cause(
    sandbox_url: str, write: Any, tls_receiver: tuple[Receiver, Path]
) -> None:
    receiver, _ = tls_receiver
    path = write(config_text(sandbox_url, sandbox_url + "/eu", webhooks=mailgun_hook(receiver.url)))
    result = invoke("-c", path, "--webhooks", "--allow-private-receivers", "--format", "json")
    assert result.exit_code == 1, result.output
    (hook,) = json.loads(result.stdout)["webhooks"]
    assert hook["ok"] is False and hook["status"] is None
    assert hook["detail"].startswith("TLS certificate does not verify (")
    assert "self" in hook["detail"] or "issuer" in hook["detail"]  # OpenSSL's own words
    assert hook["cause"].startswith(
        "Mailgun requires a CA-signed certificate for https webhook URLs: it will refuse "
        "this receiver or fail to deliver to it"
    )
    assert receiver.requests == []  # the handshake failed: nothing was posted
    text = invoke("-c", path, "--webhooks", "--allow-private-receivers")
    assert f"FAIL webhook receiver (mailgun delivered) {receiver.url}: TLS certificate" in (
        text.stdout
    )
    assert "cause: Mailgun requires a CA-signed certificate" in text.stdout


def test_the_same_receiver_answers_a_client_that_trusts_its_certificate(
    sandbox_url: str, tmp_path: Path, tls_receiver: tuple[Receiver, Path]
) -> None:
    receiver, cert = tls_receiver
    config = tmp_path / "espctl.yaml"
    config.write_text(
        config_text(sandbox_url, sandbox_url + "/eu", webhooks=mailgun_hook(receiver.url))
    )
    (post,) = webhook_posts(load_config(str(config), env=ENV))

    async def send() -> Any:
        async with httpx.AsyncClient(verify=ssl.create_default_context(cafile=cert)) as client:
            return await post_sample(client, post, 5.0, allow_private_receivers=True)

    result = asyncio.run(send())
    assert (result.ok, result.status, result.detail) == (True, 200, "HTTP 200")
    assert len(receiver.requests) == 1
