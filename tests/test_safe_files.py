"""Output files are written safely: no predictable temporary name, no link followed.

``plan --out``, ``report --out`` and ``import --out`` share one writer
(:func:`espctl.files.write_atomic`). A link planted where the old code put its
temporary file (``plans/p.json.tmp``, ``report.html.tmp``, ``.out.yaml.tmp``) must not
redirect the write; a destination that is itself a link is refused; replacing an
existing plan or report is said on stderr.
"""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from espctl.cli import main
from espctl.errors import FileRefused
from espctl.files import write_atomic
from tests.conftest import QUICKSTART

VICTIM_TEXT = "precious: do not overwrite\n"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A folder with the quick-start config, as the working directory; and a victim file."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "espctl.yaml").write_text(QUICKSTART.read_text().replace("../schemas/", ""))
    (tmp_path / "victim.txt").write_text(VICTIM_TEXT)
    return tmp_path


def run(*args: str) -> Result:
    return CliRunner(env={"NO_COLOR": "1"}).invoke(main, list(args), catch_exceptions=False)


def plan_out(name: str) -> Result:
    return run("plan", "--sandbox", "-c", "espctl.yaml", "--out", name)


def report_out(name: str) -> Result:
    return run("report", "--sandbox", "-c", "espctl.yaml", "--since", "7d", "--out", name)


def import_out(name: str, *extra: str) -> Result:
    return run(
        "import", "--sandbox", "-c", "espctl.yaml", "--provider", "postmark", "--out", name, *extra
    )


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


# -- a link planted at the old, predictable temporary name ---------------------------------
@pytest.mark.parametrize(
    ("write", "name", "planted"),
    [
        (plan_out, "plans/p.json", "plans/p.json.tmp"),
        (report_out, "report.html", "report.html.tmp"),
        (import_out, "out.yaml", ".out.yaml.tmp"),
    ],
    ids=["plan", "report", "import"],
)
def test_a_planted_temporary_link_is_not_followed(
    project: Path, write: object, name: str, planted: str
) -> None:
    link = project / planted
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(project / "victim.txt")
    result = write(name)  # type: ignore[operator]
    assert result.exit_code == 0, result.output
    assert (project / "victim.txt").read_text() == VICTIM_TEXT
    written = project / name
    assert written.is_file() and not written.is_symlink()
    assert written.stat().st_size > 0
    assert link.is_symlink()  # left alone, and nothing else left behind
    assert leftovers(written.parent) == [Path(planted).name]


# -- a destination that is a link ----------------------------------------------------------
@pytest.mark.parametrize(
    ("write", "destination"),
    [
        (plan_out, "plans/p.json"),
        (report_out, "report.html"),
        (lambda name: import_out(name, "--force"), "out.yaml"),
    ],
    ids=["plan", "report", "import"],
)
def test_a_destination_that_is_a_link_is_refused(
    project: Path, write: object, destination: str
) -> None:
    link = project / destination
    link.parent.mkdir(parents=True, exist_ok=True)
    link.symlink_to(project / "victim.txt")
    result = write(destination)  # type: ignore[operator]
    assert result.exit_code == 1
    assert "symbolic link: refusing to replace it" in result.stderr
    assert str(destination) in result.stderr
    assert "Traceback" not in result.output
    assert (project / "victim.txt").read_text() == VICTIM_TEXT
    assert link.is_symlink()
    assert leftovers(link.parent) == []


# -- replacing is said ---------------------------------------------------------------------
def test_a_plan_over_an_existing_plan_says_it_replaces_it(project: Path) -> None:
    first = plan_out("p.json")
    assert first.exit_code == 0
    assert "replaced" not in first.stderr
    second = plan_out("p.json")
    assert second.exit_code == 0
    assert "replaced the existing p.json" in second.stderr


def test_report_over_an_existing_file_says_it_replaces_it(project: Path) -> None:
    (project / "report.html").write_text("an older report")
    result = report_out("report.html")
    assert result.exit_code == 0, result.output
    assert "replaced the existing report.html" in result.stderr
    assert (project / "report.html").read_text().lower().startswith("<!doctype html>")


def test_import_still_needs_force_over_an_existing_file(project: Path) -> None:
    (project / "out.yaml").write_text(VICTIM_TEXT)
    result = import_out("out.yaml")
    assert result.exit_code == 1
    assert "exists; pass --force" in result.stderr
    assert (project / "out.yaml").read_text() == VICTIM_TEXT


# -- the writer itself ---------------------------------------------------------------------
def test_the_writer_keeps_an_existing_files_mode_and_leaves_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")
    target.chmod(0o640)
    assert write_atomic(target, "new") is True
    assert target.read_text() == "new"
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    assert leftovers(tmp_path) == []


def test_a_new_file_gets_the_umask_mode(tmp_path: Path) -> None:
    old = os.umask(0o027)
    try:
        assert write_atomic(tmp_path / "sub" / "new.txt", b"x") is False
    finally:
        os.umask(old)
    assert stat.S_IMODE((tmp_path / "sub" / "new.txt").stat().st_mode) == 0o640


def test_a_failed_write_leaves_the_old_file_and_no_temporary(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    target = tmp_path / "out.txt"
    target.write_text("old")

    def fail(fd: int) -> None:
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "fsync", fail)
    with pytest.raises(OSError, match="No space"):
        write_atomic(target, "new")
    assert target.read_text() == "old"
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("kind", ["directory", "fifo"])
def test_a_destination_that_is_not_a_file_is_refused(tmp_path: Path, kind: str) -> None:
    target = tmp_path / "out"
    if kind == "directory":
        target.mkdir()
    else:
        os.mkfifo(target)
    with pytest.raises(FileRefused, match="refusing to replace it"):
        write_atomic(target, "x")
