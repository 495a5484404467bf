"""SendGrid's signed Event Webhook: the two signed real samples verify with their public
keys, and every must-fail variant the samples list (wrong key, body, signature,
timestamp) fails; espctl's own signed test samples verify the same way."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from espctl.model.common import Event, Secret
from espctl.providers.sendgrid import signature
from espctl.providers.sendgrid.config import SendGridProvider, SendGridWebhookOptions
from espctl.providers.sendgrid.parsing import parse_sendgrid_webhook
from espctl.providers.sendgrid.samples import sample

SAMPLES = Path(__file__).resolve().parents[4] / "shared" / "samples" / "sendgrid"
SIGNED = ("sendgrid-nodejs-signed-single.json", "sendgrid-nodejs-signed-multiple.json")
NOW = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)


def _load(name: str) -> dict[str, Any]:
    path = SAMPLES / name
    if not path.exists():
        pytest.skip(f"{path} is not here (../shared/samples)")
    data: dict[str, Any] = json.loads(path.read_text())
    return data


def _verify(case: dict[str, Any], base: dict[str, Any]) -> bool:
    headers = base["headers"]
    return signature.verify_signature(
        case.get("public_key", base["public_key"]),
        case.get("body", base["body"]).encode(),
        case.get("signature", headers[signature.SIGNATURE_HEADER]),
        case.get("timestamp", headers[signature.TIMESTAMP_HEADER]),
    )


@pytest.mark.parametrize("name", SIGNED)
def test_the_signed_samples_verify(name: str) -> None:
    data = _load(name)
    assert data["expect_valid"] is True
    assert _verify({}, data)
    # and the body is a batch espctl parses
    events = parse_sendgrid_webhook(json.loads(data["body"]))
    assert events and all(e.provider == "sendgrid" for e in events)


@pytest.mark.parametrize("name", SIGNED)
def test_every_must_fail_variant_fails(name: str) -> None:
    data = _load(name)
    cases = data.get("negative_cases") or []
    if name.endswith("single.json"):
        assert len(cases) == 4  # wrong key, wrong body, wrong signature, wrong timestamp
    for case in cases:
        assert case["expect_valid"] is False
        assert not _verify(case, data), case["what"]


def test_one_changed_byte_fails() -> None:
    data = _load(SIGNED[0])
    body = data["body"].replace("hello@world.com", "hello@world.con")
    assert not _verify({"body": body}, data)


@pytest.mark.parametrize(
    ("key", "sig"),
    [
        ("not base64!", None),
        ("c2hvcnQ=", None),  # base64, not a key
        (None, "not base64!"),
        (None, "c2hvcnQ="),  # base64, not DER
    ],
)
def test_malformed_keys_and_signatures_are_refused_not_raised(
    key: str | None, sig: str | None
) -> None:
    data = _load(SIGNED[0])
    case = {k: v for k, v in (("public_key", key), ("signature", sig)) if v is not None}
    assert not _verify(case, data)


def test_a_key_on_another_curve_is_refused() -> None:
    from cryptography.hazmat.primitives.asymmetric import ec

    other = ec.generate_private_key(ec.SECP384R1())
    body, stamp = b"[]", "1600000000"
    import base64

    from cryptography.hazmat.primitives import hashes, serialization

    der = other.sign(stamp.encode() + body, ec.ECDSA(hashes.SHA256()))
    key = other.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    assert not signature.verify_signature(
        base64.b64encode(key).decode(), body, base64.b64encode(der).decode(), stamp
    )


def _block() -> SendGridProvider:
    return SendGridProvider(type="sendgrid", api_key=Secret("canary-sendgrid-key"))


def test_a_signed_webhook_gets_a_signed_sample_whose_exact_bytes_verify() -> None:
    made = sample(Event.bounced, "", _block(), NOW, SendGridWebhookOptions(signed=True))
    assert made.content is not None
    assert json.loads(made.content) == made.payload  # the bytes are the batch
    stamp = made.headers[signature.TIMESTAMP_HEADER]
    assert stamp == str(int(NOW.timestamp()))
    key = signature.public_key_of(signature.test_key())
    assert signature.verify_signature(
        key, made.content, made.headers[signature.SIGNATURE_HEADER], stamp
    )
    # SendGrid's real key would not verify it: espctl cannot sign as SendGrid
    real = _load(SIGNED[0])["public_key"]
    assert not signature.verify_signature(
        real, made.content, made.headers[signature.SIGNATURE_HEADER], stamp
    )


def test_an_unsigned_webhook_gets_an_unsigned_batch() -> None:
    for options in (None, SendGridWebhookOptions()):
        made = sample(Event.dropped, "", _block(), NOW, options)
        assert made.headers == {} and made.content is None
        assert isinstance(made.payload, list) and len(made.payload) == 1
        assert made.payload[0]["event"] == "dropped"
