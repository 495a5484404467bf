"""Environments (issue 18, item 7): ``-c base.yaml -c prod.yaml`` deep-merges the files in
order, every value keeping the file, line and column it came from; ``ESPCTL_CONFIG`` sets
the default (a colon-separated list)."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner

from espctl.cli import main
from espctl.config import load_config
from espctl.errors import ConfigError
from tests.conftest import QUICKSTART

BASE = """\
version: 1
providers:
  postmark:
    type: postmark
    server_token: ${env:PM_TOKEN}
    tracking: {opens: false, links: none}
    message_streams:
      outbound: {type: transactional, name: Transactional}
  mailgun:
    type: mailgun
    api_key: ${env:MG_KEY}
    domains:
      mg.example.com: {}
routing:
  default: postmark/outbound
policy:
  protect: [postmark/outbound]
"""

PROD = """\
providers:
  postmark:
    server_token: ${env:PROD_PM_TOKEN}
    tracking: {opens: true}
    message_streams:
      news: {type: broadcasts, name: News}
policy:
  protect: []
"""

ENV = {"PM_TOKEN": "base-token", "PROD_PM_TOKEN": "prod-token", "MG_KEY": "mg-key"}


@pytest.fixture
def files(tmp_path: Path) -> tuple[Path, Path]:
    base, prod = tmp_path / "base.yaml", tmp_path / "prod.yaml"
    base.write_text(BASE)
    prod.write_text(PROD)
    return base, prod


def test_mappings_merge_key_by_key_and_other_values_replace(files: tuple[Path, Path]) -> None:
    loaded = load_config(files, env=ENV)
    pm = loaded.config.providers["postmark"]
    assert pm.type == "postmark"
    assert pm.server_token.reveal() == "prod-token"
    assert pm.server_token.source == "PROD_PM_TOKEN"
    assert pm.tracking is not None
    assert (pm.tracking.opens, pm.tracking.links) == (True, "none")  # merged key by key
    assert sorted(pm.message_streams) == ["news", "outbound"]
    assert loaded.config.policy.protect == []  # a list replaces the list before it
    assert "mg.example.com" in loaded.config.providers["mailgun"].domains
    assert loaded.files == tuple(str(f) for f in files)
    assert loaded.path == f"{files[0]} + {files[1]}"


def test_each_problem_names_the_file_it_came_from(files: tuple[Path, Path]) -> None:
    base, prod = files
    prod.write_text(PROD.replace("tracking: {opens: true}", "tracking: {opens: maybe}"))
    base.write_text(BASE.replace("default: postmark/outbound", "default: postmark/outbund"))
    with pytest.raises(ConfigError) as caught:
        load_config(files, env=ENV)
    where = {(p.file, p.line, p.column, p.path) for p in caught.value.problems}
    assert (str(prod), 4, 23, "providers.postmark.tracking.opens") in where
    assert (str(base), 15, 12, "routing.default") in where


def test_an_overlay_key_replacing_a_base_mapping_keeps_only_its_positions(
    files: tuple[Path, Path],
) -> None:
    prod = files[1]
    prod.write_text("routing: {default: mailgun/nowhere.example.com}\n")
    with pytest.raises(ConfigError) as caught:
        load_config(files, env=ENV)
    (problem,) = caught.value.problems
    assert (problem.file, problem.line, problem.path) == (str(prod), 1, "routing.default")


def test_syntax_errors_of_every_file_are_reported_at_once(files: tuple[Path, Path]) -> None:
    base, prod = files
    base.write_text("version: 1\nproviders: [a\n")
    prod.write_text("a: b: c\n")
    with pytest.raises(ConfigError) as caught:
        load_config(files, env=ENV)
    assert sorted({p.file for p in caught.value.problems}) == sorted([str(base), str(prod)])


def test_cli_takes_c_twice_and_espctl_config(files: tuple[Path, Path]) -> None:
    base, prod = files
    runner = CliRunner(env={**ENV, "NO_COLOR": "1"})
    both = runner.invoke(main, ["validate", "-c", str(base), "-c", str(prod)])
    assert both.exit_code == 0, both.output
    assert f"{base} + {prod}: valid (2 providers, 2 message streams, 1 domain" in both.stdout
    listed = runner.invoke(
        main, ["route", "anything", "--format", "json"], env={"ESPCTL_CONFIG": f"{base}:{prod}"}
    )
    assert listed.exit_code == 0, listed.output
    assert json.loads(listed.stdout)["target"] == "postmark/outbound"
    as_json = runner.invoke(
        main, ["validate", "--format", "json"], env={"ESPCTL_CONFIG": f"{base}:{prod}"}
    )
    (entry,) = json.loads(as_json.stdout)["files"]
    assert entry["files"] == [str(base), str(prod)]


def test_plan_and_apply_with_an_environment_overlay(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "base.yaml").write_text(QUICKSTART.read_text().replace("../schemas/", ""))
    (tmp_path / "prod.yaml").write_text(
        textwrap.dedent(
            """\
            providers:
              postmark:
                message_streams:
                  receipts: {type: transactional, name: Prod receipts}
            """
        )
    )
    runner = CliRunner(env={"NO_COLOR": "1", "ESPCTL_CONFIG": None})
    args = ["--sandbox", "-c", "base.yaml", "-c", "prod.yaml"]
    planned = runner.invoke(main, ["plan", *args, "--out", "plans/prod.json"])
    assert planned.exit_code == 0, planned.output
    assert 'name:        "Prod receipts"' in planned.stdout
    assert "espctl apply plans/prod.json -c base.yaml -c prod.yaml --sandbox" in planned.stderr
    applied = runner.invoke(main, ["apply", "plans/prod.json", "--sandbox", "--force"])
    assert applied.exit_code == 0, applied.output
    again = runner.invoke(main, ["plan", *args, "--detailed-exitcode"])
    assert again.exit_code == 0, again.output
    # the base alone now differs (the overlay's name is live): the plan says so
    alone = runner.invoke(main, ["plan", "--sandbox", "-c", "base.yaml", "--detailed-exitcode"])
    assert alone.exit_code == 2
