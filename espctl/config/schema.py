"""The JSON Schema of the config language, generated from the pydantic models."""

from __future__ import annotations

import json
from typing import Any

from espctl.config.models import Config

SCHEMA_ID = "https://github.com/espctl/espctl/blob/main/schemas/espctl.schema.json"


def build_schema() -> dict[str, Any]:
    """The draft 2020-12 schema of :class:`Config`, with a description on every field."""
    generated = Config.model_json_schema(mode="validation")
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        **generated,
    }


def schema_text() -> str:
    """The schema as the committed file holds it (sorted keys, 2-space indent, newline)."""
    return json.dumps(build_schema(), indent=2, sort_keys=True, ensure_ascii=False) + "\n"
