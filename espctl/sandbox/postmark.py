"""Postmark settings endpoints: server, webhooks, message streams, senders, domains.

Pure handlers ``(PmContext, Request, params) -> Response``. Paths are matched
case-insensitively with an optional trailing slash (see :class:`Router`).
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlsplit

from .http import BadRequestBody, Handler, Request, Response, Router, parse_bool, query_ci
from .pmwire import (
    PmContext,
    domain_detail,
    domain_summary,
    pm_error,
    pm_ok,
    sender_detail,
    sender_summary,
    server_json,
    stream_json,
    webhook_json,
)
from .state import PmHeader, PmStream, PmTriggers, PmWebhook

COLORS = ("purple", "blue", "turquoise", "green", "red", "yellow", "grey", "orange")
TRACK_LINKS = ("None", "HtmlAndText", "HtmlOnly", "TextOnly")
MAX_STREAMS = 10
# UNCONFIRMED whether the 10-webhook cap is per stream or per server; we enforce the
# stricter reading (per server) so that a client that works here works there too.
MAX_WEBHOOKS = 10
_STREAM_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,29}$")
NO_STREAM = "The 'MessageStream' provided does not exist on this server."
_HTML = re.compile(r"<[a-zA-Z/!][^>]*>")


class _Invalid(Exception):
    def __init__(self, response: Response) -> None:
        self.response = response


def _body(request: Request) -> dict[str, Any]:
    try:
        data = request.json()
    except BadRequestBody as exc:
        raise _Invalid(pm_error(402, "Received invalid JSON input.")) from exc
    if data is None:
        return {}
    if not isinstance(data, dict):
        raise _Invalid(pm_error(402, "Received invalid JSON input."))
    return data


def _field_error(name: str) -> _Invalid:
    return _Invalid(pm_error(403, f"Invalid request field(s): {name}."))


def _str(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise _field_error(key)
    return value


def _bool(data: dict[str, Any], key: str) -> bool | None:
    value = data.get(key)
    if value is None:
        return None
    if not isinstance(value, bool):
        raise _field_error(key)
    return value


def _guard(handler: Handler[PmContext]) -> Handler[PmContext]:
    """Turn validation exceptions raised anywhere in ``handler`` into their response."""

    def wrapped(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
        try:
            return handler(ctx, request, params)
        except _Invalid as invalid:
            return invalid.response

    return wrapped


# --- server -----------------------------------------------------------------------

_SERVER_STR = {
    "Name": "name",
    "InboundHookUrl": "inbound_hook_url",
    "BounceHookUrl": "bounce_hook_url",
    "OpenHookUrl": "open_hook_url",
    "DeliveryHookUrl": "delivery_hook_url",
    "ClickHookUrl": "click_hook_url",
    "InboundDomain": "inbound_domain",
}
_SERVER_BOOL = {
    "SmtpApiActivated": "smtp_api_activated",
    "RawEmailEnabled": "raw_email_enabled",
    "PostFirstOpenOnly": "post_first_open_only",
    "TrackOpens": "track_opens",
    "IncludeBounceContentInHook": "include_bounce_content_in_hook",
    "EnableSmtpApiErrorHooks": "enable_smtp_api_error_hooks",
}


def get_server(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    return Response.json(200, server_json(ctx.state.postmark.server, ctx.server_token))


def put_server(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    data = _body(request)
    if not data:
        return pm_error(609, "No updated server data received.")
    # Validate everything first so that a rejected PUT changes nothing.
    updates: dict[str, Any] = {}
    for wire, attr in _SERVER_STR.items():
        if wire in data:
            updates[attr] = _str(data, wire) or ""
    for wire, attr in _SERVER_BOOL.items():
        if wire in data:
            updates[attr] = _bool(data, wire)
    if "Name" in data and not (data["Name"] or "").strip():
        return pm_error(608, "Server name missing or invalid.")
    if "Color" in data:
        color = _str(data, "Color") or ""
        if color.lower() not in COLORS:
            return pm_error(607, "Invalid server color.")
        updates["color"] = color.lower()
    if "TrackLinks" in data:
        links = _str(data, "TrackLinks") or ""
        canonical = next((v for v in TRACK_LINKS if v.lower() == links.lower()), None)
        if canonical is None:
            raise _field_error("TrackLinks")
        updates["track_links"] = canonical
    if "InboundSpamThreshold" in data:
        threshold = data["InboundSpamThreshold"]
        if (
            not isinstance(threshold, int)
            or isinstance(threshold, bool)
            or not (0 <= threshold <= 30)
        ):
            return pm_error(611, "The InboundSpamThreshold value is invalid.")
        updates["inbound_spam_threshold"] = threshold
    if "DeliveryType" in data:
        raise _field_error("DeliveryType")  # read-only after creation
    server = ctx.state.postmark.server
    for attr, value in updates.items():
        if value is not None:
            setattr(server, attr, value)
    return Response.json(200, server_json(server, ctx.server_token))


# --- message streams --------------------------------------------------------------


def _find_stream(ctx: PmContext, stream_id: str) -> PmStream | None:
    wanted = stream_id.lower()
    return next((s for s in ctx.state.postmark.streams if s.id == wanted), None)


def _stream_or_error(ctx: PmContext, stream_id: str) -> PmStream:
    stream = _find_stream(ctx, stream_id)
    if stream is None:
        raise _Invalid(
            pm_error(1226, f"The message stream for the provided 'ID' ({stream_id}) was not found.")
        )
    return stream


def _sid(ctx: PmContext) -> int:
    return ctx.state.postmark.server.id


def list_streams(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    query = query_ci(request)
    wanted = query.get("messagestreamtype", "All")
    types = {
        "all": None,
        "inbound": "Inbound",
        "transactional": "Transactional",
        "broadcasts": "Broadcasts",
    }
    if wanted.lower() not in types:
        return pm_error(1221, "The 'MessageStreamType' value is invalid.")
    include_archived = parse_bool(query.get("includearchivedstreams", "false")) or False
    chosen = [
        s
        for s in ctx.state.postmark.streams
        if (types[wanted.lower()] in (None, s.type)) and (include_archived or s.archived_at is None)
    ]
    return Response.json(
        200,
        {"MessageStreams": [stream_json(s, _sid(ctx)) for s in chosen], "TotalCount": len(chosen)},
    )


def get_stream(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    return Response.json(200, stream_json(_stream_or_error(ctx, params["id"]), _sid(ctx)))


def _check_name_description(data: dict[str, Any]) -> None:
    name = _str(data, "Name")
    if name is not None and len(name) > 100:
        raise _Invalid(pm_error(1224, "The 'Name' must be 100 characters or fewer."))
    description = _str(data, "Description")
    if description is not None:
        if len(description) > 1000:
            raise _Invalid(pm_error(1231, "The 'Description' must be 1000 characters or fewer."))
        if _HTML.search(description):
            raise _Invalid(pm_error(1234, "The 'Description' must not contain HTML."))


def _unsubscribe_handling(data: dict[str, Any]) -> str | None:
    config = data.get("SubscriptionManagementConfiguration")
    if config is None:
        return None
    if not isinstance(config, dict):
        raise _field_error("SubscriptionManagementConfiguration")
    value = config.get("UnsubscribeHandlingType")
    if value not in ("None", "Postmark", "Custom"):
        raise _field_error("UnsubscribeHandlingType")
    return str(value)


def create_stream(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    data = _body(request)
    stream_id = _str(data, "ID")
    if not stream_id:
        return pm_error(1222, "A valid 'ID' must be provided.")
    name = _str(data, "Name")
    if not name or not name.strip():
        return pm_error(1223, "A valid 'Name' must be provided.")
    _check_name_description(data)
    if stream_id.lower().startswith("pm-"):
        return pm_error(1233, "The 'ID' must not start with 'pm-'.")
    if not _STREAM_ID.match(stream_id):
        return pm_error(1227, "The 'ID' format is invalid.")
    stype = _str(data, "MessageStreamType")
    if stype == "Inbound":
        return pm_error(1228, "Only one inbound message stream is allowed per server.")
    if stype not in ("Transactional", "Broadcasts"):
        return pm_error(1221, "The 'MessageStreamType' value is invalid.")
    streams = ctx.state.postmark.streams
    if _find_stream(ctx, stream_id) is not None:
        return pm_error(1230, f"A message stream with the ID '{stream_id}' already exists.")
    if len(streams) >= MAX_STREAMS:
        return pm_error(1225, "The maximum number of message streams has been reached.")
    handling = _unsubscribe_handling(data) or ("Postmark" if stype == "Broadcasts" else "None")
    stream = PmStream.model_validate(
        {
            "id": stream_id,
            "name": name,
            "description": _str(data, "Description"),
            "type": stype,
            "created_at": ctx.state.now,
            "unsubscribe_handling": handling,
        }
    )
    streams.append(stream)
    return Response.json(200, stream_json(stream, _sid(ctx)))


def edit_stream(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    stream = _stream_or_error(ctx, params["id"])
    data = _body(request)
    _check_name_description(data)
    if "MessageStreamType" in data and data["MessageStreamType"] != stream.type:
        return pm_error(1221, "The 'MessageStreamType' of a message stream cannot be changed.")
    if "ID" in data and str(data["ID"]).lower() != stream.id:
        raise _field_error("ID")
    name = _str(data, "Name")
    if "Name" in data and (name is None or not name.strip()):
        return pm_error(1223, "A valid 'Name' must be provided.")
    handling = _unsubscribe_handling(data)
    if name is not None:
        stream.name = name
    if "Description" in data:
        stream.description = _str(data, "Description")
    if handling is not None:
        stream.unsubscribe_handling = handling  # type: ignore[assignment]
    stream.updated_at = ctx.state.now
    return Response.json(200, stream_json(stream, _sid(ctx)))


def archive_stream(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    stream = _stream_or_error(ctx, params["id"])
    if stream.id in ("outbound", "inbound"):
        return pm_error(1229, "The default transactional and inbound streams cannot be archived.")
    if stream.archived_at is None:
        stream.archived_at = ctx.state.now
    body = stream_json(stream, _sid(ctx))
    return Response.json(
        200,
        {"ID": stream.id, "ServerID": _sid(ctx), "ExpectedPurgeDate": body["ExpectedPurgeDate"]},
    )


def unarchive_stream(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    stream = _stream_or_error(ctx, params["id"])
    stream.archived_at = None
    stream.updated_at = ctx.state.now
    return Response.json(200, stream_json(stream, _sid(ctx)))


# --- webhooks ---------------------------------------------------------------------


def _find_hook(ctx: PmContext, hook_id: str) -> PmWebhook:
    for hook in ctx.state.postmark.webhooks:
        if str(hook.id) == hook_id:
            return hook
    # UNCONFIRMED: Postmark's code for an unknown webhook id; "not found" is usually
    # 422 + ErrorCode there, so we answer 422 with the generic "resource not found".
    raise _Invalid(pm_error(12, "The webhook was not found."))


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
        raise _field_error("Triggers")
    triggers = PmTriggers()
    for wire, (attr, extras) in _TRIGGER_KEYS.items():
        item = value.get(wire)
        if item is None:
            continue
        if not isinstance(item, dict):
            raise _field_error(f"Triggers.{wire}")
        enabled = _bool(item, "Enabled")
        setattr(triggers, attr, bool(enabled))
        for sub_wire, sub_attr in extras.items():
            setattr(triggers, sub_attr, bool(_bool(item, sub_wire)))
    return triggers


def _apply_hook_fields(hook: PmWebhook, data: dict[str, Any]) -> None:
    if "HttpAuth" in data:
        auth = data["HttpAuth"]
        if auth is None:
            hook.auth_username = hook.auth_password = None
        elif isinstance(auth, dict):
            hook.auth_username = _str(auth, "Username") or None
            hook.auth_password = _str(auth, "Password") or None
        else:
            raise _field_error("HttpAuth")
    if "HttpHeaders" in data:
        headers = data["HttpHeaders"] or []
        if not isinstance(headers, list) or len(headers) > 30:
            raise _field_error("HttpHeaders")
        parsed: list[PmHeader] = []
        for item in headers:
            if not isinstance(item, dict) or not isinstance(item.get("Name"), str):
                raise _field_error("HttpHeaders")
            parsed.append(PmHeader(name=item["Name"], value=str(item.get("Value") or "")))
        hook.headers = parsed
    if "Triggers" in data:
        hook.triggers = _parse_triggers(data["Triggers"])


def _check_stream_triggers(ctx: PmContext, hook: PmWebhook) -> None:
    stream = _find_stream(ctx, hook.message_stream)
    if stream is None:
        raise _Invalid(pm_error(1235, NO_STREAM))
    if stream.type == "Inbound":
        raise _field_error("MessageStream")
    if stream.type == "Broadcasts" and (hook.triggers.bounce or hook.triggers.spam_complaint):
        raise _Invalid(
            pm_error(403, "Bounce and SpamComplaint triggers are not available on Broadcasts.")
        )


def list_webhooks(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    stream_id = query_ci(request).get("messagestream")
    hooks = ctx.state.postmark.webhooks
    if stream_id:
        if _find_stream(ctx, stream_id) is None:
            return pm_error(1235, NO_STREAM)
        hooks = [h for h in hooks if h.message_stream == stream_id.lower()]
    return Response.json(200, {"Webhooks": [webhook_json(h) for h in hooks]})


def get_webhook(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    return Response.json(200, webhook_json(_find_hook(ctx, params["id"])))


def create_webhook(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    data = _body(request)
    url = _str(data, "Url")
    if not url or not _valid_url(url):
        return pm_error(606, "Invalid webhook URL.")
    stream_id = (_str(data, "MessageStream") or "outbound").lower()
    account = ctx.state.postmark
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
    data = _body(request)
    if "MessageStream" in data and str(data["MessageStream"]).lower() != hook.message_stream:
        raise _field_error("MessageStream")  # a webhook's stream cannot change
    candidate = hook.model_copy(deep=True)
    if "Url" in data:
        url = _str(data, "Url")
        if not url or not _valid_url(url):
            return pm_error(606, "Invalid webhook URL.")
        candidate.url = url
    _apply_hook_fields(candidate, data)
    _check_stream_triggers(ctx, candidate)
    hooks = ctx.state.postmark.webhooks
    hooks[hooks.index(hook)] = candidate
    return Response.json(200, webhook_json(candidate))


def delete_webhook(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    hook = _find_hook(ctx, params["id"])
    ctx.state.postmark.webhooks.remove(hook)
    return pm_ok("Webhook removed.")


# --- senders and domains (account token) ------------------------------------------


def _paging(request: Request) -> tuple[int, int]:
    query = query_ci(request)
    try:
        count = int(query["count"])
        offset = int(query["offset"])
    except (KeyError, ValueError) as exc:
        raise _Invalid(pm_error(403, "The 'count' and 'offset' parameters are required.")) from exc
    if count < 0 or offset < 0 or count > 500 or count + offset > 10_000:
        raise _Invalid(pm_error(403, "'count' must be 0-500 and count+offset at most 10000."))
    return count, offset


def list_senders(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    count, offset = _paging(request)
    senders = ctx.state.postmark.senders
    page = [sender_summary(s) for s in senders[offset : offset + count]]
    return Response.json(200, {"TotalCount": len(senders), "SenderSignatures": page})


def get_sender(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    for sender in ctx.state.postmark.senders:
        if str(sender.id) == params["id"]:
            return Response.json(200, sender_detail(sender, ctx.state.postmark.domains))
    return pm_error(501, "Sender signature not found.")


def list_domains(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    count, offset = _paging(request)
    domains = ctx.state.postmark.domains
    page = [domain_summary(d) for d in domains[offset : offset + count]]
    return Response.json(200, {"TotalCount": len(domains), "Domains": page})


def get_domain(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    for domain in ctx.state.postmark.domains:
        if str(domain.id) == params["id"]:
            return Response.json(200, domain_detail(domain))
    return pm_error(510, "Domain not found.")


#: Paths that take the account token; everything else takes the server token.
ACCOUNT_PATH = re.compile(r"^/(senders|domains|servers|templates/push|data-removals)(/|$)", re.I)


def register(router: Router[PmContext]) -> None:
    """Add the settings routes to ``router``."""
    add = router.add
    add("GET", r"/server", _guard(get_server))
    add("PUT", r"/server", _guard(put_server))
    add("GET", r"/webhooks", _guard(list_webhooks))
    add("POST", r"/webhooks", _guard(create_webhook))
    add("GET", r"/webhooks/(?P<id>\d+)", _guard(get_webhook))
    add("PUT", r"/webhooks/(?P<id>\d+)", _guard(edit_webhook))
    add("DELETE", r"/webhooks/(?P<id>\d+)", _guard(delete_webhook))
    add("GET", r"/message-streams", _guard(list_streams))
    add("POST", r"/message-streams", _guard(create_stream))
    add("GET", r"/message-streams/(?P<id>[^/]+)", _guard(get_stream))
    add("PATCH", r"/message-streams/(?P<id>[^/]+)", _guard(edit_stream))
    add("POST", r"/message-streams/(?P<id>[^/]+)/archive", _guard(archive_stream))
    add("POST", r"/message-streams/(?P<id>[^/]+)/unarchive", _guard(unarchive_stream))
    add("GET", r"/senders", _guard(list_senders))
    add("GET", r"/senders/(?P<id>\d+)", _guard(get_sender))
    add("GET", r"/domains", _guard(list_domains))
    add("GET", r"/domains/(?P<id>\d+)", _guard(get_domain))
