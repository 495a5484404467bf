"""Checks with a severity; changes blocked by failed error checks are never planned.

Pure engine (issue 13 items 4 and 5): a failed ``error`` check that names what it blocks
(a missing Mailgun domain, a stream over Postmark's limit) keeps every change to that
resource and its children out of the plan's changes; they are listed apart with the
check, in every rendering, and apply attempts nothing for them. A ``warning`` blocks
nothing.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

from espctl.config.models import Policy, UnmanagedPolicy
from espctl.engine.apply import apply_plan
from espctl.engine.plan import Plan, make_plan
from espctl.engine.plan_json import plan_from_json
from espctl.engine.render import render_markdown, render_text
from espctl.engine.saved_plan import check_saved_plan
from espctl.errors import ProviderError
from espctl.model.resources import Check, LiveState, Resource
from espctl.providers.kit.protocol import Capabilities, ChangeRequest
from tests.mdcheck import assert_inert

CAPS = Capabilities(
    creatable=frozenset({"x.hook"}),
    deletable=frozenset({"x.hook", "x.stream"}),
    unmanaged=frozenset({"x.hook", "x.domain", "x.stream"}),
    immutable={},
    permanent={"x.stream": {"default": "the provider's own default stream, never archived"}},
)


def domain(name: str) -> Resource:
    return Resource("x", "x.domain", name, {})


def tracking(name: str, opens: bool) -> Resource:
    return Resource("x", "x.tracking", name, {"opens": opens}, parent=name)


def hook(name: str, url: str) -> Resource:
    return Resource("x", "x.hook", f"{name} {url}", {"urls": [url]}, parent=name)


MISSING = Check(
    "x",
    "domain",
    "typo.example.com",
    False,
    "domain typo.example.com does not exist",
    blocks=("typo.example.com",),
)
UNVERIFIED = Check("x", "domain", "ok.example.com", False, "unverified", severity="warning")


def make(checks: tuple[Check, ...], policy: Policy | None = None) -> Plan:
    desired = [
        domain("ok.example.com"),
        tracking("ok.example.com", True),
        hook("ok.example.com", "https://h.example.com/ok"),
        domain("typo.example.com"),
        tracking("typo.example.com", True),
        hook("typo.example.com", "https://h.example.com/typo"),
    ]
    live = LiveState(
        "x",
        (
            Resource("x", "x.domain", "ok.example.com", {"state": "active"}),
            tracking("ok.example.com", False),
            Resource("x", "x.stream", "default", {"name": "Default"}),
        ),
        checks,
    )
    return make_plan({"x": desired}, {"x": live}, {"x": CAPS}, policy or Policy(), config_text="c")


def test_a_failed_check_is_an_error_unless_its_maker_says_warning() -> None:
    assert Check("x", "n", "s", False, "m").status == "error"
    assert Check("x", "n", "s", True, "m").status == "ok"
    assert UNVERIFIED.status == "warning" and not UNVERIFIED.blocking
    assert MISSING.blocking
    assert Check("x", "n", "s", True, "m", blocks=("s",)).blocking is False  # it passed


def test_changes_under_a_missing_parent_are_blocked_not_planned() -> None:
    p = make((MISSING, UNVERIFIED))
    assert [(c.action, c.kind, c.key) for c in p.changes] == [
        ("create", "x.hook", "ok.example.com https://h.example.com/ok"),
        ("update", "x.tracking", "ok.example.com"),
    ]
    blocked = [(b.change.action, b.change.kind, b.change.key) for b in p.blocked_changes]
    # the domain itself is no change (espctl cannot create it: the check says so); what
    # would be set on it is listed, blocked by the check
    assert blocked == [
        ("create", "x.hook", "typo.example.com https://h.example.com/typo"),
        ("create", "x.tracking", "typo.example.com"),
    ]
    assert all(b.blocked_by == (MISSING,) for b in p.blocked_changes)
    assert p.summary == {"create": 1, "update": 1, "delete": 0, "unchanged": 1, "blocked": 2}
    assert p.errors == (MISSING,) and p.warnings == (UNVERIFIED,)
    assert not p.converges


def test_a_warning_blocks_nothing() -> None:
    unverified_typo = Check(
        "x", "domain", "typo.example.com", False, "unverified", severity="warning", blocks=()
    )
    p = make((unverified_typo,))
    assert p.converges and not p.blocked_changes
    keys = {c.key for c in p.changes}
    assert "typo.example.com https://h.example.com/typo" in keys


def test_json_lists_blocked_changes_with_their_checks() -> None:
    data = json.loads(json.dumps(make((MISSING, UNVERIFIED)).as_json()))
    assert data["converges"] is False
    assert data["summary"]["blocked"] == 2
    first = data["blocked_changes"][0]
    assert (first["action"], first["kind"], first["key"]) == (
        "create",
        "x.hook",
        "typo.example.com https://h.example.com/typo",
    )
    assert first["after"] == {"urls": ["https://h.example.com/typo"]}
    assert first["blocked_by"] == [
        {"provider": "x", "name": "domain", "subject": "typo.example.com"}
    ]
    checks = {c["subject"]: c for c in data["checks"]}
    assert checks["typo.example.com"]["severity"] == "error"
    assert checks["typo.example.com"]["status"] == "error"
    assert checks["typo.example.com"]["blocks"] == ["typo.example.com"]
    assert checks["ok.example.com"]["status"] == "warning"
    assert all(c["key"] != "typo.example.com https://h.example.com/typo" for c in data["changes"])


def test_text_shows_blocked_changes_severities_and_why_it_cannot_converge() -> None:
    text = render_text(make((MISSING, UNVERIFIED)))
    assert (
        "Blocked by failed checks (the config cannot converge; not applied):\n\n"
        "  ! x x.hook typo.example.com https://h.example.com/typo\n"
        '      urls: ["https://h.example.com/typo"]\n'
        "      blocked by: x domain typo.example.com\n"
        "  ! x x.tracking typo.example.com\n"
        "      opens: true\n"
        "      blocked by: x domain typo.example.com\n"
    ) in text
    assert "  [error] x domain: domain typo.example.com does not exist\n" in text
    assert "  [warn ] x domain: unverified\n" in text
    assert "Plan: 1 to create, 1 to update, 0 to delete, 1 unchanged. 2 blocked" in text
    assert "The config cannot converge: 1 check failed with severity error" in text
    converging = render_text(make((UNVERIFIED,)))
    assert "cannot converge" not in converging and "Blocked" not in converging


def test_markdown_shows_blocked_changes_as_code_and_errors_before_warnings() -> None:
    md = render_markdown(make((UNVERIFIED, MISSING)))
    assert_inert(md)
    assert (
        "| create | update | delete | unchanged | blocked | unmanaged | errors | warnings |" in md
    )
    assert "| 1 | 1 | 0 | 1 | 2 | 1 | 1 | 1 |" in md
    assert "> **Cannot converge:** 1 check failed with severity error" in md
    error = md.index("- :x: **error** **x** domain: `domain typo.example.com does not exist`")
    warning = md.index("- :warning: warning **x** domain: `unverified`")
    assert error < warning
    assert "**Blocked by failed checks** (2 changes, not applied):" in md
    assert "  ! x x.hook typo.example.com https://h.example.com/typo\n" in md
    assert "      blocked by: x domain typo.example.com\n" in md


def test_a_blocked_resource_that_already_matches_is_unchanged() -> None:
    check = Check("x", "domain", "t.example.com", False, "gone", blocks=("t.example.com",))
    live = LiveState("x", (tracking("t.example.com", True),), (check,))
    p = make_plan(
        {"x": [tracking("t.example.com", True)]},
        {"x": live},
        {"x": CAPS},
        Policy(),
        config_text="c",
    )
    assert (p.unchanged, p.changes, p.blocked_changes) == (1, (), ())


def test_a_providers_default_is_kept_even_under_prune() -> None:
    pruned = make((), Policy(unmanaged=UnmanagedPolicy.prune))
    (kept,) = [u for u in pruned.unmanaged if u.resource.key == "default"]
    assert (kept.action, kept.reason) == (
        "kept",
        "the provider's own default stream, never archived",
    )
    assert all(c.key != "default" for c in pruned.changes)
    assert (
        "  ? x x.stream default: not in config; the provider's own default stream, never "
        "archived: kept\n"
    ) in render_text(pruned)
    ignored = make((), Policy(unmanaged=UnmanagedPolicy.ignore))
    assert not [u for u in ignored.unmanaged if u.resource.key == "default"]


class Recorder:
    """A provider that records what it is asked to do; ``fail`` keys raise."""

    capabilities = CAPS

    def __init__(self, fail: frozenset[str] = frozenset()) -> None:
        self.calls: list[str] = []
        self.fail = fail

    async def apply(self, change: ChangeRequest) -> None:
        self.calls.append(change.key)
        if change.key in self.fail:
            raise ProviderError("x", "PUT", "/x", 500, "boom")


def run_apply(p: Plan, provider: Recorder) -> Any:
    notes: list[str] = []
    result = asyncio.run(apply_plan(p, {"x": provider}, notes.append))  # type: ignore[dict-item]
    return result, notes


def test_apply_attempts_nothing_blocked_and_says_why() -> None:
    provider = Recorder()
    result, notes = run_apply(make((MISSING, UNVERIFIED)), provider)
    assert sorted(provider.calls) == ["ok.example.com", "ok.example.com https://h.example.com/ok"]
    assert [o.status for o in result.outcomes] == ["applied", "applied", "blocked", "blocked"]
    blocked = result.outcomes[2]
    assert blocked.message == (
        "not attempted, blocked by x domain typo.example.com: domain typo.example.com does "
        "not exist"
    )
    assert notes[0].startswith("! x x.hook typo.example.com https://h.example.com/typo: blocked")
    assert result.exit_code == 3  # some applied, some not: the config has not converged
    assert not result.rerun_helps  # running apply again cannot finish blocked changes
    assert result.summary() == "Apply: 2 applied, 0 failed, 0 skipped, 2 blocked (not attempted)."


def test_apply_with_only_blocked_changes_exits_1_and_a_failure_still_asks_for_a_rerun() -> None:
    only_blocked = make_plan(
        {"x": [domain("typo.example.com"), tracking("typo.example.com", True)]},
        {"x": LiveState("x", (), (MISSING,))},
        {"x": CAPS},
        Policy(),
        config_text="c",
    )
    provider = Recorder()
    result, _ = run_apply(only_blocked, provider)
    assert provider.calls == [] and result.exit_code == 1
    failing = Recorder(fail=frozenset({"ok.example.com"}))
    result, _ = run_apply(make((MISSING,)), failing)
    assert result.rerun_helps and result.exit_code == 3


def test_a_saved_plan_shows_severities_blocked_changes_and_reasons_again() -> None:
    """``espctl show`` renders a saved plan exactly as ``plan`` printed it."""
    original = make((MISSING, UNVERIFIED), Policy(unmanaged=UnmanagedPolicy.prune))
    saved = json.loads(json.dumps(original.as_json()))
    assert check_saved_plan(saved, "p.json") == saved
    again = plan_from_json(saved)
    assert render_text(again) == render_text(original)
    assert render_markdown(again) == render_markdown(original)
    assert again.as_json()["blocked_changes"] == saved["blocked_changes"]
    old = {
        **saved,
        "checks": [{k: v for k, v in c.items() if k != "severity"} for c in saved["checks"]],
    }
    old.pop("blocked_changes")
    # a plan file written before severities: a failed check reads as an error
    assert all(c.status == "error" for c in plan_from_json(old).failed_checks)
