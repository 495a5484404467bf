"""The JSON Schema matches the models; examples validate; the validate/schema commands."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml
from click.testing import CliRunner

from espctl.cli import main
from espctl.config import build_schema, load_config, schema_text
from espctl.model.common import Secret
from tests.conftest import EXAMPLES, QUICKSTART, REPO

SCHEMA_FILE = REPO / "schemas" / "espctl.schema.json"
EXAMPLE_FILES = sorted(EXAMPLES.glob("*.yaml"))


def test_committed_schema_is_identical_to_the_models() -> None:
    assert SCHEMA_FILE.read_text() == schema_text(), (
        "schemas/espctl.schema.json drifted: run `espctl schema > schemas/espctl.schema.json`"
    )


def test_schema_is_draft_2020_12_and_describes_every_field() -> None:
    schema = build_schema()
    jsonschema.Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"

    missing: list[str] = []

    def walk(node: Any, where: str) -> None:
        if isinstance(node, dict):
            for name, prop in (node.get("properties") or {}).items():
                if "description" not in prop:
                    missing.append(f"{where}.{name}")
                walk(prop, f"{where}.{name}")
            for key, child in node.items():
                if key != "properties":
                    walk(child, f"{where}/{key}")
        elif isinstance(node, list):
            for child in node:
                walk(child, where)

    walk(schema, "#")
    assert missing == []


@pytest.mark.parametrize("path", EXAMPLE_FILES, ids=lambda p: p.name)
def test_examples_validate_against_models_and_json_schema(path: Path) -> None:
    text = path.read_text()
    assert text.startswith("# yaml-language-server: $schema=../schemas/espctl.schema.json")
    load_config(path, env={}, env_mode="lenient")
    jsonschema.validate(yaml.safe_load(text), build_schema())


def test_schema_rejects_what_models_reject() -> None:
    doc = yaml.safe_load(QUICKSTART.read_text())
    doc["providers"]["postmark"]["trackng"] = {}
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(doc, build_schema())


def test_secret_never_shows_its_value() -> None:
    secret = Secret("canary-0123456789", source="TOKEN")
    for text in (str(secret), repr(secret), f"{secret}", json.dumps({"s": str(secret)})):
        assert "canary" not in text
    assert secret.reveal() == "canary-0123456789"
    assert secret == Secret("canary-0123456789")
    loaded = load_config(
        QUICKSTART,
        env={
            "POSTMARK_SERVER_TOKEN": "canary-1",
            "POSTMARK_ACCOUNT_TOKEN": "canary-2",
            "MAILGUN_API_KEY": "canary-3",
            "SENDGRID_API_KEY": "canary-5",
            "HOOK_PASSWORD": "canary-4",
            "SES_ACCESS_KEY_ID": "canary-5",
            "SES_SECRET_ACCESS_KEY": "canary-6",
        },
    )
    dumped = loaded.config.model_dump_json() + repr(loaded.config) + str(loaded.config)
    assert "canary" not in dumped


def test_cli_validate_valid(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in (
        "POSTMARK_SERVER_TOKEN",
        "POSTMARK_ACCOUNT_TOKEN",
        "MAILGUN_API_KEY",
        "SENDGRID_API_KEY",
        "HOOK_PASSWORD",
        "SES_ACCESS_KEY_ID",
        "SES_SECRET_ACCESS_KEY",
    ):
        monkeypatch.delenv(name, raising=False)
    result = CliRunner().invoke(main, ["validate", "-c", str(QUICKSTART)])
    assert result.exit_code == 0, result.output
    assert "valid (4 providers, 3 message streams, 2 domains, 1 configuration set, 3 webhooks" in (
        result.stdout
    )
    assert (
        "warning: providers.postmark.server_token: environment variable "
        "POSTMARK_SERVER_TOKEN is not set" in result.stdout
    )


def test_cli_validate_invalid_text_and_json(tmp_path: Path) -> None:
    bad = tmp_path / "espctl.yaml"
    bad.write_text(
        "version: 1\nproviders:\n  pm: {type: postmark, server_token: '${env:T}', x: 1}\n"
    )
    runner = CliRunner(env={"T": "t"})
    result = runner.invoke(main, ["validate", "-c", str(bad)])
    assert result.exit_code == 1
    assert f"{bad}:3:50: providers.pm.x: unknown key 'x'" in result.stdout
    assert "Traceback" not in result.output
    result = runner.invoke(main, ["validate", "-c", str(bad), "--format", "json"])
    assert result.exit_code == 1
    payload = json.loads(result.stdout)
    assert payload["valid"] is False
    (entry,) = payload["files"]
    assert entry["valid"] is False and entry["file"] == str(bad)
    assert entry["problems"][0]["line"] == 3
    assert entry["problems"][0]["column"] == 50


def test_cli_validate_defaults_to_espctl_yaml(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["validate"])
    assert result.exit_code == 1
    assert "espctl.yaml:1:1: no such file" in result.stdout


def test_cli_schema_prints_the_schema() -> None:
    result = CliRunner().invoke(main, ["schema"])
    assert result.exit_code == 0
    assert json.loads(result.stdout) == build_schema()
