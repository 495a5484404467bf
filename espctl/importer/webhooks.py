"""Webhook items grouped into config entries, with readable names and password variables.

Items equal in everything but target become one entry with the union of targets.
Entry names come from the URL path (``/esp/events`` -> ``esp-events``; the host is
added when two URLs share a path; a URL with several entries gets ``-2``, ``-3``... in
target order). Basic-auth passwords become one ``ESPCTL_HOOK_<ENTRY>_PASSWORD``
variable per distinct (URL, user, password).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import unquote_plus, urlsplit

from espctl.config.models import Config
from espctl.model.common import Event, Secret
from espctl.model.resources import MIN_CONTAINED, plain
from espctl.model.urls import credential_query, url_identity
from espctl.providers.kit.importing import (
    EVENT_ORDER,
    SLUG,
    WEBHOOK_NAME,
    EnvVar,
    HookOptions,
    ImportDoc,
    ImportHook,
    ref,
)


@dataclass
class _Entry:
    url: str
    events: list[Event]
    targets: list[str]
    username: str | None
    password: Secret | None
    headers: tuple[tuple[str, str | Secret], ...]
    options: HookOptions | None
    #: the name the provider keeps for it (``ImportHook.name``), used when free
    preferred: str | None = None
    name: str = ""
    password_var: str | None = None
    #: credential query parameter -> variable; credential header -> variable
    query_vars: dict[str, str] = field(default_factory=dict)
    header_vars: dict[str, str] = field(default_factory=dict)
    #: variable -> its value, for the round-trip check only (never written)
    secrets: dict[str, str] = field(default_factory=dict)

    def order(self) -> tuple[Any, ...]:
        return (
            self.targets,
            [EVENT_ORDER[e] for e in self.events],
            self.username or "",
            tuple((name, str(plain(value))) for name, value in self.headers),
            self.options.values if self.options is not None else (),
        )


# -- webhook entries, names and passwords ------------------------------------------------


def _slug(text: str) -> str:
    return SLUG.sub("-", text.lower()).strip("-")


def _url_names(urls: Sequence[str], hidden: Collection[str] = ()) -> dict[str, str]:
    """A readable, unique base name per URL: its path, host-qualified on collisions.

    Values in ``hidden`` (the config's environment values) never reach a name.
    """
    short: dict[str, str] = {}
    for url in urls:
        parts = urlsplit(_without_values(url, hidden))
        host = (parts.hostname or "").removeprefix("www.")
        path = _slug(parts.path)[:48].strip("-")
        short[url] = path or _slug(host)[:48].strip("-") or "webhook"
    clashes = Counter(short.values())
    names: dict[str, str] = {}
    for url in sorted(urls):
        name = short[url]
        if clashes[name] > 1:
            parts = urlsplit(_without_values(url, hidden))
            host = _slug((parts.hostname or "").removeprefix("www."))
            port = f"-{parts.port}" if parts.port is not None else ""
            path = _slug(parts.path)
            name = "-".join(p for p in (host + port, path) if p)[:60].strip("-") or "webhook"
        names[url] = name
    return names


def _without_values(url: str, hidden: Collection[str]) -> str:
    for value in sorted(hidden, key=len, reverse=True):
        if len(value) >= MIN_CONTAINED:
            url = url.replace(value, "env")
    return url


@dataclass(frozen=True)
class KnownWebhook:
    """A webhook entry of an existing config: its name and password variable are kept."""

    name: str
    url: str  # as loaded: environment values substituted
    targets: frozenset[str]
    password_var: str | None


def known_webhooks(config: Config) -> tuple[KnownWebhook, ...]:
    """The webhook entries of ``config``, for an import that keeps their names."""
    return tuple(
        KnownWebhook(
            name,
            str(spec.url),
            frozenset(spec.targets),
            spec.basic_auth.password.source if spec.basic_auth else None,
        )
        for name, spec in config.webhooks.items()
    )


def _match_known(doc: ImportDoc, entries: Sequence[_Entry]) -> dict[int, KnownWebhook]:
    """Each entry whose URL (credentials aside) an existing config's entry has -> that
    entry; each known entry is used once. Where one URL has several entries, the pairs
    that agree on having basic auth and share the most targets are matched first."""
    hidden = list(doc.references)
    pairs = []
    for index, entry in enumerate(sorted(entries, key=lambda e: (e.url, e.order()))):
        identity = url_identity(entry.url, hidden)
        for rank, known in enumerate(doc.known):
            if url_identity(known.url, hidden) != identity:
                continue
            auth = (entry.password is not None) == (known.password_var is not None)
            overlap = len(known.targets & set(entry.targets))
            pairs.append(((not auth, -overlap, index, rank), entry, known))
    matched: dict[int, KnownWebhook] = {}
    taken: set[str] = set()
    for _, entry, known in sorted(pairs, key=lambda pair: pair[0]):
        if id(entry) not in matched and known.name not in taken:
            matched[id(entry)] = known
            taken.add(known.name)
    return matched


def _entries(doc: ImportDoc) -> list[_Entry]:
    """Group items into config entries: equal but for the target -> one entry."""
    # one item per (target, URL) already: a Postmark webhook, a Mailgun URL and its events
    hooks = doc.hooks
    groups: dict[tuple[Any, ...], list[ImportHook]] = {}
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
                options=first.options,
                preferred=first.name,
            )
        )
    bases = _url_names(sorted({e.url for e in entries}), list(doc.references))
    known = _match_known(doc, entries)
    used: set[str] = {k.name for k in known.values()}
    # a provider's own name (one entry only) is that entry's: no URL-made name takes it
    wanted = Counter(
        e.preferred for e in entries if e.preferred and WEBHOOK_NAME.match(e.preferred)
    )
    reserved = {name for name, n in wanted.items() if n == 1}
    used -= reserved
    passwords: dict[tuple[str, str | None, str], str] = {}
    credentials: dict[tuple[str, str, str], str] = {}
    out: list[_Entry] = []
    for url in sorted(bases, key=lambda u: (bases[u], u)):
        variants = sorted((e for e in entries if e.url == url), key=_Entry.order)
        n = 1
        for entry in variants:
            mine = known.get(id(entry))
            if entry.preferred in reserved:
                # the provider keeps the entry's name (SendGrid friendly_name): only that
                # name declares it as live
                name = entry.preferred
            elif mine is not None:
                name = mine.name  # the existing config's name for this webhook
            else:
                name = bases[url] if n == 1 else f"{bases[url]}-{n}"
                while name in used or name in reserved:
                    n += 1
                    name = f"{bases[url]}-{n}"
                n += 1
            used.add(name)
            entry.name = name
            if entry.username is not None and entry.password is not None:
                key = (url, entry.username, entry.password.reveal())
                config_var = doc.references.get(key[2])
                if key not in passwords and mine is not None and mine.password_var:
                    config_var = mine.password_var  # the config's variable, whatever it holds
                if key not in passwords and config_var is not None:
                    passwords[key] = config_var  # the config's own variable holds it
                    doc.values[config_var] = key[2]
                    doc.env.setdefault(
                        config_var, EnvVar(config_var, f"basic-auth password of webhook {name}")
                    )
                if key not in passwords:
                    var = "ESPCTL_HOOK_" + SLUG.sub("_", name.lower()).strip("_").upper()
                    var += "_PASSWORD"
                    while var in passwords.values():
                        var = var.removesuffix("_PASSWORD") + "_2_PASSWORD"
                    passwords[key] = var
                    doc.env[var] = EnvVar(
                        var, f"basic-auth password of webhook {name} (user {entry.username})"
                    )
                entry.password_var = passwords[key]
            _credential_vars(doc, entry, credentials)
            out.append(entry)
    return sorted(out, key=lambda e: e.name)


def _credential_vars(doc: ImportDoc, entry: _Entry, known: dict[tuple[str, str, str], str]) -> None:
    """A variable per credential query value and credential header of an entry.

    Named ``ESPCTL_HOOK_<ENTRY>_<PARAMETER or HEADER>``; one variable per distinct
    (name, value), shared by entries that use the same one. A query variable holds the
    value exactly as it appears in the URL (percent-encoding included).
    """
    base = "ESPCTL_HOOK_" + SLUG.sub("_", entry.name.lower()).strip("_").upper()

    def variable(label: str, value: str, purpose: str) -> str:
        key = (purpose, label, value)
        if key not in known and value in doc.references:  # the config names it already
            known[key] = doc.references[value]
            doc.env.setdefault(known[key], EnvVar(known[key], f"{purpose} of webhook {entry.name}"))
        if key not in known:
            var = f"{base}_{SLUG.sub('_', label.lower()).strip('_').upper() or 'SECRET'}"
            while var in doc.env:
                var += "_2"
            known[key] = var
            doc.env[var] = EnvVar(var, f"{purpose} of webhook {entry.name}")
        entry.secrets[known[key]] = value
        return known[key]

    for name, value in credential_query(entry.url):
        entry.query_vars[name] = variable(name, value, f"query parameter {name!r}")
    for name, header in entry.headers:
        if isinstance(header, Secret):
            entry.header_vars[name] = variable(name, header.reveal(), f"header {name!r}")


def _written_url(entry: _Entry) -> str:
    """The entry's URL with each credential query value replaced by its variable."""
    if not entry.query_vars:
        return entry.url
    head, _, rest = entry.url.partition("?")
    query, hash_, fragment = rest.partition("#")
    parts = []
    for part in query.split("&"):
        name, eq, value = part.partition("=")
        var = entry.query_vars.get(unquote_plus(name))
        parts.append(f"{name}={ref(var)}" if eq and value and var else part)
    return f"{head}?{'&'.join(parts)}{hash_}{fragment}"


def _webhook_spec(entry: _Entry) -> dict[str, Any]:
    spec: dict[str, Any] = {
        "url": _written_url(entry),
        "events": [e.value for e in entry.events],
        "targets": list(entry.targets),
    }
    if entry.username is not None and entry.password_var is not None:
        spec["basic_auth"] = {"username": entry.username, "password": ref(entry.password_var)}
    if entry.headers:
        spec["headers"] = {
            name: ref(entry.header_vars[name]) if name in entry.header_vars else value
            for name, value in entry.headers
        }
    if entry.options is not None and entry.options.written:
        spec[entry.options.provider_type] = dict(entry.options.written)
    return spec
