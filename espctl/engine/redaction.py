"""How plans show values: every Secret replaced by a marker (pure)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from espctl.model.common import Secret

SENSITIVE = "(sensitive)"
SENSITIVE_CHANGED = "(sensitive value changed)"


def redact(value: Any) -> Any:
    """A JSON-safe copy of a field value with every Secret replaced by a marker."""
    if isinstance(value, Secret):
        return SENSITIVE
    if isinstance(value, Mapping):
        return {str(k): redact(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [redact(v) for v in value]
    return value
