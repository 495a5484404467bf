"""A saved plan (its JSON) back into a :class:`Plan`, for ``espctl show``.

A saved plan holds every rendering's input: changes with their fields, unmanaged
resources, checks, the summary counts, the blocked flag and the fingerprint. Turning it
back into a Plan lets ``show`` render exactly what ``plan`` printed (text, JSON,
Markdown) with no credentials and no API call. Values were redacted when the plan was
saved; they stay as they are.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, cast

from espctl.engine.plan import BlockedChange, Change, FieldDiff, Plan, Unmanaged, UnmanagedAction
from espctl.model.resources import Check, Resource, Severity
from espctl.model.targets import Targets
from espctl.providers.kit.protocol import Action


def _resource(provider: str, kind: str, key: str, fields: Any) -> Resource:
    return Resource(provider, kind, key, dict(fields) if isinstance(fields, Mapping) else {})


def _change(item: Mapping[str, Any]) -> Change:
    provider, kind, key = str(item["provider"]), str(item["kind"]), str(item["key"])
    before, after = item.get("before"), item.get("after")
    return Change(
        action=cast(Action, item["action"]),
        provider=provider,
        kind=kind,
        key=key,
        before=None if before is None else _resource(provider, kind, key, before),
        after=None if after is None else _resource(provider, kind, key, after),
        fields=tuple(
            FieldDiff(
                str(f.get("name", "")),
                f.get("before"),
                f.get("after"),
                bool(f.get("sensitive", False)),
            )
            for f in item.get("fields") or ()
            if isinstance(f, Mapping)
        ),
    )


def _unmanaged(item: Mapping[str, Any]) -> Unmanaged:
    resource = _resource(
        str(item["provider"]), str(item["kind"]), str(item["key"]), item.get("fields")
    )
    reason = item.get("reason")
    return Unmanaged(
        resource,
        cast(UnmanagedAction, item.get("action", "listed")),
        str(reason) if reason is not None else None,
    )


def _check(item: Mapping[str, Any]) -> Check:
    # a plan written before checks had a severity: a failed check reads as an error
    severity = "warning" if item.get("severity") == "warning" else "error"
    blocks = item.get("blocks")
    return Check(
        str(item.get("provider", "")),
        str(item.get("name", "")),
        str(item.get("subject", "")),
        bool(item.get("ok", False)),
        str(item.get("message", "")),
        severity=cast(Severity, severity),
        blocks=tuple(str(b) for b in blocks) if isinstance(blocks, list) else (),
    )


def _blocked(
    item: Mapping[str, Any], checks: Mapping[tuple[str, str, str], Check]
) -> BlockedChange:
    refs = [r for r in item.get("blocked_by") or () if isinstance(r, Mapping)]
    found = []
    for ref in refs:
        ident = (str(ref.get("provider")), str(ref.get("name")), str(ref.get("subject")))
        found.append(checks.get(ident) or Check(*ident, ok=False, message=""))
    return BlockedChange(_change(item), tuple(found))


def plan_from_json(payload: Mapping[str, Any]) -> Plan:
    """The Plan a saved plan file describes (``payload`` already checked for format)."""
    summary = payload.get("summary") or {}
    changes = tuple(_change(c) for c in payload.get("changes") or ())
    config = payload.get("config") or {}
    digests = payload.get("digests") or {}
    unchanged = int(summary.get("unchanged", 0))
    files = config.get("files")
    checks = tuple(_check(c) for c in payload.get("checks") or ())
    by_ref = {(c.provider, c.name, c.subject): c for c in checks}
    return Plan(
        changes=changes,
        unmanaged=tuple(_unmanaged(u) for u in payload.get("unmanaged") or ()),
        checks=checks,
        blocked_changes=tuple(_blocked(b, by_ref) for b in payload.get("blocked_changes") or ()),
        unchanged=unchanged,
        managed=unchanged + sum(1 for c in changes if c.after is not None),
        blocked=bool(payload.get("blocked", False)),
        blocked_reason=payload.get("blocked_reason"),
        fingerprint=str(payload.get("fingerprint", "")),
        config_digest=str(config.get("digest", "")),
        digests={str(k): dict(v) for k, v in digests.items() if isinstance(v, Mapping)},
        config_path=str(config.get("path", "")),
        config_files=tuple(str(f) for f in files) if isinstance(files, list) else (),
        targets=Targets.from_json(payload.get("targets")),
    )
