"""Postmark settings endpoints: server, webhooks, message streams, senders, domains.

Pure handlers ``(PmContext, Request, params) -> Response``. Paths are matched
case-insensitively with an optional trailing slash (see :class:`Router`).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from ..http import Request, Response, Router, parse_bool, query_ci
from .hooks import create_webhook, delete_webhook, edit_webhook, get_webhook, list_webhooks
from .request import (
    Invalid,
    bool_field,
    count_offset,
    field_error,
    find_stream,
    guard,
    json_body,
    str_field,
)
from .state import PmStream
from .wire import (
    PmContext,
    domain_detail,
    domain_summary,
    pm_error,
    sender_detail,
    sender_summary,
    server_json,
    stream_json,
)

COLORS = ("purple", "blue", "turquoise", "green", "red", "yellow", "grey", "orange")
TRACK_LINKS = ("None", "HtmlAndText", "HtmlOnly", "TextOnly")
MAX_STREAMS = 10
_STREAM_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,29}$")
_HTML = re.compile(r"<[a-zA-Z/!][^>]*>")


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
    return Response.json(200, server_json(ctx.account.server, ctx.server_token))


def put_server(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    data = json_body(request)
    if not data:
        return pm_error(609, "No updated server data received.")
    # Validate everything first so that a rejected PUT changes nothing.
    updates: dict[str, Any] = {}
    for wire, attr in _SERVER_STR.items():
        if wire in data:
            updates[attr] = str_field(data, wire) or ""
    for wire, attr in _SERVER_BOOL.items():
        if wire in data:
            updates[attr] = bool_field(data, wire)
    if "Name" in data and not (data["Name"] or "").strip():
        return pm_error(608, "Server name missing or invalid.")
    if "Color" in data:
        color = str_field(data, "Color") or ""
        if color.lower() not in COLORS:
            return pm_error(607, "Invalid server color.")
        updates["color"] = color.lower()
    if "TrackLinks" in data:
        links = str_field(data, "TrackLinks") or ""
        canonical = next((v for v in TRACK_LINKS if v.lower() == links.lower()), None)
        if canonical is None:
            raise field_error("TrackLinks")
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
        raise field_error("DeliveryType")  # read-only after creation
    server = ctx.account.server
    for attr, value in updates.items():
        if value is not None:
            setattr(server, attr, value)
    return Response.json(200, server_json(server, ctx.server_token))


# --- message streams --------------------------------------------------------------


def _stream_or_error(ctx: PmContext, stream_id: str) -> PmStream:
    stream = find_stream(ctx, stream_id)
    if stream is None:
        raise Invalid(
            pm_error(1226, f"The message stream for the provided 'ID' ({stream_id}) was not found.")
        )
    return stream


def _sid(ctx: PmContext) -> int:
    return ctx.account.server.id


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
        for s in ctx.account.streams
        if (types[wanted.lower()] in (None, s.type)) and (include_archived or s.archived_at is None)
    ]
    return Response.json(
        200,
        {"MessageStreams": [stream_json(s, _sid(ctx)) for s in chosen], "TotalCount": len(chosen)},
    )


def get_stream(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    return Response.json(200, stream_json(_stream_or_error(ctx, params["id"]), _sid(ctx)))


def _check_name_description(data: dict[str, Any]) -> None:
    name = str_field(data, "Name")
    if name is not None and len(name) > 100:
        raise Invalid(pm_error(1224, "The 'Name' must be 100 characters or fewer."))
    description = str_field(data, "Description")
    if description is not None:
        if len(description) > 1000:
            raise Invalid(pm_error(1231, "The 'Description' must be 1000 characters or fewer."))
        if _HTML.search(description):
            raise Invalid(pm_error(1234, "The 'Description' must not contain HTML."))


def _unsubscribe_handling(data: dict[str, Any]) -> str | None:
    config = data.get("SubscriptionManagementConfiguration")
    if config is None:
        return None
    if not isinstance(config, dict):
        raise field_error("SubscriptionManagementConfiguration")
    value = config.get("UnsubscribeHandlingType")
    if value not in ("None", "Postmark", "Custom"):
        raise field_error("UnsubscribeHandlingType")
    return str(value)


def create_stream(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    data = json_body(request)
    stream_id = str_field(data, "ID")
    if not stream_id:
        return pm_error(1222, "A valid 'ID' must be provided.")
    name = str_field(data, "Name")
    if not name or not name.strip():
        return pm_error(1223, "A valid 'Name' must be provided.")
    _check_name_description(data)
    if stream_id.lower().startswith("pm-"):
        return pm_error(1233, "The 'ID' must not start with 'pm-'.")
    if not _STREAM_ID.match(stream_id):
        return pm_error(1227, "The 'ID' format is invalid.")
    stype = str_field(data, "MessageStreamType")
    if stype == "Inbound":
        return pm_error(1228, "Only one inbound message stream is allowed per server.")
    if stype not in ("Transactional", "Broadcasts"):
        return pm_error(1221, "The 'MessageStreamType' value is invalid.")
    streams = ctx.account.streams
    if find_stream(ctx, stream_id) is not None:
        return pm_error(1230, f"A message stream with the ID '{stream_id}' already exists.")
    if len(streams) >= MAX_STREAMS:
        return pm_error(1225, "The maximum number of message streams has been reached.")
    handling = _unsubscribe_handling(data) or ("Postmark" if stype == "Broadcasts" else "None")
    stream = PmStream.model_validate(
        {
            "id": stream_id,
            "name": name,
            "description": str_field(data, "Description"),
            "type": stype,
            "created_at": ctx.state.now,
            "unsubscribe_handling": handling,
        }
    )
    streams.append(stream)
    return Response.json(200, stream_json(stream, _sid(ctx)))


def edit_stream(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    stream = _stream_or_error(ctx, params["id"])
    data = json_body(request)
    _check_name_description(data)
    if "MessageStreamType" in data and data["MessageStreamType"] != stream.type:
        return pm_error(1221, "The 'MessageStreamType' of a message stream cannot be changed.")
    if "ID" in data and str(data["ID"]).lower() != stream.id:
        raise field_error("ID")
    name = str_field(data, "Name")
    if "Name" in data and (name is None or not name.strip()):
        return pm_error(1223, "A valid 'Name' must be provided.")
    handling = _unsubscribe_handling(data)
    if name is not None:
        stream.name = name
    if "Description" in data:
        stream.description = str_field(data, "Description")
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


# --- senders and domains (account token) ------------------------------------------


T = TypeVar("T")


def _listing(
    request: Request, items: Sequence[T], key: str, summary: Callable[[T], dict[str, Any]]
) -> Response:
    """One page of an account listing: ``{"TotalCount": n, key: [summary, ...]}``."""
    count, offset = count_offset(request)
    page = [summary(item) for item in items[offset : offset + count]]
    return Response.json(200, {"TotalCount": len(items), key: page})


def list_senders(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    return _listing(request, ctx.account.senders, "SenderSignatures", sender_summary)


def get_sender(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    for sender in ctx.account.senders:
        if str(sender.id) == params["id"]:
            return Response.json(200, sender_detail(sender, ctx.account.domains))
    return pm_error(501, "Sender signature not found.")


def list_domains(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    return _listing(request, ctx.account.domains, "Domains", domain_summary)


def get_domain(ctx: PmContext, request: Request, params: dict[str, str]) -> Response:
    for domain in ctx.account.domains:
        if str(domain.id) == params["id"]:
            return Response.json(200, domain_detail(domain))
    return pm_error(510, "Domain not found.")


#: Paths that take the account token; everything else takes the server token.
ACCOUNT_PATH = re.compile(r"^/(senders|domains|servers|templates/push|data-removals)(/|$)", re.I)


def register(router: Router[PmContext]) -> None:
    """Add the settings routes to ``router``."""
    add = router.add
    add("GET", r"/server", guard(get_server))
    add("PUT", r"/server", guard(put_server))
    add("GET", r"/webhooks", guard(list_webhooks))
    add("POST", r"/webhooks", guard(create_webhook))
    add("GET", r"/webhooks/(?P<id>\d+)", guard(get_webhook))
    add("PUT", r"/webhooks/(?P<id>\d+)", guard(edit_webhook))
    add("DELETE", r"/webhooks/(?P<id>\d+)", guard(delete_webhook))
    add("GET", r"/message-streams", guard(list_streams))
    add("POST", r"/message-streams", guard(create_stream))
    add("GET", r"/message-streams/(?P<id>[^/]+)", guard(get_stream))
    add("PATCH", r"/message-streams/(?P<id>[^/]+)", guard(edit_stream))
    add("POST", r"/message-streams/(?P<id>[^/]+)/archive", guard(archive_stream))
    add("POST", r"/message-streams/(?P<id>[^/]+)/unarchive", guard(unarchive_stream))
    add("GET", r"/senders", guard(list_senders))
    add("GET", r"/senders/(?P<id>\d+)", guard(get_sender))
    add("GET", r"/domains", guard(list_domains))
    add("GET", r"/domains/(?P<id>\d+)", guard(get_domain))
