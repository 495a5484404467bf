"""``--sandbox-from-config``: the embedded sandbox with an account made for the config.

The demo's ``--sandbox`` account is Acme's; a user's own config planned against it shows
Acme's account, not theirs (every domain missing). An account made for the config has
the config's domains, verified, and nothing configured (issue 13 item 12).
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from espctl.cli import main
from espctl.sandbox import AccountSpec, account_for, load_state
from tests.conftest import EXAMPLES

ENV = {"NO_COLOR": "1"}  # no credentials at all: a pull request from a fork


def run(*args: str) -> Result:
    return CliRunner(env=ENV).invoke(main, list(args), catch_exceptions=False)


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    target = tmp_path / "espctl.yaml"
    target.write_text((EXAMPLES / "multi-domain.yaml").read_text().replace("../schemas/", ""))
    return target


def test_a_users_config_against_the_demo_account_is_meaningless(config: Path) -> None:
    plan = json.loads(run("plan", "-c", str(config), "--sandbox", "--format", "json").stdout)
    missing = [c for c in plan["checks"] if c["name"] == "domain" and not c["ok"]]
    assert len(missing) == 52 and all(c["severity"] == "error" for c in missing)


def test_an_account_made_for_the_config_plans_what_the_config_changes(config: Path) -> None:
    result = run("plan", "-c", str(config), "--sandbox-from-config", "--format", "json")
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    assert [c for c in plan["checks"] if not c["ok"]] == []  # 52 domains, all verified
    assert plan["converges"] is True and plan["unmanaged"] == []
    assert {c["kind"] for c in plan["changes"]} == {"mailgun.tracking", "mailgun.webhook"}
    assert "--sandbox uses the sandbox's own value" in result.stderr  # MAILGUN_API_KEY unset
    state = Path(".espctl/sandbox-from-config.json")
    assert state.exists() and not Path(".espctl/sandbox.json").exists()
    applied = run("apply", "-c", str(config), "--sandbox-from-config", "--auto-approve", "--force")
    assert applied.exit_code == 0, applied.output
    assert (
        run("plan", "-c", str(config), "--sandbox-from-config", "--detailed-exitcode").exit_code
        == 0
    )


def test_a_domain_the_config_gains_exists_next_time(config: Path) -> None:
    assert run("plan", "-c", str(config), "--sandbox-from-config").exit_code == 0
    config.write_text(
        config.read_text().replace(
            "      mail.acme-mail.com: {}\n",
            "      mail.acme-mail.com: {}\n      late.acme-mail.com: {}\n",
        )
    )
    result = run("plan", "-c", str(config), "--sandbox-from-config", "--format", "json")
    plan = json.loads(result.stdout)
    late = [c for c in plan["checks"] if c["subject"] == "late.acme-mail.com"]
    assert [c["ok"] for c in late] == [True]
    names = {d.name for d in load_state(".espctl/sandbox-from-config.json").mailgun.domains}
    assert "late.acme-mail.com" in names and len(names) == 53


def test_the_account_has_the_default_streams_the_domains_and_nothing_else() -> None:
    state = account_for(
        AccountSpec(
            {
                "mailgun": (("mg.example.com", "eu"), ("MG.example.com", "eu")),
                "postmark": ("example.com",),
            }
        )
    )
    pm = state.postmark
    assert [(s.id, s.type) for s in pm.streams] == [
        ("outbound", "Transactional"),
        ("inbound", "Inbound"),
        ("broadcast", "Broadcasts"),
    ]
    assert (pm.webhooks, pm.senders, pm.server.track_opens, pm.server.track_links) == (
        [],
        [],
        False,
        "None",
    )
    (domain,) = pm.domains
    assert (domain.name, domain.dkim_verified, domain.return_path_verified) == (
        "example.com",
        True,
        True,
    )
    (mg,) = state.mailgun.domains
    assert (mg.name, mg.region, mg.state, mg.dns_valid, mg.webhooks) == (
        "mg.example.com",
        "eu",
        "active",
        "valid",
        {},
    )
    assert account_for(AccountSpec({"mailgun": (("a.example.com", "us"),)})).to_json() == (
        account_for(AccountSpec({"mailgun": (("a.example.com", "us"),)})).to_json()
    )  # deterministic
