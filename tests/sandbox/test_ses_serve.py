"""What ``espctl sandbox serve`` prints of SES's credentials: the optional session token
reads ``(none)`` when unset, never a blank value after its label."""

from __future__ import annotations

from espctl.commands.sandbox_cmd import _banner, _credentials, serve


def _printed(*args: str) -> dict[str, str]:
    """The banner's credential lines for ``serve`` given ``args``: label -> value."""
    context = serve.make_context("serve", list(args))
    options = {k: v for k, v in context.params.items() if k.startswith("credential_")}
    lines = _banner("http://127.0.0.1:8025", _credentials(options))
    rows = [line.split(":", 1) for line in lines if line.startswith("ses ")]
    return {label: value.strip() for label, value in rows}


def test_an_unset_session_token_reads_none() -> None:
    printed = _printed()
    assert printed == {
        "ses access key id": "AKIASANDBOXESPCTL000",
        "ses secret access key": "sandbox-ses-secret-access-key",
        "ses session token": "(none)",
    }


def test_a_set_session_token_is_printed() -> None:
    printed = _printed("--ses-session-token", "tok-123")
    assert printed["ses session token"] == "tok-123"
