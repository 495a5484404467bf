"""The resource abstraction the engine diffs: every managed thing, config or live.

A provider's model module turns its config block into :class:`Resource` values, and its
provider module turns live JSON into the same values, so diff is plain equality over
``fields``. Field values are JSON-like (str, int, float, bool, None, sorted lists,
dicts) or :class:`~espctl.model.common.Secret`; names listed in ``sensitive`` are never
rendered, only reported as changed.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

FieldValue = Any  # JSON-like value or Secret; kept loose on purpose, see module docstring


@dataclass(frozen=True)
class Resource:
    """One managed resource at one provider.

    ``kind`` is e.g. ``postmark.webhook``; ``key`` is its natural key within the provider
    (DESIGN.md "Resources and identity"); ``fields`` the managed fields only; ``ref`` the
    provider's own id of a live resource (Postmark webhook ID), never compared.
    """

    provider: str
    kind: str
    key: str
    fields: Mapping[str, FieldValue]
    sensitive: frozenset[str] = frozenset()
    ref: str | None = field(default=None, compare=False)
    parent: str | None = None  # key of the resource this one depends on (same provider)

    @property
    def address(self) -> str:
        """A stable, human-readable identity: ``provider:kind:key``."""
        return f"{self.provider}:{self.kind}:{self.key}"


@dataclass(frozen=True)
class Check:
    """A fact espctl cannot fix but the user must know (a failed check) or may like to."""

    provider: str
    name: str
    subject: str
    ok: bool
    message: str

    def as_json(self) -> dict[str, object]:
        return {
            "provider": self.provider,
            "name": self.name,
            "subject": self.subject,
            "ok": self.ok,
            "message": self.message,
        }


@dataclass(frozen=True)
class LiveState:
    """What one provider reported: its resources and the checks it could evaluate."""

    provider: str
    resources: tuple[Resource, ...]
    checks: tuple[Check, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)  # e.g. existing domains/streams
