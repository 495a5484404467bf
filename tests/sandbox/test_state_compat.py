"""The account is composed from the sandbox registry, and state files of before load.

``data/state-before-providers-key.json`` was written by espctl before the providers'
parts were keyed under ``providers`` (each part a top-level key), with a webhook password
and a URL's userinfo sealed: it must load (migrated on read) to the same account, its
secrets restored, and be written back in the new shape.
"""

from __future__ import annotations

import json
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest

from espctl.errors import SandboxError
from espctl.providers.registry import TYPES as PROVIDER_TYPES
from espctl.sandbox import AccountState, SandboxCredentials, load_state, save_state, seed_account
from espctl.sandbox import registry as sandbox_registry
from espctl.sandbox.mailgun.state import MailgunAccount, mailgun
from espctl.sandbox.postmark.state import PostmarkAccount, postmark

BEFORE = Path(__file__).parent / "data" / "state-before-providers-key.json"
NOW = datetime(2026, 5, 1, tzinfo=UTC)
SECRET = "compat-s3cret-pw"


def _expected() -> AccountState:
    state = seed_account(3, NOW)
    # a provider registered after the file was written gets its blank part
    written = json.loads(BEFORE.read_text()).keys()
    for ptype in sandbox_registry.TYPES:
        if ptype not in written:
            state.providers[ptype] = sandbox_registry.provider(ptype).blank(3, NOW)
    postmark(state).webhooks[0].auth_password = SECRET
    mailgun(state).domains[0].webhooks["delivered"] = [f"https://api:{SECRET}@hooks.example.com/mg"]
    # a provider registered after the file was written gets its blank part
    for later in set(sandbox_registry.TYPES) - {"postmark", "mailgun"}:
        state.providers[later] = sandbox_registry.provider(later).blank(3, NOW)
    return state


def test_a_state_file_of_before_loads_migrated_with_its_secrets(tmp_path: Path) -> None:
    raw = json.loads(BEFORE.read_text())
    assert {"postmark", "mailgun"} <= raw.keys() and "providers" not in raw
    assert SECRET not in BEFORE.read_text()  # it was sealed
    path = tmp_path / "sandbox.json"
    shutil.copy(BEFORE, path)
    state = load_state(path, [SECRET])
    expected = _expected()
    state.sealed_salt = expected.sealed_salt = ""
    assert state == expected
    # without the secret the sealed token stays: the account holds what this config
    # does not know
    assert load_state(path).postmark.webhooks[0].auth_password.startswith("espctl-sensitive-v-")


def test_a_migrated_file_is_written_back_in_the_new_shape(tmp_path: Path) -> None:
    path = tmp_path / "sandbox.json"
    shutil.copy(BEFORE, path)
    state = load_state(path, [SECRET])
    save_state(path, state, [SECRET])
    text = path.read_text()
    assert SECRET not in text
    written = json.loads(text)
    assert list(written["providers"]) == list(sandbox_registry.TYPES)
    assert not {"postmark", "mailgun"} & written.keys()
    again = load_state(path, [SECRET])
    assert again == state
    # Literal fields are never sealed, whatever a secret's text
    assert written["providers"]["postmark"]["streams"][0]["type"] == "Transactional"


def test_parts_are_typed_and_keyed_by_provider_type() -> None:
    state = seed_account(0, NOW)
    assert list(state.providers) == list(sandbox_registry.TYPES)
    assert isinstance(state.of(PostmarkAccount), PostmarkAccount)
    assert state.of(MailgunAccount) is state.providers["mailgun"] is state.mailgun
    assert AccountState.from_json(state.to_json()) == state


def test_a_part_missing_from_a_file_is_the_providers_blank_part() -> None:
    """A state file written before a provider existed gains its empty part."""
    data = json.loads(seed_account(0, NOW).to_json())
    del data["providers"]["mailgun"]
    state = AccountState.from_json(json.dumps(data))
    assert state.mailgun.domains == [] and state.mailgun.account_webhooks == []
    assert state.postmark == seed_account(0, NOW).postmark


def test_an_unknown_provider_part_is_a_corrupt_file(tmp_path: Path) -> None:
    data = json.loads(seed_account(0, NOW).to_json())
    data["providers"]["carrier-pigeon"] = {}
    path = tmp_path / "sandbox.json"
    path.write_text(json.dumps(data))
    with pytest.raises(SandboxError, match="corrupt"):
        load_state(path)


def test_the_sandbox_registry_simulates_every_provider_and_only_those() -> None:
    assert set(sandbox_registry.TYPES) == set(PROVIDER_TYPES)
    for provider_type, provider in sandbox_registry.providers().items():
        assert provider.type == provider.info.type == provider_type
        assert provider_type == provider.state_model.TYPE
        assert {s.provider for s in provider.traffic} == {provider_type}


def test_credentials_are_asked_by_type_and_key() -> None:
    accepted = SandboxCredentials({"mailgun": {"api_key": "k"}})
    assert accepted.get("mailgun", "api_key") == "k"
    default = sandbox_registry.info("postmark").credential("server_token").default
    assert accepted.get("postmark", "server_token") == default
    assert "k" not in repr(accepted)
    with pytest.raises(KeyError):
        accepted.get("mailgun", "server_token")
    with pytest.raises(ValueError, match="no sandbox credential"):
        SandboxCredentials({"mailgun": {"apikey": "typo"}})
    with pytest.raises(ValueError, match="no simulated provider"):
        SandboxCredentials({"carrier-pigeon": {"key": "x"}})


def test_a_provider_the_sandbox_does_not_simulate_is_one_readable_error(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A provider package landing before its simulated API: --sandbox says so, naming
    the block, instead of routing its requests to another provider's API."""
    from espctl import session
    from tests.conftest import QUICKSTART

    loaded = session.load(session.RunOptions(config=str(QUICKSTART), sandbox=True))
    assert session._sandbox_credentials(loaded).get("mailgun", "api_key")
    monkeypatch.setattr(sandbox_registry, "TYPES", ("postmark",))
    with pytest.raises(SandboxError, match=r"the sandbox does not simulate Mailgun"):
        session._sandbox_credentials(loaded)
