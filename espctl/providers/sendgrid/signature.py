"""SendGrid's signed Event Webhook: ECDSA P-256 with SHA-256 over the bytes of the
``X-Twilio-Email-Event-Webhook-Timestamp`` header value followed by the raw body; the
``X-Twilio-Email-Event-Webhook-Signature`` header is the base64 of the DER signature,
the public key the base64 of a DER SubjectPublicKeyInfo (as the webhook settings show
it). The maths is ``cryptography``'s; this module only frames the bytes.

Pure (no I/O): the receiver that verifies, and ``espctl test --webhooks``, which signs
its sample with a key of its own (it cannot have SendGrid's private key).
"""

from __future__ import annotations

import base64
import binascii
from functools import cache

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec

SIGNATURE_HEADER = "X-Twilio-Email-Event-Webhook-Signature"
TIMESTAMP_HEADER = "X-Twilio-Email-Event-Webhook-Timestamp"


def verify_signature(public_key: str, body: bytes, signature: str, timestamp: str) -> bool:
    """Whether ``signature`` signs ``timestamp + body`` under ``public_key`` (base64 DER).

    False for any malformed input (a key that is not a P-256 key, a signature that is
    not base64 DER): a receiver refuses those like a wrong signature.
    """
    try:
        key = serialization.load_der_public_key(base64.b64decode(public_key, validate=True))
        der = base64.b64decode(signature, validate=True)
    except (ValueError, binascii.Error):
        return False
    if not isinstance(key, ec.EllipticCurvePublicKey) or key.curve.name != "secp256r1":
        return False
    try:
        key.verify(der, timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    except InvalidSignature:
        return False
    return True


def sign(private_key: ec.EllipticCurvePrivateKey, body: bytes, timestamp: str) -> str:
    """The signature header value SendGrid would send for ``body`` at ``timestamp``."""
    der = private_key.sign(timestamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    return base64.b64encode(der).decode()


def public_key_of(private_key: ec.EllipticCurvePrivateKey) -> str:
    """The public key as SendGrid shows it: base64 of the DER SubjectPublicKeyInfo."""
    der = private_key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


@cache
def test_key() -> ec.EllipticCurvePrivateKey:
    """The key ``espctl test --webhooks`` signs samples with: made once per process and
    never stored, so no private key lives in the repository."""
    return ec.generate_private_key(ec.SECP256R1())
