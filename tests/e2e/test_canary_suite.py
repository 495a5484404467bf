"""The canary suite: secrets planted everywhere, every command run, every output searched.

Canaries sit in the credentials (served sandbox tokens and key), in ordinary config
fields through ``${env:...}`` (a stream name and description, a webhook URL query, a
header value, a basic-auth password with characters that URL-encoding changes), and in
the live account: Postmark URL userinfo, an ``Authorization`` header and a URL query
token; another integration's Mailgun URL with userinfo beside a declared one, and an
account-level Mailgun webhook with a query token; SendGrid Event Webhooks another tool
made with userinfo and a query token (the SendGrid key is a canary too; so are the AWS
key pair and, over HTTP, an AWS session token the served sandbox requires). Then validate,
plan (three formats, saved), apply, plan again, import, report, test (also with
--webhooks) and route run, over HTTP and with ``--sandbox``; their stdout, stderr and
every file they write are
searched for each canary in clear, base64, hex, URL-encoded and sha256/sha1/md5 form
(with ``ESPCTL_LOG=debug``, so the HTTP request log is searched too)
(:func:`tests.e2e.conftest.assert_no_canary`): zero hits.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from espctl.cli import main
from espctl.sandbox.credentials import SandboxCredentials
from espctl.sandbox.mailgun.state import MgAccountWebhook
from espctl.sandbox.postmark.state import PmHeader, PmTriggers, PmWebhook
from espctl.sandbox.sendgrid.state import SgWebhook
from espctl.sandbox.state import AccountState
from tests.conftest import QUICKSTART
from tests.e2e.conftest import CREDENTIALS, ENV, Served, assert_no_canary, endpoint_config

PLANTED = {
    "HOOK_PASSWORD": "canary-5ecret-9f3a-pw/with:odd+chars@",
    "RECEIPTS_NAME": "canary-5ecret-9f3a-stream-name",
    "COMPANY": "canary-5ecret-9f3a-company",
    "HOOK_TOKEN": "canary-5ecret-9f3a-query-token",
    "AUDIT_KEY": "canary-5ecret-9f3a-header-value",
}
LIVE = {
    "userinfo": "canary-5ecret-9f3a-live/userinfo",
    "bearer": "Bearer canary-5ecret-9f3a-live-bearer",
    "token": "canary-5ecret-9f3a-live-token",
    "mg_userinfo": "canary-5ecret-9f3a-mg-userinfo",
    "mg_account": "canary-5ecret-9f3a-mg-account-token",
    "sg_userinfo": "canary-5ecret-9f3a-sg-userinfo",
    "sg_query": "canary-5ecret-9f3a-sg-query-token",
}
#: an AWS session token (temporary credentials): the served sandbox accepts only it, the
#: SES block reads it from the environment (test_no_canary_over_http)
SES_TOKEN = "canary-5ecret-9f3a-aws-session-token"
EVERY = [*PLANTED.values(), *LIVE.values(), *ENV.values(), SES_TOKEN]
#: every command also logs each HTTP request (-v): that log is searched too
VERBOSE = {"ESPCTL_LOG": "debug"}


def planted_config(text: str) -> str:
    """Quickstart with environment values in ordinary fields (not only credentials)."""
    replacements = {
        "receipts: {type: transactional, name: Receipts, description: Order receipts and "
        "invoices}": 'receipts: {type: transactional, name: "${env:RECEIPTS_NAME}", '
        'description: "Receipts of ${env:COMPANY}"}',
        "url: https://audit.acme-mail.com/postmark/bounces": (
            "url: https://audit.acme-mail.com/postmark/bounces?token=${env:HOOK_TOKEN}"
        ),
        "headers: {X-Espctl-Source: bounce-audit}": (
            'headers: {X-Espctl-Source: bounce-audit, X-Audit: "${env:AUDIT_KEY}"}'
        ),
    }
    for old, new in replacements.items():
        assert old in text
        text = text.replace(old, new)
    return text


def plant_live(webhooks: list[PmWebhook], next_id: int) -> int:
    """Credentials a real account holds: userinfo, an Authorization header, a query token."""
    for hook in webhooks:
        if "legacy-monitor" in hook.url:
            userinfo = "monitor:canary-5ecret-9f3a-live%2Fuserinfo"
            hook.url = re.sub(r"://(?:[^/@]*@)?", f"://{userinfo}@", hook.url, count=1)
    webhooks.append(
        PmWebhook(
            id=next_id,
            url=f"https://collector.acme-mail.com/in?access_token={LIVE['token']}",
            message_stream="outbound",
            headers=[PmHeader(name="Authorization", value=LIVE["bearer"])],
            triggers=PmTriggers(delivery=True),
        )
    )
    return next_id + 1


def plant_live_mailgun(state: AccountState) -> None:
    """Mailgun credentials other tools left: a URL's userinfo, an account-level token."""
    domain = next(d for d in state.mailgun.domains if d.name == "mg.acme-mail.com")
    domain.webhooks["opened"].append(f"https://seg:{LIVE['mg_userinfo']}@seg.acme-mail.com/mg")
    state.mailgun.account_webhooks.append(
        MgAccountWebhook(
            id="canaryaccount0001",
            region="eu",
            url=f"https://all.acme-mail.com/mg?api_key={LIVE['mg_account']}",
            event_types=["delivered"],
            created_at=state.now,
        )
    )


def plant_live_sendgrid(state: AccountState) -> None:
    """SendGrid Event Webhooks other tools made: a URL's userinfo, a query token."""
    account = state.sendgrid.accounts["us"]
    for n, url in enumerate(
        (
            f"https://seg:{LIVE['sg_userinfo']}@seg.acme-mail.com/sg",
            f"https://all.acme-mail.com/sg?key={LIVE['sg_query']}",
        )
    ):
        account.webhooks.append(
            SgWebhook(
                id=f"canary-sg-{n}",
                url=url,
                flags=["delivered"],
                created_date=state.now,
                updated_date=state.now,
            )
        )


def outputs_of(results: list[Result], folder: Path) -> list[str]:
    texts = [t for r in results for t in (r.stdout, r.stderr)]
    for path in sorted(folder.rglob("*")):
        if path.is_file() and path.suffix in {".json", ".yaml", ".html", ".md", ".txt", ".lock"}:
            texts.append(path.read_text(encoding="utf-8", errors="replace"))
    return texts


def run_every_command(invoke: object, sandbox: list[str]) -> list[Result]:
    run = invoke  # type: ignore[assignment]
    results = [
        run(["validate"]),
        run(["plan", *sandbox, "--out", "plans/text.json"]),
        run(["plan", *sandbox, "--format", "json", "--out", "plans/json.json"]),
        run(["plan", *sandbox, "--format", "markdown"]),
        run(["apply", "plans/text.json", *sandbox, "--force"]),
        run(["plan", *sandbox, "--detailed-exitcode"]),
        run(["apply", *sandbox, "--auto-approve"]),
        run(
            [
                "import",
                "--provider",
                "postmark",
                "--provider",
                "mailgun",
                *sandbox,
                "--out",
                "i.yaml",
            ]
        ),
        run(["report", *sandbox, "--since", "7d", "--out", "report.html"]),
        run(["test", *sandbox]),
        run(["test", *sandbox, "--format", "json"]),
        run(["route", "password_reset"]),
        run(["route", "--all", "--format", "json"]),
        # receivers are unreachable offline: only what is printed about them matters here
        run(["test", *sandbox, "--webhooks", "--webhook-timeout", "2", "--format", "json"]),
        run(["test", *sandbox, "--webhooks", "--webhook-timeout", "2"]),
    ]
    for result in (*results[:8], results[8], results[11], results[12]):
        assert result.exit_code == 0, result.output  # every command did its work
    assert "No changes." in results[5].stdout  # converged
    assert Path("report.html").exists() and Path("i.yaml").exists()
    return results


def test_no_canary_over_http(served: Served) -> None:
    account = served.app.state.postmark
    account.next_webhook_id = plant_live(account.webhooks, account.next_webhook_id)
    plant_live_mailgun(served.app.state)
    plant_live_sendgrid(served.app.state)
    # SES with temporary credentials: every AWS request must carry the session token
    served.app.credentials = SandboxCredentials(
        {**CREDENTIALS.values, "ses": {**CREDENTIALS.values["ses"], "session_token": SES_TOKEN}}
    )
    text = planted_config(endpoint_config(served.base_url))
    keys = "    secret_access_key: ${env:SES_SECRET_ACCESS_KEY}\n"
    assert keys in text
    text = text.replace(keys, f"{keys}    session_token: ${{env:SES_SESSION_TOKEN}}\n", 1)
    served.config.write_text(text)
    runner = CliRunner(env={**ENV, **PLANTED, **VERBOSE, "SES_SESSION_TOKEN": SES_TOKEN})

    def invoke(args: list[str]) -> Result:
        return runner.invoke(main, [*args, "-c", str(served.config)], catch_exceptions=False)

    results = run_every_command(invoke, [])  # SES refuses a request without the token
    assert "(sensitive)" in results[1].stdout
    assert "http: postmark POST /message-streams -> 200" in results[4].stderr  # logged
    assert_no_canary(*outputs_of(results, served.tmp), values=EVERY)


def test_no_canary_with_the_embedded_sandbox(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    config = tmp_path / "espctl.yaml"
    config.write_text(planted_config(QUICKSTART.read_text().replace("../schemas/", "")))
    runner = CliRunner(env={**ENV, **PLANTED, **VERBOSE})

    def invoke(args: list[str]) -> Result:
        return runner.invoke(main, args, catch_exceptions=False)

    # the first command seeds the account; plant the live credentials into it
    assert invoke(["plan", "--sandbox"]).exit_code == 0
    from espctl.sandbox import load_state, save_state

    state_file = tmp_path / ".espctl" / "sandbox.json"
    state = load_state(state_file, EVERY)
    state.postmark.next_webhook_id = plant_live(
        state.postmark.webhooks, state.postmark.next_webhook_id
    )
    plant_live_mailgun(state)
    plant_live_sendgrid(state)
    save_state(state_file, state, EVERY)
    results = run_every_command(invoke, ["--sandbox"])
    texts = outputs_of(results, tmp_path)
    assert "http: postmark POST /message-streams -> 200" in results[4].stderr  # logged
    assert any("espctl-sensitive-" in t for t in texts)  # the state file's sealed places
    assert_no_canary(*texts, values=EVERY)
