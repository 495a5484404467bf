"""End-to-end fixtures: a sandbox served over real HTTP and configs pointing at it."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import signal
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, quote_plus

import pytest
from click.testing import CliRunner, Result

from espctl.cli import main
from espctl.sandbox import FaultPlan, SandboxApp, SandboxCredentials, running_server, seed_account
from tests.conftest import QUICKSTART
from tests.e2e.processes import start_serve, stop

CANARY = "canary-5ecret-9f3a"
CREDENTIALS = SandboxCredentials(
    {
        "postmark": {
            "server_token": f"{CANARY}-pm-server",
            "account_token": f"{CANARY}-pm-account",
        },
        "mailgun": {"api_key": f"{CANARY}-mg-key"},
        "sendgrid": {"api_key": f"{CANARY}-sg-key"},
        "ses": {
            "access_key_id": f"{CANARY}-aws-key-id",
            "secret_access_key": f"{CANARY}-aws-secret",
        },
    }
)
ENV = {
    "POSTMARK_SERVER_TOKEN": CREDENTIALS.get("postmark", "server_token"),
    "POSTMARK_ACCOUNT_TOKEN": CREDENTIALS.get("postmark", "account_token"),
    "MAILGUN_API_KEY": CREDENTIALS.get("mailgun", "api_key"),
    "SENDGRID_API_KEY": CREDENTIALS.get("sendgrid", "api_key"),
    "SES_ACCESS_KEY_ID": CREDENTIALS.get("ses", "access_key_id"),
    "SES_SECRET_ACCESS_KEY": CREDENTIALS.get("ses", "secret_access_key"),
    "HOOK_PASSWORD": f"{CANARY}-hook",
    "NO_COLOR": "1",
}


def endpoint_config(base_url: str, text: str | None = None) -> str:
    """The quickstart config with every provider's endpoint pointing at ``base_url``."""
    text = text if text is not None else QUICKSTART.read_text()
    text = text.replace("../schemas/", "")
    text = text.replace(
        "    type: postmark\n", f"    type: postmark\n    endpoint: {base_url}\n", 1
    )
    text = text.replace(
        "    type: mailgun\n", f"    type: mailgun\n    endpoint: {base_url}/eu\n", 1
    )
    text = text.replace(
        "    type: sendgrid\n", f"    type: sendgrid\n    endpoint: {base_url}/sendgrid\n", 1
    )
    return text.replace("    type: ses\n", f"    type: ses\n    endpoint: {base_url}/ses\n", 1)


@dataclass
class Served:
    app: SandboxApp
    base_url: str
    config: Path
    tmp: Path

    def run(self, *args: str, env: dict[str, str] | None = None) -> Result:
        runner = CliRunner(env={**ENV, **(env or {})})
        return runner.invoke(main, [*args, "-c", str(self.config)], catch_exceptions=False)

    def webhooks(self) -> list[tuple[str, str]]:
        """(stream, url) of every live Postmark webhook."""
        return [(h.message_stream, h.url) for h in self.app.state.postmark.webhooks]


@pytest.fixture
def served(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Served]:
    """A seeded sandbox on 127.0.0.1 accepting only the canary credentials."""
    monkeypatch.chdir(tmp_path)
    app = SandboxApp(seed_account(seed=0), credentials=CREDENTIALS, faults=FaultPlan(seed=1))
    with running_server(app) as base_url:
        config = tmp_path / "espctl.yaml"
        config.write_text(endpoint_config(base_url))
        yield Served(app, base_url, config, tmp_path)


def canary_forms(value: str) -> dict[str, str]:
    """The ways a secret could leak: clear, base64 (alone and as basic auth), hex,
    URL-encoded, and unsalted sha256/sha1/md5 digests."""
    raw = value.encode()
    forms = {
        "clear": value,
        "base64": base64.b64encode(raw).decode(),
        "base64 basic auth": base64.b64encode(b"esp:" + raw).decode(),
        "hex": raw.hex(),
        "url-encoded": quote(value, safe=""),
        "url-encoded (plus)": quote_plus(value),
    }
    for name in ("sha256", "sha1", "md5"):
        forms[name] = hashlib.new(name, raw).hexdigest()
    return forms


def assert_no_canary(*texts: str, values: Iterable[str] = ()) -> None:
    """No text holds the canary marker, nor any of ``values`` in any of its forms."""
    known = [*values, *ENV.values()]
    for text in texts:
        assert CANARY not in text
        assert not re.search(r"5ecret", text)
        for value in known:
            if "5ecret" not in value:
                continue
            for form, shown in canary_forms(value).items():
                assert shown.lower() not in text.lower(), f"{form} of a canary in output"


def plan_json(result: Result) -> dict:  # type: ignore[type-arg]
    return json.loads(result.stdout)  # type: ignore[no-any-return]


@pytest.fixture
def server() -> Iterator[str]:
    """`espctl sandbox serve` (the demo's account) as a subprocess: its base URL."""
    proc, base = start_serve()
    try:
        yield base
    finally:
        assert stop(proc, signal.SIGINT) == 0  # Ctrl-C is a clean stop
