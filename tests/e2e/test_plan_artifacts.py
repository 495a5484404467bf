"""Plans as artifacts (issue 18, items 1-4), through the real CLI and the sandbox.

``plan --out PATH`` writes exactly PATH; the hint repeats ``-c``; ``apply PLAN`` uses the
config the plan was made from and refuses another; the fingerprint covers the config's
meaning, not its bytes; ``show PLAN`` renders what ``plan`` printed, offline.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from espctl import api, session
from espctl.cli import main
from tests.conftest import QUICKSTART
from tests.contract.harness import quickstart_apply_line

#: no credentials at all: --sandbox stands in for every one
CLEAN = {
    "POSTMARK_SERVER_TOKEN": None,
    "POSTMARK_ACCOUNT_TOKEN": None,
    "MAILGUN_API_KEY": None,
    "SENDGRID_API_KEY": None,
    "HOOK_PASSWORD": None,
    "ESPCTL_CONFIG": None,
    "NO_COLOR": "1",
}


def cli(*args: str, env: dict[str, str | None] | None = None) -> Result:
    return CliRunner(env={**CLEAN, **(env or {})}).invoke(main, list(args))


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "espctl.yaml").write_text(QUICKSTART.read_text().replace("../schemas/", ""))
    return tmp_path


def test_out_writes_exactly_the_path_and_apply_takes_it(project: Path) -> None:
    planned = cli("plan", "--sandbox", "--out", "p.json")
    assert planned.exit_code == 0, planned.output
    assert (project / "p.json").is_file()
    assert not (project / "plans").exists()  # a bare name is not moved under plans/
    assert "saved plan to p.json (apply it with: espctl apply p.json --sandbox)" in planned.stderr
    applied = cli("apply", "p.json", "--sandbox", "--force")
    assert applied.exit_code == 0, applied.output
    assert quickstart_apply_line() in applied.stdout
    nested = cli("plan", "--sandbox", "--out", "out/deeper/plan.json")
    assert nested.exit_code == 0 and (project / "out/deeper/plan.json").is_file()


def test_the_hint_repeats_c_and_apply_uses_the_plans_config(project: Path) -> None:
    (project / "conf").mkdir()
    shutil.move(project / "espctl.yaml", project / "conf" / "prod.yaml")
    planned = cli("plan", "--sandbox", "-c", "conf/prod.yaml", "--out", "plans/p.json")
    assert planned.exit_code == 0, planned.output
    hint = "apply it with: espctl apply plans/p.json -c conf/prod.yaml --sandbox"
    assert hint in planned.stderr
    saved = json.loads((project / "plans/p.json").read_text())
    assert saved["config"]["files"] == ["conf/prod.yaml"]
    # without -c, apply uses the plan's config (there is no ./espctl.yaml)
    applied = cli("apply", "plans/p.json", "--sandbox", "--force")
    assert applied.exit_code == 0, applied.output


def test_apply_refuses_a_config_other_than_the_plans(project: Path) -> None:
    shutil.copy(project / "espctl.yaml", project / "other.yaml")
    assert cli("plan", "--sandbox", "--out", "plans/p.json").exit_code == 0
    before = (project / ".espctl" / "sandbox.json").read_bytes()
    refused = cli("apply", "plans/p.json", "-c", "other.yaml", "--sandbox", "--force")
    assert refused.exit_code == 1
    assert refused.stderr.strip() == (
        "error: plans/p.json was made from the config espctl.yaml, not other.yaml: apply it "
        "with -c espctl.yaml (or without -c, which uses the plan's); nothing was applied"
    )
    assert (project / ".espctl" / "sandbox.json").read_bytes() == before
    # naming the same file is fine, spelled differently or through ESPCTL_CONFIG
    same = cli("apply", "plans/p.json", "-c", "./espctl.yaml", "--sandbox", "--force")
    assert same.exit_code == 0, same.output


def test_apply_elsewhere_says_where_the_plans_config_was(
    project: Path, monkeypatch: pytest.MonkeyPatch, tmp_path_factory: pytest.TempPathFactory
) -> None:
    assert cli("plan", "--sandbox", "--out", "plans/p.json").exit_code == 0
    elsewhere = tmp_path_factory.mktemp("elsewhere")
    monkeypatch.chdir(elsewhere)
    refused = cli("apply", str(project / "plans/p.json"), "--sandbox", "--force")
    assert refused.exit_code == 1
    assert "was made from the config espctl.yaml, and espctl.yaml is not here" in refused.stderr
    assert "run apply where plan ran, or name the same config with -c" in refused.stderr


def _reformatted(text: str) -> str:
    """The same config in other words: comments, indentation, quoting, flow style, key
    order, a default spelled out."""
    body = text.replace("    tracking: {opens: true, links: html_and_text}\n", "")
    body = body.replace(
        '    default_sender: "Acme <noreply@acme-mail.com>"\n',
        "    default_sender: 'Acme <noreply@acme-mail.com>'   # moved, re-quoted\n"
        "    tracking:\n      links: html_and_text\n      opens: yes\n",
    )
    return "# a new comment\n\n" + body.replace("policy:\n  unmanaged: warn\n", "policy:\n")


def test_a_comment_or_reformatting_does_not_make_the_plan_stale(project: Path) -> None:
    config = project / "espctl.yaml"
    assert cli("plan", "--sandbox", "--out", "plans/p.json").exit_code == 0
    config.write_text(_reformatted(config.read_text()))
    assert "# a new comment" in config.read_text()
    applied = cli("apply", "plans/p.json", "--sandbox", "--force")
    assert applied.exit_code == 0, applied.output


def test_any_change_of_meaning_makes_it_stale(project: Path) -> None:
    config = project / "espctl.yaml"
    assert cli("plan", "--sandbox", "--out", "plans/p.json").exit_code == 0
    # a change with no resource of its own to show it: only the config digest moves
    config.write_text(config.read_text().replace("max_change_ratio: 0.3", "max_change_ratio: 0.9"))
    refused = cli("apply", "plans/p.json", "--sandbox", "--force")
    assert refused.exit_code == 1
    assert "the config changed (its meaning, not only its layout or comments)" in refused.stderr
    assert "nothing was applied" in refused.stderr


def test_the_config_digest_holds_no_secret_and_follows_the_reference_not_the_value(
    project: Path,
) -> None:
    first = cli("plan", "--sandbox", "--format", "json", env={"HOOK_PASSWORD": "one-5ecret"})
    second = cli("plan", "--sandbox", "--format", "json", env={"HOOK_PASSWORD": "two-5ecret"})
    digest = json.loads(first.stdout)["config"]["digest"]
    assert digest == json.loads(second.stdout)["config"]["digest"]
    assert "5ecret" not in first.stdout + second.stdout


@pytest.mark.parametrize("fmt", ["text", "json", "markdown"])
def test_show_prints_what_plan_printed_without_config_credentials_or_api(
    project: Path,
    fmt: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path_factory: pytest.TempPathFactory,
) -> None:
    planned = cli("plan", "--sandbox", "--format", fmt, "--out", "plans/p.json")
    assert planned.exit_code == 0, planned.output
    saved = project / "plans" / "p.json"
    elsewhere = tmp_path_factory.mktemp("elsewhere")  # no config, no sandbox state here
    shutil.copy(saved, elsewhere / "p.json")
    monkeypatch.chdir(elsewhere)

    def no_providers(*args: object, **kwargs: object) -> None:
        raise AssertionError("show reached for a provider")

    # api first: its re-exports resolve on first use (from session), and a lookup after
    # session is patched would cache the patch in api beyond this test
    for module in (api, session):
        monkeypatch.setattr(module, "providers_for", no_providers)
        monkeypatch.setattr(module, "load", no_providers)
    shown = cli("show", "p.json", "--format", fmt)
    assert shown.exit_code == 0, shown.output
    if fmt == "json":
        payload = json.loads(shown.stdout)
        assert {k: v for k, v in payload.items() if k not in ("created_at", "espctl_version")} == (
            json.loads(planned.stdout)
        )
        assert payload == json.loads(saved.read_text())
    else:
        assert shown.stdout == planned.stdout
    assert "saved plan p.json: made " in shown.stderr and "from espctl.yaml" in shown.stderr
    assert list(elsewhere.iterdir()) == [elsewhere / "p.json"]  # nothing written


def test_show_refuses_what_is_not_a_plan(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.json"
    bogus.write_text('{"format": "something-else"}')
    result = cli("show", str(bogus))
    assert result.exit_code == 1
    assert "is not an espctl plan" in result.stderr and "Traceback" not in result.output
