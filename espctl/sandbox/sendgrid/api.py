"""SendGrid settings endpoints: the key's scopes, tracking settings, Event Webhooks
(many, or the legacy single one), authenticated domains and verified senders.

Every handler names the scope it needs (:func:`needs`); bodies, status codes and error
bodies follow ``tsg_*_v3.yaml``. Where the spec is silent the choice is marked.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from ..http import Request, Response, Router, answering
from . import scopes as sc
from .state import WEBHOOK_FLAGS, SgUser, SgWebhook
from .wire import (
    SgAbort,
    SgContext,
    domain_json,
    is_set,
    json_object,
    new_signing_key,
    public_key,
    typed,
    webhook_json,
)

SgHandler = Callable[[SgContext, Request, dict[str, str]], Response]
BASE = "/v3/user/webhooks/event/settings"


def needs(scope: str | Callable[[dict[str, str]], str]) -> Callable[[SgHandler], SgHandler]:
    """The handler answers 403 ``access forbidden`` unless the key has ``scope``."""

    def wrap(handler: SgHandler) -> SgHandler:
        @answering
        def guarded(ctx: SgContext, request: Request, params: dict[str, str]) -> Response:
            wanted = scope(params) if callable(scope) else scope
            if wanted not in ctx.part.scopes:
                raise SgAbort(403, "access forbidden", None)
            return handler(ctx, request, params)

        return guarded

    return wrap


# -- scopes -------------------------------------------------------------------------
@answering
def get_scopes(ctx: SgContext, request: Request, params: dict[str, str]) -> Response:
    return Response.json(200, {"scopes": list(ctx.part.scopes)})


# -- tracking settings --------------------------------------------------------------
def _tracking_json(user: SgUser, setting: str) -> dict[str, Any]:
    t = user.tracking
    match setting:
        case "open":
            return {"enabled": t.open_enabled}
        case "click":
            return {"enable_text": t.click_enable_text, "enabled": t.click_enabled}
        case "subscription":
            return t.subscription.model_dump()
        case _:
            return t.google_analytics.model_dump()


@needs(lambda p: f"tracking_settings.{p['setting']}.read")
def get_tracking(ctx: SgContext, request: Request, params: dict[str, str]) -> Response:
    return Response.json(200, _tracking_json(ctx.user, params["setting"]))


@needs(lambda p: f"tracking_settings.{p['setting']}.update")
def patch_tracking(ctx: SgContext, request: Request, params: dict[str, str]) -> Response:
    """Sets the fields given; the others stay. ``click`` also takes ``enable_text``
    (its request schema lists ``enabled`` only, its response both: UNCONFIRMED whether
    SendGrid applies it; the sandbox does, and espctl checks the answer either way)."""
    body = json_object(request)
    t = ctx.user.tracking
    setting = params["setting"]
    enabled = typed(body, "enabled", bool)
    match setting:
        case "open":
            if is_set(enabled):
                t.open_enabled = enabled
        case "click":
            text = typed(body, "enable_text", bool)
            if is_set(enabled):
                t.click_enabled = enabled
            if is_set(text):
                t.click_enable_text = text
        case _:
            target = t.subscription if setting == "subscription" else t.google_analytics
            values = {k: typed(body, k, str) for k in type(target).model_fields if k != "enabled"}
            if is_set(enabled):
                target.enabled = enabled
            for name, value in values.items():
                if is_set(value):
                    setattr(target, name, value)
    return Response.json(200, _tracking_json(ctx.user, setting))


# -- Event Webhooks ------------------------------------------------------------------
def _listed(user: SgUser) -> list[dict[str, Any]]:
    if user.webhook_mode == "legacy":
        hook = _legacy(user)
        return [webhook_json(hook, with_key=True)]
    # the spec's "Zero Webhooks" example, to the letter
    return [webhook_json(h, with_key=True) for h in user.webhooks] or [{}]


def _legacy(user: SgUser, *, writing: bool = False) -> SgWebhook:
    """The single webhook of a legacy account: its settings always exist (disabled, no
    URL, until someone sets them); a read does not store them, a write does."""
    if user.webhooks:
        return user.webhooks[0]
    blank = SgWebhook(id=None, url="", enabled=False, updated_date=_epoch())
    if writing:
        user.webhooks.append(blank)
    return blank


def _epoch() -> datetime:
    return datetime(2019, 1, 1, tzinfo=UTC)


@needs(sc.WEBHOOKS_READ)
def list_webhooks(ctx: SgContext, request: Request, params: dict[str, str]) -> Response:
    return Response.json(200, {"max_allowed": ctx.user.max_allowed, "webhooks": _listed(ctx.user)})


def _find(user: SgUser, ref: str) -> SgWebhook:
    for hook in user.webhooks:
        if hook.id is not None and hook.id == ref:
            return hook
    raise SgAbort(404, "Invalid id provided.")


def _settings(body: dict[str, Any], *, require_url: bool) -> dict[str, Any]:
    """The settings of an ``EventWebhookRequest`` body that are present (400 for a wrong
    type; ``url`` required as the schema says)."""
    out: dict[str, Any] = {}
    url = typed(body, "url", str)
    if not is_set(url) or not url.strip():
        if require_url:
            raise SgAbort(400, "url is required", "url")
    else:
        if not url.lower().startswith(("http://", "https://")):
            raise SgAbort(400, "invalid url", "url")
        out["url"] = url
    for name in ("enabled", *WEBHOOK_FLAGS):
        value = typed(body, name, bool)
        if is_set(value):
            out[name] = value
    for name in ("friendly_name", "oauth_client_id", "oauth_client_secret", "oauth_token_url"):
        value = typed(body, name, str, nullable=True)
        if is_set(value):
            out[name] = value
    if bool(out.get("oauth_client_id")) != bool(out.get("oauth_token_url")) and (
        "oauth_client_id" in out or "oauth_token_url" in out
    ):
        raise SgAbort(400, "oauth_client_id and oauth_token_url go together", "oauth_client_id")
    return out


def _exists(user: SgUser, url: str, other_than: SgWebhook | None) -> None:
    """SendGrid refuses a second webhook with one URL (the spec's "Exists" example)."""
    for hook in user.webhooks:
        if hook is not other_than and hook.url == url and hook.url:
            raise SgAbort(
                400,
                f"Webhook at '{url}' already exists. Please provide a unique URL.",
                id=hook.id or "",
                url=url,
            )


def _write(ctx: SgContext, hook: SgWebhook, settings: dict[str, Any]) -> None:
    for name, value in settings.items():
        if name in WEBHOOK_FLAGS:
            flags = [f for f in hook.flags if f != name]
            hook.flags = [*flags, name] if value else flags
        elif name == "oauth_client_secret":
            continue  # never returned: the sandbox keeps no secret it cannot show
        else:
            setattr(hook, name, value)
    hook.flags = [f for f in WEBHOOK_FLAGS if f in hook.flags]
    hook.updated_date = ctx.now()


@needs(sc.WEBHOOKS_UPDATE)
def create_webhook(ctx: SgContext, request: Request, params: dict[str, str]) -> Response:
    user = ctx.user
    settings = _settings(json_object(request), require_url=True)
    if user.webhook_mode == "legacy":
        # the spec's "Account Change" example: a legacy (single-webhook) account
        raise SgAbort(400, "This webhook cannot be modified based on your current billing plan.")
    _exists(user, settings["url"], None)
    if len(user.webhooks) >= user.max_allowed:
        # UNCONFIRMED wording (the spec gives none); the status is the spec's 400
        raise SgAbort(400, f"You have reached the maximum of {user.max_allowed} webhooks.")
    now = ctx.now()
    ident = str(uuid.uuid5(uuid.NAMESPACE_URL, f"sendgrid-webhook-{ctx.new_id()}"))
    hook = SgWebhook(id=ident, url=settings["url"], created_date=now, updated_date=now)
    settings.setdefault("enabled", True)
    _write(ctx, hook, settings)
    user.webhooks.append(hook)
    return Response.json(201, webhook_json(hook, with_key=False))


@needs(sc.WEBHOOKS_READ)
def get_webhook(ctx: SgContext, request: Request, params: dict[str, str]) -> Response:
    hook = _find(ctx.user, params["id"])
    return Response.json(200, webhook_json(hook, with_key=True, dates=False))


def _oldest(user: SgUser, *, writing: bool = False) -> SgWebhook:
    """What an update without an id acts on (SendGrid's documentation: the oldest, i.e.
    the legacy webhook; the spec has no such path)."""
    if user.webhook_mode == "legacy":
        return _legacy(user, writing=writing)
    if not user.webhooks:
        raise SgAbort(404, "Invalid id provided.")
    return min(user.webhooks, key=lambda h: (h.created_date is not None, h.created_date))


@needs(sc.WEBHOOKS_UPDATE)
def update_webhook(ctx: SgContext, request: Request, params: dict[str, str]) -> Response:
    ref = params.get("id")
    hook = _find(ctx.user, ref) if ref else _oldest(ctx.user, writing=True)
    settings = _settings(json_object(request), require_url=True)
    if ctx.user.webhook_mode == "legacy":
        # the single-webhook API's settings have no friendly_name: the sandbox keeps
        # none (UNCONFIRMED what SendGrid does with one; the safer reading for clients)
        settings.pop("friendly_name", None)
    _exists(ctx.user, settings["url"], hook)
    _write(ctx, hook, settings)
    return Response.json(200, webhook_json(hook, with_key=False))


@needs(sc.WEBHOOKS_UPDATE)
def delete_webhook(ctx: SgContext, request: Request, params: dict[str, str]) -> Response:
    hook = _find(ctx.user, params["id"])
    ctx.user.webhooks.remove(hook)
    return Response(204)


def _signed_json(hook: SgWebhook) -> dict[str, Any]:
    key = public_key(hook.signing_key) if hook.signing_key else ""
    return {"id": hook.id or "", "public_key": key}


@needs(sc.WEBHOOKS_READ)
def get_signed(ctx: SgContext, request: Request, params: dict[str, str]) -> Response:
    ref = params.get("id")
    hook = _find(ctx.user, ref) if ref else _oldest(ctx.user)
    return Response.json(200, _signed_json(hook))


@needs(sc.WEBHOOKS_UPDATE)
def patch_signed(ctx: SgContext, request: Request, params: dict[str, str]) -> Response:
    """Signing on makes a new ECDSA P-256 key pair (the public key answered); off drops
    it (``public_key: ""``, the spec's "Disabled" example)."""
    ref = params.get("id")
    hook = _find(ctx.user, ref) if ref else _oldest(ctx.user, writing=True)
    enabled = typed(json_object(request), "enabled", bool)
    if not is_set(enabled):
        raise SgAbort(400, "enabled is required", "enabled")
    if enabled and not hook.signing_key:
        hook.signing_key = new_signing_key()
    elif not enabled:
        hook.signing_key = None
    hook.updated_date = ctx.now()
    return Response.json(200, _signed_json(hook))


@needs(sc.WEBHOOKS_TEST)
def test_webhook(ctx: SgContext, request: Request, params: dict[str, str]) -> Response:
    """``POST /v3/user/webhooks/event/test``: SendGrid posts a fake event to ``url``
    (signed with the webhook's key when ``id`` names a signed one). The sandbox records
    the URL (``SgUser.tested``) and answers 204; it posts nothing anywhere."""
    body = json_object(request)
    url = typed(body, "url", str)
    if not is_set(url) or not url:
        raise SgAbort(400, "url is required", "url")
    ref = typed(body, "id", str)
    if is_set(ref) and ref:
        _find(ctx.user, ref)
    ctx.user.tested.append(url)
    return Response(204)


# -- authenticated domains and verified senders ---------------------------------------
def _int_query(request: Request, name: str) -> int | None:
    for key, value in request.query:
        if key == name:
            try:
                number = int(value)
            except ValueError:
                raise SgAbort(400, f"{name} must be an integer", name) from None
            if number < 0:
                raise SgAbort(400, f"{name} must be positive", name)
            return number
    return None


@needs("whitelabel.read")
def list_domains(ctx: SgContext, request: Request, params: dict[str, str]) -> Response:
    """Offset paging (``limit``, ``offset``): the spec gives no default limit; without
    one every domain is answered (UNCONFIRMED)."""
    limit, offset = _int_query(request, "limit"), _int_query(request, "offset") or 0
    wanted = dict(request.query).get("domain")
    domains = [d for d in ctx.user.domains if wanted is None or d.domain == wanted.lower()]
    page = domains[offset:] if limit is None else domains[offset : offset + limit]
    return Response.json(200, [domain_json(d) for d in page])


@needs("verified_senders.read")
def list_senders(ctx: SgContext, request: Request, params: dict[str, str]) -> Response:
    """``limit``, ``lastSeenID`` (ids after it) and ``id`` (one sender)."""
    limit = _int_query(request, "limit")
    last = _int_query(request, "lastSeenID")
    one = _int_query(request, "id")
    senders = sorted(ctx.user.senders, key=lambda s: s.id)
    chosen = [s for s in senders if (last is None or s.id > last) and (one is None or s.id == one)][
        : limit if limit is not None else None
    ]
    results = [
        {
            "id": s.id,
            "nickname": s.nickname,
            "from_email": s.from_email,
            "from_name": s.from_name,
            "reply_to": s.reply_to,
            "reply_to_name": s.from_name,
            "address": "1 Market St",
            "address2": "",
            "state": "CA",
            "city": "San Francisco",
            "zip": "94105",
            "country": "USA",
            "verified": s.verified,
            "locked": s.locked,
        }
        for s in chosen
    ]
    return Response.json(200, {"results": results})


def register(router: Router[SgContext]) -> None:
    router.add("GET", "/v3/scopes", get_scopes)
    setting = "(?P<setting>open|click|subscription|google_analytics)"
    router.add("GET", f"/v3/tracking_settings/{setting}", get_tracking)
    router.add("PATCH", f"/v3/tracking_settings/{setting}", patch_tracking)
    router.add("GET", f"{BASE}/all", list_webhooks)
    router.add("POST", BASE, create_webhook)
    router.add("PATCH", BASE, update_webhook)
    router.add("GET", f"{BASE}/signed", get_signed)
    router.add("PATCH", f"{BASE}/signed", patch_signed)
    router.add("GET", f"{BASE}/signed/(?P<id>[^/]+)", get_signed)
    router.add("PATCH", f"{BASE}/signed/(?P<id>[^/]+)", patch_signed)
    router.add("GET", f"{BASE}/(?P<id>[^/]+)", get_webhook)
    router.add("PATCH", f"{BASE}/(?P<id>[^/]+)", update_webhook)
    router.add("DELETE", f"{BASE}/(?P<id>[^/]+)", delete_webhook)
    router.add("POST", "/v3/user/webhooks/event/test", test_webhook)
    router.add("GET", "/v3/whitelabel/domains", list_domains)
    router.add("GET", "/v3/verified_senders", list_senders)
