"""Mailgun webhook endpoints: v3 per event, v4 per URL, v1 account level.

One account model serves all three: a domain's webhooks are its (event -> URLs) map,
which v3 reads and writes one event at a time and v4 one URL at a time; account-level
webhooks are a list per region (US and EU configured separately). Every write checks
what Mailgun checks when it saves a webhook (ESP-API.md 2.6):

- at most 3 URLs per event, per domain and at account level;
- an absolute http(s) URL whose host resolves: the sandbox cannot resolve names, but
  refuses hosts that never resolve publicly (no dot, ``.invalid``, ``.test``,
  ``.localhost``, ``.local``, IP literals outside the public address space) with
  Mailgun's 400 "... is not a valid url: host not found".

Error bodies as documented: v3/v4 ``{"Reason"}`` on 400 (the spec's GenericAPIError),
``{"message"}`` for a missing domain, ``{"Description"}`` for a v4 or account-level
404/409, ``{"message"}`` for an account-level 400.
"""

from __future__ import annotations

import hashlib
import ipaddress
from collections.abc import Sequence
from typing import Any, cast
from urllib.parse import urlsplit

from ..http import Handler, Request, Response
from .state import MAILGUN_WEBHOOK_EVENTS, MgAccountWebhook, MgDomain, MgEvent
from .wire import MgAbort, MgContext, domain_or_404, form_fields, mg_error, mg_reason

MAX_WEBHOOK_URLS = 3
_NEVER_RESOLVES = (".invalid", ".test", ".localhost", ".local")


def _description(status: int, text: str) -> Response:
    """v4 and account-level 404/409: ``{"Description": ...}`` (spec examples, MG-docs)."""
    return Response.json(status, {"Description": text})


def host_problem(url: str) -> str | None:
    """Why Mailgun refuses ``url`` when saving a webhook, or None (see module docstring)."""
    try:
        parts = urlsplit(url)
        host = (parts.hostname or "").lower()
    except ValueError:
        return "invalid URL"
    if parts.scheme not in ("http", "https"):
        return "invalid URL scheme"
    if not host:
        return "host not found"
    try:
        ip = ipaddress.ip_address(host)
    except ValueError:
        bare = host.rstrip(".")
        if "." not in bare or any(bare.endswith(s) or bare == s[1:] for s in _NEVER_RESOLVES):
            return "host not found"
        return None
    # an address literal needs no lookup, but one outside the public internet is as
    # unreachable for Mailgun as a name that does not resolve
    return None if ip.is_global else "host not found"


def _checked_url(url: str, *, prefix: str = "", account: bool = False) -> str:
    problem = host_problem(url)
    if problem is None:
        return url
    text = f"{prefix}{url} is not a valid url: {problem}"
    raise MgAbort(mg_error(400, text) if account else mg_reason(400, text))


def _event_ids(values: Sequence[str], *, account: bool = False) -> list[MgEvent]:
    """``event_types`` values, repeated keys or comma-separated (mg-py's README sends one
    comma-separated value; that the API splits it is UNCONFIRMED, accepted here)."""
    found: list[MgEvent] = []
    for value in values:
        for name in (v.strip() for v in value.split(",")):
            if name not in MAILGUN_WEBHOOK_EVENTS:
                text = f"invalid parameters: invalid event type: {name}"
                raise MgAbort(mg_error(400, text) if account else mg_reason(400, text))
            if name not in found:
                found.append(cast(MgEvent, name))
    if not found:
        text = "invalid parameters: event_types is required"
        raise MgAbort(mg_error(400, text) if account else mg_reason(400, text))
    return found


def _map(domain: MgDomain) -> dict[str, Any]:
    """The domain's webhooks as v3 lists them: events without URLs are omitted."""
    return {
        event: {"urls": list(domain.webhooks[event])}
        for event in MAILGUN_WEBHOOK_EVENTS
        if domain.webhooks.get(event)
    }


# --- v3: one event's URL list -------------------------------------------------------------
def _urls(request: Request) -> list[str]:
    urls = [v for k, v in form_fields(request) if k == "url"]
    if not urls:
        raise MgAbort(mg_reason(400, "url is required"))
    if len(urls) > MAX_WEBHOOK_URLS:
        raise MgAbort(mg_reason(400, f"at most {MAX_WEBHOOK_URLS} urls are allowed per webhook"))
    return [_checked_url(url) for url in urls]


def _event_id(name: str, *, for_write: bool) -> str:
    if name not in MAILGUN_WEBHOOK_EVENTS:
        if for_write:
            raise MgAbort(mg_reason(400, f"Invalid webhook id: {name}"))
        raise MgAbort(mg_error(404, "Webhook not found"))
    return name


def list_webhooks(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    domain = domain_or_404(ctx, params["domain"])
    # Events without webhooks are omitted (legacy docs); the spec allows null too.
    return Response.json(200, {"webhooks": _map(domain)})


def get_webhook(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    domain = domain_or_404(ctx, params["domain"])
    event = _event_id(params["event"], for_write=False)
    urls = domain.webhooks.get(event)
    if not urls:
        return mg_error(404, "Webhook not found")
    return Response.json(200, {"webhook": {"urls": list(urls)}})


def create_webhook(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    domain = domain_or_404(ctx, params["domain"])
    fields = form_fields(request)
    event_ids = [v for k, v in fields if k == "id"]
    if not event_ids:
        return mg_reason(400, "id is required")
    event = _event_id(event_ids[-1], for_write=True)
    urls = _urls(request)
    if domain.webhooks.get(event):
        # UNCONFIRMED which error the real API gives; an error is the safer reading
        # (espctl must use PUT to change an existing event's URLs).
        return mg_reason(400, f"Webhook with this id already exists: {event}")
    domain.webhooks[event] = urls
    return Response.json(200, {"message": "Webhook has been created", "webhook": {"urls": urls}})


def update_webhook(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    domain = domain_or_404(ctx, params["domain"])
    event = _event_id(params["event"], for_write=True)
    urls = _urls(request)
    if not domain.webhooks.get(event):
        # UNCONFIRMED: PUT on an event without URLs; 404 keeps create and update distinct.
        return mg_error(404, "Webhook not found")
    domain.webhooks[event] = urls  # the whole list replaced: other URLs are gone
    return Response.json(200, {"message": "Webhook has been updated", "webhook": {"urls": urls}})


def delete_webhook(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    domain = domain_or_404(ctx, params["domain"])
    event = _event_id(params["event"], for_write=False)
    urls = domain.webhooks.pop(event, None)
    if not urls:
        return mg_error(404, "Webhook not found")
    return Response.json(200, {"message": "Webhook has been deleted", "webhook": {"urls": urls}})


# --- v4: one URL and its events ---------------------------------------------------------------
def _v4_fields(request: Request) -> tuple[str, list[MgEvent]]:
    fields = form_fields(request)
    urls = [v for k, v in fields if k == "url"]
    if not urls or not urls[-1]:
        raise MgAbort(mg_reason(400, "invalid parameters: url is required"))
    url = _checked_url(urls[-1], prefix="invalid parameters: ")
    return url, _event_ids([v for k, v in fields if k == "event_types"])


def _room(domain: MgDomain, url: str, events: Sequence[str]) -> None:
    for event in events:
        urls = domain.webhooks.get(event) or []
        if url not in urls and len(urls) >= MAX_WEBHOOK_URLS:
            # UNCONFIRMED wording; the limit itself is documented (ESP-API.md 2.6)
            raise MgAbort(
                mg_reason(
                    400,
                    f"invalid parameters: event type '{event}' already has "
                    f"{MAX_WEBHOOK_URLS} webhook URLs, the maximum",
                )
            )


def create_v4(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    """POST: the URL added to each event (all or nothing); answers the whole map."""
    domain = domain_or_404(ctx, params["domain"])
    url, events = _v4_fields(request)
    for event in events:
        if url in (domain.webhooks.get(event) or []):
            return mg_reason(
                400, f"Webhook for event type '{event}' with URL '{url}' already exists"
            )
    _room(domain, url, events)
    for event in events:
        domain.webhooks.setdefault(event, []).append(url)
    return Response.json(200, {"webhooks": _map(domain)})


def update_v4(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    """PUT: the URL's event set replaced; its other events lose it; answers the whole map."""
    domain = domain_or_404(ctx, params["domain"])
    url, events = _v4_fields(request)
    if not any(url in urls for urls in domain.webhooks.values()):
        return _description(404, "Webhook not found")
    _room(domain, url, events)
    for event in MAILGUN_WEBHOOK_EVENTS:
        urls = domain.webhooks.get(event) or []
        if event in events and url not in urls:
            domain.webhooks[event] = [*urls, url]
        elif event not in events and url in urls:
            _drop(domain, event, url)
    return Response.json(200, {"webhooks": _map(domain)})


def _drop(domain: MgDomain, event: str, url: str) -> None:
    rest = [u for u in domain.webhooks.get(event) or [] if u != url]
    if rest:
        domain.webhooks[event] = rest
    else:
        domain.webhooks.pop(event, None)


def delete_v4(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    """DELETE ?url=u1,u2: each URL removed from every event; answers the whole map."""
    domain = domain_or_404(ctx, params["domain"])
    raw = dict(request.query).get("url", "")
    if not raw:
        return Response.json(400, {"Field": "url"})  # the spec's example body
    wanted = [u for u in raw.split(",") if u]
    found = False
    for event in list(domain.webhooks):
        for url in wanted:
            if url in domain.webhooks.get(event, []):
                found = True
                _drop(domain, event, url)
    if not found:
        # UNCONFIRMED: deleting URLs the domain does not have; a 404 keeps it visible
        return _description(404, "Webhook not found")
    return Response.json(200, {"webhooks": _map(domain)})


# --- v1: account-level webhooks -----------------------------------------------------------------
def _account_hooks(ctx: MgContext) -> list[MgAccountWebhook]:
    return [h for h in ctx.account.account_webhooks if h.region == ctx.region]


def _account_json(hook: MgAccountWebhook) -> dict[str, Any]:
    return {
        "webhook_id": hook.id,
        "description": hook.description,
        "url": hook.url,
        "event_types": list(hook.event_types),
        "created_at": hook.created_at.strftime("%Y-%m-%dT%H:%M:%SZ"),  # RFC 3339
    }


def _account_hook_or_404(ctx: MgContext, webhook_id: str) -> MgAccountWebhook:
    for hook in _account_hooks(ctx):
        if hook.id == webhook_id:
            return hook
    raise MgAbort(_description(404, "Webhook not found"))


def _account_fields(
    ctx: MgContext, request: Request, replacing: MgAccountWebhook | None = None
) -> tuple[str, list[MgEvent], str]:
    fields = form_fields(request)
    urls = [v for k, v in fields if k == "url"]
    if not urls or not urls[-1]:
        raise MgAbort(mg_error(400, "url is required"))
    url = _checked_url(urls[-1], account=True)
    events = _event_ids([v for k, v in fields if k == "event_types"], account=True)
    others = [h for h in _account_hooks(ctx) if h is not replacing]
    if any(h.url == url for h in others):
        # UNCONFIRMED what the documented 409 covers; a second webhook for one URL is
        # the conflict it most plausibly means
        raise MgAbort(_description(409, f"A webhook with URL {url} already exists"))
    for event in events:
        if len({h.url for h in others if event in h.event_types}) >= MAX_WEBHOOK_URLS:
            raise MgAbort(
                mg_error(
                    400,
                    f"event type '{event}' already has {MAX_WEBHOOK_URLS} account-level "
                    "webhook URLs, the maximum",
                )
            )
    description = next((v for k, v in reversed(fields) if k == "description"), "")
    return url, events, description


def list_account(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    ids = [i for i in dict(request.query).get("webhook_ids", "").split(",") if i]
    hooks = [h for h in _account_hooks(ctx) if not ids or h.id in ids]
    return Response.json(200, {"webhooks": [_account_json(h) for h in hooks]})


def get_account(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    return Response.json(200, _account_json(_account_hook_or_404(ctx, params["id"])))


def create_account(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    url, events, description = _account_fields(ctx, request)
    account = ctx.account
    seed = f"{ctx.state.seed}:{account.next_account_webhook}"
    webhook_id = hashlib.sha256(seed.encode()).hexdigest()[:24]
    account.next_account_webhook += 1
    account.account_webhooks.append(
        MgAccountWebhook(
            id=webhook_id,
            region=ctx.region,
            url=url,
            event_types=events,
            description=description,
            created_at=ctx.state.now,
        )
    )
    return Response.json(200, {"webhook_id": webhook_id})


def replace_account(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    """PUT: url, event_types and description replaced together (a full replace) -> 204."""
    hook = _account_hook_or_404(ctx, params["id"])
    hook.url, hook.event_types, hook.description = _account_fields(ctx, request, hook)
    return Response(204)


def delete_account(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    hook = _account_hook_or_404(ctx, params["id"])
    ctx.account.account_webhooks.remove(hook)
    return Response(204)


def delete_accounts(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    """DELETE ?webhook_ids=a,b | ?all=true (the ids win when both are given) -> 204."""
    query = dict(request.query)
    ids = [i for i in query.get("webhook_ids", "").split(",") if i]
    if not ids and query.get("all", "").lower() != "true":
        return mg_error(400, "webhook_ids or all=true is required")
    account = ctx.account
    account.account_webhooks = [
        h for h in account.account_webhooks if h.region != ctx.region or (ids and h.id not in ids)
    ]
    return Response(204)


_E = r"/v3/domains/(?P<domain>[^/]+)/webhooks/(?P<event>[^/]+)"

#: (method, path pattern, handler): registered by :func:`espctl.sandbox.mailgun.api.register`
ROUTES: list[tuple[str, str, Handler[MgContext]]] = [
    ("GET", r"/v3/domains/(?P<domain>[^/]+)/webhooks", list_webhooks),
    ("POST", r"/v3/domains/(?P<domain>[^/]+)/webhooks", create_webhook),
    ("GET", _E, get_webhook),
    ("PUT", _E, update_webhook),
    ("DELETE", _E, delete_webhook),
    ("POST", r"/v4/domains/(?P<domain>[^/]+)/webhooks", create_v4),
    ("PUT", r"/v4/domains/(?P<domain>[^/]+)/webhooks", update_v4),
    ("DELETE", r"/v4/domains/(?P<domain>[^/]+)/webhooks", delete_v4),
    ("GET", r"/v1/webhooks", list_account),
    ("POST", r"/v1/webhooks", create_account),
    ("DELETE", r"/v1/webhooks", delete_accounts),
    ("GET", r"/v1/webhooks/(?P<id>[^/]+)", get_account),
    ("PUT", r"/v1/webhooks/(?P<id>[^/]+)", replace_account),
    ("DELETE", r"/v1/webhooks/(?P<id>[^/]+)", delete_account),
]
