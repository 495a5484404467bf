"""Mailgun settings endpoints: v4 domains, v3 tracking, v3 domain webhooks.

Writes accept urlencoded and multipart bodies alike, with repeated keys.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from .http import Handler, Request, Response, Router
from .mgwire import (
    MgAbort,
    MgContext,
    dns_records,
    domain_json,
    domain_or_404,
    form_fields,
    mg_error,
    mg_reason,
)
from .state import MAILGUN_WEBHOOK_EVENTS, MgDomain

MAX_WEBHOOK_URLS = 3
_TRACKING_UPDATED = "Domain tracking settings have been updated"


def guarded(handler: Handler[MgContext]) -> Handler[MgContext]:
    """Turn :class:`MgAbort` raised anywhere in ``handler`` into its response."""

    def wrapped(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
        try:
            return handler(ctx, request, params)
        except MgAbort as abort:
            return abort.response

    return wrapped


def _int_param(request: Request, name: str, default: int, maximum: int) -> int:
    raw = dict(request.query).get(name)
    if raw is None or raw == "":
        return default
    try:
        value = int(raw)
    except ValueError as exc:
        raise MgAbort(mg_error(400, f"Invalid {name}: {raw}")) from exc
    if value < 0 or value > maximum:
        raise MgAbort(mg_error(400, f"{name} must be between 0 and {maximum}"))
    return value


# --- domains ----------------------------------------------------------------------


def list_domains(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    query = dict(request.query)
    limit = _int_param(request, "limit", 100, 1000)
    skip = _int_param(request, "skip", 0, 10**9)
    domains = [d for d in ctx.state.mailgun.domains if d.region == ctx.region]
    state = query.get("state")
    if state:
        domains = [d for d in domains if d.state == state]
    search = query.get("search")
    if search:
        domains = [d for d in domains if search.lower() in d.name]
    sort = query.get("sort", "")
    if sort in ("name", "name:asc"):
        domains.sort(key=lambda d: d.name)
    elif sort == "name:desc":
        domains.sort(key=lambda d: d.name, reverse=True)
    elif sort:
        return mg_error(400, f"Invalid sort option: {sort}")
    else:
        domains.sort(key=lambda d: d.created_at, reverse=True)  # newest first
    page = domains[skip : skip + limit]
    return Response.json(
        200, {"total_count": len(domains), "items": [domain_json(d) for d in page]}
    )


def get_domain(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    domain = domain_or_404(ctx, params["name"])
    receiving, sending = dns_records(domain)
    return Response.json(
        200,
        {
            "domain": domain_json(domain),
            "receiving_dns_records": receiving,
            "sending_dns_records": sending,
        },
    )


# --- tracking ---------------------------------------------------------------------


def _tracking_block(domain: MgDomain, kind: str) -> dict[str, Any]:
    t = domain.tracking
    if kind == "open":
        return {"active": t.open_active, "place_at_the_top": t.open_place_at_the_top}
    if kind == "click":
        click: bool | str = {"true": True, "false": False}.get(t.click_active, t.click_active)
        return {"active": click}
    return {
        "active": t.unsubscribe_active,
        "html_footer": t.html_footer,
        "text_footer": t.text_footer,
    }


def get_tracking(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    domain = domain_or_404(ctx, params["name"])
    return Response.json(
        200,
        {
            "tracking": {
                "open": _tracking_block(domain, "open"),
                "click": _tracking_block(domain, "click"),
                "unsubscribe": _tracking_block(domain, "unsubscribe"),
                "web_scheme": domain.web_scheme,
            }
        },
    )


def _flag(value: str, name: str, allow_htmlonly: bool = False) -> str:
    lowered = value.strip().lower()
    if lowered in ("yes", "true"):
        return "true"
    if lowered in ("no", "false"):
        return "false"
    if allow_htmlonly and lowered == "htmlonly":
        return "htmlonly"
    raise MgAbort(mg_error(400, f"Invalid value for '{name}': {value}"))


def put_tracking(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    domain = domain_or_404(ctx, params["name"])
    kind = params["kind"]
    fields = dict(form_fields(request))  # last value wins for repeated scalar fields
    t = domain.tracking.model_copy()
    if kind == "open":
        if "active" in fields:
            t.open_active = _flag(fields["active"], "active") == "true"
        if "place_at_the_top" in fields:
            top = _flag(fields["place_at_the_top"], "place_at_the_top")
            t.open_place_at_the_top = top == "true"
    elif kind == "click":
        if "active" in fields:
            t.click_active = _flag(fields["active"], "active", allow_htmlonly=True)  # type: ignore[assignment]
    else:
        if "active" in fields:
            t.unsubscribe_active = _flag(fields["active"], "active") == "true"
        if "html_footer" in fields:
            t.html_footer = fields["html_footer"]
        if "text_footer" in fields:
            t.text_footer = fields["text_footer"]
    domain.tracking = t
    return Response.json(200, {"message": _TRACKING_UPDATED, kind: _tracking_block(domain, kind)})


# --- v3 domain webhooks -----------------------------------------------------------


def _urls(request: Request) -> list[str]:
    urls = [v for k, v in form_fields(request) if k == "url"]
    if not urls:
        raise MgAbort(mg_reason(400, "url is required"))
    if len(urls) > MAX_WEBHOOK_URLS:
        raise MgAbort(mg_reason(400, f"at most {MAX_WEBHOOK_URLS} urls are allowed per webhook"))
    for url in urls:
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise MgAbort(mg_reason(400, f"{url} is not a valid url"))
    return urls


def _event_id(name: str, *, for_write: bool) -> str:
    if name not in MAILGUN_WEBHOOK_EVENTS:
        if for_write:
            raise MgAbort(mg_reason(400, f"Invalid webhook id: {name}"))
        raise MgAbort(mg_error(404, "Webhook not found"))
    return name


def list_webhooks(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    domain = domain_or_404(ctx, params["domain"])
    # Events without webhooks are omitted (legacy docs); the spec allows null too.
    hooks = {
        event: {"urls": list(domain.webhooks[event])}
        for event in MAILGUN_WEBHOOK_EVENTS
        if domain.webhooks.get(event)
    }
    return Response.json(200, {"webhooks": hooks})


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
    domain.webhooks[event] = urls
    return Response.json(200, {"message": "Webhook has been updated", "webhook": {"urls": urls}})


def delete_webhook(ctx: MgContext, request: Request, params: dict[str, str]) -> Response:
    domain = domain_or_404(ctx, params["domain"])
    event = _event_id(params["event"], for_write=False)
    urls = domain.webhooks.pop(event, None)
    if not urls:
        return mg_error(404, "Webhook not found")
    return Response.json(200, {"message": "Webhook has been deleted", "webhook": {"urls": urls}})


_D = r"(?P<domain>[^/]+)"


def register(router: Router[MgContext]) -> None:
    """Add the settings routes to ``router``."""
    add = router.add
    add("GET", r"/v4/domains", guarded(list_domains))
    add("GET", r"/v4/domains/(?P<name>[^/]+)", guarded(get_domain))
    # The legacy v3 read of one domain: the official Python SDK's `domains.get` uses it.
    # The saved spec documents only v4; serving v3 with the v4 body is UNCONFIRMED
    # beyond the SDK reading it (espctl itself only uses v4).
    add("GET", r"/v3/domains/(?P<name>[^/]+)", guarded(get_domain))
    add("GET", r"/v3/domains/(?P<name>[^/]+)/tracking", guarded(get_tracking))
    add(
        "PUT",
        r"/v3/domains/(?P<name>[^/]+)/tracking/(?P<kind>open|click|unsubscribe)",
        guarded(put_tracking),
    )
    add("GET", rf"/v3/domains/{_D}/webhooks", guarded(list_webhooks))
    add("POST", rf"/v3/domains/{_D}/webhooks", guarded(create_webhook))
    add("GET", rf"/v3/domains/{_D}/webhooks/(?P<event>[^/]+)", guarded(get_webhook))
    add("PUT", rf"/v3/domains/{_D}/webhooks/(?P<event>[^/]+)", guarded(update_webhook))
    add("DELETE", rf"/v3/domains/{_D}/webhooks/(?P<event>[^/]+)", guarded(delete_webhook))
