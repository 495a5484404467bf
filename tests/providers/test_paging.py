"""Paged listings always end: short and empty pages end them, a repeating page or a
listing past the ceiling is an error, whatever total the server claims."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import date

import httpx
import pytest
import respx

from espctl.errors import ProviderBadResponse
from espctl.providers.kit.paging import Listing, Page, read_offset_pages
from espctl.providers.mailgun.client import MailgunApi
from espctl.providers.mailgun.traffic import _metrics
from espctl.providers.postmark.client import PostmarkApi
from tests.providers.helpers import (
    FAST,
    MG_EU,
    PM,
    Sleeps,
    account_webhooks,
    mailgun_block,
    postmark_block,
    run,
)
from tests.providers.test_mailgun_respx import DOMAIN, mock_domain
from tests.providers.test_postmark_respx import SERVER, STREAMS, signature

CLAIM = 10**12  # what a hostile server says it holds


def domains_page(request: httpx.Request) -> httpx.Response:
    """Full pages of new domains for ever, claiming 10^12 in all."""
    skip = int(request.url.params["skip"])
    limit = int(request.url.params["limit"])
    items = [{"name": f"d{skip + i}.example.com", "state": "active"} for i in range(limit)]
    return httpx.Response(200, json={"total_count": CLAIM, "items": items})


@respx.mock
def test_endless_mailgun_domain_paging_stops_at_the_ceiling() -> None:
    listing = respx.get(f"{MG_EU}/v4/domains").mock(side_effect=domains_page)
    api = MailgunApi("mg", mailgun_block(), options=FAST, sleep=Sleeps())
    with pytest.raises(ProviderBadResponse) as info:
        run(api.read(()))
    assert str(info.value) == (
        "mg: GET /v4/domains: HTTP 200: listing stopped: more than 100,000 items (espctl "
        "reads at most 100,000 per listing; raise it with --max-listing-items or "
        "ESPCTL_MAX_LISTING_ITEMS; it claims 1,000,000,000,000); the listing is incomplete, "
        "so nothing is read as missing"
    )
    assert listing.call_count == 101  # 100 full pages of 1000, then one too many


@respx.mock
def test_a_repeated_page_is_an_error_not_a_loop() -> None:
    same = {"total_count": CLAIM, "items": [{"name": "d.example.com", "state": "active"}] * 1000}
    listing = respx.get(f"{MG_EU}/v4/domains").mock(return_value=httpx.Response(200, json=same))
    api = MailgunApi("mg", mailgun_block(), options=FAST, sleep=Sleeps())
    with pytest.raises(ProviderBadResponse, match="the page at offset 1,000 repeats items"):
        run(api.read(()))
    assert listing.call_count == 2


@respx.mock
def test_a_short_page_ends_the_listing_whatever_the_claimed_total() -> None:
    respx.get(f"{MG_EU}/v4/domains").mock(
        return_value=httpx.Response(
            200, json={"total_count": CLAIM, "items": [{"name": DOMAIN, "state": "active"}]}
        )
    )
    mock_domain(DOMAIN)
    account_webhooks()
    state = run(MailgunApi("mg", mailgun_block(), options=FAST, sleep=Sleeps()).read(()))
    assert state.facts["all_domains"] == [DOMAIN]


@respx.mock
def test_endless_postmark_account_paging_stops_at_the_offset_limit() -> None:
    """count + offset cannot pass 10,000 at Postmark: more is an incomplete listing."""

    def senders(request: httpx.Request) -> httpx.Response:
        offset = int(request.url.params["offset"])
        page = [signature(offset + i, f"s{offset + i}@x.com") for i in range(500)]
        return httpx.Response(200, json={"TotalCount": CLAIM, "SenderSignatures": page})

    respx.get(f"{PM}/server").mock(return_value=httpx.Response(200, json=SERVER))
    respx.get(f"{PM}/message-streams").mock(return_value=httpx.Response(200, json=STREAMS))
    respx.get(f"{PM}/webhooks").mock(return_value=httpx.Response(200, json={"Webhooks": []}))
    respx.get(f"{PM}/domains").mock(
        return_value=httpx.Response(200, json={"TotalCount": 0, "Domains": []})
    )
    listing = respx.get(f"{PM}/senders").mock(side_effect=senders)
    api = PostmarkApi("pm", postmark_block(), options=FAST, sleep=Sleeps())
    with pytest.raises(ProviderBadResponse, match=r"GET /senders: .* more than 10,000 items"):
        run(api.read(()))
    assert listing.call_count == 21


def metrics_pages(request: httpx.Request) -> httpx.Response:
    """Full metrics pages of new rows for ever (one per day, or per tag), claiming 10^12."""
    query = json.loads(request.content)
    skip, limit = query["pagination"]["skip"], query["pagination"]["limit"]
    dimension = query["dimensions"][0]
    items = [
        {"dimensions": [{"dimension": dimension, "value": f"v{skip + i}"}], "metrics": {}}
        for i in range(limit)
    ]
    return httpx.Response(200, json={"items": items, "pagination": {"skip": skip, "total": CLAIM}})


@respx.mock
@pytest.mark.parametrize(
    ("dimension", "expected"),
    [
        ("time", "more than 31 items (a 30-day window has at most 31 daily buckets;"),
        ("tag", "more than 6,000 items (espctl reads at most 6,000 per listing; raise it with"),
    ],
)
def test_endless_metrics_paging_stops_at_its_ceiling(dimension: str, expected: str) -> None:
    route = respx.post(f"{MG_EU}/v1/analytics/metrics").mock(side_effect=metrics_pages)
    api = MailgunApi(
        "mg", mailgun_block(), options=replace(FAST, max_listing_items=6000), sleep=Sleeps()
    )
    with pytest.raises(ProviderBadResponse) as info:
        run(_metrics(api, DOMAIN, dimension, date(2026, 1, 1), date(2026, 1, 31)))
    assert f"mg: POST /v1/analytics/metrics: HTTP 200: listing stopped: {expected}" in str(
        info.value
    )
    assert route.call_count <= 7  # 1000 tags a page: 6 full pages, then one too many


def test_overlapping_pages_keep_each_item_once_and_go_on() -> None:
    pages = {0: ["a", "b", "c"], 3: ["c", "d", "e"], 6: ["f"]}  # "c" shifted by an insert

    async def fetch(offset: int) -> Page[str]:
        return Page(pages[offset], None)

    got = run(
        read_offset_pages(
            fetch, listing=Listing("p", "GET", "/x"), page_size=3, key=lambda item: item
        )
    )
    assert got == ["a", "b", "c", "d", "e", "f"]


def test_the_ceiling_counts_what_was_read_not_what_was_kept() -> None:
    calls = 0

    async def fetch(offset: int) -> Page[int]:
        nonlocal calls
        calls += 1
        return Page([offset // 10 * 10 + i for i in range(-1, 9)], None)  # one repeat a page

    with pytest.raises(ProviderBadResponse, match="more than 50 items"):
        run(
            read_offset_pages(
                fetch,
                listing=Listing("p", "GET", "/x"),
                page_size=10,
                key=lambda item: item,
                ceiling=50,
            )
        )
    assert calls == 6
