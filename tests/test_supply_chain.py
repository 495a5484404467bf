"""Every install instruction we publish installs *this* project.

On PyPI the name ``espctl`` belongs to an unrelated project (an ESP32 serial tool); a
recipe that runs ``pip install espctl`` installs someone else's code next to the user's
provider secrets. Our distribution is ``espctl-iac`` (the import package and command stay
``espctl``), installed from this repository at a release tag, or from a local checkout.
"""

from __future__ import annotations

import re
import shlex
import tomllib
from pathlib import Path

import pytest
import yaml
from packaging.requirements import InvalidRequirement, Requirement
from packaging.utils import canonicalize_name

from espctl import __version__
from tests.conftest import EXAMPLES, REPO

DISTRIBUTION = "espctl-iac"
REPOSITORY = "https://github.com/espctl/espctl"
#: a pinned ref: this release's tag, or a full commit id
PINNED_URLS = (
    re.compile(rf"^{re.escape(REPOSITORY)}/archive/refs/tags/v(?P<version>[0-9.]+)\.tar\.gz$"),
    re.compile(rf"^git\+{re.escape(REPOSITORY)}(\.git)?@v(?P<version>[0-9.]+)$"),
    re.compile(rf"^git\+{re.escape(REPOSITORY)}(\.git)?@[0-9a-f]{{40}}$"),
)
INSTALLERS = re.compile(r"\b(?:pip3?|pipx|uv pip|uv tool)\s+install\b")
ACTION = REPO / "action.yml"
DOCUMENTS = [
    REPO / "README.md",
    REPO / ".pre-commit-hooks.yaml",
    ACTION,
    *sorted((EXAMPLES / "ci").glob("*.yml")),
]
_INPUT = re.compile(r"^\$\{\{\s*inputs\.([A-Za-z0-9_-]+)\s*\}\}$")


def _variables(path: Path) -> dict[str, str]:
    """What ``${NAME}`` expands to in a recipe: its top-level ``env:``/``variables:``, and
    in the action each step's ``env:`` with ``${{ inputs.X }}`` as the input's default."""
    if path.suffix != ".yml":
        return {}
    data = yaml.safe_load(path.read_text()) or {}
    found: dict[str, str] = {}
    for section in ("env", "variables"):
        found.update({k: str(v) for k, v in (data.get(section) or {}).items()})
    defaults = {k: str(v.get("default", "")) for k, v in (data.get("inputs") or {}).items()}
    for step in (data.get("runs") or {}).get("steps") or []:
        for name, value in (step.get("env") or {}).items():
            given = _INPUT.match(str(value))
            found[name] = defaults.get(given.group(1), "") if given else str(value)
    return found


def install_lines(path: Path) -> list[str]:
    """Every shell command in ``path`` that installs Python packages (comments skipped)."""
    variables = _variables(path)
    lines = []
    for raw in path.read_text().replace("\\\n", " ").splitlines():
        line = raw.strip()
        if line.startswith("#"):
            continue
        for command in re.split(r"&&|;|\|\|", line):
            match = INSTALLERS.search(command)
            if match:
                text = command[match.start() :]
                for name, value in variables.items():
                    text = text.replace(f"${{{name}}}", value).replace(f"${name}", value)
                lines.append(text.strip().rstrip("`"))
    return lines


def problems_with(command: str) -> list[str]:
    """Why an install command might not install this project (empty: it does)."""
    words = shlex.split(command)
    start = next(i for i, w in enumerate(words) if w == "install") + 1
    args = words[start:]
    hashes = any(w.startswith("--hash") or w == "--require-hashes" for w in args)
    problems = []
    targets = []
    skip_next = False
    for i, word in enumerate(args):
        if skip_next:
            skip_next = False
            continue
        if word in ("-e", "--editable"):
            targets.append(("editable", args[i + 1]))
            skip_next = True
        elif word.startswith("-"):
            if word in ("-r", "-c", "--index-url", "-i", "--extra-index-url"):
                problems.append(f"{word} installs from elsewhere than this repository")
        else:
            targets.append(("requirement", word))
    if not targets:
        problems.append("installs nothing")
    for kind, target in targets:
        if kind == "editable" or target.startswith((".", "/")):
            # a local checkout of this repository (README Quick start, .ci/run)
            if not re.fullmatch(r"\.(\[[a-z,]+\])?", target):
                problems.append(f"{target}: not this checkout")
            continue
        try:
            req = Requirement(target)
        except InvalidRequirement:
            problems.append(f"{target}: not a requirement")
            continue
        if canonicalize_name(req.name) != DISTRIBUTION:
            problems.append(f"{target}: installs {req.name!r}, not {DISTRIBUTION}")
        elif req.url:
            pinned = [m for p in PINNED_URLS if (m := p.match(req.url))]
            if not pinned:
                problems.append(f"{target}: not {REPOSITORY} at a pinned tag or commit")
            elif pinned[0].groupdict().get("version") not in (None, __version__):
                problems.append(f"{target}: tag is not this release (v{__version__})")
        elif not (str(req.specifier).startswith("==") and hashes):
            problems.append(f"{target}: from the index, but not pinned with --hash")
    return problems


def test_the_distribution_is_not_the_unrelated_espctl() -> None:
    project = tomllib.loads((REPO / "pyproject.toml").read_text())["project"]
    assert canonicalize_name(project["name"]) == DISTRIBUTION
    # the import package and the command keep their name
    assert project["scripts"] == {"espctl": "espctl.cli:main"}


@pytest.mark.parametrize("path", DOCUMENTS, ids=lambda p: p.name)
def test_every_install_line_names_this_project(path: Path) -> None:
    lines = install_lines(path)
    if path.name == ".pre-commit-hooks.yaml":
        # pre-commit installs the hook's own repository at `rev`: it must be this one
        text = path.read_text()
        assert re.findall(r"repo:\s*(\S+)", text) == [REPOSITORY]
        assert re.search(r"rev:\s*v" + re.escape(__version__) + r"\b", text)
        assert lines == []
        return
    assert lines, f"{path.name} has no install line"
    for line in lines:
        assert problems_with(line) == [], line


def test_the_action_installs_this_release_and_refuses_another_kind_of_ref() -> None:
    """The action's default version is this release; any other input must be a release
    number (a branch or URL could not be pinned), checked before pip runs."""
    data = yaml.safe_load(ACTION.read_text())
    assert data["inputs"]["version"]["default"] == __version__
    assert data["runs"]["using"] == "composite"
    (install,) = [s for s in data["runs"]["steps"] if "pip install" in str(s.get("run", ""))]
    assert install["env"]["ESPCTL_VERSION"] == "${{ inputs.version }}"
    script = install["run"]
    assert script.index("=~ ^[0-9]+(\\.[0-9]+)*$ ]]") < script.index("pip install")


def test_readme_pre_commit_snippet_points_at_this_repository() -> None:
    text = (REPO / "README.md").read_text()
    assert re.findall(r"- repo:\s*(\S+)", text) == [REPOSITORY]


@pytest.mark.parametrize(
    "command",
    [
        'pip install "espctl==0.1.0"',
        "pip install espctl",
        "pip install -U espctl",
        'pip install "espctl-iac==0.1.0"',  # the index, unpinned by hash
        'pip install "espctl-iac @ https://github.com/someone/espctl/archive/v0.1.0.tar.gz"',
        'pip install "espctl-iac @ git+https://github.com/espctl/espctl@main"',
        'pip install "espctl @ git+https://github.com/espctl/espctl@v0.1.0"',
        "pip install -e ../elsewhere",
    ],
)
def test_the_check_refuses_what_would_install_something_else(command: str) -> None:
    assert problems_with(command) != []
