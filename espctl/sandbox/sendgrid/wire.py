"""SendGrid wire helpers: the handler context, error bodies, JSON bodies, and the API's
shapes of webhooks, domains and senders (field names as in ``api-specs/sendgrid/``)."""

from __future__ import annotations

import base64
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import lru_cache
from typing import Any

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

from ..http import Answered, BadRequestBody, Request, Response
from ..state import AccountState, Region
from ..traffic import Traffic
from .state import WEBHOOK_FLAGS, SendGridAccount, SgAccount, SgDomain, SgUser, SgWebhook, sendgrid

_UNSET: Any = object()


@dataclass
class SgContext:
    """What a SendGrid handler sees: the account of the request's region and the user it
    acts for (the account, or the subuser ``on-behalf-of`` names)."""

    state: AccountState
    traffic: Traffic
    region: Region
    user: SgUser

    @property
    def part(self) -> SendGridAccount:
        return sendgrid(self.state)

    @property
    def account(self) -> SgAccount:
        return self.part.accounts[self.region]

    def new_id(self) -> int:
        part = self.part
        part.next_id += 1
        return part.next_id

    def now(self) -> datetime:
        return datetime.now(UTC).replace(microsecond=0)


def sg_error(status: int, message: str, field: Any = _UNSET, **extra: Any) -> Response:
    """SendGrid's error body ``{"errors": [{"field", "message"}]}``; ``field`` is left out
    where the spec's example for that answer has none (the webhook 404s)."""
    item: dict[str, Any] = {} if field is _UNSET else {"field": field}
    item["message"] = message
    item.update(extra)
    return Response.json(status, {"errors": [item]})


class SgAbort(Answered):
    """Answer with SendGrid's error body at once."""

    def __init__(self, status: int, message: str, field: Any = _UNSET, **extra: Any) -> None:
        super().__init__(sg_error(status, message, field, **extra))


def json_object(request: Request) -> dict[str, Any]:
    """The JSON object body, or the 400 SendGrid answers to anything else."""
    try:
        body = request.json()
    except BadRequestBody:
        raise SgAbort(400, "Bad Request", None) from None
    if not isinstance(body, dict):
        raise SgAbort(400, "Bad Request", None)
    return body


def typed(body: dict[str, Any], name: str, kind: type, nullable: bool = False) -> Any:
    """``body[name]`` if present and of ``kind`` (bool is not an int here), else a 400
    naming the field; absent -> the marker :data:`_UNSET`."""
    if name not in body:
        return _UNSET
    value = body[name]
    if value is None and nullable:
        return None
    if not isinstance(value, kind) or (kind is not bool and isinstance(value, bool)):
        raise SgAbort(400, f"{name} must be a {kind.__name__}", name)
    return value


def is_set(value: Any) -> bool:
    return value is not _UNSET


def iso(moment: datetime | None) -> str | None:
    return None if moment is None else moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@lru_cache(maxsize=256)
def public_key(private_hex: str) -> str:
    """The public key SendGrid shows: base64 of the DER SubjectPublicKeyInfo of the
    webhook's ECDSA P-256 key."""
    key = ec.derive_private_key(int(private_hex, 16), ec.SECP256R1())
    der = key.public_key().public_bytes(
        serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    return base64.b64encode(der).decode()


def new_signing_key() -> str:
    """A fresh ECDSA P-256 private key, as its scalar in hex."""
    key = ec.generate_private_key(ec.SECP256R1())
    return format(key.private_numbers().private_value, "x")


def webhook_json(hook: SgWebhook, *, with_key: bool, dates: bool = True) -> dict[str, Any]:
    """An Event Webhook as the API answers it (``EventWebhookUnsignedResponse``; the
    listing and ``GET`` add ``public_key`` for a signed one)."""
    out: dict[str, Any] = {"enabled": hook.enabled, "url": hook.url}
    out["account_status_change"] = False
    for flag in WEBHOOK_FLAGS:
        out[flag] = flag in hook.flags
    out["friendly_name"] = hook.friendly_name
    if hook.id is not None:
        out["id"] = hook.id
    out["oauth_client_id"] = hook.oauth_client_id
    out["oauth_token_url"] = hook.oauth_token_url
    if with_key and hook.signing_key:
        out["public_key"] = public_key(hook.signing_key)
    if dates:
        out["created_date"] = iso(hook.created_date)
        out["updated_date"] = iso(hook.updated_date)
    return out


def domain_json(domain: SgDomain) -> dict[str, Any]:
    """An authenticated domain (``AuthenticatedDomain``): its three DNS records."""
    host = f"{domain.subdomain}.{domain.domain}"
    records = {
        "mail_cname": ("cname", host, f"u{domain.user_id}.wl{domain.id % 1000}.sendgrid.net"),
        "dkim1": ("cname", f"s1._domainkey.{domain.domain}", f"s1.domainkey.u{domain.user_id}"),
        "dkim2": ("cname", f"s2._domainkey.{domain.domain}", f"s2.domainkey.u{domain.user_id}"),
    }
    return {
        "id": domain.id,
        "user_id": domain.user_id,
        "subdomain": domain.subdomain,
        "domain": domain.domain,
        "username": domain.username,
        "ips": [],
        "custom_spf": domain.custom_spf,
        "default": domain.default,
        "legacy": domain.legacy,
        "automatic_security": domain.automatic_security,
        "valid": domain.valid,
        "dns": {
            name: {
                "valid": name not in domain.invalid,
                "type": kind,
                "host": record_host,
                "data": f"{data}.sendgrid.net" if not data.endswith(".net") else data,
            }
            for name, (kind, record_host, data) in records.items()
        },
    }
