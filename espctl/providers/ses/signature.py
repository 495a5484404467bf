"""SNS message signatures (SignatureVersion 1: RSA/SHA-1; 2: RSA/SHA-256), checked offline
with ``cryptography``. Pure: the caller fetches the PEM of ``SigningCertURL`` (after
:func:`signing_cert_url_problem` accepted it) over verified HTTPS, and passes it here.

The string to sign is ``Key\\nValue\\n`` for each key in order: for a Notification
``Message, MessageId, Subject`` (only when present), ``Timestamp, TopicArn, Type``; for a
(Un)SubscriptionConfirmation ``Message, MessageId, SubscribeURL, Timestamp, Token,
TopicArn, Type`` (SNS developer guide, "Verifying the signatures of Amazon SNS
messages").
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Mapping
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import padding, rsa

from espctl.errors import EspctlError

NOTIFICATION_KEYS = ("Message", "MessageId", "Subject", "Timestamp", "TopicArn", "Type")
CONFIRMATION_KEYS = (
    "Message",
    "MessageId",
    "SubscribeURL",
    "Timestamp",
    "Token",
    "TopicArn",
    "Type",
)
_CERT_HOST = re.compile(r"^sns\.[a-z0-9-]+\.amazonaws\.com(\.cn)?$")


class SignatureInvalid(EspctlError):
    """An SNS message whose signature does not verify (or cannot be checked)."""


def string_to_sign(message: Mapping[str, Any]) -> bytes:
    """The canonical text SNS signs for ``message``."""
    kind = message.get("Type")
    keys: tuple[str, ...]
    if kind == "Notification":
        keys = NOTIFICATION_KEYS
    elif kind in ("SubscriptionConfirmation", "UnsubscribeConfirmation"):
        keys = CONFIRMATION_KEYS
    else:
        raise SignatureInvalid(f"ses: cannot verify an SNS message of type {kind!r:.40}")
    parts = []
    for key in keys:
        value = message.get(key)
        if value is None:
            if key == "Subject":
                continue
            raise SignatureInvalid(f"ses: SNS message without {key}: cannot verify it")
        parts.append(f"{key}\n{value}\n")
    return "".join(parts).encode()


def signing_cert_url_problem(url: object) -> str | None:
    """Why espctl would not fetch ``SigningCertURL`` (not https, not an SNS host, not a
    ``.pem``), or None. A forged message names its own certificate: the host check is
    what ties the key to AWS."""
    if not isinstance(url, str):
        return "no SigningCertURL"
    parts = urlsplit(url)
    if parts.scheme != "https" or not _CERT_HOST.match(parts.hostname or ""):
        return "SigningCertURL is not an https URL of an sns.<region>.amazonaws.com host"
    if not parts.path.endswith(".pem"):
        return "SigningCertURL does not name a .pem certificate"
    return None


def verify_sns_message(
    message: Mapping[str, Any], cert_pem: bytes, *, now: datetime | None = None
) -> None:
    """Raise :class:`SignatureInvalid` unless ``message`` is signed by ``cert_pem``'s key
    (and, given ``now``, the certificate is valid then)."""
    version = str(message.get("SignatureVersion") or "")
    algorithm: hashes.HashAlgorithm
    if version == "1":
        algorithm = hashes.SHA1()  # SNS SignatureVersion 1 is SHA-1 by definition
    elif version == "2":
        algorithm = hashes.SHA256()
    else:
        raise SignatureInvalid(f"ses: unknown SNS SignatureVersion {version!r:.10}")
    try:
        signature = base64.b64decode(str(message.get("Signature") or ""), validate=True)
    except (binascii.Error, ValueError) as exc:
        raise SignatureInvalid("ses: SNS Signature is not base64") from exc
    try:
        cert = x509.load_pem_x509_certificate(cert_pem)
    except ValueError as exc:
        raise SignatureInvalid("ses: the signing certificate is not a PEM certificate") from exc
    if now is not None and not cert.not_valid_before_utc <= now <= cert.not_valid_after_utc:
        raise SignatureInvalid("ses: the signing certificate is not valid at this time")
    key = cert.public_key()
    if not isinstance(key, rsa.RSAPublicKey):
        raise SignatureInvalid("ses: the signing certificate has no RSA key")
    try:
        key.verify(signature, string_to_sign(message), padding.PKCS1v15(), algorithm)
    except InvalidSignature as exc:
        raise SignatureInvalid("ses: SNS signature does not verify") from exc
