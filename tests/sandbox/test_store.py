"""State file persistence: round-trip, atomic writes, locked concurrent updates."""

from __future__ import annotations

import json
import multiprocessing
import re
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest

from espctl.errors import SandboxError
from espctl.sandbox import (
    SandboxStore,
    SandboxTransport,
    load_state,
    save_state,
    seed_account,
)

from .conftest import NOW, SERVER


def test_round_trip(tmp_path: Path) -> None:
    state = seed_account(5, NOW)
    path = tmp_path / ".espctl" / "sandbox.json"
    save_state(path, state)
    assert load_state(path) == state
    assert [p.name for p in path.parent.iterdir()] == ["sandbox.json"]  # no temp left
    assert seed_account(5, NOW) == state  # deterministic


def test_seed_changes_ids_not_drift() -> None:
    a, b = seed_account(1, NOW), seed_account(2, NOW)
    assert a.postmark.server.id != b.postmark.server.id
    assert a.postmark.server.track_opens == b.postmark.server.track_opens is False


def test_corrupt_file(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text("{not json")
    with pytest.raises(SandboxError):
        load_state(path)
    with pytest.raises(SandboxError):
        load_state(tmp_path / "missing.json")


def test_transaction_saves(tmp_path: Path) -> None:
    store = SandboxStore(tmp_path / "s.json", seed=3, now=NOW)
    with store.transaction() as app:
        c = httpx.Client(transport=SandboxTransport(app), headers=SERVER)
        c.put("https://api.postmarkapp.com/server", json={"TrackOpens": True})
    assert load_state(tmp_path / "s.json").postmark.server.track_opens is True


def _bump(path: str, n: int) -> None:
    store = SandboxStore(path, now=NOW)
    for _ in range(n):
        with store.transaction() as app:
            app.state.postmark.server.inbound_spam_threshold += 1


def test_two_processes_lose_no_update(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    save_state(path, seed_account(0, NOW))
    ctx = multiprocessing.get_context("fork")
    procs = [ctx.Process(target=_bump, args=(str(path), 15)) for _ in range(2)]
    for p in procs:
        p.start()
    for p in procs:
        p.join(60)
        assert p.exitcode == 0
    data = json.loads(path.read_text())  # never torn
    assert data["providers"]["postmark"]["server"]["inbound_spam_threshold"] == 30


def test_secrets_in_play_are_sealed_in_the_file_and_restored_in_memory(tmp_path: Path) -> None:
    password, token = "canary-5ecret/pw:1", "canary-5ecret-token"
    state = seed_account(5, NOW)
    hook = state.postmark.webhooks[0]
    hook.auth_password = password
    hook.url += f"?token={token}"
    state.postmark.streams[0].name = "Transactional"  # equal to a stream type: stays text
    domain = state.mailgun.domains[0]
    domain.webhooks["delivered"] = [f"https://esp:{quote(password, safe='')}@h.example.com/x"]
    secrets = [password, token, "Transactional"]
    path = tmp_path / "sandbox.json"
    save_state(path, state, secrets)
    text = path.read_text()
    for value in (password, token, quote(password, safe="")):
        assert value not in text
    assert '"type": "Transactional"' in text  # a Literal: the provider's word, left alone
    assert load_state(path, secrets) == state  # the same config: exactly the same account
    other = load_state(path, ["another value"])  # a config without them: no secret back
    assert other.postmark.webhooks[0].auth_password.startswith("espctl-sensitive-v-")
    assert (
        other.mailgun.domains[0]
        .webhooks["delivered"][0]
        .startswith("https://esp:espctl-sensitive-q-")
    )
    second = tmp_path / "second.json"
    token_of = re.compile(r"espctl-sensitive-v-[0-9a-f]+")
    fresh = seed_account(5, NOW)
    fresh.providers["postmark"] = state.postmark
    save_state(second, fresh, secrets)
    assert token_of.search(second.read_text())  # sealed there too
    assert set(token_of.findall(text)).isdisjoint(token_of.findall(second.read_text()))  # salted
