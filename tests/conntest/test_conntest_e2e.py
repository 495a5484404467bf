"""``espctl test`` end to end: the real command against sandboxes served on 127.0.0.1."""

from __future__ import annotations

import base64
import json
import threading
from pathlib import Path
from typing import Any

import pytest
from click.testing import CliRunner, Result

from espctl.commands import test_cmd
from espctl.sandbox import FaultPlan, Request, Response, SandboxApp, running_server, seed_account
from tests.conftest import QUICKSTART
from tests.conntest.conftest import (
    CREDENTIALS,
    ENV,
    HOOK_PASSWORD,
    PM_SERVER,
    SECRETS,
    config_text,
)


def invoke(*args: str, env: dict[str, str | None] | None = None) -> Result:
    result = CliRunner().invoke(test_cmd.test, list(args), env={**ENV, **(env or {})})
    everything = result.stdout + result.stderr
    assert "Traceback" not in everything
    for secret in SECRETS:
        assert secret not in everything
    return result


def as_json(result: Result) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(result.stdout)
    return data


def probes(data: dict[str, Any], provider: str) -> dict[str, dict[str, Any]]:
    (entry,) = [p for p in data["providers"] if p["provider"] == provider]
    return {p["name"]: p for p in entry["probes"]}


def test_all_good_exits_0_with_one_block_per_provider(sandbox_url: str, write: Any) -> None:
    path = write(config_text(sandbox_url, sandbox_url + "/eu"))
    result = invoke("-c", path)
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"PASS postmark (postmark, {sandbox_url})" in out
    assert f"PASS mailgun (mailgun, region eu, {sandbox_url}/eu)" in out
    assert "accepted: server 'Acme Production' (Live)" in out
    assert "message streams" in out and "outbound" in out
    assert "acme-mail.com SPF verified, DKIM verified, Return-Path verified" in out
    assert "noreply@acme-mail.com: confirmed sender signature" in out
    assert "domain mg.acme-mail.com" in out and "spf valid, dkim valid" in out
    assert out.splitlines()[-1] == "2 providers: 2 passed, 0 failed"


def test_json_has_each_probe_with_latency(sandbox_url: str, write: Any) -> None:
    path = write(config_text(sandbox_url, sandbox_url + "/eu"))
    result = invoke("-c", path, "--format", "json")
    assert result.exit_code == 0
    data = as_json(result)
    assert data["format"] == "espctl-test/1" and data["ok"] is True
    pm = probes(data, "postmark")
    assert set(pm) == {
        "server token",
        "message streams",
        "webhooks",
        "account token",
        "default sender",
    }
    assert all(p["seconds"] >= 0 for p in pm.values())
    assert pm["account token"]["facts"]["present"] is True
    assert "outbound" in pm["message streams"]["facts"]["streams"]
    assert pm["webhooks"]["facts"]["count"] == 3
    mg = probes(data, "mailgun")
    domain = mg["domain mg.acme-mail.com"]["facts"]
    assert domain["verified"] is True and domain["webhooks"] == 5
    assert {r["check"] for r in domain["dns"]} >= {"spf", "dkim"}
    # the account-level receivers fire for every domain: listed, declared or not
    account = mg["account webhooks"]
    assert account["ok"] is True
    assert account["facts"]["webhooks"] == [
        {
            "url": "https://ops-monitor.acme-mail.com/mailgun/failures",
            "events": ["complained", "permanent_fail", "temporary_fail"],
        }
    ]
    assert account["detail"] == (
        "1 account-level webhook (every EU domain): https://ops-monitor.acme-mail.com/"
        "mailgun/failures (complained, permanent_fail, temporary_fail)"
    )
    (entry,) = [p for p in data["providers"] if p["provider"] == "mailgun"]
    assert entry["region"] == "eu" and entry["endpoint"] == sandbox_url + "/eu"


def test_without_account_token_says_so_and_passes(sandbox_url: str, write: Any) -> None:
    path = write(config_text(sandbox_url, sandbox_url + "/eu", account_token=None))
    result = invoke("-c", path)
    assert result.exit_code == 0
    assert "account token" in result.stdout
    assert "not configured: sender signature and domain checks skipped" in result.stdout


def test_failing_credentials_show_the_providers_message_and_cause(
    sandbox_url: str, write: Any
) -> None:
    path = write(config_text(sandbox_url, sandbox_url + "/eu"))
    result = invoke("-c", path, env={"T_PM_SERVER": "wrong-server-token", "T_MG_KEY": "wrong-key"})
    assert result.exit_code == 1
    out = result.stdout
    assert "FAIL postmark" in out and "FAIL mailgun" in out
    assert "the server token was rejected (HTTP 401, ErrorCode 10) — check T_PM_SERVER" in out
    assert "cause: Postmark refused the server token (ErrorCode 10)" in out
    assert "the API key was rejected (HTTP 401, Forbidden) — check T_MG_KEY" in out
    assert "cause: Mailgun answers 401 'Forbidden' to a wrong API key" in out
    assert out.splitlines()[-1] == "2 providers: 0 passed, 2 failed"
    assert "wrong-server-token" not in out and "wrong-key" not in out


def test_server_token_used_as_account_token_has_the_documented_cause(
    sandbox_url: str, write: Any
) -> None:
    path = write(config_text(sandbox_url, sandbox_url + "/eu"))
    result = invoke("-c", path, "--format", "json", env={"T_PM_ACCOUNT": PM_SERVER})
    assert result.exit_code == 1
    pm = probes(as_json(result), "postmark")
    assert pm["server token"]["ok"] is True
    account = pm["account token"]
    assert account["ok"] is False
    assert "HTTP 401" in account["detail"]
    assert "a server token used as `account_token` gets 401" in account["cause"]


def test_wrong_region(sandbox_url: str, write: Any) -> None:
    # the seeded domains live in EU; this config says US (and points at the US paths)
    path = write(config_text(sandbox_url, sandbox_url, region="us"))
    result = invoke("-c", path)
    assert result.exit_code == 1
    out = result.stdout
    assert "FAIL mailgun (mailgun, region us" in out
    assert "not in this region: mg.acme-mail.com (they may live in EU)" in out
    assert "GET /v4/domains/mg.acme-mail.com: HTTP 404" in out
    assert "it may live in the other region (set `region: eu`)" in out


def test_unverified_domain_fails_with_its_dns_state(sandbox_url: str, write: Any) -> None:
    path = write(
        config_text(
            sandbox_url, sandbox_url + "/eu", domains=("mg.acme-mail.com", "news.acme-mail.com")
        )
    )
    result = invoke("-c", path, "--format", "json")
    assert result.exit_code == 1
    mg = probes(as_json(result), "mailgun")
    assert mg["domain mg.acme-mail.com"]["ok"] is True
    news = mg["domain news.acme-mail.com"]
    assert news["ok"] is False
    assert news["facts"]["state"] == "unverified"
    assert news["detail"].startswith("unverified; spf unknown, dkim unknown")
    assert "until it is active and its sending DNS records" in news["cause"]
    assert probes(as_json(result), "postmark")["server token"]["ok"] is True


def test_slow_provider_shows_its_latency_and_arrives_last(tmp_path: Path, write: Any) -> None:
    """Postmark's sandbox adds 300 ms per request. Its probes must be concurrent (the
    first three requests meet at a barrier: sequential probes would never fill it) and
    its result must print after Mailgun's (its answers are held until Mailgun's sandbox
    has answered every probe): deterministic, whatever the machine's load."""
    fast = SandboxApp(seed_account(), credentials=CREDENTIALS)
    slow = SandboxApp(seed_account(), credentials=CREDENTIALS, faults=FaultPlan(latency_ms=300))
    served = {"mailgun": 0}
    expected_mailgun: list[int] = []
    mailgun_done = threading.Event()
    together = threading.Barrier(3, timeout=30)
    first_three = iter(range(3))
    lock = threading.Lock()

    fast_handle, slow_handle = fast.handle, slow.handle

    def count_mailgun(request: Request) -> Response:
        response = fast_handle(request)
        with lock:
            served["mailgun"] += 1
            if expected_mailgun and served["mailgun"] >= expected_mailgun[0]:
                mailgun_done.set()
        return response

    def hold_postmark(request: Request) -> Response:
        with lock:
            meets = next(first_three, None) is not None
        if meets:
            together.wait()  # BrokenBarrierError (a failed probe) if they are sequential
        assert mailgun_done.wait(30)
        return slow_handle(request)

    fast.handle = count_mailgun  # type: ignore[method-assign]
    slow.handle = hold_postmark  # type: ignore[method-assign]
    with running_server(fast) as fast_url, running_server(slow) as slow_url:
        path = write(config_text(slow_url, fast_url + "/eu"))
        mailgun_done.set()  # first run: no ordering, count Mailgun's probe requests
        result = invoke("-c", path, "--format", "json")
        assert result.exit_code == 0, result.output
        assert together.n_waiting == 0 and not together.broken
        data = as_json(result)
        pm = probes(data, "postmark")
        for name in ("server token", "message streams", "webhooks", "account token"):
            assert pm[name]["seconds"] >= 0.3, name
        (entry,) = [p for p in data["providers"] if p["provider"] == "postmark"]
        assert entry["seconds"] >= 0.3

        expected_mailgun.append(served["mailgun"])
        served["mailgun"] = 0
        mailgun_done.clear()
        text = invoke("-c", path)
    lines = text.stdout.splitlines()
    heads = [line for line in lines if line.startswith(("PASS", "FAIL"))]
    assert heads[0].startswith("PASS mailgun")  # results print as they arrive
    assert heads[1].startswith("PASS postmark")
    server_line = next(line for line in lines if "server token" in line)
    latency_ms = int(server_line.split("ms")[0].split()[-1])
    assert latency_ms >= 300


WEBHOOKS = """\
webhooks:
  ok-hook:
    url: {ok}
    events: [delivered, bounced]
    targets: [postmark/outbound, mailgun/mg.acme-mail.com]
    basic_auth: {{username: esp, password: "${{env:T_HOOK_PASSWORD}}"}}
    headers: {{X-Espctl-Source: test}}
  failing-hook:
    url: {failing}
    events: [opened]
    targets: [postmark/outbound, mailgun/mg.acme-mail.com]
  silent-hook:
    url: {silent}
    events: [bounced]
    targets: [mailgun/mg.acme-mail.com]
"""


def test_webhooks_200_500_and_no_answer(
    sandbox_url: str, write: Any, receiver: Any, silent_url: str
) -> None:
    ok, failing = receiver(200), receiver(500)
    hooks = WEBHOOKS.format(ok=ok.url, failing=failing.url, silent=silent_url)
    path = write(config_text(sandbox_url, sandbox_url + "/eu", webhooks=hooks))
    # 3 s: the local receivers answer in milliseconds even on a loaded machine (0.5 s
    # was seen to time out a healthy receiver while two suites shared two cores)
    result = invoke("-c", path, "--webhooks", "--allow-private-receivers", "--webhook-timeout", "3")
    assert result.exit_code == 1
    out = result.stdout
    assert f"PASS webhook ok-hook (postmark Delivery) {ok.url}: HTTP 200 in " in out
    assert f"PASS webhook ok-hook (mailgun delivered) {ok.url}: HTTP 200 in " in out
    assert f"FAIL webhook failing-hook (postmark Open) {failing.url}: HTTP 500 in " in out
    assert "cause: Postmark retries any answer but 200" in out
    assert f"FAIL webhook silent-hook (mailgun failed) {silent_url}: no answer within 3s" in out
    assert "PASS postmark" in out and "PASS mailgun" in out
    assert (
        out.splitlines()[-1] == "2 providers: 2 passed, 0 failed; webhooks: 4 of 5 answered (500)"
    )

    # each provider's own payload format, with the webhook's basic auth
    by_format = {("RecordType" in r["json"]): r for r in ok.requests}
    postmark_req, mailgun_req = by_format[True], by_format[False]
    expected = "Basic " + base64.b64encode(f"esp:{HOOK_PASSWORD}".encode()).decode()
    assert postmark_req["headers"]["authorization"] == expected
    assert mailgun_req["headers"]["authorization"] == expected
    assert postmark_req["json"]["RecordType"] == "Delivery"
    assert postmark_req["json"]["MessageStream"] == "outbound"
    assert postmark_req["json"]["Tag"] == "espctl-test"
    assert postmark_req["headers"]["x-espctl-source"] == "test"  # Postmark's custom headers
    assert "x-espctl-source" not in mailgun_req["headers"]
    assert set(mailgun_req["json"]) == {"signature", "event-data"}
    assert set(mailgun_req["json"]["signature"]) == {"timestamp", "token", "signature"}
    assert mailgun_req["json"]["event-data"]["event"] == "delivered"
    failed = {("RecordType" in r["json"]): r for r in failing.requests}  # any order
    assert failed[True]["json"]["RecordType"] == "Open"
    assert failed[False]["json"]["event-data"]["event"] == "opened"
    assert "authorization" not in failed[True]["headers"]


def test_webhooks_json(sandbox_url: str, write: Any, receiver: Any, silent_url: str) -> None:
    ok, failing = receiver(200), receiver(500)
    hooks = WEBHOOKS.format(ok=ok.url, failing=failing.url, silent=silent_url)
    path = write(config_text(sandbox_url, sandbox_url + "/eu", webhooks=hooks))
    # 3 s, not less: a healthy local receiver must never time out on a loaded machine
    result = invoke(
        "-c",
        path,
        "--webhooks",
        "--allow-private-receivers",
        "--webhook-timeout",
        "3",
        "--format",
        "json",
    )
    assert result.exit_code == 1
    data = as_json(result)
    assert data["ok"] is False
    hooks_out = {(w["webhook"], w["format"]): w for w in data["webhooks"]}
    assert hooks_out[("ok-hook", "postmark")]["status"] == 200
    assert hooks_out[("failing-hook", "mailgun")]["status"] == 500
    silent = hooks_out[("silent-hook", "mailgun")]
    assert silent["status"] is None and silent["ok"] is False
    assert silent["seconds"] >= 2.9  # it waited the whole timeout, not less
    assert "did not answer in time" in silent["cause"]


def test_mailgun_406_means_reachable_and_verifying(
    sandbox_url: str, write: Any, receiver: Any
) -> None:
    refusing = receiver(406)
    hooks = (
        "webhooks:\n  verifying:\n"
        f"    url: {refusing.url}\n    events: [delivered]\n"
        "    targets: [mailgun/mg.acme-mail.com]\n"
    )
    path = write(config_text(sandbox_url, sandbox_url + "/eu", webhooks=hooks))
    result = invoke("-c", path, "--webhooks", "--allow-private-receivers")
    assert result.exit_code == 0, result.output
    assert "HTTP 406: reachable; it refused the unsigned test event" in result.stdout


def test_without_webhooks_flag_nothing_is_posted(
    sandbox_url: str, write: Any, receiver: Any
) -> None:
    ok = receiver(200)
    hooks = (
        "webhooks:\n  one:\n"
        f"    url: {ok.url}\n    events: [delivered]\n    targets: [postmark/outbound]\n"
    )
    path = write(config_text(sandbox_url, sandbox_url + "/eu", webhooks=hooks))
    assert invoke("-c", path).exit_code == 0
    assert ok.requests == []


def test_sandbox_flag_with_quickstart(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)  # the sandbox state goes to ./.espctl/sandbox.json
    unset: dict[str, str | None] = {
        "POSTMARK_SERVER_TOKEN": None,
        "POSTMARK_ACCOUNT_TOKEN": None,
        "MAILGUN_API_KEY": None,
        "SENDGRID_API_KEY": None,
        "HOOK_PASSWORD": None,
    }
    result = invoke("-c", str(QUICKSTART), "--sandbox", env=unset)
    assert result.exit_code == 1  # the seeded news.acme-mail.com is unverified
    out = result.stdout
    assert "PASS postmark (postmark, https://api.postmarkapp.com via the embedded sandbox)" in out
    assert "FAIL mailgun (mailgun, region eu, https://api.eu.mailgun.net via the embedded" in out
    assert "FAIL domain news.acme-mail.com" in out
    assert "not yet created: receipts (apply creates them)" in out
    assert "notice: POSTMARK_SERVER_TOKEN is not set" in result.stderr


def test_unset_credentials_without_sandbox_are_an_error(write: Any, sandbox_url: str) -> None:
    path = write(config_text(sandbox_url, sandbox_url + "/eu"))
    result = invoke("-c", path, env={"T_PM_SERVER": None})
    assert result.exit_code == 1
    assert "T_PM_SERVER is not set" in result.stderr
    assert result.stdout == ""


def test_unreachable_endpoint(write: Any, silent_url: str, sandbox_url: str) -> None:
    dead = silent_url.removesuffix("/hook")
    path = write(config_text(dead, sandbox_url + "/eu", account_token=None))
    result = invoke("-c", path, "--timeout", "0.3")
    assert result.exit_code == 1
    assert "FAIL postmark" in result.stdout
    assert "cause: no answer from the endpoint: check `endpoint`" in result.stdout


def test_an_account_level_webhook_gets_a_mailgun_sample(
    sandbox_url: str, write: Any, receiver: Any
) -> None:
    """A target that is the provider id alone (account level) is tested like a domain's:
    the sample names the provider's first domain, as an event of any domain would."""
    ok = receiver(200)
    hooks = (
        "webhooks:\n  everywhere:\n"
        f"    url: {ok.url}\n    events: [complained]\n    targets: [mailgun]\n"
    )
    path = write(config_text(sandbox_url, sandbox_url + "/eu", webhooks=hooks))
    result = invoke("-c", path, "--webhooks", "--allow-private-receivers", "--webhook-timeout", "3")
    assert f"PASS webhook everywhere (mailgun complained) {ok.url}: HTTP 200 in " in result.stdout
    (request,) = ok.requests
    assert request["json"]["event-data"]["envelope"]["sender"] == "espctl@mg.acme-mail.com"
