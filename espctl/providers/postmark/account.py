"""Postmark account reads (account token): sender signatures and domains, paged.

Functions of a :class:`~espctl.providers.postmark.client.PostmarkApi`: :func:`sender_checks`
says whether the configured default sender can send (a confirmed sender signature or
a DKIM-verified domain). Both listings are offset-paged (``count`` ≤ 500, and
``count + offset`` ≤ 10,000, ESP-API.md 1.3) through :mod:`espctl.providers.kit.paging`.
"""

from __future__ import annotations

from collections.abc import Callable, Hashable
from typing import TYPE_CHECKING, TypeVar

from espctl.errors import CredentialRejected
from espctl.model.common import is_sensitive, parse_address
from espctl.model.resources import Check
from espctl.providers.kit.concurrency import settle
from espctl.providers.kit.http import HttpClient
from espctl.providers.kit.paging import Listing, Page, read_offset_pages
from espctl.providers.kit.shapes import WireModel
from espctl.providers.postmark import wire

if TYPE_CHECKING:
    from espctl.providers.postmark.client import PostmarkApi

PAGE = 500  # Postmark's maximum count per page
OFFSET_LIMIT = 10_000  # count + offset may not exceed 10,000 (ESP-API.md 1.3)

T = TypeVar("T")
L = TypeVar("L", bound=WireModel)


async def account_pages(
    provider: str,
    client: HttpClient,
    path: str,
    model: type[L],
    page_of: Callable[[L], Page[T]],
    key: Callable[[T], Hashable],
) -> list[T]:
    """Every item of an offset-paged account listing (``count``/``offset``)."""

    async def page(offset: int) -> Page[T]:
        return page_of(await client.get(path, model, {"count": PAGE, "offset": offset}))

    ceiling = client.options.max_listing_items
    return await read_offset_pages(
        page,
        listing=Listing(provider, "GET", path),
        page_size=PAGE,
        key=key,
        ceiling=min(ceiling, OFFSET_LIMIT),
        # offset paging cannot reach further than 10,000
        why="Postmark's offset paging ends at 10,000" if ceiling >= OFFSET_LIMIT else None,
    )


SKIPPED = (
    "account_token is optional: the default-sender check (sender signatures and domains) "
    "was skipped"
)


async def sender_checks(api: PostmarkApi) -> tuple[list[Check], list[str]]:
    """The default sender's check (none without an account token or a default sender),
    and warnings.

    The account token is optional: when Postmark rejects it (HTTP 401), the check that
    needs it is skipped with a warning that names the variable, and the plan goes on.
    """
    try:
        return await _sender_checks(api), []
    except CredentialRejected as exc:
        if exc.credential != "account token":
            raise
        return [], [f"{exc}; {SKIPPED}"]


async def _sender_checks(api: PostmarkApi) -> list[Check]:
    sender = api.block.default_sender
    if api.account is None or not sender:
        return []
    address = parse_address(sender)
    if address is None:
        return []
    signatures, domains = await settle(
        account_pages(
            api.id,
            api.account,
            "/senders",
            wire.SenderSignatures,
            lambda found: Page(found.SenderSignatures, found.TotalCount),
            lambda signature: signature.ID,
        ),
        account_pages(
            api.id,
            api.account,
            "/domains",
            wire.Domains,
            lambda found: Page(found.Domains, found.TotalCount),
            lambda domain: domain.ID,
        ),
    )
    domain = address.rsplit("@", 1)[-1].lower()
    # a sender from the environment: the check says what, not which
    shown, shown_domain = ("(sensitive)",) * 2 if is_sensitive(sender) else (address, domain)
    confirmed = any(s.EmailAddress.lower() == address.lower() and s.Confirmed for s in signatures)
    verified = any(d.Name.lower() == domain and d.DKIMVerified for d in domains)
    if confirmed or verified:
        how = "confirmed sender signature" if confirmed else f"DKIM-verified domain {shown_domain}"
        return [Check(api.id, "default_sender", shown, True, f"{shown}: {how}")]
    return [
        Check(
            api.id,
            "default_sender",
            shown,
            False,
            f"default sender {shown} has no confirmed sender signature and its domain "
            f"{shown_domain} is not DKIM-verified at Postmark: sends will be refused",
            # the settings converge; confirming a sender is done by mail or DNS, not here
            severity="warning",
        )
    ]
