"""Mailgun's live state as config: the provider block, its domains and webhook items.

Every domain of the account's region (with a comment for sandbox, disabled and
unverified ones), tracking lifted into ``defaults`` by :mod:`.mailgun_tracking`, and
one webhook item per live URL with its events: a domain's (target ``<id>/<domain>``) or
an account-level webhook (target ``<id>`` alone).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from espctl.model.common import Secret
from espctl.model.resources import Resource
from espctl.providers.kit.importing import (
    ImportDoc,
    ImportHook,
    ProviderSource,
    as_written,
    live_hook_url,
    shown_url,
)
from espctl.providers.kit.protocol import Snapshot
from espctl.providers.kit.rules import HOSTNAME
from espctl.providers.mailgun import resources as mg
from espctl.providers.mailgun.config import MailgunProvider
from espctl.providers.mailgun.events import WEBHOOK_TO_EVENT
from espctl.providers.mailgun.tracking_import import (
    domain_tracking,
    lifted_defaults,
    overrides,
    tracking_spec,
)


def import_mailgun(doc: ImportDoc, source: ProviderSource, snapshot: Snapshot) -> dict[str, Any]:
    """The block declaring a Mailgun account as live (see :mod:`espctl.importer`)."""
    pid = source.provider_id
    block = source.block
    assert isinstance(block, MailgunProvider)
    live = snapshot.live
    raw_tracking: Mapping[str, Mapping[str, Any]] = snapshot.raw.get("tracking") or {}
    out: dict[str, Any] = {
        "type": "mailgun",
        "api_key": doc.credential(source, "api_key", f"Mailgun private API key ({pid})"),
    }
    out["region"] = block.region.value
    if block.endpoint:
        out["endpoint"] = as_written(block.endpoint)
    if block.default_sender:
        out["default_sender"] = as_written(block.default_sender)
    doc.comments[("providers", pid)] = f"Mailgun, {block.region.value.upper()} region"

    facts: Mapping[str, Any] = live.facts.get("domains") or {}
    by_kind: dict[str, dict[str, Resource]] = {}
    for resource in live.resources:
        by_kind.setdefault(resource.kind, {})[resource.key] = resource
    names: list[str] = []
    for name in sorted(by_kind.get(mg.KIND_DOMAIN, {})):
        if not HOSTNAME.match(name):
            doc.warn(pid, f"domain {name!r} not imported: not a lower-case host name")
            continue
        if not (facts.get(name) or {}).get("exists", True):
            continue
        names.append(name)

    values = domain_tracking(
        doc, pid, names, by_kind.get(mg.KIND_TRACKING, {}), facts, raw_tracking
    )
    defaults = lifted_defaults(names, values)
    if defaults:
        out["defaults"] = {"tracking": tracking_spec(defaults)}
    domains: dict[str, Any] = {}
    for name in names:
        own = overrides(values[name], defaults)
        domains[name] = {"tracking": tracking_spec(own)} if own else {}
        doc.manage(by_kind[mg.KIND_DOMAIN][name])
        doc.counts["domains"] += 1
        comment = _domain_comment(name, facts.get(name) or {})
        if comment:
            doc.comments[("providers", pid, "domains", name)] = comment
    out["domains"] = domains

    imported = set(names)
    for _, hook in sorted(by_kind.get(mg.KIND_WEBHOOK, {}).items()):
        if hook.parent not in imported:
            continue
        item = _mailgun_hook(doc, pid, f"{pid}/{hook.parent}", f"domain {hook.parent!r}", hook)
        if item is not None:
            doc.hooks.append(item)
            doc.manage(hook)
    for _, hook in sorted(by_kind.get(mg.KIND_ACCOUNT_WEBHOOK, {}).items()):
        item = _mailgun_hook(doc, pid, pid, "account level", hook)
        if item is not None:
            doc.hooks.append(item)
            doc.manage(hook)
    return out


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


def _mailgun_hook(
    doc: ImportDoc, pid: str, target: str, where: str, hook: Resource
) -> ImportHook | None:
    """One item for a live webhook URL (domain or account level), or None (left unmanaged)."""
    key = hook.duplicate_of if hook.duplicate_of is not None else hook.key
    shown = key.removeprefix(f"{hook.parent} ") if hook.parent else key
    if hook.duplicate_of is not None:
        doc.warn(
            pid,
            f"{where}: a second webhook URL {shown_url(shown)} with other credentials "
            "not imported (one URL per target); plan lists it as a copy to remove",
        )
        return None
    events = [WEBHOOK_TO_EVENT.get(e) for e in mg.events_of(hook)]
    unknown = sorted(e for e in mg.events_of(hook) if e not in WEBHOOK_TO_EVENT)
    if unknown:
        doc.warn(
            pid,
            f"{where}: webhook event {unknown[0]!r} has no espctl event name; "
            f"{shown_url(shown)} not imported",
        )
        return None
    url, username, problem = live_hook_url(hook, shown)
    if problem is not None:
        doc.warn(
            pid, f"{where}: webhook {shown_url(str(url))} not imported ({problem}); left unmanaged"
        )
        return None
    password = hook.fields.get("basic_auth_password")
    return ImportHook(
        target=target,
        url=url,
        events=frozenset(e for e in events if e is not None),
        username=username,
        password=password if isinstance(password, Secret) and username else None,
    )
