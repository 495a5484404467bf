"""The YAML writer: every string reads back exactly, in block and flow context."""

from __future__ import annotations

import yaml
from hypothesis import given, settings
from hypothesis import strategies as st

from espctl.config.yamlpos import load_yaml
from espctl.importer import _scalar, _url_names, default_env_name, render

TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40).filter(
    lambda s: "${" not in s
)


def _read(text: str) -> object:
    doc = load_yaml(text, "t.yaml", {}, lambda name, path: None)
    assert not doc.problems, doc.problems
    return doc.data


@settings(max_examples=300, deadline=None)
@given(TEXT, TEXT)
def test_strings_round_trip_in_block_and_flow(key: str, value: str) -> None:
    block = f"{_scalar(key)}: {_scalar(value)}\n"
    flow = f"x: {{{_scalar(key, in_flow=True)}: [{_scalar(value, in_flow=True)}]}}\n"
    assert _read(block) == {key: value}
    assert _read(flow) == {"x": {key: [value]}}


def test_env_refs_are_double_quoted() -> None:
    assert _scalar("${env:HOOK_PASSWORD}") == '"${env:HOOK_PASSWORD}"'
    assert _scalar("${env:HOOK_PASSWORD}", in_flow=True) == '"${env:HOOK_PASSWORD}"'


def test_footers_with_newlines_stay_on_one_line() -> None:
    footer = "\n\nUnsubscribe: %unsubscribe_url%\n"
    assert _scalar(footer) == '"\\n\\nUnsubscribe: %unsubscribe_url%\\n"'
    text = render({"a": {"b": {"c": {"text_footer": footer}}}}, {}, ["# h"])
    assert yaml.safe_load(text) == {"a": {"b": {"c": {"text_footer": footer}}}}


def test_comments_and_layout() -> None:
    data = {
        "version": 1,
        "providers": {"mg": {"type": "mailgun", "domains": {"a.example.com": {}}}},
    }
    comments = {("providers", "mg", "domains", "a.example.com"): "disabled\nat Mailgun"}
    text = render(data, comments, ["# header"])
    assert "      a.example.com: {}  # disabled at Mailgun\n" in text
    assert yaml.safe_load(text) == data


def test_url_names_are_readable_and_unique() -> None:
    urls = [
        "https://hooks.example.com/esp/events",
        "https://other.example.net/esp/events",
        "https://hooks.example.com:8443/esp/events",
        "https://audit.example.com/",
        "https://a.example.com/bounces?token=abc",
    ]
    names = _url_names(urls)
    assert names["https://audit.example.com/"] == "audit-example-com"
    assert names["https://a.example.com/bounces?token=abc"] == "bounces"  # no query in names
    assert names["https://hooks.example.com:8443/esp/events"] == "hooks-example-com-8443-esp-events"
    assert len(set(names.values())) == len(urls)


def test_default_env_names() -> None:
    assert default_env_name("postmark", "postmark", "server_token") == "POSTMARK_SERVER_TOKEN"
    assert default_env_name("mg-eu", "mailgun", "api_key") == "MG_EU_MAILGUN_API_KEY"
