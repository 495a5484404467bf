"""Postmark webhooks read (``plan``, ``import``, ``report``): live JSON to resources.

A hook's basic auth is ``HttpAuth`` or URL userinfo (one setting); its key holds the URL
without credentials (:func:`espctl.model.urls.url_identity`), or the config's masked URL
when the live one is exactly the config's; later copies of a hook (same key) are marked
as duplicates of the oldest.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from espctl.model.common import BasicAuth, Secret
from espctl.model.resources import Resource
from espctl.model.urls import SplitUrl, split_userinfo
from espctl.providers.postmark import resources as pm
from espctl.providers.postmark.config import PostmarkWebhookOptions
from espctl.providers.postmark.webhooks import TRIGGERS


def live_webhooks(
    provider_id: str, hooks: Iterable[Mapping[str, Any]], desired: Sequence[Resource]
) -> list[Resource]:
    """Every live webhook as a resource, oldest first; later copies as duplicates."""
    aliases = _url_aliases(desired)
    seen: set[str] = set()
    out = []
    for hook in sorted(hooks, key=_hook_age):
        resource = _webhook_resource(provider_id, hook, aliases)
        if resource.key in seen:
            # a later copy (two applies at once, or made by hand): the oldest is the
            # webhook; this one is a duplicate, which plan removes when it is managed
            key = f"{resource.key} (duplicate ID {resource.ref})"
            resource = replace(resource, key=key, duplicate_of=resource.key)
        seen.add(resource.key)
        out.append(resource)
    return out


def _webhook_resource(
    provider_id: str, hook: Mapping[str, Any], aliases: Mapping[tuple[str, str], str]
) -> Resource:
    triggers = hook.get("Triggers") or {}
    enabled = [t for t in TRIGGERS if (triggers.get(t) or {}).get("Enabled")]
    stream = str(hook.get("MessageStream") or "outbound")
    url = split_userinfo(str(hook.get("Url") or ""))
    basic = _basic_auth(hook.get("HttpAuth") or {}, url)
    headers = [(str(h.get("Name")), str(h.get("Value"))) for h in hook.get("HttpHeaders") or []]
    content = [
        bool((triggers.get(t) or {}).get("IncludeContent"))
        for t in ("Bounce", "SpamComplaint")
        if t in enabled
    ]
    options = PostmarkWebhookOptions(
        first_open_only=bool((triggers.get("Open") or {}).get("PostFirstOpenOnly")),
        include_content=bool(content) and all(content),
    )
    resource = pm.webhook_resource(
        provider_id,
        stream,
        url.url,
        enabled,
        basic,
        headers,
        options,
        ref=str(hook.get("ID")),
        identity=aliases.get((stream, url.url)),
    )
    if content and any(content) and not all(content):
        # mixed IncludeContent cannot be said in config: show it as a difference
        resource = replace(resource, fields=dict(resource.fields, include_content="mixed"))
    return resource


#: the password of a webhook whose URL userinfo and HttpAuth disagree: equal to nothing a
#: config can hold (no environment value contains NUL), so plan proposes to set it
CONFLICTING_AUTH = "\x00URL userinfo and HttpAuth differ"


def _basic_auth(auth: Mapping[str, Any], url: SplitUrl) -> BasicAuth | None:
    """A live webhook's basic auth: ``HttpAuth`` and URL userinfo are one setting.

    Postmark's docs tell users to put ``user:password@`` in the webhook URL; the API also
    has ``HttpAuth``. Either means basic auth; both equal is the same; both set and
    different cannot be said in config, so it reads as a password matching nothing.
    ``{null, null}``, absent and ``""`` all mean "no auth" (ESP-API.md 1.6).
    """
    username = auth.get("Username") or None
    password = str(auth.get("Password") or "")
    if url.username:
        if username is None:
            username, password = url.username, url.password or ""
        elif (username, password) != (url.username, url.password or ""):
            password = CONFLICTING_AUTH
    if not username:
        return None
    return BasicAuth(username=str(username), password=Secret(password))


def _hook_age(hook: Mapping[str, Any]) -> tuple[int, str]:
    """Oldest first: Postmark's webhook IDs grow with creation."""
    ref = str(hook.get("ID"))
    return (int(ref), ref) if ref.isdigit() else (1 << 62, ref)


def _url_aliases(desired: Sequence[Resource]) -> dict[tuple[str, str], str]:
    """(stream, real URL) -> identity URL of config webhooks whose key masks a part.

    A URL with an environment value in it (``/hooks/${env:PATH_TOKEN}``) is keyed with
    that part masked; a live webhook at exactly that URL must get the same key.
    """
    aliases: dict[tuple[str, str], str] = {}
    for r in desired:
        url = r.fields.get("url") if r.kind == pm.KIND_WEBHOOK else None
        if isinstance(url, Secret) and r.parent is not None:
            aliases[(r.parent, url.reveal())] = r.key[len(r.parent) + 1 :]
    return aliases
