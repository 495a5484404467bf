"""The saved plan file's shape (``espctl plan --out``), checked before it is used.

A saved plan is a file a user or a CI job hands back to ``espctl apply``: it may have
been edited, truncated or produced by something else. It is validated against this
model (frozen; unknown keys ignored, so a plan written by a newer espctl of the same
format still reads) and a file of the wrong shape is a clear
:class:`~espctl.errors.PlanFileError`, never an internal error.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from espctl.engine.plan import PLAN_FORMAT
from espctl.errors import PlanFileError
from espctl.model.validation import validation_problems


class _Saved(BaseModel):
    model_config = ConfigDict(frozen=True, extra="ignore", hide_input_in_errors=True)


class SavedChange(_Saved):
    """One change as the plan file lists it."""

    action: Literal["create", "update", "delete"]
    provider: str
    kind: str
    key: str
    before: dict[str, Any] | None
    after: dict[str, Any] | None


class SavedCheckRef(_Saved):
    """How a blocked change names a check."""

    provider: str
    name: str
    subject: str


class SavedBlockedChange(SavedChange):
    """A change blocked by failed checks (never applied)."""

    blocked_by: list[SavedCheckRef]


class SavedConfig(_Saved):
    """Which config the plan was made from."""

    path: str
    digest: str
    files: list[str] | None = None  # in merge order (espctl 0.1.0 wrote only path)


class SavedTarget(_Saved):
    """One ``--target``: a provider id and a key."""

    provider: str
    key: str


class SavedTargets(_Saved):
    """What a plan was made for (``--provider``, ``--target``); empty: everything."""

    providers: list[str] = []
    resources: list[SavedTarget] = []


class SavedPlan(_Saved):
    """A saved plan (``{"format": "espctl-plan/1", ...}``, DESIGN.md's JSON plan)."""

    format: Literal["espctl-plan/1"]  # PLAN_FORMAT
    fingerprint: str
    summary: dict[str, int]
    blocked: bool
    changes: list[SavedChange]
    #: absent in plans written before checks had a severity
    blocked_changes: list[SavedBlockedChange] = []
    unmanaged: list[dict[str, Any]]
    checks: list[dict[str, Any]]
    config: SavedConfig
    digests: dict[str, dict[str, str]]
    targets: SavedTargets | None = None  # absent in plans written before --target


def check_saved_plan(payload: object, path: str) -> dict[str, Any]:
    """``payload`` (a decoded plan file) when it has the saved plan's shape.

    Raises PlanFileError: "not an espctl plan" for another format, "not a valid espctl
    plan" with the first problems for a plan file of the wrong shape.
    """
    if not isinstance(payload, dict) or payload.get("format") != PLAN_FORMAT:
        raise PlanFileError(f"{path} is not an espctl plan (format {PLAN_FORMAT} expected)")
    try:
        SavedPlan.model_validate(payload)
    except ValidationError as exc:
        raise PlanFileError(
            f"{path} is not a valid espctl plan ({validation_problems(exc)}); "
            "make a new one with `espctl plan --out`"
        ) from exc
    return payload
