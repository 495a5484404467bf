"""Mailgun wire helpers: handler context, errors, dates, domain JSON."""

from __future__ import annotations

import email.utils
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..http import Answered, BadRequestBody, Request, Response
from ..state import AccountState, Region
from ..traffic import Traffic
from .state import MailgunAccount, MgDomain, mailgun


@dataclass
class MgContext:
    """What a Mailgun handler sees. ``base_url`` = scheme://host[/eu] of the request."""

    state: AccountState
    traffic: Traffic
    region: Region
    base_url: str

    @property
    def account(self) -> MailgunAccount:
        """The Mailgun part of the account."""
        return mailgun(self.state)


class MgAbort(Answered):
    """Raised inside a handler to answer with ``response`` at once."""


def mg_error(status: int, message: str) -> Response:
    """The usual Mailgun error body ``{"message": ...}``."""
    return Response.json(status, {"message": message})


def mg_reason(status: int, reason: str) -> Response:
    """Webhook write errors use ``{"Reason": ...}`` (spec GenericAPIError)."""
    return Response.json(status, {"Reason": reason})


def rfc1123(moment: datetime) -> str:
    """``Thu, 13 Oct 2011 18:02:00 GMT`` (domain ``created_at``)."""
    return moment.astimezone(UTC).strftime("%a, %d %b %Y %H:%M:%S GMT")


def rfc2822(moment: datetime) -> str:
    """``Wed, 01 Nov 2023 00:00:00 +0000`` (metrics)."""
    return email.utils.format_datetime(moment.astimezone(UTC))


def parse_when(value: str) -> datetime:
    """An RFC 2822 date or a Unix epoch (int or float) -> aware UTC datetime."""
    text = value.strip()
    try:
        return datetime.fromtimestamp(float(text), UTC)
    except ValueError:
        pass
    try:
        parsed = email.utils.parsedate_to_datetime(text)
    except (TypeError, ValueError) as exc:
        raise MgAbort(mg_error(400, f"Invalid date: {value}")) from exc
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.astimezone(UTC)


def form_fields(request: Request) -> list[tuple[str, str]]:
    """Form fields (urlencoded or multipart); a broken body is a 400."""
    try:
        return request.form()
    except BadRequestBody as exc:
        raise MgAbort(mg_error(400, "Invalid form body")) from exc


def domain_or_404(ctx: MgContext, name: str) -> MgDomain:
    """The domain in the request's region; other regions' domains are invisible."""
    domain = ctx.account.find(name, ctx.region)
    if domain is None:
        raise MgAbort(mg_error(404, "Domain not found"))
    return domain


def domain_json(domain: MgDomain) -> dict[str, Any]:
    out: dict[str, Any] = {
        "created_at": rfc1123(domain.created_at),
        "id": domain.id,
        "is_disabled": domain.state == "disabled",
        "name": domain.name,
        "require_tls": domain.require_tls,
        "skip_verification": domain.skip_verification,
        "smtp_login": f"postmaster@{domain.name}",
        "spam_action": domain.spam_action,
        "state": domain.state,
        "type": domain.type,
        "use_automatic_sender_security": domain.use_automatic_sender_security,
        "web_prefix": domain.web_prefix,
        "web_scheme": domain.web_scheme,
        "wildcard": domain.wildcard,
        "encrypt_incoming_message": domain.encrypt_incoming_message,
        "message_ttl": domain.message_ttl,
        "tracking_host": f"{domain.web_prefix}.{domain.name}",
    }
    if domain.state == "disabled":
        out["disabled"] = {
            "code": "abuse",
            "note": "Disabled after a review of sending patterns",
            "permanently": False,
            "reason": "account review",
        }
    return out


def dns_records(domain: MgDomain) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(receiving, sending) DNS records with the domain's verification state."""
    mx_host = "mxa.eu.mailgun.org" if domain.region == "eu" else "mxa.mailgun.org"
    mx_host_b = mx_host.replace("mxa", "mxb")
    cname = "eu.mailgun.org" if domain.region == "eu" else "mailgun.org"

    def record(rtype: str, name: str, value: str, priority: str | None = None) -> dict[str, Any]:
        item: dict[str, Any] = {
            "record_type": rtype,
            "name": name,
            "value": value,
            "valid": domain.dns_valid,
            "is_active": True,
            "cached": [value] if domain.dns_valid == "valid" else [],
        }
        if priority is not None:
            item["priority"] = priority
        return item

    receiving = [
        record("MX", domain.name, mx_host, "10"),
        record("MX", domain.name, mx_host_b, "10"),
    ]
    sending = [
        record("TXT", domain.name, "v=spf1 include:mailgun.org ~all"),
        record(
            "TXT", f"{domain.dkim_selector}._domainkey.{domain.name}", f"k=rsa; p={domain.dkim_key}"
        ),
        record("CNAME", f"{domain.web_prefix}.{domain.name}", cname),
    ]
    return receiving, sending
