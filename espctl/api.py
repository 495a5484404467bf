"""The facade the CLI and library users call.

Each function takes plain arguments, does the work through the lower layers and
returns a result value; rendering and exit codes are the CLI's business.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from espctl.config import LoadedConfig, load_config
from espctl.errors import ConfigError, Problem


@dataclass(frozen=True)
class ValidationResult:
    """The outcome of ``espctl validate``: every problem, and a summary when valid."""

    file: str
    problems: tuple[Problem, ...]
    loaded: LoadedConfig | None

    @property
    def valid(self) -> bool:
        return self.loaded is not None and not any(p.severity == "error" for p in self.problems)

    def summary(self) -> str:
        if self.loaded is None:
            return ""
        cfg = self.loaded.config
        streams = domains = 0
        for block in cfg.providers.values():
            if block.type == "postmark":
                streams += len(block.message_streams)
            else:
                domains += len(block.domains)
        rules = len(cfg.routing.rules) if cfg.routing else 0
        return (
            f"{len(cfg.providers)} providers, {streams} message streams, {domains} domains, "
            f"{len(cfg.webhooks)} webhooks, {rules} routing rules"
        )


def validate(path: str, env: Mapping[str, str] | None = None) -> ValidationResult:
    """Validate a config offline. Unset variables are warnings, not errors."""
    try:
        loaded = load_config(path, env=os.environ if env is None else env, env_mode="lenient")
    except ConfigError as exc:
        return ValidationResult(path, tuple(exc.problems), None)
    return ValidationResult(path, loaded.warnings, loaded)
