"""SendGrid's checks of what espctl cannot create: the authenticated domains (they must
exist, and their DNS records validate) and the default sender (a verified sender, or in
a configured authenticated domain). Read by the plan and by ``espctl test``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from espctl.errors import ProviderError
from espctl.model.common import parse_address
from espctl.model.resources import Check
from espctl.providers.kit.paging import Listing, Page, read_offset_pages
from espctl.providers.kit.shapes import parse
from espctl.providers.sendgrid import wire

if TYPE_CHECKING:
    from espctl.providers.sendgrid.client import SendGridApi

DOMAIN_PAGE = 200  # GET /v3/whitelabel/domains: limit per page (offset paging)


async def read_domains(api: SendGridApi) -> list[wire.AuthenticatedDomain]:
    """Every authenticated domain: offset pages (no total is given) until one comes back
    short, with the kit's guards against paging that repeats itself or never ends."""
    path = "/v3/whitelabel/domains"

    async def page(offset: int) -> Page[wire.AuthenticatedDomain]:
        body = await api.http.get_json(path, {"limit": DOMAIN_PAGE, "offset": offset})
        if not isinstance(body, list):
            raise ProviderError(
                api.id, "GET", path, 200, "unexpected response, not a list of authenticated domains"
            )
        return Page([_domain(api.id, item) for item in body])

    return await read_offset_pages(
        page,
        listing=Listing(api.id, "GET", path),
        page_size=DOMAIN_PAGE,
        key=lambda domain: domain.id,
        ceiling=api.http.options.max_listing_items,
    )


def domain_check(
    provider_id: str, name: str, found: wire.AuthenticatedDomain | None
) -> tuple[Check, dict[str, Any]]:
    """The check of one configured authenticated domain, and its facts."""
    if found is None:
        return Check(
            provider_id,
            "authenticated domain",
            name,
            False,
            f"{name} is not an authenticated domain of this SendGrid account "
            "(authenticate it at SendGrid; espctl cannot create DNS records)",
            severity="error",
        ), {"exists": False, "valid": False}
    invalid = sorted(f"{k} {r.host}".strip() for k, r in found.dns.items() if not r.valid)
    message = (
        f"{name} is authenticated and its DNS records validate"
        if found.valid
        else f"{name} is authenticated but does not validate"
        + (f"; DNS records not valid: {', '.join(invalid)}" if invalid else "")
    )
    facts = {
        "exists": True,
        "valid": found.valid,
        "dns": [{"record": k, "host": r.host, "valid": r.valid} for k, r in found.dns.items()],
    }
    return Check(
        provider_id, "authenticated domain", name, found.valid, message, severity="warning"
    ), facts


async def sender_check(api: SendGridApi) -> Check | None:
    """The default sender is a verified sender, or in a valid authenticated domain
    (checked against the domains in :meth:`read`'s facts by ``espctl test``); a key
    that may not list senders makes this a warning that says so."""
    address = parse_address(api.block.default_sender) if api.block.default_sender else None
    if address is None:
        return None
    try:
        found = await api.http.get("/v3/verified_senders", wire.VerifiedSenders)
    except ProviderError as exc:
        if exc.status not in (401, 403, 404):
            raise
        return Check(
            api.id,
            "sender",
            address,
            False,
            f"verified senders could not be read ({exc.detail})",
            severity="warning",
        )
    verified = any(s.from_email.lower() == address.lower() and s.verified for s in found.results)
    domain = address.rsplit("@", 1)[-1].lower()
    if verified:
        return Check(api.id, "sender", address, True, f"{address} is a verified sender")
    if domain in api.block.domains:
        return Check(
            api.id,
            "sender",
            address,
            True,
            f"{address} sends from authenticated domain {domain}",
        )
    return Check(
        api.id,
        "sender",
        address,
        False,
        f"{address} is neither a verified sender nor in a configured authenticated "
        "domain: SendGrid refuses to send from it",
        severity="warning",
    )


def _domain(provider: str, item: object) -> wire.AuthenticatedDomain:
    return parse(
        wire.AuthenticatedDomain,
        item,
        provider=provider,
        method="GET",
        path="/v3/whitelabel/domains",
    )
