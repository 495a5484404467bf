"""Provider-sourced text is inert in the Markdown plan (the pull-request comment).

Property: render a plan whose keys, values and check messages are hostile strings
(newlines, backticks, brackets, ``!``, ``@``, ``<``, ``|``, HTML, fences, URLs, control
and bidi characters) and the same plan with plain stand-ins. Parsed as CommonMark with
GitHub's autolinks, the two have the same structure and the same live text: hostile
strings change only what is shown inside code, and each is shown there (escaped).
"""

from __future__ import annotations

import json
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from espctl.config.models import Policy
from espctl.engine.mdsafe import code, fence_for
from espctl.engine.plan import make_plan
from espctl.engine.render import render_markdown
from espctl.errors import redact
from espctl.model.resources import Check, LiveState, Resource
from espctl.model.text import escape_controls
from espctl.providers.kit.protocol import Capabilities
from tests.mdcheck import assert_inert, parse

CAPS = Capabilities(
    creatable=frozenset({"x.stream"}),
    deletable=frozenset({"x.stream"}),
    unmanaged=frozenset({"x.stream"}),
    immutable={},
)

PIECES = [
    "\n",
    "\r",
    "\r\n",
    "\n\n",
    "`",
    "``",
    "```",
    "~~~",
    "[",
    "]",
    "(",
    ")",
    "!",
    "@",
    "<",
    ">",
    "|",
    "#",
    "*",
    "_",
    "~",
    "\\",
    "&amp;",
    "&#64;",
    ":x:",
    "- ",
    "1. ",
    "> ",
    "---",
    "    ",
    " ",
    "\t",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "</details>",
    "<details open>",
    "<!--",
    "[click](https://evil.example)",
    "![pixel](https://evil.example/p.png)",
    "[ref]: https://evil.example",
    "@octocat",
    "@org/team",
    "https://evil.example/x",
    "www.evil.example",
    "user@evil.example",
    "<https://evil.example>",
    "| a | b |\n|---|---|\n| c | d |",
    "\n```\n[x](https://evil.example)\n```\n",
    "\x1b[31m",
    "\x1b]8;;https://evil.example\x07",
    "\u202e",
    "\u2066",
    "\u2028",
    "\x00",
    "\x85",
]
hostile_text = st.lists(
    st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), min_size=1, max_size=6
).map("".join)


def make(key_new: str, key_old: str, key_foreign: str, value: str, message: str) -> Any:
    """A plan with one create, one update, one unmanaged resource, one failed error check
    and a change it blocks (shown with the check's hostile subject), and one warning."""
    desired = [
        Resource("x", "x.stream", key_new, {"name": value}),
        Resource("x", "x.stream", key_old, {"name": value}),
        Resource("x", "x.hook", key_new, {"name": value}, parent=key_foreign),
    ]
    live = LiveState(
        "x",
        (
            Resource("x", "x.stream", key_old, {"name": "before"}),
            Resource("x", "x.stream", key_foreign, {"name": value}),
        ),
        (
            Check("x", "domain", key_foreign, False, message, blocks=(key_foreign,)),
            Check("x", "sender", key_old, False, message, severity="warning"),
        ),
    )
    return make_plan({"x": desired}, {"x": live}, {"x": CAPS}, Policy(), config_text="c")


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(hostile_text, min_size=5, max_size=5, unique=True))
def test_hostile_strings_change_nothing_but_code(strings: list[str]) -> None:
    key_new, key_old, key_foreign, value, message = strings
    if len({key_new, key_old, key_foreign}) < 3:
        return
    hostile = render_markdown(make(*strings))
    benign = render_markdown(make("k1", "k2", "k3", "value", "message"))
    parsed = assert_inert(hostile)
    plain = parse(benign)
    assert parsed.shape() == plain.shape()
    assert sorted(parsed.live_text()) == sorted(plain.live_text())
    shown = parsed.code_text()
    for key in (key_new, key_old, key_foreign):
        assert escape_controls(key) in shown
    # a check's text is shown as every message is: with URL passwords masked
    assert escape_controls(redact(message)) in shown
    assert escape_controls(json.dumps(value, ensure_ascii=False)) in shown


def test_code_spans_show_the_text_exactly() -> None:
    for text in ["`", "``a``", " a ", " ", "", "a`b", "`a", "a`", "x  y", "<b>", "|"]:
        (token,) = [t for t in parse(f"- {code(text)}").all if t.type == "code_inline"]
        assert token.content == (text or " ")


def test_a_fence_is_longer_than_any_run_of_backticks() -> None:
    assert fence_for(["plain"]) == "```"
    assert fence_for(["a ```` b", "``"]) == "`````"
