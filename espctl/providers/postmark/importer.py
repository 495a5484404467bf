"""Postmark's live state as config: the provider block, its streams and webhook items.

Server tracking, every non-inbound, non-archived message stream and every webhook on
those streams; whatever the config language cannot express becomes a warning and stays
unmanaged (see :mod:`espctl.importer`).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from espctl.model.common import Secret
from espctl.model.resources import Resource, plain
from espctl.providers.kit.importing import (
    HookOptions,
    ImportDoc,
    ImportHook,
    ProviderSource,
    as_written,
    has_ref,
    one_line,
    shown_url,
    url_problem,
)
from espctl.providers.kit.protocol import Snapshot
from espctl.providers.kit.rules import header_problem
from espctl.providers.postmark import resources as pm
from espctl.providers.postmark.config import PostmarkProvider, StreamType, TrackLinks
from espctl.providers.postmark.events import BROADCAST_FORBIDDEN, TRIGGER_TO_EVENT
from espctl.providers.postmark.rules import HTML, STREAM_ID

LEGACY_HOOKS = ("InboundHookUrl", "BounceHookUrl", "OpenHookUrl", "DeliveryHookUrl", "ClickHookUrl")
LEGACY_FLAGS = ("PostFirstOpenOnly", "IncludeBounceContentInHook", "EnableSmtpApiErrorHooks")
DEFAULT_UNSUBSCRIBE = {"transactional": "None", "broadcasts": "Postmark"}


def import_postmark(doc: ImportDoc, source: ProviderSource, snapshot: Snapshot) -> dict[str, Any]:
    """The block declaring a Postmark server as live (see :mod:`espctl.importer`)."""
    pid = source.provider_id
    block = source.block
    assert isinstance(block, PostmarkProvider)
    live, raw = snapshot.live, snapshot.raw
    out: dict[str, Any] = {"type": "postmark"}
    out["server_token"] = doc.credential(
        source, "server_token", f"Postmark server API token ({pid})"
    )
    if "account_token" in source.credentials:
        out["account_token"] = doc.credential(
            source, "account_token", f"Postmark account API token ({pid}; optional checks)"
        )
    if block.endpoint:
        out["endpoint"] = as_written(block.endpoint)
    if block.default_sender:
        out["default_sender"] = as_written(block.default_sender)
    server_name = live.facts.get("server_name")
    if server_name:
        what = f"Postmark server {one_line(str(server_name))!r}"
        delivery = live.facts.get("delivery_type")
        doc.comments[("providers", pid)] = what + (f" ({delivery})" if delivery else "")

    by_kind: dict[str, list[Resource]] = {}
    for resource in live.resources:
        by_kind.setdefault(resource.kind, []).append(resource)

    for server in by_kind.get(pm.KIND_SERVER, []):
        tracking: dict[str, Any] = {}
        if "track_opens" in server.fields:
            tracking["opens"] = server.fields["track_opens"]
        if "track_links" in server.fields and server.fields["track_links"] in {
            m.value for m in TrackLinks
        }:
            tracking["links"] = server.fields["track_links"]
        elif "track_links" in server.fields:
            doc.warn(
                pid,
                f"server TrackLinks {server.fields['track_links']!r} is unknown; left unmanaged",
            )
        if tracking:
            out["tracking"] = tracking
            doc.manage(server)

    streams_raw = list(raw.get("message_streams") or [])
    if raw:
        _postmark_server_warnings(doc, pid, raw.get("server") or {})
    stream_types: dict[str, str] = {}
    streams: dict[str, Any] = {}
    handling = {
        str(s.get("ID")): str(
            (s.get("SubscriptionManagementConfiguration") or {}).get("UnsubscribeHandlingType")
            or "None"
        )
        for s in streams_raw
    }
    for s in streams_raw:
        if s.get("ArchivedAt") and s.get("MessageStreamType") != "Inbound":
            doc.warn(
                pid,
                f"message stream {s.get('ID')!r} is archived (Postmark purges it after 45 "
                "days); espctl cannot declare archived streams: not imported",
            )
    for stream in sorted(
        by_kind.get(pm.KIND_STREAM, []), key=lambda r: (r.key != "outbound", r.key)
    ):
        spec = _postmark_stream(doc, pid, stream)
        if spec is None:
            continue
        streams[stream.key] = spec
        stream_types[stream.key] = str(stream.fields.get("type"))
        doc.manage(stream)
        doc.counts["message streams"] += 1
        kind = str(stream.fields.get("type"))
        unsub = handling.get(stream.key)
        if unsub is not None and unsub != DEFAULT_UNSUBSCRIBE.get(kind, unsub):
            doc.warn(
                pid,
                f"message stream {stream.key!r} handles unsubscribes as {unsub!r} (espctl "
                f"creates {kind} streams with {DEFAULT_UNSUBSCRIBE[kind]!r} and cannot express "
                "other handling)",
            )
    if streams:
        out["message_streams"] = streams

    for hook in sorted(by_kind.get(pm.KIND_WEBHOOK, []), key=lambda r: r.key):
        item = _postmark_hook(doc, pid, hook, stream_types)
        if item is not None:
            doc.hooks.append(item)
            doc.manage(hook)
    return out


def _postmark_server_warnings(doc: ImportDoc, pid: str, server: Mapping[str, Any]) -> None:
    legacy = [name for name in LEGACY_HOOKS if str(server.get(name) or "").strip()]
    if legacy:
        doc.warn(
            pid,
            f"server-level legacy webhook URLs are set ({', '.join(legacy)}); espctl "
            "manages webhooks per message stream and cannot express these",
        )
    flags = [name for name in LEGACY_FLAGS if server.get(name)]
    if flags:
        doc.warn(pid, f"server options {', '.join(flags)} are on; espctl cannot express them")
    inbound = [
        name
        for name in ("InboundDomain", "InboundSpamThreshold")
        if server.get(name) not in (None, "", 0)
    ]
    if inbound:
        doc.warn(
            pid,
            f"inbound server options are set ({', '.join(inbound)}); espctl cannot express them",
        )


def _postmark_stream(doc: ImportDoc, pid: str, stream: Resource) -> dict[str, Any] | None:
    sid = stream.key
    name = str(stream.fields.get("name") or "")
    kind = str(stream.fields.get("type") or "")
    why = None
    if not STREAM_ID.match(sid) or sid.startswith("pm-"):
        why = "its id is not one the config language accepts ([a-z0-9-], not pm-)"
    elif kind not in {t.value for t in StreamType}:
        why = f"its type {kind!r} is not transactional or broadcasts"
    elif not name or len(name) > 100 or has_ref(name):
        why = "its name is empty, longer than 100 characters or contains '${'"
    if why:
        doc.warn(pid, f"message stream {sid!r} not imported: {why}")
        return None
    spec: dict[str, Any] = {"type": kind, "name": name}
    description = stream.fields.get("description")
    if isinstance(description, str) and description:
        if len(description) > 1000 or has_ref(description) or HTML.search(description):
            doc.warn(
                pid,
                f"message stream {sid!r}: description left unmanaged (longer than 1000 "
                "characters, HTML, or '${')",
            )
        else:
            spec["description"] = description
    return spec


def _postmark_hook(
    doc: ImportDoc, pid: str, hook: Resource, stream_types: Mapping[str, str]
) -> ImportHook | None:
    stream = hook.parent or ""
    real = hook.fields.get("url")
    url = real.reveal() if isinstance(real, Secret) else hook.key[len(stream) + 1 :]
    what = f"webhook {shown_url(url)} on stream {stream!r}"
    if hook.duplicate_of is not None:
        doc.warn(pid, f"{what} is a duplicate (same stream and URL); only the first is imported")
        return None
    if stream not in stream_types:
        reason = "the inbound stream" if stream == "inbound" else "a stream that is not imported"
        doc.warn(pid, f"{what} not imported: it is on {reason}, which espctl cannot declare")
        return None
    fields = hook.fields
    triggers = [str(t) for t in fields.get("triggers") or []]
    problem = url_problem(url)
    headers = tuple(
        sorted(
            (str(k), v if isinstance(v, Secret) else str(v))
            for k, v in (fields.get("headers") or {}).items()
        )
    )
    username = fields.get("basic_auth_username")
    unknown = [t for t in triggers if t not in TRIGGER_TO_EVENT]
    events = frozenset(TRIGGER_TO_EVENT[t] for t in triggers if t in TRIGGER_TO_EVENT)
    if problem is None and not events:
        problem = "no trigger is enabled"
    if problem is None and unknown:
        problem = f"unknown triggers {', '.join(unknown)}"
    if problem is None and fields.get("include_content") == "mixed":
        problem = "IncludeContent differs between Bounce and SpamComplaint"
    if problem is None and (
        len(headers) > 30 or any(has_ref(k) or has_ref(plain(v)) for k, v in headers)
    ):
        problem = "its headers cannot be expressed (more than 30, or '${' in them)"
    if problem is None:
        problem = next(filter(None, (header_problem(k, v) for k, v in headers)), None)
    if problem is None and isinstance(username, str) and has_ref(username):
        problem = "its basic-auth user name contains '${'"
    if (
        problem is None
        and stream_types.get(stream) == "broadcasts"
        and events & BROADCAST_FORBIDDEN
    ):
        problem = "Bounce/SpamComplaint triggers on a broadcast stream"
    if problem is not None:
        doc.warn(pid, f"{what} not imported: {problem}")
        return None
    password = fields.get("basic_auth_password")
    options = {
        "first_open_only": bool(fields.get("first_open_only")),
        "include_content": fields.get("include_content") is True,
    }
    written = tuple((name, value) for name, value in options.items() if value)
    return ImportHook(
        target=f"{pid}/{stream}",
        url=url,
        events=events,
        username=str(username) if username else None,
        password=password if isinstance(password, Secret) and username else None,
        headers=headers,
        options=HookOptions("postmark", tuple(options.items()), written) if written else None,
    )
