"""Property tests: the loader never raises anything but ConfigError."""

from __future__ import annotations

from typing import Any

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from espctl.config import load_config_text
from espctl.errors import ConfigError

KEYS = st.sampled_from(
    [
        "version",
        "providers",
        "type",
        "postmark",
        "mailgun",
        "server_token",
        "api_key",
        "domains",
        "message_streams",
        "webhooks",
        "routing",
        "rules",
        "to",
        "targets",
        "events",
        "url",
        "policy",
        "protect",
        "tracking",
        "opens",
        "x",
        "${env:A}",
    ]
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(allow_nan=True),
    st.text(max_size=20),
    st.sampled_from(
        ["postmark", "mailgun", "postmark/outbound", "${env:A}", "${env:B:-x}", "${env:", "1"]
    ),
)
DOCS = st.recursive(
    SCALARS,
    lambda children: st.one_of(
        st.lists(children, max_size=4),
        st.dictionaries(st.one_of(KEYS, st.text(max_size=8)), children, max_size=5),
    ),
    max_leaves=30,
)


def _load(text: str) -> None:
    try:
        load_config_text(text, "h.yaml", env={"A": "a"})
    except ConfigError as exc:
        assert exc.problems, "a ConfigError must carry at least one problem"
        for problem in exc.problems:
            assert problem.line >= 1 and problem.column >= 1


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(max_size=300))
def test_arbitrary_text(text: str) -> None:
    _load(text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(DOCS)
def test_arbitrary_yaml_documents(doc: Any) -> None:
    _load(yaml.safe_dump(doc, allow_unicode=True))


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(KEYS, DOCS, max_size=6))
def test_arbitrary_mappings_with_version(doc: dict[str, Any]) -> None:
    doc["version"] = 1
    _load(yaml.safe_dump(doc, allow_unicode=True))
