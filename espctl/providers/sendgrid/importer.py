"""SendGrid's live state as config: the provider block (region, subuser, tracking as
live, the authenticated domains) and one webhook item per live Event Webhook (target:
the provider id alone; the entry is named after the webhook's ``friendly_name`` when it
can be; the legacy single webhook, which holds none, is read for import with the name
:func:`~espctl.providers.sendgrid.webhooks.legacy_entry_name` gives it)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from espctl.model.common import Secret
from espctl.model.resources import Resource, plain
from espctl.providers.kit.importing import (
    WEBHOOK_NAME,
    HookOptions,
    ImportDoc,
    ImportHook,
    ProviderSource,
    as_written,
    live_hook_url,
    shown_url,
)
from espctl.providers.kit.protocol import Snapshot
from espctl.providers.kit.rules import HOSTNAME
from espctl.providers.sendgrid import resources as sg
from espctl.providers.sendgrid.config import SendGridProvider
from espctl.providers.sendgrid.events import EVENT_FLAGS, FLAG_TO_EVENT

#: config key -> (setting, API field), per tracking block
_TRACKING_KEYS: dict[str, tuple[tuple[str, str], ...]] = {
    "clicks": (("enabled", "enabled"), ("text", "enable_text")),
    "subscription": (
        ("enabled", "enabled"),
        ("html", "html_content"),
        ("text", "plain_content"),
        ("replace_tag", "replace"),
        ("url", "url"),
        ("landing", "landing"),
    ),
    "google_analytics": tuple(
        (k, k)
        for k in (
            "enabled",
            "utm_source",
            "utm_medium",
            "utm_term",
            "utm_content",
            "utm_campaign",
        )
    ),
}
_SETTING = {
    "clicks": "click",
    "subscription": "subscription",
    "google_analytics": "google_analytics",
}


def import_sendgrid(doc: ImportDoc, source: ProviderSource, snapshot: Snapshot) -> dict[str, Any]:
    """The block declaring a SendGrid account as live (see :mod:`espctl.importer`)."""
    pid = source.provider_id
    block = source.block
    assert isinstance(block, SendGridProvider)
    live = snapshot.live
    out: dict[str, Any] = {
        "type": "sendgrid",
        "api_key": doc.credential(source, "api_key", f"SendGrid API key ({pid})"),
        "region": block.region.value,
    }
    if block.endpoint:
        out["endpoint"] = as_written(block.endpoint)
    if block.subuser:
        out["subuser"] = as_written(block.subuser)
    if block.default_sender:
        out["default_sender"] = as_written(block.default_sender)
    who = f"subuser {block.subuser}" if block.subuser else "account"
    doc.comments[("providers", pid)] = f"SendGrid {who}, {block.region.value} region"

    by_kind: dict[str, dict[str, Resource]] = {}
    for resource in live.resources:
        by_kind.setdefault(resource.kind, {})[resource.key] = resource
    tracking = _tracking(by_kind.get(sg.KIND_TRACKING, {}))
    if tracking:
        out["tracking"] = tracking
        for resource in by_kind.get(sg.KIND_TRACKING, {}).values():
            doc.manage(resource)

    facts: Mapping[str, Any] = live.facts.get("all_domains") or {}
    domains = []
    for name in sorted(facts):
        if not HOSTNAME.match(name):
            doc.warn(pid, f"authenticated domain {name!r} not imported: not a lower-case host name")
            continue
        domains.append(name)
        doc.counts["domains"] += 1
        if not (facts.get(name) or {}).get("valid"):
            doc.comments[("providers", pid, "domains")] = (
                "some DNS records do not validate at SendGrid: see `espctl test`"
            )
    if domains:
        out["domains"] = domains

    for _, hook in sorted(by_kind.get(sg.KIND_WEBHOOK, {}).items()):
        item = _hook(doc, pid, hook)
        if item is not None:
            doc.hooks.append(item)
            doc.manage(hook)
    return out


def _tracking(settings: Mapping[str, Resource]) -> dict[str, Any]:
    """The tracking block as live: every setting espctl manages, every field it knows."""
    out: dict[str, Any] = {}
    opens = settings.get("open")
    if opens is not None and isinstance(opens.fields.get("enabled"), bool):
        out["opens"] = opens.fields["enabled"]
    for key, pairs in _TRACKING_KEYS.items():
        resource = settings.get(_SETTING[key])
        if resource is None:
            continue
        values = {
            name: plain(resource.fields[field])
            for name, field in pairs
            if resource.fields.get(field) is not None
        }
        if values:
            out[key] = values
    return out


def _hook(doc: ImportDoc, pid: str, hook: Resource) -> ImportHook | None:
    """One item for a live Event Webhook, or None (left unmanaged, with a warning)."""
    if hook.duplicate_of is not None:
        doc.warn(
            pid,
            f"a second Event Webhook for {shown_url(hook.duplicate_of)} not imported (one "
            "webhook per URL); plan lists it as a copy to remove",
        )
        return None
    flags = {str(f) for f in hook.fields.get("events") or ()}
    events = {FLAG_TO_EVENT[f] for f in flags if f in FLAG_TO_EVENT}
    # a webhook receiving only one of unsubscribe/group_unsubscribe, or group
    # resubscribes, is not one the config language can write
    partial = [e.value for e in events if not set(EVENT_FLAGS[e]) <= flags] + (
        ["group_resubscribe"] if "group_resubscribe" in flags else []
    )
    if partial or not events or hook.fields.get("enabled") is False:
        why = (
            "it is disabled"
            if hook.fields.get("enabled") is False
            else "it receives no events espctl names"
            if not events
            else f"its events cannot be written exactly ({', '.join(sorted(partial))})"
        )
        doc.warn(pid, f"Event Webhook {shown_url(hook.key)} not imported ({why}); left unmanaged")
        return None
    url, username, problem = live_hook_url(hook, hook.key)
    if problem is not None:
        doc.warn(
            pid, f"Event Webhook {shown_url(str(url))} not imported ({problem}); left unmanaged"
        )
        return None
    name = hook.fields.get("friendly_name")
    if not isinstance(name, str) or not WEBHOOK_NAME.match(name):
        # espctl names a SendGrid webhook after its config entry: any other name would
        # be a change in the first plan, and the import must declare exactly what is live
        doc.warn(
            pid,
            f"Event Webhook {shown_url(str(url))} not imported: its friendly_name "
            f"{name!r} cannot name a config webhook entry (lower-case letters, digits, '-' "
            "and '_'); rename it at SendGrid and import again",
        )
        return None
    password = hook.fields.get("basic_auth_password")
    signed = bool(hook.fields.get("signed"))
    return ImportHook(
        target=pid,
        url=url,
        events=frozenset(events),
        username=username,
        password=password if isinstance(password, Secret) and username else None,
        options=HookOptions("sendgrid", (("signed", signed),), (("signed", True),))
        if signed
        else None,
        name=name,
    )
