"""Webhook items grouped into config entries, with readable names and password variables.

Items equal in everything but target become one entry with the union of targets.
Entry names come from the URL path (``/esp/events`` -> ``esp-events``; the host is
added when two URLs share a path; a URL with several entries gets ``-2``, ``-3``... in
target order). Basic-auth passwords become one ``ESPCTL_HOOK_<ENTRY>_PASSWORD``
variable per distinct (URL, user, password).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlsplit

from espctl.importer.document import _SLUG, EVENT_ORDER, EnvVar, _Doc, _Hook, _ref
from espctl.model.common import Event, Secret


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
