"""Amazon SES's live state as config: the provider block (region, profile or keys as the
source config gave them), its identities and configuration sets, and one webhook item
per espctl-owned SNS destination. Other destinations stay unmanaged (a warning)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from espctl.model.common import Secret
from espctl.model.resources import Resource
from espctl.providers.kit.importing import (
    HookOptions,
    ImportDoc,
    ImportHook,
    ProviderSource,
    as_written,
    has_ref,
    shown_url,
    url_problem,
)
from espctl.providers.kit.protocol import Snapshot
from espctl.providers.ses import resources as ses
from espctl.providers.ses.config import SesProvider
from espctl.providers.ses.events import RENDERING_FAILURE, TYPE_TO_EVENT

_CREDENTIALS = {
    "access_key_id": "AWS access key id",
    "secret_access_key": "AWS secret access key",
    "session_token": "AWS session token",
}


def import_ses(doc: ImportDoc, source: ProviderSource, snapshot: Snapshot) -> dict[str, Any]:
    """The block declaring an SES account and region as live (see :mod:`espctl.importer`)."""
    pid = source.provider_id
    block = source.block
    assert isinstance(block, SesProvider)
    live = snapshot.live
    out: dict[str, Any] = {"type": "ses", "region": block.region}
    if block.profile:
        out["profile"] = as_written(block.profile)
    for key, purpose in _CREDENTIALS.items():
        if key in source.credentials:
            out[key] = doc.credential(source, key, f"{purpose} ({pid})")
    if block.endpoint:
        out["endpoint"] = as_written(block.endpoint)
    if block.default_sender:
        out["default_sender"] = as_written(block.default_sender)
    account: Mapping[str, Any] = live.facts.get("account") or {}
    access = "production access" if account.get("production_access") else "SES sandbox"
    doc.comments[("providers", pid)] = f"Amazon SES, {block.region} ({access})"

    by_kind: dict[str, list[Resource]] = {}
    for resource in live.resources:
        by_kind.setdefault(resource.kind, []).append(resource)
    facts: Mapping[str, Any] = live.facts.get("identities") or {}
    identities = []
    for identity in sorted(by_kind.get(ses.KIND_IDENTITY, []), key=lambda r: r.key):
        identities.append(identity.key)
        doc.manage(identity)
        doc.counts["identities"] += 1
        info = facts.get(identity.key) or {}
        if info and not info.get("verified"):
            i = len(identities) - 1
            doc.comments[("providers", pid, "identities", str(i))] = "not verified at SES"
    out["identities"] = identities
    sets: dict[str, Any] = {}
    for cs in sorted(by_kind.get(ses.KIND_CONFIGURATION_SET, []), key=lambda r: r.key):
        sets[cs.key] = _set_spec(cs.fields)
        doc.manage(cs)
        doc.counts["configuration sets"] += 1
    out["configuration_sets"] = sets
    for hook in sorted(by_kind.get(ses.KIND_WEBHOOK, []), key=lambda r: r.key):
        item = _ses_hook(doc, pid, hook)
        if item is not None:
            doc.hooks.append(item)
            doc.manage(hook)
    for other in sorted(by_kind.get(ses.KIND_DESTINATION, []), key=lambda r: r.key):
        doc.warn(
            pid,
            f"configuration set {other.parent!r}: event destination "
            f"{other.key.removeprefix(f'{other.parent} ')!r} ({other.fields.get('type')}) "
            "is not an espctl webhook; left unmanaged",
        )
    return out


def _set_spec(fields: Mapping[str, Any]) -> dict[str, Any]:
    spec: dict[str, Any] = {}
    tracking = {k: fields[k] for k in ("custom_redirect_domain", "https_policy") if k in fields}
    if tracking:
        spec["tracking"] = tracking
    for key in ("tls", "reputation_metrics", "sending", "suppression"):
        if key in fields:
            spec[key] = fields[key]
    return spec


def _ses_hook(doc: ImportDoc, pid: str, hook: Resource) -> ImportHook | None:
    cs = hook.parent or ""
    real = hook.fields.get("url")
    url = real.reveal() if isinstance(real, Secret) else hook.key.removeprefix(f"{cs} ")
    what = f"webhook {shown_url(url)} on configuration set {cs!r}"
    types = [str(t) for t in hook.fields.get("events") or ()]
    unknown = [t for t in types if t not in TYPE_TO_EVENT and t != RENDERING_FAILURE]
    events = frozenset(TYPE_TO_EVENT[t] for t in types if t in TYPE_TO_EVENT)
    username = hook.fields.get("basic_auth_username")
    problem = url_problem(url)
    if problem is None and unknown:
        problem = f"unknown event types {', '.join(unknown)}"
    if problem is None and not events:
        problem = "it matches no event espctl names"
    if problem is None and hook.fields.get("enabled") is False:
        # a config's webhooks are enabled: importing it would enable it
        problem = "its event destination is disabled"
    if problem is None and isinstance(username, str) and has_ref(username):
        problem = "its basic-auth user name contains '${'"
    if problem is not None:
        doc.warn(pid, f"{what} not imported: {problem}")
        return None
    password = hook.fields.get("basic_auth_password")
    rendering = RENDERING_FAILURE in types
    options = (("rendering_failures", rendering),)
    return ImportHook(
        target=f"{pid}/{cs}",
        url=url,
        events=events,
        username=str(username) if username else None,
        password=password if isinstance(password, Secret) and username else None,
        options=HookOptions("ses", options, options if rendering else ()) if rendering else None,
    )
