"""End to end on the embedded sandbox: import the seeded account, validate, plan is empty."""

from __future__ import annotations

import re
from pathlib import Path
from urllib.parse import quote

import pytest
import yaml

from espctl.commands.import_cmd import SCHEMA_URL
from espctl.importer import MODELINE
from espctl.sandbox import AccountState, load_state, seed_account
from tests.conftest import QUICKSTART
from tests.importer.conftest import (
    CANARY,
    api_import,
    api_plan,
    assert_no_canary,
    changes_text,
    hook_env,
    run_import,
    run_main,
    write_state,
)


def canary_account() -> AccountState:
    """The seeded account with canary webhook passwords at both providers."""
    state = seed_account(seed=0)
    for hook in state.postmark.webhooks:
        if hook.auth_username:
            hook.auth_password = f"{CANARY}-pm-hook"
        elif "@" in hook.url:  # the legacy hook: basic auth as URL userinfo
            hook.url = re.sub(r"://[^/@]*@", f"://monitor:{CANARY}-pm-userinfo@", hook.url)
    mg = next(d for d in state.mailgun.domains if d.name == "mg.acme-mail.com")
    secret = quote(f"{CANARY}-mg:hook@/", safe="")
    plain = "https://hooks.acme-mail.com/esp/events"
    with_auth = f"https://esp:{secret}@hooks.acme-mail.com/esp/events"
    for urls in mg.webhooks.values():  # one receiver, its credentials on every event
        urls[:] = [with_auth if u == plain else u for u in urls]
    return state


@pytest.fixture
def workdir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_cli_import_validate_plan_empty(workdir: Path) -> None:
    state_path = write_state(workdir, canary_account())
    result = run_import(
        "--provider", "postmark", "--provider", "mailgun",
        "--type", "postmark", "--type", "mailgun", "--region", "eu",
        "--sandbox", "--out", "espctl.yaml",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    text = (workdir / "espctl.yaml").read_text()
    assert_no_canary(text, result.stdout, result.stderr)
    # no schema file near an installed user's config: this release's, on GitHub
    assert text.startswith(f"{MODELINE}{SCHEMA_URL}\n")
    assert "ESPCTL_HOOK_" in result.stderr and "MAILGUN_API_KEY" in result.stderr
    assert "# disabled at Mailgun" in text and "# unverified at Mailgun" in text

    validate = run_main("validate", "-c", "espctl.yaml")
    assert validate.exit_code == 0, validate.output

    env = hook_env(text, load_state(state_path))
    # Postmark esp/..., Mailgun esp/... and the legacy hook's URL userinfo differ
    assert len(env) == 3
    plan = run_main("plan", "--sandbox", "--detailed-exitcode", env=env)
    assert plan.exit_code == 0, plan.output
    assert "No changes" in plan.stdout
    assert "Unmanaged" not in plan.stdout
    assert_no_canary(plan.stdout, plan.stderr)

    # without the passwords the plan (rightly) shows the sensitive difference only
    other = run_main("plan", "--sandbox", "--detailed-exitcode")
    assert other.exit_code == 2
    assert "(sensitive value changed)" in other.stdout
    assert_no_canary(other.stdout, other.stderr)


def test_cli_refuses_to_overwrite(workdir: Path) -> None:
    (workdir / "espctl.yaml").write_text("keep me\n")
    result = run_import("--provider", "postmark", "--sandbox", "--out", "espctl.yaml")
    assert result.exit_code == 1
    assert "--force" in result.stderr
    assert (workdir / "espctl.yaml").read_text() == "keep me\n"


def test_cli_stdout_and_type_inferred_from_id(workdir: Path) -> None:
    result = run_import("--provider", "postmark", "--sandbox")
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(result.stdout)
    assert list(data["providers"]) == ["postmark"]
    assert data["providers"]["postmark"]["server_token"] == "${env:POSTMARK_SERVER_TOKEN}"
    assert '"${env:POSTMARK_SERVER_TOKEN}"' in result.stdout  # references are quoted


def test_cli_unknown_provider_without_type(workdir: Path) -> None:
    result = run_import("--provider", "pm-eu", "--sandbox")
    assert result.exit_code == 1
    assert "--type" in result.stderr


def test_cli_deterministic(workdir: Path) -> None:
    write_state(workdir, canary_account())
    args = ("--provider", "mailgun", "--provider", "postmark", "--sandbox")
    first = run_import(*args, "--type", "mailgun", "--type", "postmark", "--region", "eu")
    second = run_import(
        "--provider", "postmark", "--provider", "mailgun", "--sandbox",
        "--type", "postmark", "--type", "mailgun", "--region", "eu",
    )  # fmt: skip
    assert first.exit_code == second.exit_code == 0
    assert first.stdout == second.stdout


def test_api_import_from_existing_config(tmp_path: Path) -> None:
    """Credentials, region and default sender come from the config; names are kept."""
    state_path = write_state(tmp_path, canary_account())
    config = tmp_path / "espctl.yaml"
    config.write_text(QUICKSTART.read_text().replace("../schemas/", "./schemas/"))
    env = {"HOOK_PASSWORD": f"{CANARY}-quickstart-hook"}
    result = api_import(
        tmp_path, state_path, ("mailgun", "postmark"), types=(), config=str(config), env=env
    )
    assert_no_canary(result.text, *result.warnings)
    data = yaml.safe_load(result.text)
    pm = data["providers"]["postmark"]
    assert pm["account_token"] == "${env:POSTMARK_ACCOUNT_TOKEN}"
    assert pm["default_sender"] == "Acme <noreply@acme-mail.com>"
    assert data["providers"]["mailgun"]["region"] == "eu"
    names = [v.name for v in result.env]
    assert names[:3] == ["MAILGUN_API_KEY", "POSTMARK_ACCOUNT_TOKEN", "POSTMARK_SERVER_TOKEN"]

    out = tmp_path / "imported.yaml"
    out.write_text(result.text)
    plan = api_plan(out, state_path, hook_env(result.text, load_state(state_path)))
    assert not plan.has_changes, changes_text(plan)
    assert plan.unmanaged == ()


def test_api_seeded_us_region_has_the_sandbox_domain(tmp_path: Path) -> None:
    state_path = write_state(tmp_path, seed_account(seed=3))
    result = api_import(tmp_path, state_path, ("mailgun",), types=("mailgun",), region="us")
    data = yaml.safe_load(result.text)
    (name,) = data["providers"]["mailgun"]["domains"]
    assert name.startswith("sandbox") and name.endswith(".mailgun.org")
    assert "Mailgun sandbox domain" in result.text
    out = tmp_path / "espctl.yaml"
    out.write_text(result.text)
    plan = api_plan(out, state_path, {})
    assert not plan.has_changes, changes_text(plan)


def test_warnings_for_what_espctl_cannot_express(tmp_path: Path) -> None:
    state = seed_account(seed=0)
    state.postmark.server.bounce_hook_url = f"https://u:{CANARY}@legacy.example.com/b"
    state.postmark.server.inbound_domain = "inbound.acme-mail.com"
    inbound = next(s for s in state.postmark.streams if s.id == "inbound")
    legacy = next(s for s in state.postmark.streams if s.id == "legacy-alerts")
    legacy.archived_at = state.now
    news = next(s for s in state.postmark.streams if s.id == "newsletters")
    news.unsubscribe_handling = "Custom"
    hooks = state.postmark.webhooks
    hooks.append(hooks[0].model_copy(update={"id": 90, "message_stream": inbound.id}))
    hooks.append(hooks[0].model_copy(update={"id": 91, "url": "http://plain.example.com/x"}))
    no_triggers = hooks[1].model_copy(deep=True, update={"id": 92, "url": "https://n.example.com"})
    no_triggers.triggers.open = no_triggers.triggers.click = False
    no_triggers.triggers.subscription_change = False
    hooks.append(no_triggers)
    domain = next(d for d in state.mailgun.domains if d.name == "mg.acme-mail.com")
    domain.tracking.open_place_at_the_top = True
    domain.web_scheme = "http"
    domain.tracking.text_footer = "literal ${env:NOT_A_REF} in a footer"
    domain.webhooks["clicked"] = [
        "https://ok.example.com/a",
        f"http://user:{CANARY}@insecure.example.com/b",
    ]
    state_path = write_state(tmp_path, state)
    result = api_import(tmp_path, state_path)
    warnings = "\n".join(result.warnings)
    assert_no_canary(result.text, warnings)
    for fragment in (
        "legacy webhook URLs are set (BounceHookUrl)",
        "inbound server options are set (InboundDomain)",
        "'legacy-alerts' is archived",
        "handles unsubscribes as 'Custom'",
        "on the inbound stream",
        "the config language needs https",
        "no trigger is enabled",
        "place_at_the_top",
        "web_scheme is http",
        "unsubscribe_text_footer contains '${'",
        "domain 'mg.acme-mail.com': webhook http://insecure.example.com/b not imported",
    ):
        assert fragment in warnings, fragment
    assert all("\n" not in w for w in result.warnings)
    out = tmp_path / "espctl.yaml"
    out.write_text(result.text)
    plan = api_plan(out, state_path, hook_env(result.text, load_state(state_path)))
    assert not plan.has_changes, changes_text(plan)
    # what was not imported is left unmanaged (listed), never changed
    unmanaged = {u.resource.key for u in plan.unmanaged}
    # per URL: the https one is declared, the plain-http one stays another integration's
    assert "mg.acme-mail.com http://insecure.example.com/b" in unmanaged
    assert "mg.acme-mail.com https://ok.example.com/a" not in unmanaged


def test_account_level_and_other_integrations_webhooks_are_declared(tmp_path: Path) -> None:
    """Every receiver is imported: the account-level webhook as a target that is the
    provider id alone, another tool's URL beside a declared one as its own entry."""
    state = canary_account()
    state.mailgun.account_webhooks[0].url = f"https://ops:{CANARY}-acct@ops.acme-mail.com/mg"
    state_path = write_state(tmp_path, state)
    result = api_import(tmp_path, state_path, ("mailgun",), types=("mailgun",), region="eu")
    assert_no_canary(result.text, *result.warnings)
    hooks = yaml.safe_load(result.text)["webhooks"]
    by_url = {h["url"]: h for h in hooks.values()}
    account = by_url["https://ops.acme-mail.com/mg"]
    assert account["targets"] == ["mailgun"]
    assert account["events"] == ["deferred", "bounced", "complained"]
    assert account["basic_auth"]["username"] == "ops"
    assert by_url["https://analytics.acme-mail.com/mailgun/opens"]["targets"] == [
        "mailgun/mg.acme-mail.com"
    ]
    out = tmp_path / "espctl.yaml"
    out.write_text(result.text)
    plan = api_plan(out, state_path, hook_env(result.text, load_state(state_path)))
    assert not plan.has_changes, changes_text(plan)
    assert plan.unmanaged == ()


def test_one_receiver_under_two_credentials_imports_one_and_lists_the_copy(
    tmp_path: Path,
) -> None:
    """Two URL texts for one receiver on one domain (other credentials) are one webhook to
    espctl: the one on more events is imported, the other is a copy the plan removes."""
    state = seed_account(seed=0)
    domain = next(d for d in state.mailgun.domains if d.name == "mg.acme-mail.com")
    other = f"https://esp:{CANARY}-other@hooks.acme-mail.com/esp/events"
    domain.webhooks["clicked"] = [other]
    state_path = write_state(tmp_path, state)
    result = api_import(tmp_path, state_path, ("mailgun",), types=("mailgun",), region="eu")
    assert any(
        "a second webhook URL https://hooks.acme-mail.com/esp/events with other credentials "
        "not imported" in w
        for w in result.warnings
    )
    assert_no_canary(result.text, *result.warnings)
    events = next(
        h
        for h in yaml.safe_load(result.text)["webhooks"].values()
        if h["url"] == "https://hooks.acme-mail.com/esp/events"
        and h["targets"] == ["mailgun/mg.acme-mail.com"]
    )
    assert "basic_auth" not in events  # the four-event URL without credentials
    out = tmp_path / "espctl.yaml"
    out.write_text(result.text)
    plan = api_plan(out, state_path, hook_env(result.text, load_state(state_path)))
    assert [(c.action, c.key) for c in plan.changes] == [
        ("delete", "mg.acme-mail.com https://hooks.acme-mail.com/esp/events (copy 1)")
    ]
