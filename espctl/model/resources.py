"""The resource abstraction the engine diffs: every managed thing, config or live.

A provider's model module turns its config block into :class:`Resource` values, and its
provider module turns live JSON into the same values, so diff is plain equality over
``fields``. Field values are JSON-like (str, int, float, bool, None, sorted lists,
dicts) or :class:`~espctl.model.common.Secret`; names listed in ``sensitive`` are never
rendered, only reported as changed. A field value may hold a Secret anywhere inside it
(a header value in a dict of headers): that part is never shown, and comparisons look
at the values (:func:`plain`).
"""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass, field
from typing import Any, Literal

from espctl.model.common import EnvStr, Secret

FieldValue = Any  # JSON-like value or Secret; kept loose on purpose, see module docstring

#: how bad a failed check is: ``error`` the config cannot converge (what depends on the
#: failed fact is blocked, ``plan --detailed-exitcode`` exits 1); ``warning`` it converges
#: but will not deliver well (an unverified domain, an unconfirmed sender)
Severity = Literal["error", "warning"]
#: a check as one word: ``ok`` (passed), or the severity of its failure
CheckStatus = Literal["ok", "error", "warning"]


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
    #: the key of the resource this live one duplicates (same natural key, a later copy)
    duplicate_of: str | None = None

    @property
    def address(self) -> str:
        """A stable, human-readable identity: ``provider:kind:key``."""
        return f"{self.provider}:{self.kind}:{self.key}"


@dataclass(frozen=True)
class Check:
    """A fact espctl cannot fix but the user must know (a failed check) or may like to.

    ``severity`` says how bad a failure is (:data:`Severity`); a failed check is an
    ``error`` unless its maker says ``warning``, so that a provider limit or a missing
    parent can never be mistaken for advice. ``blocks`` names the resources (keys within
    ``provider``) that cannot exist while the check fails: a missing Mailgun domain
    blocks itself, a stream over Postmark's limit blocks that stream. The plan never
    proposes a change to them or to their children; it lists those changes as blocked by
    this check. Only a failed ``error`` blocks.
    """

    provider: str
    name: str
    subject: str
    ok: bool
    message: str
    severity: Severity = "error"
    blocks: tuple[str, ...] = ()

    @property
    def status(self) -> CheckStatus:
        """``ok``, or the severity of the failure: one word for renderings and exit codes."""
        return "ok" if self.ok else self.severity

    @property
    def blocking(self) -> bool:
        """A failed error that names resources it blocks."""
        return not self.ok and self.severity == "error" and bool(self.blocks)

    def as_json(self) -> dict[str, object]:
        return {
            "provider": self.provider,
            "name": self.name,
            "subject": self.subject,
            "ok": self.ok,
            "severity": self.severity,
            "status": self.status,
            "message": self.message,
            "blocks": list(self.blocks),
        }

    def reference(self) -> dict[str, str]:
        """How a blocked change names this check: the check's identity, no message."""
        return {"provider": self.provider, "name": self.name, "subject": self.subject}


@dataclass(frozen=True)
class LiveState:
    """What one provider reported: its resources and the checks it could evaluate."""

    provider: str
    resources: tuple[Resource, ...]
    checks: tuple[Check, ...] = ()
    facts: Mapping[str, Any] = field(default_factory=dict)  # e.g. existing domains/streams
    #: what the user should know but that fails nothing (an optional credential rejected,
    #: so the checks needing it were skipped), one line each
    warnings: tuple[str, ...] = ()


def plain(value: FieldValue) -> FieldValue:
    """The value with every Secret revealed (for comparing and for request bodies only)."""
    if isinstance(value, Secret):
        return value.reveal()
    if isinstance(value, EnvStr):
        return str(value)
    if isinstance(value, Mapping):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def same(a: FieldValue, b: FieldValue) -> bool:
    """Equal values, whether or not either side marks a part of it as secret."""
    return bool(plain(a) == plain(b))


def seal(value: FieldValue) -> FieldValue:
    """The value with every string substituted from the environment turned into a Secret."""
    if isinstance(value, EnvStr):
        return Secret(str(value))
    if isinstance(value, Mapping):
        return {k: seal(v) for k, v in value.items()}
    if isinstance(value, list):
        return [seal(v) for v in value]
    if isinstance(value, tuple):
        return tuple(seal(v) for v in value)
    return value


def mirror(desired: FieldValue, live: FieldValue) -> FieldValue:
    """``live`` with a Secret wherever ``desired`` has one at the same place.

    A live value where the config holds a secret (the old password, yesterday's token
    from the environment) is as sensitive as the config's: it is hidden the same way.
    """
    if isinstance(desired, Secret) and isinstance(live, str):
        return Secret(live)
    if isinstance(desired, Mapping) and isinstance(live, Mapping):
        return {k: mirror(desired.get(k), v) if k in desired else v for k, v in live.items()}
    if (
        isinstance(desired, list | tuple)
        and isinstance(live, list | tuple)
        and any(isinstance(v, Secret) for v in desired)
    ):
        shown = {v for v in desired if isinstance(v, str)}
        return [Secret(v) if isinstance(v, str) and v not in shown else v for v in live]
    return live


def has_secret(value: FieldValue) -> bool:
    """True if a Secret sits anywhere in the value."""
    if isinstance(value, Secret):
        return True
    if isinstance(value, Mapping):
        return any(has_secret(v) for v in value.values())
    if isinstance(value, list | tuple):
        return any(has_secret(v) for v in value)
    return False


#: a sensitive value shorter than this hides a live string only when it is the whole string
MIN_CONTAINED = 8


def hide_values(value: FieldValue, secrets: Collection[str]) -> FieldValue:
    """``value`` with every string that is, or holds, one of ``secrets`` made a Secret.

    For live data that does not line up with the config (a URL list whose members
    changed, a webhook the config no longer declares): the environment's values are
    hidden wherever they are found. Keys of mappings are kept.
    """
    if not secrets:
        return value
    if isinstance(value, str):
        if value in secrets or any(len(s) >= MIN_CONTAINED and s in value for s in secrets):
            return Secret(value)
        return value
    if isinstance(value, Mapping):
        return {k: hide_values(v, secrets) for k, v in value.items()}
    if isinstance(value, list):
        return [hide_values(v, secrets) for v in value]
    return value
