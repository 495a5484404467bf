"""Where ``espctl test --webhooks`` may POST, and which headers a webhook may carry.

Validation refuses link-local and cloud-metadata receivers and connection-level headers
(with file:line:col); at test time every address a receiver's name resolves to is
checked, private and loopback receivers need ``--allow-private-receivers``, and the
POST goes to the checked address (a second lookup cannot redirect it).
"""

from __future__ import annotations

import asyncio
import socket
import textwrap
from pathlib import Path
from typing import Any

import httpx
import pytest
from click.testing import CliRunner, Result

from espctl.commands import test_cmd
from espctl.config.models import WebhookSpec
from espctl.conntest import WebhookPost, post_sample
from espctl.providers.kit.rules import classify_address, forbidden_host, literal_address
from tests.conftest import find, problems_for
from tests.conntest.conftest import ENV, config_text

HEAD = """\
version: 1
providers:
  pm:
    type: postmark
    server_token: ${env:T}
    message_streams:
      outbound: {type: transactional, name: T}
webhooks:
"""


def hook(url: str, headers: str = "") -> str:
    text = f"  a:\n    url: {url}\n    events: [delivered]\n    targets: [pm/outbound]\n"
    return HEAD + text + (f"    headers:\n{textwrap.indent(headers, '      ')}" if headers else "")


# -- validation ----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("https://169.254.169.254/latest/meta-data", "169.254.169.254 is link-local"),
        ("https://169.254.10.1/x", "169.254.10.1 is link-local"),
        ("https://[fe80::1]/x", "fe80::1 is link-local"),
        ("https://[fd00:ec2::254]/x", "fd00:ec2::254 is a cloud instance-metadata address"),
        ("https://100.100.100.200/x", "100.100.100.200 is a cloud instance-metadata address"),
        ("https://metadata.google.internal/x", "'metadata.google.internal' is a cloud"),
        ("https://METADATA.google.internal./x", "is a cloud instance-metadata service"),
        ("https://instance-data/x", "'instance-data' is a cloud instance-metadata service"),
        ("https://2852039166/x", "2852039166 (169.254.169.254) is link-local"),
        ("https://0xa9.0xfe.0xa9.0xfe/x", "(169.254.169.254) is link-local"),
        ("https://[::ffff:169.254.169.254]/x", "(169.254.169.254) is link-local"),
        ("https://0.0.0.0/x", "0.0.0.0 is the unspecified address"),
    ],
)
def test_validation_refuses_metadata_and_link_local_receivers(
    tmp_path: Path, url: str, fragment: str
) -> None:
    problems = problems_for(tmp_path, hook(url), env={"T": "x"})
    p = find(problems, "webhook url refused")
    assert fragment in p.message
    assert (p.line, p.column, p.path) == (10, 10, "webhooks.a.url")


@pytest.mark.parametrize(
    "url",
    [
        "https://hooks.example.com/esp",
        "https://10.1.2.3/esp",  # private: valid, but the test needs the flag
        "http://127.0.0.1:8080/hook",
        "http://[::1]:8080/hook",
        "https://[2001:db8::1]/x",
    ],
)
def test_public_private_and_loopback_receivers_are_valid(tmp_path: Path, url: str) -> None:
    problems = problems_for(tmp_path, hook(url), env={"T": "x"})
    assert [p for p in problems if p.severity == "error"] == []


@pytest.mark.parametrize(
    ("header", "fragment"),
    [
        ("Host: internal.example.com", "'Host' cannot be set"),
        ("host: x", "'Host' cannot be set"),
        ("Connection: close", "'Connection' is a hop-by-hop header"),
        ("Transfer-Encoding: chunked", "'Transfer-Encoding' is a hop-by-hop header"),
        ("Proxy-Authorization: Basic eA==", "'Proxy-Authorization' is a hop-by-hop header"),
        ("Upgrade: h2c", "'Upgrade' is a hop-by-hop header"),
        ("Content-Length: 0", "'Content-Length' cannot be set"),
        ('"X Bad": x', "'X Bad' is not a valid HTTP header name"),
        ('X-Split: "a\\r\\nInjected: yes"', "contains a line break"),
    ],
)
def test_validation_refuses_connection_level_headers(
    tmp_path: Path, header: str, fragment: str
) -> None:
    problems = problems_for(tmp_path, hook("https://hooks.example.com/x", header), env={"T": "x"})
    p = find(problems, fragment)
    assert (p.line, p.column) == (14, 7)
    assert p.path.startswith("webhooks.a.headers.")


def test_ordinary_headers_and_cookies_are_valid(tmp_path: Path) -> None:
    headers = "X-Espctl-Source: test\nCookie: session=abc\nAuthorization: Bearer x\n"
    problems = problems_for(tmp_path, hook("https://hooks.example.com/x", headers), env={"T": "x"})
    assert [p for p in problems if p.severity == "error"] == []


def test_address_classes() -> None:
    def kind(text: str) -> str:
        address = literal_address(text)
        assert address is not None
        return classify_address(address)[0]

    assert kind("93.184.216.34") == "public"
    assert kind("2606:2800:220:1::1") == "public"
    for private in ("127.0.0.1", "::1", "10.0.0.1", "172.16.5.4", "192.168.1.1", "fc00::1"):
        assert kind(private) == "private", private
    assert kind("100.64.0.1") == "private"  # carrier-grade NAT is not public either
    for forbidden in ("169.254.169.254", "fe80::abcd", "::", "224.0.0.1", "::ffff:169.254.0.1"):
        assert kind(forbidden) == "forbidden", forbidden
    assert literal_address("hooks.example.com") is None
    assert literal_address("deadbeef.example.com") is None
    assert forbidden_host("hooks.example.com") is None


# -- at test time --------------------------------------------------------------------------
def invoke(*args: str) -> Result:
    return CliRunner().invoke(test_cmd.test, list(args), env=ENV)


def one_hook(url: str) -> str:
    return (
        "webhooks:\n  receiver:\n"
        f"    url: {url}\n    events: [delivered]\n    targets: [postmark/outbound]\n"
    )


def test_a_loopback_receiver_needs_the_flag(sandbox_url: str, write: Any, receiver: Any) -> None:
    local = receiver(200)
    path = write(config_text(sandbox_url, sandbox_url + "/eu", webhooks=one_hook(local.url)))
    refused = invoke("-c", path, "--webhooks")
    assert refused.exit_code == 1
    assert local.requests == []  # nothing was sent
    assert "FAIL webhook receiver (postmark Delivery)" in refused.stdout
    assert "not posted: 127.0.0.1, loopback (this machine)" in refused.stdout
    assert "cause: pass --allow-private-receivers" in refused.stdout
    allowed = invoke("-c", path, "--webhooks", "--allow-private-receivers")
    assert allowed.exit_code == 0, allowed.output
    assert len(local.requests) == 1


def test_a_name_is_resolved_and_each_address_checked(
    sandbox_url: str, write: Any, receiver: Any
) -> None:
    local = receiver(200)
    by_name = local.url.replace("127.0.0.1", "localhost")
    path = write(config_text(sandbox_url, sandbox_url + "/eu", webhooks=one_hook(by_name)))
    refused = invoke("-c", path, "--webhooks")
    assert refused.exit_code == 1
    assert "not posted: localhost resolves to " in refused.stdout
    assert local.requests == []
    allowed = invoke("-c", path, "--webhooks", "--allow-private-receivers")
    assert "PASS webhook receiver" in allowed.stdout, allowed.output
    # posted to the checked address, under the name the config gave
    assert local.requests[0]["headers"]["host"] == by_name.split("/")[2]


def fake_dns(monkeypatch: pytest.MonkeyPatch, answers: dict[str, list[str]]) -> list[str]:
    """Answer the n-th lookup of a name in ``answers`` with its n-th entry (addresses
    separated by commas; the last entry repeats); log every lookup."""
    lookups: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host: Any, port: Any, *args: Any, **kwargs: Any) -> Any:
        name = host.decode() if isinstance(host, bytes) else str(host)
        if name not in answers:
            return real(host, port, *args, **kwargs)
        lookups.append(name)
        entry = answers[name][min(lookups.count(name), len(answers[name])) - 1]
        return [
            (
                socket.AF_INET6 if ":" in address else socket.AF_INET,
                socket.SOCK_STREAM,
                6,
                "",
                (address, int(port or 0)),
            )
            for address in entry.split(",")
        ]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    return lookups


@pytest.mark.parametrize("flag", [[], ["--allow-private-receivers"]])
def test_a_name_resolving_to_metadata_is_never_posted(
    sandbox_url: str, write: Any, monkeypatch: pytest.MonkeyPatch, flag: list[str]
) -> None:
    fake_dns(monkeypatch, {"hooks.attacker.example": ["169.254.169.254"]})
    url = "https://hooks.attacker.example/latest/meta-data"
    path = write(config_text(sandbox_url, sandbox_url + "/eu", webhooks=one_hook(url)))
    result = invoke("-c", path, "--webhooks", "--webhook-timeout", "0.5", *flag)
    assert result.exit_code == 1
    assert (
        "refused: hooks.attacker.example resolves to 169.254.169.254, link-local" in result.stdout
    )
    assert "never reach link-local or cloud instance-metadata" in result.stdout


def test_a_name_resolving_to_a_private_address_needs_the_flag(
    sandbox_url: str, write: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # one private address among public ones is enough: which one a client would pick
    # is not ours to guess
    fake_dns(monkeypatch, {"hooks.corp.example": ["93.184.216.34,10.0.0.7"]})
    url = "https://hooks.corp.example/esp"
    path = write(config_text(sandbox_url, sandbox_url + "/eu", webhooks=one_hook(url)))
    result = invoke("-c", path, "--webhooks")
    assert result.exit_code == 1
    assert "not posted: hooks.corp.example resolves to 10.0.0.7, a private" in result.stdout
    assert "cause: pass --allow-private-receivers" in result.stdout


def test_the_post_goes_to_the_address_that_was_checked(
    receiver: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    # DNS rebinding: the first answer passes the check, later ones point at metadata
    local = receiver(200)
    port = local.url.split(":")[2].split("/")[0]
    lookups = fake_dns(monkeypatch, {"rebind.example": ["127.0.0.1", "169.254.169.254"]})
    spec = WebhookSpec.model_validate(
        {"url": f"http://rebind.example:{port}/hook", "events": ["delivered"], "targets": ["p/s"]}
    )
    post = WebhookPost("rebind", "postmark", "Delivery", spec, {"RecordType": "Delivery"})

    async def run() -> Any:
        async with httpx.AsyncClient() as client:
            return await post_sample(client, post, 5.0, allow_private_receivers=True)

    result = asyncio.run(run())
    assert result.ok, result
    assert local.requests and local.requests[0]["headers"]["host"] == f"rebind.example:{port}"
    assert lookups == ["rebind.example"]  # one lookup: the connection used its answer
