"""Free-text masking: URL userinfo, credential-like query values, the values in play."""

from __future__ import annotations

from espctl.errors import add_sensitive, redact, sensitive_scope


def test_credentials_in_urls_are_masked() -> None:
    text = redact("POST https://u:pw@h.example.com/x?a=1&access_token=abc&sig=zz&b=2: 400")
    assert text == "POST https://u:***@h.example.com/x?a=1&access_token=***&sig=***&b=2: 400"
    assert redact("key ?token=(sensitive): applied") == "key ?token=(sensitive): applied"


def test_values_in_play_are_masked_within_their_command_only() -> None:
    assert redact("the-env-value") == "the-env-value"  # no scope: nothing registered
    with sensitive_scope():
        add_sensitive(["the-env-value", "ab"])  # too short to mask in prose: kept
        with sensitive_scope():  # a nested scope is the same command
            add_sensitive(["second/value"])
        assert redact("x the-env-value ab second%2Fvalue") == "x (sensitive) ab (sensitive)"
    assert redact("the-env-value") == "the-env-value"
