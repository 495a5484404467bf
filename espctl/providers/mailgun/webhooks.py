"""Mailgun webhooks, domain and account level: live JSON to resources, and changes applied.

Functions of a :class:`~espctl.providers.mailgun.client.MailgunApi`, whose ``read()`` and
``apply()`` hand webhooks here. One resource per URL: a domain's
(``mailgun.webhook``, key "<domain> <URL without credentials>") or an account-level
webhook (``mailgun.account_webhook``, key the URL), each with the Mailgun events it
receives. A URL the config does not declare is another integration's: an unmanaged
resource of its own, which no change of espctl's touches.

ESP-API notes (Part 2.6; what is used, and why):

- **Read.** ``GET /v3/domains/{d}/webhooks`` (there is no v4 read): per event a URL list,
  inverted here into URL -> events. ``GET /v1/webhooks``: the account-level webhooks of
  the region (US and EU are configured separately), read for every plan so that a user
  sees every receiver an event goes to.
- **Domain writes use the v4 per-URL API** (``POST``/``PUT``/``DELETE
  /v4/domains/{d}/webhooks``, urlencoded, ``event_types`` repeated as the spec says): a
  v3 ``PUT .../webhooks/{event}`` replaces the event's whole URL list, so writing
  espctl's URLs with it removes, or races with, every other integration's URL on that
  event. v4 names one URL and leaves the others alone: exact.
- **New credentials.** Mailgun holds basic auth as URL userinfo and v4 names a URL by
  its exact text, so a new password (or token) is a new URL there. It is swapped in
  place event by event: ``GET /v3/domains/{d}/webhooks/{event}``, the one URL replaced,
  ``PUT`` of that list. POST-new-then-DELETE-old would briefly need a fourth place on a
  full event; DELETE-then-POST would drop the events in between. UNCONFIRMED: Mailgun
  documents no conditional write, so a URL another tool adds to that event between the
  GET and the PUT (milliseconds) would be lost; the window is that one request pair.
- ``DELETE /v4/...?url=`` takes a comma-separated list, so a URL holding a comma cannot
  be named alone (UNCONFIRMED whether it can be escaped): such a URL is removed with
  v3, event by event, like a credential swap.
- A v4 ``POST`` for a URL an event already has answers 400 "already exists" (spec
  example). A create whose answer was lost (timeout, 5xx, that 400) is read back
  before anything else is sent, so no run leaves a duplicate.
- **Account level** (MG-docs, not in the saved spec): ``POST /v1/webhooks`` (``url``,
  ``event_types`` repeated, ``description``) -> ``{"webhook_id"}``; ``PUT
  /v1/webhooks/{id}`` replaces the whole webhook -> 204, so the live ``description``
  (not managed) is sent back unchanged; ``DELETE /v1/webhooks/{id}`` -> 204. Errors
  400/403 ``{"message"}``, 404/409 ``{"Description"}``. Changes take up to 10 minutes
  to reach deliveries (Mailgun caches them).
- At most 3 URLs per event, per domain and at account level: a plan whose result would
  need more is a failed check (``mailgun_limits.url_limit_checks``), and apply frees places before
  it takes them (``mailgun_limits.releases_room``).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING

from espctl.errors import ProviderError
from espctl.model.common import Secret
from espctl.model.resources import Resource, plain
from espctl.providers.kit.protocol import ChangeRequest
from espctl.providers.kit.userinfo import from_live, join_userinfo
from espctl.providers.mailgun import resources as mg
from espctl.providers.mailgun import wire
from espctl.providers.mailgun.resources import MailgunWebhookUrl

if TYPE_CHECKING:
    from espctl.providers.mailgun.client import MailgunApi

CREATE_ATTEMPTS = 3
NO_CONTENT = frozenset({204})


# -- URLs and their credentials ---------------------------------------------------------
def split_userinfo(url: str, aliases: Mapping[str, str] | None = None) -> MailgunWebhookUrl:
    """A live webhook URL with its userinfo moved into basic auth (see
    :func:`espctl.providers.kit.userinfo.from_live`)."""
    return from_live(url, aliases)


def shown_url(resource: Resource) -> str:
    """The URL without credentials that a webhook resource's key shows."""
    if resource.kind == mg.KIND_WEBHOOK and resource.parent:
        return resource.key[len(resource.parent) + 1 :]
    return resource.key


def url_to_send(resource: Resource) -> str:
    """The URL as Mailgun must hold it: the real URL with its basic auth as userinfo."""
    real = resource.fields.get("url")
    url = str(plain(real)) if real is not None else shown_url(resource)
    username = plain(resource.fields.get("basic_auth_username"))
    password = resource.fields.get("basic_auth_password")
    secret = password if isinstance(password, Secret) else Secret(str(plain(password) or ""))
    return join_userinfo(url, username, secret)


def stored_url(resource: Resource) -> str:
    """The URL exactly as Mailgun holds it (a live resource): how v4 and v1 name it."""
    stored = resource.fields.get("stored_url")
    return str(plain(stored)) if stored is not None else shown_url(resource)


def url_aliases(desired: Iterable[Resource]) -> dict[str, str]:
    """Real URL -> identity, for the config's webhook URLs whose key masks a part."""
    aliases: dict[str, str] = {}
    for r in desired:
        real = r.fields.get("url") if r.kind in mg.WEBHOOK_KINDS else None
        if isinstance(real, Secret):
            aliases[real.reveal()] = shown_url(r)
    return aliases


# -- read ---------------------------------------------------------------------------------
def live_domain_webhooks(
    provider_id: str,
    domain: str,
    hooks: Mapping[str, wire.WebhookUrls | None],
    aliases: Mapping[str, str],
) -> list[Resource]:
    """One resource per URL of the v3 listing, with the events whose lists hold it.

    Absent and null events alike have no webhook; a very old ``{"url": ...}`` entry is a
    one-item list. Two URLs that differ only in credentials share a key: the one on
    more events (then the first in text order) is the webhook, the others its copies.
    """
    events: dict[str, list[str]] = {}
    for event_id, entry in sorted(hooks.items()):
        if entry is None:
            continue
        for url in entry.all():
            events.setdefault(url, []).append(event_id)
    by_identity: dict[str, list[tuple[str, MailgunWebhookUrl]]] = {}
    for raw in events:
        parsed = split_userinfo(raw, aliases)
        by_identity.setdefault(parsed.shown, []).append((raw, parsed))
    out = []
    for _, found in sorted(by_identity.items()):
        found.sort(key=lambda item: (-len(events[item[0]]), item[0]))
        for copy, (raw, parsed) in enumerate(found):
            out.append(
                mg.webhook_resource(
                    provider_id,
                    domain,
                    parsed,
                    events[raw],
                    # a copy's key is not its URL: it always keeps the URL it has
                    stored=raw if raw != parsed.shown or copy else None,
                    copy=copy,
                )
            )
    return out


def live_account_webhooks(
    provider_id: str, hooks: Sequence[wire.AccountWebhook], aliases: Mapping[str, str]
) -> list[Resource]:
    """One resource per account-level webhook; later ones with the same key are copies."""
    seen: set[str] = set()
    out = []
    for hook in sorted(hooks, key=lambda h: (h.created_at, h.webhook_id)):
        parsed = split_userinfo(hook.url, aliases)
        out.append(
            mg.account_webhook_resource(
                provider_id,
                parsed,
                hook.event_types,
                ref=hook.webhook_id,
                stored=hook.url if hook.url != parsed.shown else None,
                description=hook.description,
                copy=parsed.shown in seen,
            )
        )
        seen.add(parsed.shown)
    return out


# -- apply: domain webhooks -----------------------------------------------------------------
def _events_form(url: str, events: Iterable[str]) -> list[tuple[str, str]]:
    return [("url", url), *(("event_types", e) for e in sorted(events))]


async def apply_domain_webhook(api: MailgunApi, change: ChangeRequest) -> None:
    """Create, update or delete one URL of a domain's webhooks, touching no other URL."""
    resource = change.after or change.before
    assert resource is not None and resource.parent is not None
    domain = resource.parent
    match change.action:
        case "delete":
            assert change.before is not None
            await _remove_url(api, domain, stored_url(change.before))
        case "create":
            assert change.after is not None
            await _create_url(api, domain, change.after)
        case "update":
            assert change.before is not None and change.after is not None
            await _update_url(api, domain, change.before, change.after)


def _v4(domain: str) -> str:
    return f"/v4/domains/{domain}/webhooks"


async def _put_events(api: MailgunApi, domain: str, url: str, events: Iterable[str]) -> None:
    """v4 PUT: the URL's whole event set replaced; no other URL changes."""
    await api.http.send("PUT", _v4(domain), wire.WebhookMap, form=_events_form(url, events))


async def _listing(api: MailgunApi, domain: str) -> dict[str, list[str]]:
    found = await api.http.get(f"/v3/domains/{domain}/webhooks", wire.WebhookList)
    return {event: entry.all() for event, entry in found.webhooks.items() if entry is not None}


async def _create_url(api: MailgunApi, domain: str, after: Resource) -> None:
    url = url_to_send(after)
    events = mg.events_of(after)
    for attempt in range(1, CREATE_ATTEMPTS + 1):
        try:
            await api.http.send(
                "POST", _v4(domain), wire.WebhookMap, form=_events_form(url, events)
            )
            return
        except ProviderError as exc:
            if exc.status == 404:
                raise  # no such domain: nothing to read back
            failure = exc
        # the POST may have been applied (timeout, 5xx after commit), or the URL is
        # already there for an event (400 "already exists", made since the plan): read
        # back before anything else, so no run leaves a duplicate
        await asyncio.sleep(0)
        listing = await _listing(api, domain)
        if any(url in urls for urls in listing.values()):
            await _put_events(api, domain, url, events)
            return
        if failure.status is not None and failure.status < 500 and failure.status != 429:
            raise failure  # refused, and not there: the provider's message says why
        if attempt == CREATE_ATTEMPTS:
            raise failure


async def _update_url(api: MailgunApi, domain: str, before: Resource, after: Resource) -> None:
    old, new = stored_url(before), url_to_send(after)
    events = mg.events_of(after)
    if mg.events_of(before) != events:
        await _put_events(api, domain, old, events)
    if old != new:
        for event_id in sorted(events):
            await _swap_on_event(api, domain, event_id, old, new)


async def _event_urls(api: MailgunApi, domain: str, event_id: str) -> list[str]:
    try:
        found = await api.http.get(
            f"/v3/domains/{domain}/webhooks/{event_id}", wire.WebhookResponse
        )
    except ProviderError as exc:
        if exc.status == 404:
            return []  # the event has no URL (any more)
        raise
    return found.webhook.all()


async def _swap_on_event(api: MailgunApi, domain: str, event_id: str, old: str, new: str) -> None:
    """v3: one event's list re-written with ``old`` replaced by ``new``, others as read."""
    urls = await _event_urls(api, domain, event_id)
    if new in urls and old not in urls:
        return  # done already (a re-run)
    kept = [new if u == old else u for u in urls]
    if new not in kept:
        kept.append(new)
    path = f"/v3/domains/{domain}/webhooks/{event_id}"
    if urls:
        await api.http.send("PUT", path, wire.WebhookWritten, form=[("url", u) for u in kept])
    else:
        form = [("id", event_id), *(("url", u) for u in kept)]
        await api.http.send(
            "POST", f"/v3/domains/{domain}/webhooks", wire.WebhookWritten, form=form
        )


async def _remove_url(api: MailgunApi, domain: str, url: str) -> None:
    """The URL removed from every event of the domain; already gone is done."""
    if "," not in url:
        try:
            await api.http.send("DELETE", _v4(domain), wire.WebhookMap, params={"url": url})
        except ProviderError as exc:
            if exc.status != 404:
                raise
        return
    # a comma would split the v4 list: remove it event by event with v3
    for event_id, urls in sorted((await _listing(api, domain)).items()):
        if url not in urls:
            continue
        path = f"/v3/domains/{domain}/webhooks/{event_id}"
        rest = [u for u in urls if u != url]
        if rest:
            await api.http.send("PUT", path, wire.WebhookWritten, form=[("url", u) for u in rest])
        else:
            await api.http.send("DELETE", path, wire.WebhookWritten)


# -- apply: account-level webhooks ------------------------------------------------------------
def _account_form(url: str, events: Iterable[str], description: str) -> list[tuple[str, str]]:
    return [*_events_form(url, events), ("description", description)]


async def apply_account_webhook(api: MailgunApi, change: ChangeRequest) -> None:
    """Create, replace or delete one account-level webhook (``/v1/webhooks``)."""
    match change.action:
        case "delete":
            assert change.before is not None and change.before.ref
            try:
                await api.http.request("DELETE", f"/v1/webhooks/{change.before.ref}", ok=NO_CONTENT)
            except ProviderError as exc:
                if exc.status != 404:
                    raise
        case "update":
            assert change.before is not None and change.before.ref and change.after
            await _put_account(api, change.before.ref, change.after, change.before)
        case "create":
            assert change.after is not None
            await _create_account(api, change.after)


async def _put_account(api: MailgunApi, ref: str, after: Resource, live: Resource | None) -> None:
    # a full replace: the description espctl does not manage goes back as it is
    description = str(live.fields.get("description") or "") if live is not None else ""
    form = _account_form(url_to_send(after), mg.events_of(after), description)
    await api.http.request("PUT", f"/v1/webhooks/{ref}", form=form, ok=NO_CONTENT)


async def _create_account(api: MailgunApi, after: Resource) -> None:
    url = url_to_send(after)
    form = _account_form(url, mg.events_of(after), mg.ACCOUNT_WEBHOOK_DESCRIPTION)
    for attempt in range(1, CREATE_ATTEMPTS + 1):
        try:
            await api.http.send("POST", "/v1/webhooks", wire.AccountWebhookCreated, form=form)
            return
        except ProviderError as exc:
            failure = exc
        # applied after all (timeout, 5xx), or there already (409): read back first
        await asyncio.sleep(0)
        listing = await api.http.get("/v1/webhooks", wire.AccountWebhookList)
        existing = next((h for h in listing.webhooks if h.url == url), None)
        if existing is not None:
            live = mg.account_webhook_resource(
                api.id, split_userinfo(existing.url), (), description=existing.description
            )
            await _put_account(api, existing.webhook_id, after, live)
            return
        if failure.status is not None and failure.status < 500 and failure.status != 429:
            raise failure
        if attempt == CREATE_ATTEMPTS:
            raise failure
