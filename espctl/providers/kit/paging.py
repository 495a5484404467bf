"""Paged listings that always end: every paging loop of every provider goes through here.

A broken or hostile server can claim 10^12 items, repeat a page forever or ignore
``limit``; an unbounded loop then sends thousands of requests and holds gigabytes.
:func:`read_offset_pages` reads an offset-paged listing (Postmark ``count``/``offset``,
Mailgun ``limit``/``skip``) and stops:

- normally, on an empty page, a short page (fewer items than asked for), or when the
  offset reaches the total the provider reported;
- with a :class:`~espctl.errors.ProviderBadResponse`, when a page holds only items
  already read (the paging repeats itself), or when more than ``ceiling`` items have
  been read (duplicates included, so overlapping pages cannot loop for ever either).

Items that reappear on a later page beside new ones (the account changed while it was
read, shifting the offsets) are kept once.

:func:`read_cursor_pages` follows ``next`` URLs (Mailgun's events API, ESP-API.md 2.10)
for a sample of at most ``max_pages`` pages, stopping on an empty page, a missing
``next``, a ``next`` on another host (it would receive the credentials) or a ``next``
already followed (a cursor that does not advance).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from dataclasses import dataclass
from typing import Generic, TypeVar

from espctl.errors import ProviderBadResponse

T = TypeVar("T")
P = TypeVar("P")

#: the most items espctl reads from one listing by default (DESIGN.md: pages are bounded);
#: HttpOptions.max_listing_items (--max-listing-items) overrides it
MAX_LISTING_ITEMS = 100_000
LISTING_HINT = "raise it with --max-listing-items or ESPCTL_MAX_LISTING_ITEMS"


@dataclass(frozen=True)
class Page(Generic[T]):
    """One page: its items and the total the provider claims (None when it says none)."""

    items: Sequence[T]
    total: int | None = None


@dataclass(frozen=True)
class Listing:
    """Which listing is read, for the messages: provider, method and path."""

    provider: str
    method: str
    path: str


async def read_offset_pages(
    fetch: Callable[[int], Awaitable[Page[T]]],
    *,
    listing: Listing,
    page_size: int,
    key: Callable[[T], Hashable],
    ceiling: int | None = None,
    why: str | None = None,
) -> list[T]:
    """Every item of an offset-paged listing; ``fetch(offset)`` reads one page.

    ``key`` identifies an item (a domain's name, a signature's ID) so repeats are seen;
    ``ceiling`` defaults to :data:`MAX_LISTING_ITEMS`; ``why`` says where a ceiling
    other than the configurable one comes from (default: how to raise it).
    """
    ceiling = MAX_LISTING_ITEMS if ceiling is None else ceiling
    why = why or f"espctl reads at most {ceiling:,} per listing; {LISTING_HINT}"
    items: list[T] = []
    seen: set[Hashable] = set()
    offset = 0
    while True:
        page = await fetch(offset)
        batch = list(page.items)
        if not batch:
            return items
        if offset + len(batch) > ceiling:
            claimed = f"; it claims {page.total:,}" if page.total is not None else ""
            raise _stopped(listing, f"more than {ceiling:,} items ({why}{claimed})")
        fresh = 0
        for item in batch:
            identity = key(item)
            if identity not in seen:
                seen.add(identity)
                items.append(item)
                fresh += 1
        if not fresh:
            raise _stopped(
                listing,
                f"the page at offset {offset:,} repeats items already read "
                "(the provider's paging does not advance)",
            )
        offset += len(batch)
        if len(batch) < page_size:
            return items
        if page.total is not None and offset >= page.total:
            return items


def _stopped(listing: Listing, why: str) -> ProviderBadResponse:
    return ProviderBadResponse(
        listing.provider,
        listing.method,
        listing.path,
        200,  # every page came back fine: the listing as a whole is what is wrong
        f"listing stopped: {why}; the listing is incomplete, so nothing is read as missing",
    )


async def read_cursor_pages(
    first: Callable[[], Awaitable[P]],
    follow: Callable[[str], Awaitable[P]],
    *,
    next_of: Callable[[P], str | None],
    has_items: Callable[[P], bool],
    same_host: str,
    max_pages: int,
) -> list[P]:
    """At most ``max_pages`` pages of a cursor-paged listing: ``first()``, then
    ``follow(url)`` for each ``next`` URL that starts with ``same_host`` and was not
    followed before."""
    page = await first()
    pages = [page]
    followed: set[str] = set()
    while len(pages) < max_pages:
        url = next_of(page)
        if not has_items(page) or not url or not url.startswith(same_host) or url in followed:
            break
        followed.add(url)
        page = await follow(url)
        pages.append(page)
    return pages
