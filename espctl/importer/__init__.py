"""``espctl import``: write the config of what is live, so that the first plan is empty.

The import reads each named provider through the provider protocol (the same ``read``
that ``plan`` uses, so "equal" means what the plan means by it), maps every live
resource back to config, renders deterministic YAML with comments, and then *proves*
the result: it loads its own text with the real config loader, computes
:func:`~espctl.engine.desired.desired_state` and compares it resource by resource with
the live read. A difference is a bug and fails the import (nothing is written).

Decisions (the issue left them to us):

- **What is imported.** Postmark: server tracking, every non-inbound, non-archived
  message stream, every webhook on those streams. Mailgun: *every* domain of the
  account's region, including ``disabled`` ones and Mailgun's ``sandbox*.mailgun.org``
  test domain (each gets a comment saying so). Leaving them out would make the first plan
  list them as unmanaged and leave their webhooks unread; declaring them changes nothing
  at Mailgun (domains are never created or deleted by espctl) and a user can delete the
  lines. Their state shows up as a failed check in ``plan``, which is the honest report.
- **Webhooks.** Live webhooks are turned into *items* (target, URL, basic auth, headers,
  Postmark options, events): a Postmark webhook is one item; for Mailgun, the (domain,
  event) URL sets are inverted into one item per (domain, URL, credentials) with the
  events whose set holds that URL. Items equal in everything but target become one
  entry with the union of targets, so an entry's events hold for all of its targets and
  every live (domain, event) URL set and every Postmark (stream, URL) webhook comes back
  exactly. Entry names come from the URL path (``/esp/events`` -> ``esp-events``; the
  host is added when two URLs share a path; a URL with several entries gets ``-2``,
  ``-3``... in target order).
- **Secrets.** Credentials become ``${env:NAME}`` (the config's own names when a config
  is used; ``POSTMARK_SERVER_TOKEN``, ``POSTMARK_ACCOUNT_TOKEN``, ``MAILGUN_API_KEY``
  otherwise, prefixed by the provider id when it is not the type name). Basic-auth
  passwords become ``${env:ESPCTL_HOOK_<ENTRY>_PASSWORD}``, one variable per distinct
  (URL, user, password), named after the first entry that uses it. The values never
  leave memory; :attr:`ImportResult.env` lists the names to set.
- **Mailgun tracking.** For each tracking key (opens, clicks, unsubscribe, html and text
  footers) the most common value across domains goes into ``defaults.tracking`` (ties:
  the value of the alphabetically first domain) and a domain lists only the keys that
  differ, which :func:`espctl.model.mailgun.merged_tracking` merges back key by key. A
  key that some domain cannot express (a footer holding ``${``, which the loader would
  read as a reference) is not lifted; that domain leaves it unmanaged, with a warning.
- **Not expressible** (a warning each, one line, never a secret; the resource stays
  unmanaged so the plan changes nothing): Postmark legacy ``*HookUrl`` server fields and
  their options, inbound server options, archived streams, webhooks on the inbound or
  archived streams, webhooks without triggers, mixed IncludeContent, duplicate
  (stream, URL) webhooks, stream unsubscribe handling other than Postmark's default for
  its type; Mailgun ``web_scheme: http``, ``place_at_the_top``, unknown webhook events;
  anywhere: a URL the config language refuses (plain http to a non-local host, URL
  credentials) or a string containing ``${``. For Mailgun a (domain, event) webhook is
  imported whole or not at all, so its URL set is never partly declared.

Layering: this module imports errors, model, config, providers and engine, never the
sandbox; the ``--sandbox`` wiring is the command's (through :mod:`espctl.api`).
"""

from __future__ import annotations

import asyncio
import re
import textwrap
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import urlsplit

import yaml

from espctl.config import load_config_text
from espctl.config.models import Config
from espctl.engine.desired import desired_state
from espctl.errors import ConfigError, EspctlError
from espctl.model import mailgun as mg
from espctl.model import postmark as pm
from espctl.model.common import Event, Secret
from espctl.model.mailgun import MailgunProvider
from espctl.model.postmark import PostmarkProvider
from espctl.model.resources import LiveState, Resource
from espctl.providers.base import Provider
from espctl.providers.mailgun import MailgunApi
from espctl.providers.postmark import PostmarkApi

Notify = Callable[[str], None]
Path = tuple[str, ...]

SCHEMA_REF = "./schemas/espctl.schema.json"
MODELINE = "# yaml-language-server: $schema="
EVENT_ORDER = {event: i for i, event in enumerate(Event)}
_STREAM_ID = re.compile(r"^[a-z0-9][a-z0-9-]*$")
_HOSTNAME = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
_HTML = re.compile(r"<[A-Za-z/!][^>]*>")
_LOCAL_HOSTS = {"localhost", "127.0.0.1", "::1"}
_ENV_REF = re.compile(r"^\$\{env:[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\}$")
_SLUG = re.compile(r"[^a-z0-9]+")
LEGACY_HOOKS = ("InboundHookUrl", "BounceHookUrl", "OpenHookUrl", "DeliveryHookUrl", "ClickHookUrl")
LEGACY_FLAGS = ("PostFirstOpenOnly", "IncludeBounceContentInHook", "EnableSmtpApiErrorHooks")
DEFAULT_UNSUBSCRIBE = {"transactional": "None", "broadcasts": "Postmark"}
TRACKING_KEYS = (
    "opens",
    "clicks",
    "unsubscribe",
    "unsubscribe_html_footer",
    "unsubscribe_text_footer",
)
_MISSING = object()


class ImportFailed(EspctlError):
    """The import cannot be done (bad arguments) or its output would not round-trip."""


def _quiet(message: str) -> None:
    """The default ``notify``: say nothing."""


# -- inputs and outputs -------------------------------------------------------------------


@dataclass(frozen=True)
class ProviderSource:
    """How the output declares one provider: its block and its credentials' variables.

    ``credentials`` maps a block key (``server_token``, ``account_token``, ``api_key``) to
    the environment variable the output references.
    """

    provider_id: str
    block: PostmarkProvider | MailgunProvider
    credentials: Mapping[str, str]

    @classmethod
    def from_block(
        cls, provider_id: str, block: PostmarkProvider | MailgunProvider
    ) -> ProviderSource:
        """Variables named as in the config (``Secret.source``) or by :func:`default_env_name`."""
        creds: dict[str, str] = {}
        if isinstance(block, PostmarkProvider):
            creds["server_token"] = block.server_token.source or default_env_name(
                provider_id, "postmark", "server_token"
            )
            if block.account_token is not None:
                creds["account_token"] = block.account_token.source or default_env_name(
                    provider_id, "postmark", "account_token"
                )
        else:
            creds["api_key"] = block.api_key.source or default_env_name(
                provider_id, "mailgun", "api_key"
            )
        return cls(provider_id, block, creds)


def default_env_name(provider_id: str, provider_type: str, key: str) -> str:
    """``POSTMARK_SERVER_TOKEN``, ``MAILGUN_API_KEY``...; prefixed by the id if not the type.

    >>> default_env_name("mailgun-us", "mailgun", "api_key")
    'MAILGUN_US_MAILGUN_API_KEY'
    """
    base = f"{provider_type}_{key}".upper()
    if provider_id == provider_type:
        return base
    return f"{_SLUG.sub('_', provider_id.lower()).strip('_').upper()}_{base}"


@dataclass(frozen=True)
class EnvVar:
    """A variable the imported config references, and what it is for (never its value)."""

    name: str
    purpose: str


@dataclass(frozen=True)
class ImportResult:
    """The YAML text, one-line warnings, the variables to set, and what was imported."""

    text: str
    warnings: tuple[str, ...]
    env: tuple[EnvVar, ...]
    counts: Mapping[str, int]
    config: Config


# -- webhook items and entries ------------------------------------------------------------


@dataclass(frozen=True)
class _Hook:
    """One live webhook binding as config sees it: a URL receiving events from a target."""

    target: str
    url: str
    events: frozenset[Event]
    username: str | None
    password: Secret | None
    headers: tuple[tuple[str, str], ...] = ()
    first_open_only: bool = False
    include_content: bool = False

    def group_key(self) -> tuple[Any, ...]:
        password = self.password.reveal() if self.password is not None else None
        return (
            self.url,
            self.username,
            password,
            self.headers,
            self.first_open_only,
            self.include_content,
            tuple(sorted(self.events, key=EVENT_ORDER.__getitem__)),
        )


@dataclass
class _Entry:
    url: str
    events: list[Event]
    targets: list[str]
    username: str | None
    password: Secret | None
    headers: tuple[tuple[str, str], ...]
    first_open_only: bool
    include_content: bool
    name: str = ""
    password_var: str | None = None

    def order(self) -> tuple[Any, ...]:
        return (
            self.targets,
            [EVENT_ORDER[e] for e in self.events],
            self.username or "",
            self.headers,
            self.first_open_only,
            self.include_content,
        )


# -- the document being built -------------------------------------------------------------


@dataclass
class _Doc:
    data: dict[str, Any] = field(default_factory=dict)
    comments: dict[Path, str] = field(default_factory=dict)
    warnings: list[str] = field(default_factory=list)
    env: dict[str, EnvVar] = field(default_factory=dict)
    managed: dict[str, set[tuple[str, str]]] = field(default_factory=dict)
    hooks: list[_Hook] = field(default_factory=list)
    counts: Counter[str] = field(default_factory=Counter)

    def warn(self, provider_id: str, message: str) -> None:
        self.warnings.append(f"{provider_id}: {message}")

    def manage(self, resource: Resource) -> None:
        self.managed.setdefault(resource.provider, set()).add((resource.kind, resource.key))


def _has_ref(text: str) -> bool:
    """True if the config loader would read ``${`` in ``text`` as a reference."""
    return "${" in text


def _shown_url(url: str) -> str:
    """A URL for a message: scheme, host, port and path only (no userinfo, no query)."""
    try:
        parts = urlsplit(url)
        host = parts.hostname or "?"
        port = f":{parts.port}" if parts.port is not None else ""
    except ValueError:
        return "(unparsable URL)"
    return f"{parts.scheme}://{host}{port}{parts.path}" + ("?..." if parts.query else "")


def _url_problem(url: str) -> str | None:
    """Why the config language refuses ``url`` as a webhook URL, or None."""
    if _has_ref(url):
        return "it contains '${', which the config loader reads as a reference"
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        _ = parts.port
    except ValueError:
        return "it is not a valid URL"
    if parts.scheme not in ("https", "http") or not host:
        return "it is not an absolute http(s) URL"
    if parts.scheme == "http" and host not in _LOCAL_HOSTS:
        return "the config language needs https (http only for localhost)"
    if parts.username is not None or parts.password is not None:
        return "it carries credentials in the URL"
    return None


# -- Postmark -----------------------------------------------------------------------------


def _import_postmark(
    doc: _Doc, source: ProviderSource, live: LiveState, raw: Mapping[str, Any] | None
) -> dict[str, Any]:
    pid = source.provider_id
    block = source.block
    assert isinstance(block, PostmarkProvider)
    out: dict[str, Any] = {"type": "postmark"}
    out["server_token"] = _ref(source.credentials["server_token"])
    doc.env[source.credentials["server_token"]] = EnvVar(
        source.credentials["server_token"], f"Postmark server API token ({pid})"
    )
    if "account_token" in source.credentials:
        name = source.credentials["account_token"]
        out["account_token"] = _ref(name)
        doc.env[name] = EnvVar(name, f"Postmark account API token ({pid}; optional checks)")
    if block.endpoint:
        out["endpoint"] = block.endpoint
    if block.default_sender:
        out["default_sender"] = block.default_sender
    server_name = live.facts.get("server_name")
    if server_name:
        what = f"Postmark server {_one_line(str(server_name))!r}"
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
            m.value for m in pm.TrackLinks
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

    streams_raw = list((raw or {}).get("message_streams") or [])
    if raw is not None:
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


def _postmark_server_warnings(doc: _Doc, pid: str, server: Mapping[str, Any]) -> None:
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


def _postmark_stream(doc: _Doc, pid: str, stream: Resource) -> dict[str, Any] | None:
    sid = stream.key
    name = str(stream.fields.get("name") or "")
    kind = str(stream.fields.get("type") or "")
    why = None
    if not _STREAM_ID.match(sid) or sid.startswith("pm-"):
        why = "its id is not one the config language accepts ([a-z0-9-], not pm-)"
    elif kind not in {t.value for t in pm.StreamType}:
        why = f"its type {kind!r} is not transactional or broadcasts"
    elif not name or len(name) > 100 or _has_ref(name):
        why = "its name is empty, longer than 100 characters or contains '${'"
    if why:
        doc.warn(pid, f"message stream {sid!r} not imported: {why}")
        return None
    spec: dict[str, Any] = {"type": kind, "name": name}
    description = stream.fields.get("description")
    if isinstance(description, str) and description:
        if len(description) > 1000 or _has_ref(description) or _HTML.search(description):
            doc.warn(
                pid,
                f"message stream {sid!r}: description left unmanaged (longer than 1000 "
                "characters, HTML, or '${')",
            )
        else:
            spec["description"] = description
    return spec


def _postmark_hook(
    doc: _Doc, pid: str, hook: Resource, stream_types: Mapping[str, str]
) -> _Hook | None:
    stream = hook.parent or ""
    url = hook.key[len(stream) + 1 :]
    what = f"webhook {_shown_url(url)} on stream {stream!r}"
    if " (duplicate ID " in hook.key:
        doc.warn(pid, f"{what} is a duplicate (same stream and URL); only the first is imported")
        return None
    if stream not in stream_types:
        reason = "the inbound stream" if stream == "inbound" else "a stream that is not imported"
        doc.warn(pid, f"{what} not imported: it is on {reason}, which espctl cannot declare")
        return None
    fields = hook.fields
    triggers = [str(t) for t in fields.get("triggers") or []]
    problem = _url_problem(url)
    headers = tuple(sorted((str(k), str(v)) for k, v in (fields.get("headers") or {}).items()))
    username = fields.get("basic_auth_username")
    unknown = [t for t in triggers if t not in pm.TRIGGER_TO_EVENT]
    events = frozenset(pm.TRIGGER_TO_EVENT[t] for t in triggers if t in pm.TRIGGER_TO_EVENT)
    if problem is None and not events:
        problem = "no trigger is enabled"
    if problem is None and unknown:
        problem = f"unknown triggers {', '.join(unknown)}"
    if problem is None and fields.get("include_content") == "mixed":
        problem = "IncludeContent differs between Bounce and SpamComplaint"
    if problem is None and (
        len(headers) > 30 or any(_has_ref(k) or _has_ref(v) for k, v in headers)
    ):
        problem = "its headers cannot be expressed (more than 30, or '${' in them)"
    if problem is None and isinstance(username, str) and _has_ref(username):
        problem = "its basic-auth user name contains '${'"
    if (
        problem is None
        and stream_types.get(stream) == "broadcasts"
        and events & pm.BROADCAST_FORBIDDEN
    ):
        problem = "Bounce/SpamComplaint triggers on a broadcast stream"
    if problem is not None:
        doc.warn(pid, f"{what} not imported: {problem}")
        return None
    password = fields.get("basic_auth_password")
    return _Hook(
        target=f"{pid}/{stream}",
        url=url,
        events=events,
        username=str(username) if username else None,
        password=password if isinstance(password, Secret) and username else None,
        headers=headers,
        first_open_only=bool(fields.get("first_open_only")),
        include_content=fields.get("include_content") is True,
    )


# -- Mailgun ------------------------------------------------------------------------------


def _import_mailgun(
    doc: _Doc,
    source: ProviderSource,
    live: LiveState,
    raw_tracking: Mapping[str, Mapping[str, Any]],
) -> dict[str, Any]:
    pid = source.provider_id
    block = source.block
    assert isinstance(block, MailgunProvider)
    out: dict[str, Any] = {"type": "mailgun", "api_key": _ref(source.credentials["api_key"])}
    doc.env[source.credentials["api_key"]] = EnvVar(
        source.credentials["api_key"], f"Mailgun private API key ({pid})"
    )
    out["region"] = block.region.value
    if block.endpoint:
        out["endpoint"] = block.endpoint
    if block.default_sender:
        out["default_sender"] = block.default_sender
    doc.comments[("providers", pid)] = f"Mailgun, {block.region.value.upper()} region"

    facts: Mapping[str, Any] = live.facts.get("domains") or {}
    by_kind: dict[str, dict[str, Resource]] = {}
    for resource in live.resources:
        by_kind.setdefault(resource.kind, {})[resource.key] = resource
    names: list[str] = []
    for name in sorted(by_kind.get(mg.KIND_DOMAIN, {})):
        if not _HOSTNAME.match(name):
            doc.warn(pid, f"domain {name!r} not imported: not a lower-case host name")
            continue
        if not (facts.get(name) or {}).get("exists", True):
            continue
        names.append(name)

    # tracking: per domain, the five keys (or _MISSING when a value cannot be written)
    values: dict[str, dict[str, Any]] = {}
    for name in names:
        tracking = by_kind.get(mg.KIND_TRACKING, {}).get(name)
        row: dict[str, Any] = {}
        for key in TRACKING_KEYS:
            value = tracking.fields.get(key, _MISSING) if tracking is not None else _MISSING
            if isinstance(value, str) and _has_ref(value):
                doc.warn(
                    pid,
                    f"domain {name!r}: tracking {key} contains '${{', which the config "
                    "loader reads as a reference; left unmanaged",
                )
                value = _MISSING
            row[key] = value
        values[name] = row
        if tracking is not None:
            doc.manage(tracking)
        raw = raw_tracking.get(name) or {}
        if (raw.get("open") or {}).get("place_at_the_top"):
            doc.warn(
                pid,
                f"domain {name!r}: open tracking place_at_the_top is on; espctl cannot express it",
            )
        scheme = (facts.get(name) or {}).get("web_scheme") or raw.get("web_scheme")
        if scheme == "http":
            doc.warn(
                pid,
                f"domain {name!r}: web_scheme is http (tracking links without TLS); espctl "
                "cannot express web_scheme",
            )
    defaults: dict[str, Any] = {}
    for key in TRACKING_KEYS:
        column = [values[n][key] for n in names]
        if not column or any(v is _MISSING for v in column):
            continue
        counts = Counter(_hashable(v) for v in column)
        best = max(counts.values())
        defaults[key] = next(v for v in column if counts[_hashable(v)] == best)
    if defaults:
        out["defaults"] = {"tracking": _tracking_spec(defaults)}
    domains: dict[str, Any] = {}
    for name in names:
        own = {
            k: v
            for k, v in values[name].items()
            if v is not _MISSING and (k not in defaults or _hashable(defaults[k]) != _hashable(v))
        }
        domains[name] = {"tracking": _tracking_spec(own)} if own else {}
        doc.manage(by_kind[mg.KIND_DOMAIN][name])
        doc.counts["domains"] += 1
        comment = _domain_comment(name, facts.get(name) or {})
        if comment:
            doc.comments[("providers", pid, "domains", name)] = comment
    out["domains"] = domains

    imported = set(names)
    for key, hook in sorted(by_kind.get(mg.KIND_WEBHOOK, {}).items()):
        domain, _, event_id = key.partition(" ")
        if domain not in imported:
            continue
        items = _mailgun_hooks(doc, pid, domain, event_id, hook)
        if items is not None:
            doc.hooks.extend(items)
            doc.manage(hook)
    return out


def _hashable(value: Any) -> tuple[str, Any]:
    return (type(value).__name__, value)


def _tracking_spec(values: Mapping[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    if "opens" in values:
        spec["opens"] = values["opens"]
    if "clicks" in values:
        spec["clicks"] = values["clicks"]
    unsub: dict[str, Any] = {}
    for key, name in (
        ("unsubscribe", "enabled"),
        ("unsubscribe_html_footer", "html_footer"),
        ("unsubscribe_text_footer", "text_footer"),
    ):
        if key in values:
            unsub[name] = values[key]
    if unsub:
        spec["unsubscribe"] = unsub
    return spec


def _domain_comment(name: str, facts: Mapping[str, Any]) -> str | None:
    notes = []
    if name.startswith("sandbox") and name.endswith(".mailgun.org"):
        notes.append("Mailgun sandbox domain (test sending to authorized recipients only)")
    state = facts.get("state")
    if state == "disabled":
        notes.append("disabled at Mailgun: it does not send")
    elif state and state != "active":
        notes.append(f"{state} at Mailgun: verify its DNS records before sending")
    elif facts and not facts.get("verified", True):
        notes.append("sending DNS records not valid: Mailgun may refuse to send")
    return "; ".join(notes) or None


def _mailgun_hooks(
    doc: _Doc, pid: str, domain: str, event_id: str, hook: Resource
) -> list[_Hook] | None:
    """One item per URL of a (domain, event) webhook, or None (whole webhook skipped)."""
    event = mg.WEBHOOK_TO_EVENT.get(event_id)
    if event is None:
        doc.warn(
            pid,
            f"domain {domain!r}: webhook event {event_id!r} has no espctl event name; not imported",
        )
        return None
    auth: Mapping[str, Mapping[str, Any]] = hook.fields.get("basic_auth") or {}
    items = []
    for url in hook.fields.get("urls") or []:
        creds = auth.get(url) or {}
        username = creds.get("username")
        problem = _url_problem(str(url))
        if problem is None and isinstance(username, str) and _has_ref(username):
            problem = "its basic-auth user name contains '${'"
        if problem is not None:
            doc.warn(
                pid,
                f"domain {domain!r}: {event_id} webhook not imported ({_shown_url(str(url))}: "
                f"{problem}); its URLs are left unmanaged together",
            )
            return None
        password = creds.get("password")
        items.append(
            _Hook(
                target=f"{pid}/{domain}",
                url=str(url),
                events=frozenset({event}),
                username=str(username) if username else None,
                password=password if isinstance(password, Secret) and username else None,
            )
        )
    return items


def _merge_items(hooks: Sequence[_Hook]) -> list[_Hook]:
    """Per (target, URL, credentials, options): one item with the union of events.

    Mailgun items arrive one per (domain, event, URL); this turns them into one per
    (domain, URL, credentials). Postmark items are unique per (stream, URL) already.
    """
    merged: dict[tuple[Any, ...], _Hook] = {}
    for hook in hooks:
        key = (hook.target, *hook.group_key()[:-1])
        old = merged.get(key)
        merged[key] = hook if old is None else replace(old, events=old.events | hook.events)
    return list(merged.values())


# -- webhook entries, names and passwords ------------------------------------------------


def _slug(text: str) -> str:
    return _SLUG.sub("-", text.lower()).strip("-")


def _url_names(urls: Sequence[str]) -> dict[str, str]:
    """A readable, unique base name per URL: its path, host-qualified on collisions."""
    short: dict[str, str] = {}
    for url in urls:
        parts = urlsplit(url)
        host = (parts.hostname or "").removeprefix("www.")
        path = _slug(parts.path)[:48].strip("-")
        short[url] = path or _slug(host)[:48].strip("-") or "webhook"
    clashes = Counter(short.values())
    names: dict[str, str] = {}
    for url in sorted(urls):
        name = short[url]
        if clashes[name] > 1:
            parts = urlsplit(url)
            host = _slug((parts.hostname or "").removeprefix("www."))
            port = f"-{parts.port}" if parts.port is not None else ""
            path = _slug(parts.path)
            name = "-".join(p for p in (host + port, path) if p)[:60].strip("-") or "webhook"
        names[url] = name
    return names


def _entries(doc: _Doc) -> list[_Entry]:
    """Group items into config entries: equal but for the target -> one entry."""
    hooks = _merge_items(doc.hooks)
    groups: dict[tuple[Any, ...], list[_Hook]] = {}
    for hook in hooks:
        groups.setdefault(hook.group_key(), []).append(hook)
    entries = []
    for members in groups.values():
        first = members[0]
        entries.append(
            _Entry(
                url=first.url,
                events=sorted(first.events, key=EVENT_ORDER.__getitem__),
                targets=sorted({m.target for m in members}),
                username=first.username,
                password=first.password,
                headers=first.headers,
                first_open_only=first.first_open_only,
                include_content=first.include_content,
            )
        )
    bases = _url_names(sorted({e.url for e in entries}))
    used: set[str] = set()
    passwords: dict[tuple[str, str | None, str], str] = {}
    out: list[_Entry] = []
    for url in sorted(bases, key=lambda u: (bases[u], u)):
        variants = sorted((e for e in entries if e.url == url), key=_Entry.order)
        n = 1
        for entry in variants:
            name = bases[url] if n == 1 else f"{bases[url]}-{n}"
            while name in used:
                n += 1
                name = f"{bases[url]}-{n}"
            n += 1
            used.add(name)
            entry.name = name
            if entry.username is not None and entry.password is not None:
                key = (url, entry.username, entry.password.reveal())
                if key not in passwords:
                    var = "ESPCTL_HOOK_" + _SLUG.sub("_", name.lower()).strip("_").upper()
                    var += "_PASSWORD"
                    while var in passwords.values():
                        var = var.removesuffix("_PASSWORD") + "_2_PASSWORD"
                    passwords[key] = var
                    doc.env[var] = EnvVar(
                        var, f"basic-auth password of webhook {name} (user {entry.username})"
                    )
                entry.password_var = passwords[key]
            out.append(entry)
    return sorted(out, key=lambda e: e.name)


def _webhook_spec(entry: _Entry) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "url": entry.url,
        "events": [e.value for e in entry.events],
        "targets": list(entry.targets),
    }
    if entry.username is not None and entry.password_var is not None:
        spec["basic_auth"] = {"username": entry.username, "password": _ref(entry.password_var)}
    if entry.headers:
        spec["headers"] = dict(entry.headers)
    options: dict[str, Any] = {}
    if entry.first_open_only:
        options["first_open_only"] = True
    if entry.include_content:
        options["include_content"] = True
    if options:
        spec["postmark"] = options
    return spec


def _ref(name: str) -> str:
    return "${env:" + name + "}"


def _one_line(text: str) -> str:
    return " ".join(text.split())


# -- reading ------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Snapshot:
    live: LiveState
    raw: Mapping[str, Any] | None = None
    raw_tracking: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)


async def _read(provider_id: str, provider: Provider, block: Any) -> _Snapshot:
    if isinstance(block, MailgunProvider):
        listing = await provider.read(())
        names = sorted(str(n) for n in listing.facts.get("all_domains") or [])
        wanted = [Resource(provider_id, mg.KIND_DOMAIN, name, {}) for name in names]
        live, raw = await asyncio.gather(
            provider.read(wanted),
            _mailgun_tracking(provider, names),
        )
        return _Snapshot(live, raw_tracking=raw)
    if isinstance(provider, PostmarkApi):
        live, settings = await asyncio.gather(provider.read(()), provider.read_settings())
        return _Snapshot(live, raw=settings)
    return _Snapshot(await provider.read(()))


async def _mailgun_tracking(provider: Provider, names: Sequence[str]) -> dict[str, dict[str, Any]]:
    if not isinstance(provider, MailgunApi):
        return {}
    found = await asyncio.gather(*(provider.read_tracking_settings(n) for n in names))
    return dict(zip(names, found, strict=True))


# -- the public entry point ---------------------------------------------------------------


async def import_providers(
    providers: Mapping[str, Provider],
    sources: Sequence[ProviderSource],
    *,
    notify: Notify = _quiet,
    schema_ref: str = SCHEMA_REF,
) -> ImportResult:
    """Read the named providers and return the config that declares what is live.

    ``providers`` maps provider ids to clients (e.g. from :func:`espctl.api.providers_for`);
    only the ids in ``sources`` are read. The result's text has been loaded with the
    real config loader and its desired state checked equal to the live read, resource by
    resource; a difference raises :class:`ImportFailed` (a bug: please report it).
    """
    if not sources:
        raise ImportFailed("name at least one provider to import (--provider ID)")
    missing = [s.provider_id for s in sources if s.provider_id not in providers]
    if missing:
        raise ImportFailed(f"no provider client for: {', '.join(missing)}")
    ordered = sorted(sources, key=lambda s: s.provider_id)
    notify(f"reading live state from {', '.join(s.provider_id for s in ordered)}...")
    snapshots = await asyncio.gather(
        *(_read(s.provider_id, providers[s.provider_id], s.block) for s in ordered)
    )
    doc = _Doc()
    blocks: dict[str, Any] = {}
    for source, snap in zip(ordered, snapshots, strict=True):
        if isinstance(source.block, PostmarkProvider):
            blocks[source.provider_id] = _import_postmark(doc, source, snap.live, snap.raw)
        else:
            blocks[source.provider_id] = _import_mailgun(doc, source, snap.live, snap.raw_tracking)
    entries = _entries(doc)
    data: dict[str, Any] = {"version": 1, "providers": blocks}
    if entries:
        data["webhooks"] = {e.name: _webhook_spec(e) for e in entries}
    doc.data = data
    doc.counts["webhooks"] = len(entries)
    text = render(doc.data, doc.comments, _header(ordered, doc, schema_ref))
    live = {s.provider_id: snap.live for s, snap in zip(ordered, snapshots, strict=True)}
    config = verify(text, doc, entries, live)
    credentials = {name for s in ordered for name in s.credentials.values()}
    env = tuple(sorted(doc.env.values(), key=lambda v: (v.name not in credentials, v.name)))
    return ImportResult(text, tuple(doc.warnings), env, dict(doc.counts), config)


def _header(sources: Sequence[ProviderSource], doc: _Doc, schema_ref: str) -> list[str]:
    described = []
    for s in sources:
        kind = "Postmark server" if isinstance(s.block, PostmarkProvider) else "Mailgun account"
        described.append(f"{s.provider_id} ({kind})")
    lines = [
        f"{MODELINE}{schema_ref}",
        "#",
        *(
            f"# {line}"
            for line in textwrap.wrap(
                f"Written by `espctl import` from the live settings of {', '.join(described)}."
                " With the variables below set (webhook passwords to their current values),"
                " `espctl plan` shows no changes. Routing and policy are yours to add.",
                86,
            )
        ),
        "#",
        "# Credentials and webhook passwords come only from the environment:",
    ]
    lines.extend(f"#   {line}" for line in textwrap.wrap(", ".join(sorted(doc.env)), 84))
    return lines


# -- rendering ----------------------------------------------------------------------------

_WIDTH = 2**30


def _scalar(value: Any, *, in_flow: bool = False) -> str:
    """One scalar as YAML that reads back as exactly ``value``.

    ``${env:...}`` references are always double-quoted; strings with line breaks or
    other characters PyYAML would fold go double-quoted with escapes, on one line;
    everything else gets PyYAML's own choice for the context (flow or block).
    """
    if isinstance(value, str) and _ENV_REF.match(value):
        return f'"{value}"'
    if value is None or isinstance(value, bool | int | float):
        return yaml.safe_dump(value, default_flow_style=True).removesuffix("\n...\n").strip()
    text = str(value)
    if not text.isprintable() or text != text.strip(" "):
        dumped = yaml.safe_dump(text, default_style='"', allow_unicode=True, width=_WIDTH)
        return dumped.rstrip("\n")
    if in_flow:
        # inside a flow sequence PyYAML also quotes the flow indicators , [ ] { }
        dumped = yaml.safe_dump([text], default_flow_style=True, allow_unicode=True, width=_WIDTH)
        dumped = dumped.strip()
        assert dumped.startswith("[") and dumped.endswith("]")
        return dumped[1:-1]
    dumped = yaml.safe_dump(text, allow_unicode=True, width=_WIDTH)
    return dumped.removesuffix("\n...\n").rstrip("\n")


def _flow(value: Any) -> str:
    if isinstance(value, dict):
        items = (f"{_scalar(k, in_flow=True)}: {_flow(v)}" for k, v in value.items())
        return "{" + ", ".join(items) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(_flow(v) for v in value) + "]"
    return _scalar(value, in_flow=True)


def _has_comment(comments: Mapping[Path, str], path: Path) -> bool:
    return any(p[: len(path)] == path and len(p) > len(path) for p in comments)


def _emit(
    value: Mapping[str, Any], indent: int, path: Path, comments: Mapping[Path, str], width: int
) -> list[str]:
    lines: list[str] = []
    pad = " " * indent
    for key, child in value.items():
        here = (*path, key)
        note = comments.get(here)
        suffix = f"  # {_one_line(note)}" if note else ""
        head = f"{pad}{_scalar(key)}:"
        nested = isinstance(child, dict) and child
        depth = _depth(child)
        small = depth == 1 or (depth == 2 and here[-1] == "tracking")
        if nested and small and len(here) >= 3 and not _has_comment(comments, here):
            flowed = f"{head} {_flow(child)}"
            if len(flowed) + len(suffix) <= width:
                lines.append(flowed + suffix)
                continue
        if nested:
            lines.append(head + suffix)
            lines.extend(_emit(child, indent + 2, here, comments, width))
        else:
            shown = _flow(child) if isinstance(child, dict | list) else _scalar(child)
            lines.append(f"{head} {shown}{suffix}")
    return lines


def _depth(value: Any) -> int:
    if isinstance(value, dict):
        return 1 + max((_depth(v) for v in value.values()), default=0)
    return 0


def render(data: Mapping[str, Any], comments: Mapping[Path, str], header: Sequence[str]) -> str:
    """The YAML text: header comment, then sections separated by blank lines.

    Nested mappings fit on one line as flow mappings when short (like the examples);
    strings go through PyYAML's own quoting (newlines, ``%``, ``:`` and friends come back
    exactly) and ``${env:...}`` references are always double-quoted.
    """
    lines = list(header)
    for key, value in data.items():
        lines.append("")
        if isinstance(value, dict) and value:
            lines.append(f"{_scalar(key)}:")
            for i, (sub, child) in enumerate(value.items()):
                if i and key == "providers":
                    lines.append("")
                lines.extend(_emit({sub: child}, 2, (key,), comments, 100))
        else:
            lines.append(f"{_scalar(key)}: {_flow(value)}")
    return "\n".join(lines) + "\n"


# -- the round-trip proof -----------------------------------------------------------------


def verify(
    text: str, doc: _Doc, entries: Sequence[_Entry], live: Mapping[str, LiveState]
) -> Config:
    """Load ``text`` with the real loader and check its desired state equals the live one.

    The variables are supplied in memory: placeholders for credentials (the desired
    state holds none), the live passwords for webhook basic auth.
    """
    env: dict[str, str] = {name: "import-check" for name in doc.env}
    for entry in entries:
        if entry.password_var is not None and entry.password is not None:
            env[entry.password_var] = entry.password.reveal()
    try:
        loaded = load_config_text(text, "<import>", env=env)
    except ConfigError as exc:
        raise ImportFailed(
            "the imported config does not load (an espctl bug, please report it):\n"
            + "\n".join(p.render() for p in exc.problems)
        ) from exc
    desired = desired_state(loaded.config)
    problems: list[str] = []
    for pid, state in live.items():
        have = {(r.kind, r.key): r for r in state.resources}
        want = {(r.kind, r.key): r for r in desired.get(pid, [])}
        for ident, resource in sorted(want.items()):
            current = have.get(ident)
            if current is None:
                problems.append(f"{resource.address}: declared but not live")
                continue
            for name in sorted(resource.fields):
                if resource.fields[name] != current.fields.get(name):
                    problems.append(f"{resource.address}: field {name} differs")
        for ident in sorted(doc.managed.get(pid, set()) - set(want)):
            problems.append(f"{pid}:{ident[0]}:{ident[1]}: live but not declared")
    if problems:
        raise ImportFailed(
            "the imported config would not round-trip (an espctl bug, please report it):\n  "
            + "\n  ".join(problems)
        )
    return loaded.config
