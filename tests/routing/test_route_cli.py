"""``espctl route``: text and JSON, the whole table, errors without tracebacks."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from espctl.commands.route_cmd import route
from tests.conftest import QUICKSTART

ENV = {"RT_POSTMARK_TOKEN": None, "RT_MAILGUN_KEY": None, "RT_BACKUP_KEY": None}


def run(*args: str) -> tuple[int, str, str]:
    result = CliRunner().invoke(route, list(args), env=ENV)
    assert "Traceback" not in result.output + result.stderr
    return result.exit_code, result.stdout, result.stderr


def test_text(routing_config: Path) -> None:
    code, out, err = run("password_reset", "-c", str(routing_config))
    assert code == 0, err
    assert out.splitlines() == [
        "password_reset -> postmark/outbound",
        "  provider:  postmark (postmark, stream outbound)",
        "  matched:   rule auth-mail",
        "  sender:    Acme <noreply@acme-mail.com>",
        "  tag:       password_reset",
        "  fallbacks: mailgun/mg.acme-mail.com, backup/mg2.acme-mail.com",
    ]
    assert err == ""  # unset variables are fine offline, and not even mentioned


def test_text_with_unavailable_provider(routing_config: Path) -> None:
    code, out, _ = run("password_reset", "-c", str(routing_config), "--unavailable", "postmark")
    assert code == 0
    assert out.splitlines()[0] == "password_reset -> mailgun/mg.acme-mail.com"
    assert "  provider:  mailgun (mailgun, domain mg.acme-mail.com)" in out
    assert "  skipped:   postmark/outbound (provider unavailable)" in out


def test_text_unknown_type_uses_default(routing_config: Path) -> None:
    code, out, _ = run("welcome", "-c", str(routing_config))
    assert code == 0
    assert "welcome -> postmark/outbound" in out
    assert "matched:   routing.default" in out


def test_json(routing_config: Path) -> None:
    code, out, _ = run("newsletter", "-c", str(routing_config), "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["target"] == "mailgun/news.acme-mail.com"
    assert data["domain"] == "news.acme-mail.com"
    assert data["tag"] == "newsletter"
    assert data["fallbacks"] == []


def test_all_json_is_the_whole_table(routing_config: Path) -> None:
    code, out, _ = run("--all", "-c", str(routing_config), "--format", "json")
    assert code == 0
    table = json.loads(out)
    assert table["format"] == "espctl-routes/1"
    assert set(table["email_types"]) == {"password_reset", "magic_link", "receipt", "newsletter"}
    assert table["default"]["target"] == "postmark/outbound"


def test_all_text(routing_config: Path) -> None:
    code, out, _ = run("--all", "-c", str(routing_config))
    assert code == 0
    lines = out.splitlines()
    assert lines[0].split() == [
        "password_reset",
        "postmark/outbound",
        "->",
        "mailgun/mg.acme-mail.com",
        "->",
        "backup/mg2.acme-mail.com",
        "(auth-mail)",
    ]
    assert lines[-1].split() == ["*", "postmark/outbound"]


def test_quickstart_offline_without_any_credentials() -> None:
    env = {
        "POSTMARK_SERVER_TOKEN": None,
        "POSTMARK_ACCOUNT_TOKEN": None,
        "MAILGUN_API_KEY": None,
        "SENDGRID_API_KEY": None,
        "HOOK_PASSWORD": None,
    }
    result = CliRunner().invoke(route, ["receipt", "-c", str(QUICKSTART)], env=env)
    assert result.exit_code == 0, result.output
    assert "receipt -> postmark/receipts" in result.stdout


def test_no_route_exits_1_with_a_clear_message(no_default_config: Path) -> None:
    code, out, err = run("welcome", "-c", str(no_default_config))
    assert code == 1
    assert out == ""
    assert err.startswith("error: no route for email type 'welcome'")


def test_all_unavailable_exits_1(routing_config: Path) -> None:
    code, _, err = run("newsletter", "-c", str(routing_config), "--unavailable", "mailgun")
    assert code == 1
    assert "no available route" in err


def test_missing_config_exits_1(tmp_path: Path) -> None:
    code, _, err = run("welcome", "-c", str(tmp_path / "nope.yaml"))
    assert code == 1
    assert "no such file" in err


def test_type_and_all_together_or_neither_is_a_usage_error(routing_config: Path) -> None:
    assert run("welcome", "--all", "-c", str(routing_config))[0] == 2
    assert run("-c", str(routing_config))[0] == 2
