"""The demo, the README's Quick start, and the examples (configs and CI recipes)."""

from __future__ import annotations

import re
import shlex
from pathlib import Path

import click
import pytest
import yaml
from click.testing import CliRunner

from espctl import __version__
from espctl.cli import main
from espctl.commands.demo_cmd import quickstart_text
from tests.conftest import EXAMPLES, QUICKSTART, REPO
from tests.contract.harness import (
    quickstart_apply_line,
    quickstart_managed,
    quickstart_plan_line,
)

README = REPO / "README.md"
CI_RUN = REPO / ".ci" / "run"


def test_demo_runs_offline_and_converges(tmp_path: Path) -> None:
    out = tmp_path / "demo"
    result = CliRunner(
        env={"POSTMARK_SERVER_TOKEN": None, "MAILGUN_API_KEY": None, "SENDGRID_API_KEY": None}
    ).invoke(main, ["demo", "--out", str(out)])
    assert result.exit_code == 0, result.output
    stdout = result.stdout
    steps = [line for line in stdout.splitlines() if line.startswith("== ")]
    assert [s.split(".")[0] for s in steps] == ["== 1", "== 2", "== 3", "== 4", "== 5"]
    assert quickstart_plan_line() in stdout
    assert quickstart_apply_line() in stdout
    # the second plan is empty
    after_apply = stdout.split("== 4.")[1]
    assert f"No changes. {quickstart_managed()} managed resources match the config." in after_apply
    report = out / "report.html"
    assert report.exists() and report.stat().st_size > 50_000
    assert (out / "plans" / "demo.json").exists()
    assert "notice:" not in result.stderr  # no credential was needed or asked for
    # running it again starts from a fresh account
    again = CliRunner().invoke(main, ["demo", "--out", str(out)])
    assert again.exit_code == 0
    assert quickstart_plan_line() in again.stdout


def test_packaged_quickstart_is_the_example() -> None:
    assert quickstart_text() == QUICKSTART.read_text()


def _quick_start_commands() -> list[str]:
    text = README.read_text()
    section = text.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


def test_readme_quick_start_has_exactly_two_commands_and_ci_runs_the_test_one() -> None:
    commands = _quick_start_commands()
    assert len(commands) == 2
    install_and_demo, tests = commands
    # a fresh Debian/Ubuntu's Python refuses pip outside a virtual environment (PEP 668):
    # the first command makes one and uses it (tests/test_newcomer.py runs it for real)
    assert install_and_demo == (
        "python3 -m venv .venv && . .venv/bin/activate && pip install -e . && espctl demo"
    )
    assert tests.endswith("python -m pytest -q")
    ci_lines = [line.strip() for line in CI_RUN.read_text().splitlines()]
    assert tests in ci_lines, ".ci/run must run the README's test command verbatim"


def _espctl_invocations(text: str) -> list[list[str]]:
    """Every `espctl ...` command line in a shell-ish text: a quoted variable ("$FILE") is
    a value, an unquoted one ($mode: a flag or nothing) is dropped."""
    calls = []
    text = re.sub(r'"\$\{?[A-Za-z_]+\}?"', "VALUE", text)
    for line in text.replace("\\\n", " ").splitlines():
        for raw in re.split(r"&&|;|\|", line):
            part = raw.strip().lstrip("-").strip().removeprefix("run:").strip()
            if not part.startswith("espctl "):
                continue
            words = [
                w
                for w in shlex.split(part.split("#", 1)[0].split(">", 1)[0])
                if not w.startswith("$")
            ]
            calls.append(words[1:])
    return calls


def _check_invocation(args: list[str]) -> None:
    name, *rest = args
    command = main.get_command(click.Context(main), name)
    assert command is not None, f"no command {name!r}"
    try:
        command.make_context(name, rest)
    except click.UsageError as exc:  # unknown option, bad choice, ...
        pytest.fail(f"espctl {' '.join(args)}: {exc.format_message()}")


CI_FILES = [*sorted((EXAMPLES / "ci").glob("*.yml")), REPO / "action.yml"]


@pytest.mark.parametrize("path", CI_FILES, ids=lambda p: p.name)
def test_ci_recipes_parse_and_call_real_commands(path: Path) -> None:
    yaml.safe_load(path.read_text())
    calls = _espctl_invocations(path.read_text())
    assert calls, f"{path.name} runs no espctl command"
    for args in calls:
        _check_invocation(args)


def test_github_recipe_covers_pr_main_nightly_and_forks() -> None:
    text = (EXAMPLES / "ci" / "github-actions.yml").read_text()
    recipe = yaml.safe_load(text)
    (uses,) = [s for s in recipe["jobs"]["plan"]["steps"] if "espctl/espctl@" in s.get("uses", "")]
    assert uses["uses"] == f"espctl/espctl@v{__version__}"  # the action at this release
    assert "head.repo.full_name" in uses["with"]["sandbox"]  # forks: the sandbox
    assert "apply plans/plan.json" in text
    assert "--detailed-exitcode" in text and "schedule" in text


def test_the_action_plans_once_and_posts_the_saved_plan() -> None:
    """action.yml: validate, one plan saved to a file, the comment from `espctl show` of
    that file (one comment, updated in place), the plan uploaded."""
    action = yaml.safe_load((REPO / "action.yml").read_text())
    steps = action["runs"]["steps"]
    scripts = "\n".join(str(s.get("run", "")) for s in steps)
    assert scripts.count("espctl plan") == 1
    assert '--out "$PLAN_FILE"' in scripts
    assert 'espctl show "$PLAN_FILE" --format markdown' in scripts
    posting = [s for s in steps if s.get("uses", "").startswith("actions/github-script@")]
    assert "updateComment" in posting[0]["with"]["script"]
    assert any(s.get("uses", "").startswith("actions/upload-artifact@") for s in steps)
    assert set(action["inputs"]) >= {"config", "version", "sandbox", "plan-file"}
    # a plan that cannot converge (exit 1 with a saved plan) is posted, then fails the job
    plan_step = next(s for s in steps if s.get("id") == "plan")
    assert '[ "$code" = "1" ] && [ ! -f "$PLAN_FILE" ]; then exit 1' in plan_step["run"]
    assert steps[-1]["if"] == "steps.plan.outputs.converges == 'false'"
    assert "exit 1" in steps[-1]["run"]


def test_gitlab_recipe_renders_the_note_from_the_saved_plan() -> None:
    text = (EXAMPLES / "ci" / "gitlab-ci.yml").read_text()
    assert "--out plans/plan.json" in text
    assert "espctl show plans/plan.json --format markdown" in text
    # a plan that cannot converge is posted first, then fails the job (artifact kept)
    assert '[ "$code" = "1" ] && [ ! -f plans/plan.json ]; then exit 1' in text
    assert text.rstrip().count('if [ "$code" = "1" ]; then echo "the config cannot converge') == 1
    assert "when: always" in text


def test_pre_commit_hook_calls_validate() -> None:
    (hook,) = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    assert hook["id"] == "espctl-validate"
    entry = shlex.split(hook["entry"])
    assert entry[0] == "espctl"
    _check_invocation([*entry[1:], "espctl.yaml"])


def test_validate_takes_the_files_pre_commit_passes(tmp_path: Path) -> None:
    bad = tmp_path / "espctl.yaml"
    bad.write_text("version: 2\n")
    result = CliRunner().invoke(main, ["validate", str(QUICKSTART), str(bad)])
    assert result.exit_code == 1
    assert f"{QUICKSTART}: valid" in result.stdout
    assert f"{bad}:1:10: version:" in result.stdout


def test_readme_documents_every_command() -> None:
    text = README.read_text()
    for name in main.list_commands(click.Context(main)):
        assert f"### `espctl {name}" in text, f"README has no section for espctl {name}"
