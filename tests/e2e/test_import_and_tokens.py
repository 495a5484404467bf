"""Import from the command line and the optional account token (issue 18, items 16, 19,
20), against a sandbox served over HTTP that accepts only the canary credentials."""

from __future__ import annotations

from pathlib import Path

import yaml
from click.testing import CliRunner

from espctl.cli import main
from espctl.commands.import_cmd import SCHEMA_URL
from espctl.importer import MODELINE
from tests.e2e.conftest import CREDENTIALS, ENV, Served, assert_no_canary
from tests.importer.conftest import hook_env


def test_a_rejected_account_token_is_a_warning_and_the_plan_goes_on(served: Served) -> None:
    result = served.run("plan", "--format", "json", env={"POSTMARK_ACCOUNT_TOKEN": "wrong"})
    assert result.exit_code == 0, result.output
    assert result.stderr.count("warning: postmark: the account token was rejected") == 1
    assert (
        "warning: postmark: the account token was rejected (HTTP 401, ErrorCode 10) — check "
        "POSTMARK_ACCOUNT_TOKEN; account_token is optional: the default-sender check (sender "
        "signatures and domains) was skipped"
    ) in result.stderr
    assert '"default_sender"' not in result.stdout  # the check needing it was skipped
    # the server token is not optional: the same mistake there still fails the plan
    failed = served.run("plan", env={"POSTMARK_SERVER_TOKEN": "wrong"})
    assert failed.exit_code == 1
    assert "the server token was rejected" in failed.stderr


def _import(served: Served, *args: str, env: dict[str, str | None] | None = None):  # type: ignore[no-untyped-def]
    runner = CliRunner(env={**ENV, **(env or {})})
    return runner.invoke(main, ["import", *args], catch_exceptions=False)


def test_import_type_reads_the_documented_variables_and_takes_an_endpoint(
    served: Served,
) -> None:
    result = _import(
        served,
        "--provider", "pm", "--type", "postmark", "--endpoint", served.base_url,
        "-c", "does-not-exist.yaml",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(result.stdout)
    block = data["providers"]["pm"]
    assert block["server_token"] == "${env:POSTMARK_SERVER_TOKEN}"
    assert block["account_token"] == "${env:POSTMARK_ACCOUNT_TOKEN}"
    assert block["endpoint"] == served.base_url
    assert_no_canary(result.stdout, result.stderr)
    # two providers of one type: the variables carry the provider id
    two = _import(
        served,
        "--provider", "mg-a", "--provider", "mg-b", "--type", "mailgun", "--region", "eu",
        "--endpoint", f"{served.base_url}/eu",
        env={"MG_A_MAILGUN_API_KEY": CREDENTIALS.get("mailgun", "api_key"),
             "MG_B_MAILGUN_API_KEY": CREDENTIALS.get("mailgun", "api_key")},
    )  # fmt: skip
    assert two.exit_code == 0, two.output
    keys = {pid: b["api_key"] for pid, b in yaml.safe_load(two.stdout)["providers"].items()}
    assert keys == {
        "mg-a": "${env:MG_A_MAILGUN_API_KEY}",
        "mg-b": "${env:MG_B_MAILGUN_API_KEY}",
    }


def test_import_type_ses_takes_an_aws_region_and_round_trips(served: Served) -> None:
    """``--type ses --region eu-west-1``: the keys from SES_ACCESS_KEY_ID and
    SES_SECRET_ACCESS_KEY, the region as given; what it writes plans no change. A region
    the type does not take is one error naming the type."""
    result = _import(
        served,
        "--provider", "ses", "--type", "ses", "--region", "eu-west-1",
        "--endpoint", f"{served.base_url}/ses", "--out", "ses.yaml",
        "-c", "does-not-exist.yaml",
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    data = yaml.safe_load(Path("ses.yaml").read_text())
    block = data["providers"]["ses"]
    assert (block["region"], block["access_key_id"], block["secret_access_key"]) == (
        "eu-west-1",
        "${env:SES_ACCESS_KEY_ID}",
        "${env:SES_SECRET_ACCESS_KEY}",
    )
    assert sorted(block["configuration_sets"]) == ["marketing", "transactional"]
    assert_no_canary(result.stdout, result.stderr, Path("ses.yaml").read_text())
    hooks = hook_env(Path("ses.yaml").read_text(), served.app.state)  # the live passwords
    planned = CliRunner(env={**ENV, **hooks}).invoke(
        main, ["plan", "-c", "ses.yaml", "--detailed-exitcode"]
    )
    assert planned.exit_code == 0, planned.output
    for region, message in (
        ("eu", "error: --region 'eu' is not a region of Amazon SES (e.g. us-east-1"),
        ("eu-west-1", "error: --region 'eu-west-1' is not a region of Mailgun (e.g. us, eu)"),
    ):
        wrong = _import(
            served, "--provider", "x", "--type", "ses" if region == "eu" else "mailgun",
            "--region", region, "-c", "does-not-exist.yaml",
        )  # fmt: skip
        assert wrong.exit_code == 1
        assert wrong.stderr.startswith(message), wrong.stderr


def test_import_type_errors_name_the_variable_never_a_temporary_file(served: Served) -> None:
    unset = _import(
        served, "--provider", "postmark", "--type", "postmark",
        env={"POSTMARK_SERVER_TOKEN": None},
    )  # fmt: skip
    assert unset.exit_code == 1
    assert unset.stderr.strip() == (
        "error: POSTMARK_SERVER_TOKEN is not set: import --type postmark reads the server "
        "token of postmark from it"
    )
    empty = _import(
        served, "--provider", "mailgun", "--type", "mailgun", env={"MAILGUN_API_KEY": ""}
    )
    assert "error: MAILGUN_API_KEY is empty: import --type mailgun reads the api key" in (
        empty.stderr
    )
    bad = _import(served, "--provider", "postmark", "--type", "postmark", "--endpoint", "nope")
    assert bad.exit_code == 1
    assert bad.stderr.startswith("error: (--type postmark):")
    assert "providers.postmark.endpoint: endpoint must be an absolute https:// URL" in bad.stderr
    for result in (unset, empty, bad):
        assert "espctl-import" not in result.output and "/tmp" not in result.output


def test_import_with_a_config_keeps_its_names_and_password_variables(served: Served) -> None:
    """The quick-start config names the collector webhook ``events-collector`` with
    ``${env:HOOK_PASSWORD}``: the import of the seeded account keeps both, although the
    live password differs from HOOK_PASSWORD's value."""
    config = yaml.safe_load(served.config.read_text())
    config["webhooks"]["collector-renamed"] = config["webhooks"].pop("events-collector")
    config["webhooks"]["collector-renamed"]["basic_auth"]["password"] = "${env:MY_HOOK_SECRET}"
    served.config.write_text(yaml.safe_dump(config))
    result = served.run(
        "import", "--provider", "postmark", "--provider", "mailgun",
        env={"MY_HOOK_SECRET": "whatever-it-is"},
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    imported = yaml.safe_load(result.stdout)
    hooks = imported["webhooks"]
    assert "collector-renamed" in hooks
    assert hooks["collector-renamed"]["url"] == "https://hooks.acme-mail.com/esp/events"
    assert hooks["collector-renamed"]["basic_auth"]["password"] == "${env:MY_HOOK_SECRET}"
    assert "postmark/outbound" in hooks["collector-renamed"]["targets"]
    assert "MY_HOOK_SECRET" in result.stderr
    assert_no_canary(result.stdout, result.stderr)


def test_the_schema_line_points_at_a_schema_that_exists(served: Served) -> None:
    out = served.tmp / "adopted"
    out.mkdir()
    first = served.run("import", "--provider", "postmark", "--out", str(out / "a.yaml"))
    assert first.exit_code == 0, first.output
    assert (out / "a.yaml").read_text().startswith(f"{MODELINE}{SCHEMA_URL}\n")
    assert SCHEMA_URL.endswith("/v0.1.0/schemas/espctl.schema.json")
    schema = CliRunner().invoke(main, ["schema"]).stdout
    (out / "espctl.schema.json").write_text(schema)
    second = served.run("import", "--provider", "postmark", "--out", str(out / "b.yaml"))
    assert (out / "b.yaml").read_text().startswith(f"{MODELINE}./espctl.schema.json\n")
    assert second.exit_code == 0
    assert Path(out / "espctl.schema.json").is_file()
