"""Helpers for the import tests: sandbox state files, env for hook passwords, runners."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

import yaml
from click.testing import CliRunner, Result

from espctl import api
from espctl.cli import main
from espctl.commands.import_cmd import import_cmd, import_live
from espctl.engine.plan import Plan
from espctl.importer import ImportResult
from espctl.model.common import Event
from espctl.providers.mailgun.events import EVENT_TO_WEBHOOK
from espctl.sandbox import AccountState, SandboxCredentials, save_state
from tests.e2e.conftest import assert_no_canary as e2e_assert_no_canary

CANARY = "canary-5ecret-7d1e"
CREDENTIALS = SandboxCredentials(
    {
        "postmark": {
            "server_token": f"{CANARY}-pm-server",
            "account_token": f"{CANARY}-pm-account",
        },
        "mailgun": {"api_key": f"{CANARY}-mg-key"},
    }
)
ENV = {
    "POSTMARK_SERVER_TOKEN": CREDENTIALS.get("postmark", "server_token"),
    "POSTMARK_ACCOUNT_TOKEN": CREDENTIALS.get("postmark", "account_token"),
    "MAILGUN_API_KEY": CREDENTIALS.get("mailgun", "api_key"),
    "NO_COLOR": "1",
}


def assert_no_canary(*texts: str) -> None:
    """The e2e canary search (every encoded form), with this module's credentials."""
    for text in texts:
        assert CANARY not in text
    e2e_assert_no_canary(*texts, values=ENV.values())


def hook_env(text: str, state: AccountState) -> dict[str, str]:
    """``ESPCTL_HOOK_..._PASSWORD`` -> the live password, read from the sandbox state.

    Plan compares basic-auth passwords, so for an empty plan the variables the import
    names must hold the live values (the import never writes them).
    """
    data = yaml.safe_load(text)
    env: dict[str, str] = {}
    for spec in (data.get("webhooks") or {}).values():
        auth = spec.get("basic_auth")
        if not auth:
            continue
        var = re.fullmatch(r"\$\{env:([A-Za-z0-9_]+)\}", auth["password"])
        assert var is not None
        password = _live_password(
            state, spec["url"], auth["username"], spec["targets"][0], spec["events"]
        )
        assert env.get(var.group(1), password) == password
        env[var.group(1)] = password
    return env


def _live_password(
    state: AccountState, url: str, username: str, target: str, events: list[str]
) -> str:
    pid, _, sub = target.partition("/")
    if not sub:  # a Mailgun account-level webhook, or a SendGrid Event Webhook
        sendgrid = [
            hook.url
            for account in state.sendgrid.accounts.values()
            for user in (account, *account.subusers)
            for hook in user.webhooks
        ]
        for raw in [h.url for h in state.mailgun.account_webhooks] + sendgrid:
            bare, user, password = _split(raw)
            if user == username and bare == url:
                return password
    elif pid.startswith("ses"):
        # an SES webhook's credentials are in its SNS subscription's URL
        for topic in state.ses.topics:
            for subscription in topic.subscriptions:
                bare, user, password = _split(subscription.endpoint)
                if topic.name.startswith(f"espctl-{sub}-") and bare == url and user == username:
                    return password
    elif pid.startswith("postmark"):
        for hook in state.postmark.webhooks:
            # basic auth is HttpAuth or, as Postmark's docs suggest, URL userinfo
            bare, user, password = _split(hook.url)
            if hook.auth_username:
                user, password = hook.auth_username, hook.auth_password or ""
            if hook.message_stream == sub and bare == url and user == username:
                return password
    else:
        for domain in state.mailgun.domains:
            if domain.name != sub:
                continue
            for event in events:
                for raw in domain.webhooks.get(EVENT_TO_WEBHOOK[Event(event)], []):
                    bare, user, password = _split(raw)
                    if user == username and bare == url:
                        return password
    raise AssertionError(f"no live password for {target} {url}")


def _split(raw: str) -> tuple[str, str | None, str]:
    """(URL without userinfo, user name or None, password) of a live URL."""
    parts = urlsplit(raw)
    if parts.username is None:
        return raw, None, ""
    host = parts.hostname or ""
    if parts.port is not None:
        host = f"{host}:{parts.port}"
    return (
        parts._replace(netloc=host).geturl(),
        unquote(parts.username),
        unquote(parts.password or ""),
    )


def write_state(tmp_path: Path, state: AccountState) -> Path:
    path = tmp_path / ".espctl" / "sandbox.json"
    save_state(path, state)
    return path


def api_import(
    tmp_path: Path,
    state_path: Path,
    providers: tuple[str, ...] = ("postmark", "mailgun"),
    *,
    types: tuple[str, ...] = ("postmark", "mailgun"),
    region: str = "eu",
    config: str | None = None,
    env: dict[str, str] | None = None,
) -> ImportResult:
    options = api.RunOptions(
        config=config or str(tmp_path / "absent.yaml"),
        sandbox=True,
        sandbox_state=str(state_path),
        env={**ENV, **(env or {})},
    )
    return import_live(options, providers, types=types, region=region)


def api_plan(config: Path, state_path: Path, env: dict[str, str]) -> Plan:
    options = api.RunOptions(
        config=str(config), sandbox=True, sandbox_state=str(state_path), env={**ENV, **env}
    )
    return api.plan(options).plan


def run_import(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env={**ENV, **(env or {})}).invoke(
        import_cmd, list(args), catch_exceptions=False
    )


def run_main(*args: str, env: dict[str, str] | None = None) -> Result:
    return CliRunner(env={**ENV, **(env or {})}).invoke(main, list(args), catch_exceptions=False)


def changes_text(plan: Plan) -> str:
    return "\n".join(c.address + " " + str([f.name for f in c.fields]) for c in plan.changes)


def as_dict(value: Any) -> dict[str, Any]:
    assert isinstance(value, dict)
    return value
