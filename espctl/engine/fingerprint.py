"""The plan's fingerprint: digests of the live state and config, with no secret in them.

Pure. A resource's digest covers its redacted fields; a sensitive field contributes
only whether it matches the config. ``apply PLAN`` compares a saved plan's digests with
the current ones (:func:`what_moved`) and refuses if anything moved.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from espctl.engine.redaction import redact
from espctl.model.resources import Resource, has_secret, same

if TYPE_CHECKING:
    from espctl.engine.plan import Plan


def digest(payload: Any) -> str:
    text = json.dumps(payload, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()


def resource_digest(resource: Resource, desired: Resource | None) -> str:
    """Digest of a resource without secrets: a sensitive field says only if it matches."""
    payload: dict[str, Any] = {"fields": redact(dict(resource.fields))}
    hidden = set(resource.sensitive)
    hidden.update(n for n, v in resource.fields.items() if has_secret(v))
    if desired is not None:
        hidden.update(n for n, v in desired.fields.items() if has_secret(v))
    if hidden:
        payload["in_sync"] = {
            name: desired is not None
            and name in desired.fields
            and same(desired.fields[name], resource.fields.get(name))
            for name in sorted(hidden)
        }
    return digest(payload)[:16]


def what_moved(saved: Mapping[str, Any], current: Plan) -> list[str]:
    """Human lines saying how the live state or config differs from a saved plan's."""
    lines: list[str] = []
    if saved.get("config", {}).get("digest") != current.config_digest:
        lines.append("the config changed (its meaning, not only its layout or comments)")
    for side, label in (("live", "live"), ("desired", "config")):
        before = dict(saved.get("digests", {}).get(side, {}))
        after = dict(current.digests.get(side, {}))
        for address in sorted(set(before) | set(after)):
            if address not in after:
                lines.append(f"{label}: {address} is gone")
            elif address not in before:
                lines.append(f"{label}: {address} appeared")
            elif before[address] != after[address]:
                lines.append(f"{label}: {address} changed")
    return lines
