"""Config layer: YAML with positions, env references, schema, semantic checks."""

from espctl.config.load import LoadedConfig, load_config, load_config_text
from espctl.config.models import Config
from espctl.config.schema import build_schema, schema_text

__all__ = [
    "Config",
    "LoadedConfig",
    "build_schema",
    "load_config",
    "load_config_text",
    "schema_text",
]
