"""A saved plan file of the wrong shape is a clear error, never an internal error, and
nothing is applied: valid JSON with the plan's format but a field of the wrong type."""

from __future__ import annotations

import json

import pytest

from tests.e2e.conftest import Served


@pytest.mark.parametrize(
    ("field", "value", "problem"),
    [
        ("changes", "everything", "changes: expected a list, got a string"),
        ("changes", [{"action": "explode"}], "changes.0.action: Input should be 'create'"),
        ("config", "espctl.yaml", "config: expected an object, got a string"),
        ("digests", [1, 2], "digests: expected an object, got a list"),
        ("fingerprint", None, "fingerprint: Input should be a valid string (got null)"),
        ("summary", None, "summary: expected an object, got null"),
    ],
)
def test_a_malformed_saved_plan_is_refused_clearly(
    served: Served, field: str, value: object, problem: str
) -> None:
    assert served.run("plan", "--out", "plans/reviewed.json").exit_code == 0
    path = served.tmp / "plans" / "reviewed.json"
    saved = json.loads(path.read_text())
    saved[field] = value
    saved["fingerprint"] = saved["fingerprint"] if field != "fingerprint" else value
    path.write_text(json.dumps(saved))
    before = served.app.state.model_dump_json()
    result = served.run("apply", "plans/reviewed.json", "--force")
    assert result.exit_code == 1, result.output
    assert "internal error" not in result.stderr
    (line,) = [x for x in result.stderr.splitlines() if x.startswith("error: ")]
    assert line.startswith("error: plans/reviewed.json is not a valid espctl plan (")
    assert problem in line
    assert line.endswith("make a new one with `espctl plan --out`")
    assert served.app.state.model_dump_json() == before  # nothing applied


def test_a_stale_plan_with_a_malformed_config_block_is_refused_clearly(served: Served) -> None:
    """Without the check, comparing digests of a moved account crashed on the bad block."""
    assert served.run("plan", "--out", "plans/reviewed.json").exit_code == 0
    path = served.tmp / "plans" / "reviewed.json"
    saved = json.loads(path.read_text())
    saved.update(fingerprint="0" * 64, config=["espctl.yaml"])
    path.write_text(json.dumps(saved))
    result = served.run("apply", "plans/reviewed.json", "--force")
    assert result.exit_code == 1
    assert "config: expected an object, got a list" in result.stderr
    assert "internal error" not in result.stderr
