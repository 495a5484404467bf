"""The pure engine: diff, unmanaged policy, blocking, immutables, fingerprint, renderings."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from espctl.config.models import Policy
from espctl.engine.fingerprint import what_moved
from espctl.engine.plan import make_plan
from espctl.engine.render import MARKDOWN_LIMIT, render_markdown, render_text
from espctl.errors import PlanError
from espctl.model.common import Secret
from espctl.model.resources import LiveState, Resource
from espctl.providers.kit.protocol import Capabilities

CAPS = Capabilities(
    creatable=frozenset({"x.stream", "x.hook"}),
    deletable=frozenset({"x.stream", "x.hook"}),
    unmanaged=frozenset({"x.stream", "x.hook", "x.domain"}),
    immutable={"x.stream": frozenset({"type"})},
)


def stream(key: str, **fields: Any) -> Resource:
    return Resource("x", "x.stream", key, {"name": key.title(), "type": "t", **fields})


def hook(key: str, password: str | None = None, parent: str = "s1") -> Resource:
    fields: dict[str, Any] = {"events": ["a"], "password": Secret(password) if password else None}
    return Resource("x", "x.hook", key, fields, sensitive=frozenset({"password"}), parent=parent)


def plan(
    desired: list[Resource], live: list[Resource], policy: Policy | None = None, text: str = "cfg"
) -> Any:
    return make_plan(
        {"x": desired},
        {"x": LiveState("x", tuple(live))},
        {"x": CAPS},
        policy or Policy(),
        config_text=text,
    )


def test_equal_states_have_no_changes() -> None:
    p = plan([stream("s1"), hook("h1", "pw")], [stream("s1"), hook("h1", "pw")])
    assert not p.has_changes
    assert p.summary == {"create": 0, "update": 0, "delete": 0, "unchanged": 2, "blocked": 0}


def test_only_managed_fields_are_compared() -> None:
    live = stream("s1", description="set by hand")
    assert not plan([stream("s1")], [live]).has_changes


def test_create_update_and_order_parents_first() -> None:
    p = plan([hook("h1"), stream("s2"), stream("s1", name="New")], [stream("s1")])
    assert [(c.action, c.key) for c in p.changes] == [
        ("update", "s1"),
        ("create", "s2"),
        ("create", "h1"),
    ]
    (diff,) = p.changes[0].fields
    assert (diff.name, diff.before, diff.after) == ("name", "S1", "New")


def test_sensitive_change_is_flagged_not_shown() -> None:
    p = plan([hook("h1", "new-secret")], [hook("h1", "old-secret")])
    (change,) = p.changes
    (diff,) = change.fields
    assert diff.sensitive
    text = render_text(p) + json.dumps(p.as_json()) + render_markdown(p)
    assert "password: (sensitive value changed)" in render_text(p)
    assert "secret" not in text.replace("sensitive", "")


def test_immutable_field_change_is_refused_at_plan_time() -> None:
    with pytest.raises(PlanError, match=r"x:x\.stream:s1: type is immutable"):
        plan([stream("s1", type="other")], [stream("s1")])


@pytest.mark.parametrize(
    ("mode", "expected"),
    [("ignore", []), ("warn", ["listed"]), ("prune", ["delete"])],
)
def test_unmanaged_policy(mode: str, expected: list[str]) -> None:
    p = plan([stream("s1")], [stream("s1"), stream("old")], Policy(unmanaged=mode))  # type: ignore[arg-type]
    assert [u.action for u in p.unmanaged] == expected
    assert [c.action for c in p.changes] == (["delete"] if mode == "prune" else [])


def test_prune_respects_protect_and_non_deletable_kinds() -> None:
    live = [stream("s1"), stream("keep"), Resource("x", "x.domain", "d.com", {})]
    p = plan([stream("s1")], live, Policy(unmanaged="prune", protect=["x/keep"]))  # type: ignore[arg-type]
    assert {(u.resource.key, u.action) for u in p.unmanaged} == {
        ("keep", "protected"),
        ("d.com", "kept"),
    }
    assert not p.has_changes


def test_blocked_only_with_ten_or_more_managed() -> None:
    small = plan([stream(f"s{i}", name="N") for i in range(9)], [stream(f"s{i}") for i in range(9)])
    assert small.count("update") == 9 and not small.blocked
    desired = [stream(f"s{i}", name="N" if i < 4 else f"S{i}") for i in range(10)]
    big = plan(desired, [stream(f"s{i}") for i in range(10)])
    assert big.blocked
    assert big.blocked_reason is not None and "4 changes to 10 managed resources (40%)" in (
        big.blocked_reason
    )
    exactly = plan(desired, [stream(f"s{i}") for i in range(10)], Policy(max_change_ratio=0.4))
    assert not exactly.blocked


def test_fingerprint_is_stable_and_secret_free() -> None:
    a = plan([hook("h1", "pw-one")], [hook("h1", "pw-live")])
    b = plan([hook("h1", "pw-two")], [hook("h1", "pw-live")])
    assert a.fingerprint == b.fingerprint  # both: "password differs", same plan
    c = plan([hook("h1", "pw-live")], [hook("h1", "pw-live")])
    assert c.fingerprint != a.fingerprint  # now in sync: the plan differs
    blob = json.dumps(a.as_json())
    assert "pw-" not in blob


def test_what_moved_names_changed_resources() -> None:
    saved = plan([stream("s1")], [stream("s1")]).as_json()
    now = plan([stream("s1")], [stream("s1", name="Renamed"), stream("s9")], text="cfg2")
    assert what_moved(saved, now) == [
        "the config changed (its meaning, not only its layout or comments)",
        "live: x:x.stream:s1 changed",
        "live: x:x.stream:s9 appeared",
    ]


def test_markdown_never_exceeds_the_limit_and_says_so() -> None:
    desired = [
        Resource(f"p{i:03d}", "x.stream", f"s{j}", {"name": "N" * 200, "type": "t"})
        for i in range(60)
        for j in range(20)
    ]
    by_provider: dict[str, list[Resource]] = {}
    for r in desired:
        by_provider.setdefault(r.provider, []).append(r)
    p = make_plan(
        by_provider,
        {pid: LiveState(pid, ()) for pid in by_provider},
        {pid: CAPS for pid in by_provider},
        Policy(),
        config_text="",
    )
    md = render_markdown(p)
    assert len(md) <= MARKDOWN_LIMIT
    assert md.startswith("### espctl plan")
    assert "| 1200 | 0 | 0 | 0 |" in md
    assert "**Truncated** to stay under 65,000 characters" in md
    # the first provider's block is shown in part, saying what it left out
    assert "<details><summary><b>p000</b>: 20 changes</summary>" in md
    omitted = int(md.split("**Truncated** to stay under 65,000 characters: ")[1].split()[0])
    shown = sum(1 for line in md.splitlines() if line.startswith("+ p"))
    assert shown + omitted == 1200
    assert "more changes not shown" in md


def test_markdown_cuts_a_single_huge_provider_instead_of_dropping_it() -> None:
    desired = [
        Resource("big", "x.stream", f"s{j:04d}", {"name": "N" * 100, "type": "t"})
        for j in range(2000)
    ]
    p = make_plan(
        {"big": desired}, {"big": LiveState("big", ())}, {"big": CAPS}, Policy(), config_text=""
    )
    md = render_markdown(p)
    assert len(md) <= MARKDOWN_LIMIT
    assert "<details><summary><b>big</b>: 2000 changes</summary>" in md
    assert md.count("```diff") == 1 and md.count("```") == 2  # the block is closed
    assert "more changes not shown" in md


FIELD_VALUES = st.one_of(st.booleans(), st.integers(0, 3), st.sampled_from(["a", "b", ""]))


@st.composite
def resource_sets(draw: st.DrawFn) -> list[Resource]:
    keys = draw(st.lists(st.sampled_from([f"s{i}" for i in range(8)]), unique=True, max_size=8))
    return [
        Resource("x", "x.hook", k, {"f": draw(FIELD_VALUES), "g": draw(FIELD_VALUES)}, parent="p")
        for k in keys
    ]


@settings(max_examples=200, deadline=None)
@given(resource_sets(), resource_sets())
def test_applying_the_plan_reaches_the_desired_state(
    desired: list[Resource], live: list[Resource]
) -> None:
    p = plan(desired, live, Policy(unmanaged="prune", max_change_ratio=1.0))
    state = {r.key: r for r in live}
    for change in p.changes:
        if change.action == "delete":
            del state[change.key]
        else:
            assert change.after is not None
            state[change.key] = change.after
    assert state == {r.key: r for r in desired}
    again = plan(desired, list(state.values()), Policy(unmanaged="prune"))
    assert not again.has_changes
    assert p.summary["unchanged"] + p.count("create") + p.count("update") == len(desired)
