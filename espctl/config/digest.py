"""The digest of a config's meaning: what a saved plan's fingerprint covers of the config.

It is the SHA-256 of a canonical JSON of the *validated* model (every field, defaults
included, keys sorted), so a comment, re-indentation, quoting style, key order, flow
or block style, or spelling out a default changes nothing, and any semantic change
changes it. No secret enters it, in clear or hashed: a credential is represented by the
variable it comes from, and any other value taken from the environment by the scalar
as written (``https://h.example.com/in?token=${env:HOOK_TOKEN}``). Whether an
environment value still matches what is live is covered by the plan's live digests
("matches the config: yes/no"), never here.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from enum import Enum
from typing import Any

from pydantic import BaseModel

from espctl.model.common import EnvStr, Secret


def canonical(value: Any) -> Any:
    """A JSON-ready copy of a config value with every environment value as its reference."""
    if isinstance(value, Secret):
        return {"secret from": value.source or "(unnamed)"}
    if isinstance(value, EnvStr):
        return {"from environment": value.source}
    if isinstance(value, BaseModel):
        return {name: canonical(getattr(value, name)) for name in type(value).model_fields}
    if isinstance(value, Enum):
        return canonical(value.value)
    if isinstance(value, Mapping):
        return {str(k): canonical(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [canonical(v) for v in value]
    return value


def config_digest(config: BaseModel) -> str:
    """SHA-256 (hex) of the canonical JSON of a validated config."""
    text = json.dumps(canonical(config), sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(text.encode()).hexdigest()
