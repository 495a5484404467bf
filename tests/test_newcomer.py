"""The newcomer's path, for real: a copy of this repository, a fresh shell, the README's
first Quick start command verbatim (it creates its own virtual environment, as a fresh
Debian or Ubuntu needs: their Python refuses ``pip install`` outside one), then what the
demo suggests trying next. Every step must exit 0.

Slow (it installs espctl into a new virtual environment from the package index), so
it is marked ``slow``; ``.ci/run`` runs the whole suite, this test included.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

README = (REPO / "README.md").read_text()
#: not part of a fresh clone
_NOT_CLONED = shutil.ignore_patterns(
    ".git",
    ".venv",
    "*.egg-info",
    "__pycache__",
    ".espctl",
    "espctl-demo",
    ".*cache",
    ".hypothesis",
)


def quick_start_commands() -> list[str]:
    """The README's Quick start commands, in order."""
    section = README.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return [block.strip() for block in re.findall(r"```sh\n(.*?)```", section, re.S)]


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_the_readme_first_command_then_plan_show_and_completion(tmp_path: Path) -> None:
    clone = tmp_path / "espctl"
    shutil.copytree(REPO, clone, ignore=_NOT_CLONED)
    first = quick_start_commands()[0]
    script = "\n".join(
        [
            "set -eu",
            first,  # verbatim: creates .venv, activates it, installs espctl, runs the demo
            'test "$(command -v espctl)" = "$PWD/.venv/bin/espctl"',
            "cd espctl-demo",
            "espctl plan --sandbox --format markdown --out plans/next.json > next.md",
            "grep -q '^### espctl plan' next.md",
            "espctl show plans/next.json > shown.txt",
            "grep -q '^No changes' shown.txt",
            "espctl completion bash > espctl.bash",
            "grep -q _ESPCTL_COMPLETE espctl.bash",
            "echo NEWCOMER-OK",
        ]
    )
    # a fresh shell: none of this test run's virtual environment or espctl settings
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME") and not k.startswith("ESPCTL_")
    }
    venv_bin = str(Path(sys.prefix) / "bin")
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if p and p != venv_bin
    )
    done = subprocess.run(
        ["bash", "-c", script],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
        timeout=1100,
        check=False,
    )
    assert done.returncode == 0, f"stdout:\n{done.stdout[-4000:]}\nstderr:\n{done.stderr[-4000:]}"
    assert done.stdout.rstrip().endswith("NEWCOMER-OK")
    assert "== 5. report" in done.stdout  # the demo ran to its end


def test_ci_runs_the_slow_tests_too() -> None:
    """``.ci/run`` runs the README's test command, which deselects nothing."""
    ci = (REPO / ".ci" / "run").read_text()
    pyproject = (REPO / "pyproject.toml").read_text()
    assert "not slow" not in ci and "not slow" not in pyproject
    assert quick_start_commands()[1] in [line.strip() for line in ci.splitlines()]
