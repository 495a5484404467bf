"""The contract suite's fixtures: each provider alone and all together, against a seeded
sandbox served on 127.0.0.1 that accepts only the canary credentials."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from espctl.cli import main
from espctl.providers import registry
from espctl.sandbox import FaultPlan, SandboxApp, running_server, seed_account
from tests.contract.harness import CREDENTIALS, HARNESSES, Harness

#: each provider alone, then all of them in one config
SETS: dict[str, tuple[str, ...]] = {**{t: (t,) for t in registry.TYPES}, "all": registry.TYPES}


@dataclass
class Contract:
    """A sandbox served for a set of providers, and the config of their harnesses."""

    harnesses: tuple[Harness, ...]
    app: SandboxApp
    base_url: str
    config: Path
    outputs: list[str]

    @property
    def env(self) -> dict[str, str]:
        env = {"NO_COLOR": "1"}
        for h in self.harnesses:
            env.update(h.env)
        return env

    @property
    def drift(self) -> frozenset[tuple[str, str, str]]:
        return frozenset().union(*(h.drift for h in self.harnesses))

    def run(
        self, *args: str, env: dict[str, str] | None = None, config: Path | None = None
    ) -> Result:
        """Run espctl with this config (or ``config``); every output is kept for the
        canary check."""
        runner = CliRunner(env={**self.env, **(env or {})})
        chosen = str(config or self.config)
        result = runner.invoke(main, [*args, "-c", chosen], catch_exceptions=False)
        self.outputs += [result.stdout, result.stderr]
        return result

    def planned(self) -> tuple[int, dict[str, Any]]:
        result = self.run("plan", "--format", "json", "--detailed-exitcode")
        assert result.exit_code in (0, 2), result.output
        return result.exit_code, json.loads(result.stdout)


def changes(plan: dict[str, Any]) -> frozenset[tuple[str, str, str]]:
    return frozenset((c["action"], c["kind"], c["key"]) for c in plan["changes"])


#: the contract config's policy; tests that set their own replace it
DEFAULT_POLICY = "policy:\n  max_change_ratio: 1\n"


@pytest.fixture(params=sorted(SETS))
def contract(
    request: pytest.FixtureRequest, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Contract]:
    harnesses = tuple(HARNESSES[t] for t in SETS[request.param])
    monkeypatch.chdir(tmp_path)
    app = SandboxApp(seed_account(seed=0), credentials=CREDENTIALS, faults=FaultPlan(seed=1))
    with running_server(app) as base_url:
        config = tmp_path / "espctl.yaml"
        blocks = "".join(h.block(base_url) for h in harnesses)
        hooks = "".join(h.webhook for h in harnesses)
        # the seeded drift is large beside a contract config's few resources: with every
        # provider, 10 or more are managed and the default 30 % would block the apply
        config.write_text(f"version: 1\nproviders:\n{blocks}webhooks:\n{hooks}{DEFAULT_POLICY}")
        yield Contract(harnesses, app, base_url, config, [])
