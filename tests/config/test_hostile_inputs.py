"""Hostile config inputs: alias bombs, huge node counts, FIFOs, devices, oversized files.

Each case runs the real CLI in a subprocess under a memory ceiling (RLIMIT_AS) and a
timeout, so that a regression fails the test instead of hanging or exhausting the
machine: the answer must be one clear error naming the file, exit 1, no traceback.
"""

from __future__ import annotations

import os
import resource
import subprocess
import sys
from pathlib import Path

import pytest

from espctl.config.yamlpos import MAX_NODES
from espctl.files import MAX_INPUT_BYTES
from tests.conftest import QUICKSTART

MEMORY_CEILING = 1024 * 1024 * 1024  # bytes of address space for the child
DEADLINE = 60  # seconds; the fixed code answers in about one


def _limit_memory() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_CEILING, MEMORY_CEILING))


def espctl(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    """``python -m espctl ARGS`` under the memory ceiling and the deadline."""
    env = {k: v for k, v in os.environ.items() if k != "ESPCTL_DEBUG"}
    return subprocess.run(
        [sys.executable, "-m", "espctl", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEADLINE,
        preexec_fn=_limit_memory,
        check=False,
    )


def assert_one_clean_error(result: subprocess.CompletedProcess[str], *fragments: str) -> None:
    out = result.stdout + result.stderr
    assert result.returncode == 1, out
    assert "Traceback" not in out and "internal error" not in out, out
    for fragment in fragments:
        assert fragment in out, out


def test_aliases_are_counted_as_the_nodes_they_expand_to(tmp_path: Path) -> None:
    # the file: 40,000 uses of a 20,000-item list, 160 KB; 10 GB before the fix
    items = ", ".join(["x"] * 20_000)
    uses = ", ".join(["*big"] * 40_000)
    (tmp_path / "espctl.yaml").write_text(f"version: 1\nbig: &big [{items}]\nbomb: [{uses}]\n")
    assert (tmp_path / "espctl.yaml").stat().st_size < 400_000
    result = espctl("validate", "espctl.yaml", cwd=tmp_path)
    assert_one_clean_error(
        result, "espctl.yaml:3:", f"aliases expand the document to more than {MAX_NODES:,} nodes"
    )


def test_a_document_with_too_many_nodes_is_refused_before_it_is_built(tmp_path: Path) -> None:
    # no alias at all: a flow list of MAX_NODES + 10 items (about 0.5 MB)
    items = ",".join(["1"] * (MAX_NODES + 10))
    (tmp_path / "espctl.yaml").write_text(f"version: 1\nx: [{items}]\n")
    result = espctl("plan", "-c", "espctl.yaml", cwd=tmp_path)
    assert_one_clean_error(
        result, "espctl.yaml:2:", f"the document has more than {MAX_NODES:,} YAML nodes"
    )


def test_a_large_legitimate_config_still_loads(tmp_path: Path) -> None:
    domains = "".join(
        f"      d{i}.example.com: {{tracking: {{opens: true, clicks: html_only}}}}\n"
        for i in range(5_000)
    )
    text = QUICKSTART.read_text().replace("    domains:\n", "    domains:\n" + domains, 1)
    (tmp_path / "espctl.yaml").write_text(text)
    result = espctl("validate", "espctl.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "valid" in result.stdout


def test_a_fifo_is_refused_instead_of_hanging(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "espctl.yaml")
    for args in (["validate", "espctl.yaml"], ["plan", "-c", "espctl.yaml"]):
        result = espctl(*args, cwd=tmp_path)
        assert_one_clean_error(result, "espctl.yaml:1:1: a named pipe (FIFO)", "regular files")


@pytest.mark.skipif(not Path("/dev/zero").exists(), reason="needs /dev/zero")
def test_a_device_is_refused_instead_of_read_forever(tmp_path: Path) -> None:
    result = espctl("validate", "/dev/zero", cwd=tmp_path)
    assert_one_clean_error(result, "/dev/zero:1:1: a device: espctl reads only regular files")
    result = espctl("route", "x", "-c", "/dev/zero", cwd=tmp_path)
    assert_one_clean_error(result, "/dev/zero:1:1: a device")


def test_an_oversized_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "espctl.yaml"
    with path.open("w") as handle:
        handle.write("version: 1\n")
        handle.write(("# padding\n" * 1024) * (MAX_INPUT_BYTES // 10240 + 2))
    assert path.stat().st_size > MAX_INPUT_BYTES
    result = espctl("validate", "espctl.yaml", cwd=tmp_path)
    assert_one_clean_error(result, "espctl.yaml:1:1: ", "larger than the 8 MiB espctl reads")


def test_a_saved_plan_that_is_not_a_regular_file_is_refused(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "plan.json")
    (tmp_path / "espctl.yaml").write_text(QUICKSTART.read_text())
    result = espctl("apply", "plan.json", "--sandbox", cwd=tmp_path)
    assert_one_clean_error(result, "plan.json is not a readable espctl plan: a named pipe")
