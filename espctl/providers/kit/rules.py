"""Rules on URLs, hosts and headers that validation and import share.

:func:`url_fault` is what the config language accepts as a URL (validation words its
answer for the config, import for a live setting it cannot write); :data:`HOSTNAME` is a
lower-case host name. Below: where a webhook may point, and which headers it may carry.

``espctl test --webhooks`` POSTs to every webhook URL of the config from the machine
that runs it, often a CI runner in a cloud. So a URL must never reach the cloud's
instance-metadata service (link-local ``169.254.0.0/16`` and ``fe80::/10``, and the
providers' metadata names and addresses): validation refuses those outright. Private
networks and loopback are legitimate receivers in development, so they are not invalid,
but the test only POSTs to them with ``--allow-private-receivers``
(:func:`classify_address` tells them apart, for literal addresses in the config and for
what a name resolves to when the test runs).

Headers that describe one connection rather than the message (hop-by-hop headers,
``Host``, ``Content-Length``) cannot be set on a webhook: the HTTP client writes them.
"""

from __future__ import annotations

import ipaddress
import re
import socket
from typing import Literal
from urllib.parse import urlsplit

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address
#: why the config language refuses a URL: unparsable, not absolute http(s), plain http to
#: a host that is not this machine, credentials in the URL
UrlFault = Literal["invalid", "not_absolute", "plain_http", "credentials"]

#: hosts where plain http is accepted (a receiver or a sandbox on this machine)
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
#: a lower-case DNS host name with at least one dot (a sending domain)
HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
AddressClass = Literal["public", "private", "forbidden"]

#: names of cloud instance-metadata services (GCP, AWS)
METADATA_HOSTS = frozenset(
    {
        "metadata",
        "metadata.google.internal",
        "metadata.goog",
        "instance-data",
        "instance-data.ec2.internal",
    }
)
#: metadata addresses outside link-local: AWS over IPv6, Alibaba Cloud
METADATA_ADDRESSES = frozenset(
    {ipaddress.ip_address("fd00:ec2::254"), ipaddress.ip_address("100.100.100.200")}
)
#: RFC 9110 §7.6.1 hop-by-hop headers, plus the proxy variants clients still honour
HOP_BY_HOP = frozenset(
    {
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    }
)
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # RFC 9110 token
_INET_ATON = re.compile(r"^[0-9a-fA-FxX.]+$")  # 2852039166, 0xa9fea9fe, 169.254.43518


def literal_address(host: str) -> IPAddress | None:
    """The address ``host`` spells, in any form the resolver accepts; None for a name.

    Besides dotted quads and IPv6 (with or without brackets or a zone), the C library
    reads ``2852039166`` and ``0xa9.0xfe.0xa9.0xfe`` as addresses too.
    """
    text = host.strip("[]").split("%", 1)[0]
    try:
        return ipaddress.ip_address(text)
    except ValueError:
        pass
    if _INET_ATON.match(text) and any(c.isdigit() for c in text):
        try:
            return ipaddress.IPv4Address(socket.inet_aton(text))
        except OSError:
            return None
    return None


def classify_address(address: IPAddress) -> tuple[AddressClass, str]:
    """``public``, ``private`` (loopback, private, reserved: needs the flag) or
    ``forbidden`` (link-local, metadata, unspecified, multicast), with words for it."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if address in METADATA_ADDRESSES:
        return "forbidden", "a cloud instance-metadata address"
    if address.is_link_local:
        return "forbidden", "link-local (where cloud instance metadata lives)"
    if address.is_unspecified:
        return "forbidden", "the unspecified address"
    if address.is_multicast:
        return "forbidden", "a multicast address"
    if address.is_loopback:
        return "private", "loopback (this machine)"
    if not address.is_global:
        return "private", "a private or reserved address"
    return "public", "a public address"


def forbidden_host(host: str) -> str | None:
    """Why a webhook may never point at ``host`` (metadata, link-local), or None."""
    name = host.strip("[]").lower().rstrip(".")
    if name in METADATA_HOSTS:
        return f"'{host}' is a cloud instance-metadata service"
    address = literal_address(name)
    if address is not None:
        kind, words = classify_address(address)
        if kind == "forbidden":
            spelled = host.strip("[]")
            plain = getattr(address, "ipv4_mapped", None) or address
            shown = spelled if spelled == str(plain) else f"{spelled} ({plain})"
            return f"{shown} is {words}"
    return None


def header_problem(name: str, value: object) -> str | None:
    """Why a webhook cannot carry header ``name: value``, or None."""
    lowered = name.lower()
    if not _HEADER_NAME.match(name):
        return f"'{name}' is not a valid HTTP header name"
    if lowered == "host":
        return "'Host' cannot be set: the receiver's host comes from the URL"
    if lowered == "content-length":
        return "'Content-Length' cannot be set: the HTTP client computes it from the body"
    if lowered in HOP_BY_HOP:
        return f"'{name}' is a hop-by-hop header: it describes one connection and cannot be set"
    if isinstance(value, str) and any(c in value for c in "\r\n\0"):
        return f"the value of '{name}' contains a line break or NUL"
    return None


def url_faults(url: str) -> list[UrlFault]:
    """Why the config language refuses ``url`` (an endpoint or webhook URL): none, one of
    ``invalid``/``not_absolute``, or ``plain_http`` and/or ``credentials``.

    It must parse, be absolute ``https://`` (``http://`` only for :data:`LOCAL_HOSTS`)
    and carry no userinfo: credentials belong in ``basic_auth`` and ``${env:...}``.
    """
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port
    except ValueError:
        return ["invalid"]
    if parts.scheme not in ("https", "http") or not host:
        return ["not_absolute"]
    faults: list[UrlFault] = []
    if parts.scheme == "http" and host not in LOCAL_HOSTS:
        faults.append("plain_http")
    if parts.username is not None or parts.password is not None:
        faults.append("credentials")
    return faults
