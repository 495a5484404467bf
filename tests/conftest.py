"""Shared fixtures: paths, config writing, problem lookup."""

from __future__ import annotations

import os
import shutil
import tempfile
import textwrap
from pathlib import Path

import pytest

from espctl.config import load_config
from espctl.errors import ConfigError, Problem

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
EXAMPLES = REPO / "examples"
QUICKSTART = EXAMPLES / "quickstart.yaml"


def problems_for(tmp_path: Path, text: str, env: dict[str, str] | None = None) -> list[Problem]:
    """Every problem (errors and warnings) that loading ``text`` produces in strict mode."""
    path = tmp_path / "espctl.yaml"
    path.write_text(textwrap.dedent(text))
    try:
        loaded = load_config(path, env=env or {})
    except ConfigError as exc:
        return exc.problems
    return list(loaded.warnings)


def find(problems: list[Problem], fragment: str) -> Problem:
    """The one problem whose message contains ``fragment`` (fails with the list otherwise)."""
    hits = [p for p in problems if fragment in p.message]
    assert len(hits) == 1, f"expected one problem with {fragment!r}, got: " + "\n".join(
        p.render() for p in problems
    )
    return hits[0]


@pytest.fixture
def write_config(tmp_path: Path):  # type: ignore[no-untyped-def]
    def write(text: str, name: str = "espctl.yaml") -> Path:
        path = tmp_path / name
        path.write_text(textwrap.dedent(text))
        return path

    return write


def pytest_configure(config: pytest.Config) -> None:
    """The console script keeps help texts in ``$XDG_CACHE_HOME/espctl`` (espctl.helpcache):
    in a folder of this run (each xdist worker its own), never the user's."""
    folder = tempfile.mkdtemp(prefix="espctl-test-cache-")
    config.stash[_CACHE_KEY] = folder
    os.environ["XDG_CACHE_HOME"] = folder


def pytest_unconfigure(config: pytest.Config) -> None:
    folder = config.stash.get(_CACHE_KEY, None)
    if folder is not None:
        shutil.rmtree(folder, ignore_errors=True)


_CACHE_KEY = pytest.StashKey[str]()


def pytest_terminal_summary(
    terminalreporter: pytest.TerminalReporter, config: pytest.Config
) -> None:
    """Print the random-order seed even under -q, so a failing order can be replayed."""
    seed = getattr(config.option, "randomly_seed", None)
    if isinstance(seed, int):
        terminalreporter.write_line(
            f"random test order (pytest-randomly) seed {seed}; replay it with: "
            f"python -m pytest --randomly-seed={seed}"
        )
