"""Postmark webhook endpoints: list, get, create, edit, delete (server token).

One URL on one stream per webhook; all six trigger objects; Bounce/SpamComplaint are
refused on Broadcasts streams; the cap of 10 webhooks (ESP-API.md 1.6).
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from ..http import Request, Response, query_ci
from .request import (
    NO_STREAM,
    Invalid,
    bool_field,
    field_error,
    find_stream,
    json_body,
    str_field,
)
from .state import PmHeader, PmTriggers, PmWebhook
from .wire import PmContext, pm_error, pm_ok, webhook_json

# UNCONFIRMED whether the 10-webhook cap is per stream or per server; we enforce the
# stricter reading (per server) so that a client that works here works there too.
MAX_WEBHOOKS = 10

# --- webhooks ---------------------------------------------------------------------


def _find_hook(ctx: PmContext, hook_id: str) -> PmWebhook:
    for hook in ctx.account.webhooks:
        if str(hook.id) == hook_id:
            return hook
    # UNCONFIRMED: Postmark's code for an unknown webhook id; "not found" is usually
    # 422 + ErrorCode there, so we answer 422 with the generic "resource not found".
    raise Invalid(pm_error(12, "The webhook was not found."))


def _valid_url(url: str) -> bool:
    parts = urlsplit(url)
    return parts.scheme in ("http", "https") and bool(parts.hostname)


_TRIGGER_KEYS = {
    "Open": ("open", {"PostFirstOpenOnly": "open_post_first_open_only"}),
    "Click": ("click", {}),
    "Delivery": ("delivery", {}),
    "Bounce": ("bounce", {"IncludeContent": "bounce_include_content"}),
    "SpamComplaint": ("spam_complaint", {"IncludeContent": "spam_complaint_include_content"}),
    "SubscriptionChange": ("subscription_change", {}),
}


def _parse_triggers(value: object) -> PmTriggers:
    """Triggers from a request. Keys left out are disabled: whether a partial object keeps
    the others unchanged is UNCONFIRMED, and resetting them is the stricter reading."""
    if not isinstance(value, dict):
        raise field_error("Triggers")
    triggers = PmTriggers()
    for wire, (attr, extras) in _TRIGGER_KEYS.items():
        item = value.get(wire)
        if item is None:
            continue
        if not isinstance(item, dict):
            raise field_error(f"Triggers.{wire}")
        enabled = bool_field(item, "Enabled")
        setattr(triggers, attr, bool(enabled))
        for sub_wire, sub_attr in extras.items():
            setattr(triggers, sub_attr, bool(bool_field(item, sub_wire)))
    return triggers


def _apply_hook_fields(hook: PmWebhook, data: dict[str, Any]) -> None:
    if "HttpAuth" in data:
        auth = data["HttpAuth"]
        if auth is None:
            # UNCONFIRMED how (or whether) Postmark clears HttpAuth on an edit; espctl
            # never relies on it (it replaces the webhook), so null simply clears here
            hook.auth_username = hook.auth_password = None
        elif isinstance(auth, dict):
            username = str_field(auth, "Username")
            if not username:
                # credentials must be real ones: an API that validates them refuses an
                # empty or missing user name rather than store "" as basic auth
                # (the official SDKs omit HttpAuth when there is none)
                raise Invalid(
                    pm_error(403, "Invalid request field(s): HttpAuth.Username is required.")
                )
            hook.auth_username = username
            hook.auth_password = str_field(auth, "Password") or None
        else:
            raise field_error("HttpAuth")
    if "HttpHeaders" in data:
        headers = data["HttpHeaders"] or []
        if not isinstance(headers, list) or len(headers) > 30:
            raise field_error("HttpHeaders")
        parsed: list[PmHeader] = []
        for item in headers:
            if not isinstance(item, dict) or not isinstance(item.get("Name"), str):
                raise field_error("HttpHeaders")
            parsed.append(PmHeader(name=item["Name"], value=str(item.get("Value") or "")))
        hook.headers = parsed
    if "Triggers" in data:
        hook.triggers = _parse_triggers(data["Triggers"])


def _check_stream_triggers(ctx: PmContext, hook: PmWebhook) -> None:
    stream = find_stream(ctx, hook.message_stream)
    if stream is None:
        raise Invalid(pm_error(1235, NO_STREAM))
    if stream.type == "Inbound":
        raise field_error("MessageStream")
    if stream.type == "Broadcasts" and (hook.triggers.bounce or hook.triggers.spam_complaint):
        raise Invalid(
            pm_error(403, "Bounce and SpamComplaint triggers are not available on Broadcasts.")
        )


def list_webhooks(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    stream_id = query_ci(request).get("messagestream")
    hooks = ctx.account.webhooks
    if stream_id:
        if find_stream(ctx, stream_id) is None:
            return pm_error(1235, NO_STREAM)
        hooks = [h for h in hooks if h.message_stream == stream_id.lower()]
    return Response.json(200, {"Webhooks": [webhook_json(h) for h in hooks]})


def get_webhook(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    return Response.json(200, webhook_json(_find_hook(ctx, params["id"])))


def create_webhook(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    data = json_body(request)
    url = str_field(data, "Url")
    if not url or not _valid_url(url):
        return pm_error(606, "Invalid webhook URL.")
    stream_id = (str_field(data, "MessageStream") or "outbound").lower()
    account = ctx.account
    hook = PmWebhook(id=account.next_webhook_id, url=url, message_stream=stream_id)
    _apply_hook_fields(hook, data)
    _check_stream_triggers(ctx, hook)
    if len(account.webhooks) >= MAX_WEBHOOKS:
        return pm_error(403, f"A server may have at most {MAX_WEBHOOKS} webhooks.")
    account.webhooks.append(hook)
    account.next_webhook_id += 1
    return Response.json(200, webhook_json(hook))


def edit_webhook(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    hook = _find_hook(ctx, params["id"])
    data = json_body(request)
    if "MessageStream" in data and str(data["MessageStream"]).lower() != hook.message_stream:
        raise field_error("MessageStream")  # a webhook's stream cannot change
    candidate = hook.model_copy(deep=True)
    if "Url" in data:
        url = str_field(data, "Url")
        if not url or not _valid_url(url):
            return pm_error(606, "Invalid webhook URL.")
        candidate.url = url
    _apply_hook_fields(candidate, data)
    _check_stream_triggers(ctx, candidate)
    hooks = ctx.account.webhooks
    hooks[hooks.index(hook)] = candidate
    return Response.json(200, webhook_json(candidate))


def delete_webhook(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    hook = _find_hook(ctx, params["id"])
    ctx.account.webhooks.remove(hook)
    return pm_ok("Webhook removed.")
