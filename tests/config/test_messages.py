"""Validation and messages (issue 18, items 13-16), through the real CLI.

Messages read as espctl's (never pydantic's or jsonschema's), every problem comes in
one run, ``validate --format json`` has one shape, and an empty credential variable is
an error before any request.
"""

from __future__ import annotations

import json
import re
import textwrap
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from espctl.cli import main

CONFIG = """\
version: 1
providers:
  pm:
    type: postmark
    server_token: ${env:PM_TOKEN}
    message_streams:
      outbound: {type: transactional, name: Transactional}
  mg:
    type: mailgun
    api_key: ${env:MG_KEY}
    domains:
      mg.example.com: {}
"""
ENV = {"PM_TOKEN": "pm-token", "MG_KEY": "mg-key", "NO_COLOR": "1", "ESPCTL_CONFIG": None}
#: what pydantic and jsonschema say, which a user must never read
FOREIGN = re.compile(
    r"Input should|after validation|unable to interpret|Value error|is not valid under|"
    r"Field required|Extra inputs|validation error|type=",
)


def run(tmp_path: Path, text: str, *args: str, env: dict[str, str] | None = None) -> Result:
    (tmp_path / "espctl.yaml").write_text(textwrap.dedent(text))
    runner = CliRunner(env={**ENV, **(env or {})})
    return runner.invoke(main, [*args, "-c", str(tmp_path / "espctl.yaml")])


def lines(result: Result) -> list[str]:
    return [line.removeprefix("error: ") for line in result.output.splitlines()]


@pytest.mark.parametrize(
    ("edit", "expected"),
    [
        (
            ("version: 1", "version: 2"),
            "version: unsupported config version 2 (this espctl reads version 1): write "
            "'version: 1'",
        ),
        (
            (
                "domains:\n      mg.example.com: {}",
                "domains:\n      mg.example.com: {}\npolicy: {max_change_ratio: 0}",
            ),
            "policy.max_change_ratio: must be a number above 0 and at most 1 (got 0)",
        ),
        (
            (
                "      outbound: {type: transactional, name: Transactional}",
                "      outbound: {type: transactional, name: Transactional}\n"
                "    tracking: {opens: true, links: yes_please}",
            ),
            "providers.pm.tracking.links: 'yes_please' is not one of: none, html_and_text, "
            "html_only, text_only",
        ),
        (
            ("      mg.example.com: {}", "      mg.example.com: {tracking: {clicks: yes_please}}"),
            "providers.mg.domains.mg.example.com.tracking.clicks: 'yes_please' is not one of: "
            "true, false, html_only",
        ),
        (
            (
                "domains:\n      mg.example.com: {}",
                "domains:\n      mg.example.com: {}\n"
                "webhooks:\n  h: {url: 'https://h.example.com/x', events: [],"
                " targets: [pm/outbound]}",
            ),
            "webhooks.h.events: must not be empty: list at least 1 item",
        ),
        (
            (
                "domains:\n      mg.example.com: {}",
                "domains: {}\nwebhooks: {}\nrouting: {rules: 3}",
            ),
            "routing.rules: must be a list (got 3)",
        ),
    ],
    ids=["version", "greater-than", "enum", "union", "empty-list", "type"],
)
def test_messages_are_espctls_sentences(
    tmp_path: Path, edit: tuple[str, str], expected: str
) -> None:
    text = CONFIG.replace(*edit)
    assert text != CONFIG
    result = run(tmp_path, text, "validate")
    assert result.exit_code == 1
    assert any(line.endswith(expected) for line in lines(result)), result.output
    assert not FOREIGN.search(result.output), result.output


def test_an_empty_mapping_names_what_it_needs(tmp_path: Path) -> None:
    result = run(tmp_path, "version: 1\nproviders: {}\n", "validate")
    assert result.exit_code == 1
    assert (
        f"{tmp_path / 'espctl.yaml'}:2:12: providers: must not be empty: declare at least "
        "1 entry" in result.output
    )
    assert not FOREIGN.search(result.output)


def test_a_shell_style_reference_is_one_error_suggesting_env(tmp_path: Path) -> None:
    result = run(tmp_path, CONFIG.replace("${env:MG_KEY}", "${SHOP_MG_API_KEY}"), "validate")
    assert result.exit_code == 1
    problems = [line for line in result.stdout.splitlines() if "providers.mg.api_key" in line]
    assert problems == [
        f"{tmp_path / 'espctl.yaml'}:10:14: providers.mg.api_key: '${{SHOP_MG_API_KEY}}' is not "
        "a reference espctl reads: write ${env:SHOP_MG_API_KEY}"
    ]


def test_an_unquoted_reference_in_a_flow_mapping_gets_the_quoting_hint(tmp_path: Path) -> None:
    text = (
        CONFIG + "webhooks:\n  h:\n    url: https://h.example.com/x\n    events: [bounced]\n"
        "    targets: [pm/outbound]\n    basic_auth: {username: u, password: ${env:HOOK}}\n"
    )
    result = run(tmp_path, text, "validate")
    assert result.exit_code == 1
    (line,) = result.stdout.splitlines()
    assert line.startswith(f"{tmp_path / 'espctl.yaml'}:18:")
    assert line.endswith(
        "YAML syntax error: did not find expected ',' or '}' (line 18: inside {...} a "
        'reference must be quoted, e.g. password: "${env:HOOK}")'
    )


def test_every_problem_in_one_run(tmp_path: Path) -> None:
    """Schema, semantic, credential and environment problems together (plan: strict)."""
    text = CONFIG.replace("name: Transactional}", "name: Transactional, colour: blue}")
    text = text.replace("${env:MG_KEY}", "${env:MG_UNSET}")
    text += "routing: {default: pm/nowhere}\n"
    result = run(tmp_path, text, "plan", env={"PM_TOKEN": ""})
    assert result.exit_code == 1
    found = "\n".join(lines(result))
    for fragment in (
        "providers.pm.server_token: environment variable PM_TOKEN is empty",
        "providers.pm.message_streams.outbound.colour: unknown key 'colour'",
        "providers.mg.api_key: environment variable MG_UNSET is not set",
        "routing.default: pm has no message stream 'nowhere'",
    ):
        assert fragment in found, found


def test_validate_shows_warnings_with_errors_and_unset_values_are_not_judged(
    tmp_path: Path,
) -> None:
    """An unset variable is a warning under validate, and the value it would give is
    not checked (no "'${env:REGION}' is not one of: us, eu")."""
    text = CONFIG.replace("    domains:", "    region: ${env:REGION}\n    domains:")
    result = run(tmp_path, text, "validate", env={"MG_KEY": None})  # type: ignore[dict-item]
    assert result.exit_code == 0, result.output
    assert "warning: providers.mg.region: environment variable REGION is not set" in result.stdout
    assert "warning: providers.mg.api_key: environment variable MG_KEY is not set" in result.stdout
    assert "is not one of" not in result.output
    assert result.stdout.splitlines()[-1].endswith(
        "valid (not checked further until its variables are set), 2 warnings"
    )


def test_validate_json_has_one_shape_for_one_or_many_files(tmp_path: Path) -> None:
    good = tmp_path / "good.yaml"
    good.write_text(CONFIG)
    bad = tmp_path / "bad.yaml"
    bad.write_text(CONFIG.replace("version: 1", "version: 2"))
    runner = CliRunner(env=ENV)
    one = json.loads(runner.invoke(main, ["validate", "--format", "json", str(good)]).stdout)
    two = json.loads(
        runner.invoke(main, ["validate", "--format", "json", str(good), str(bad)]).stdout
    )
    assert set(one) == set(two) == {"valid", "files"}
    assert one["valid"] is True and two["valid"] is False
    assert [f["file"] for f in two["files"]] == [str(good), str(bad)]
    assert (
        set(one["files"][0])
        == set(two["files"][1])
        == {"file", "files", "valid", "errors", "warnings", "problems"}
    )
    assert two["files"][1]["problems"][0]["path"] == "version"


def test_an_empty_credential_is_an_error_before_any_request(tmp_path: Path) -> None:
    """Not a request the provider refuses with 401: nothing is sent."""
    result = run(tmp_path, CONFIG, "plan", env={"MG_KEY": ""})
    assert result.exit_code == 1
    assert result.stderr.strip() == (
        f"error: {tmp_path / 'espctl.yaml'}:10:14: providers.mg.api_key: environment "
        "variable MG_KEY is empty: set it to the credential"
    )
    # validate needs no secret: there it is a warning
    validated = run(tmp_path, CONFIG, "validate", env={"MG_KEY": ""})
    assert validated.exit_code == 0
    assert "warning: providers.mg.api_key: environment variable MG_KEY is empty" in (
        validated.stdout
    )


def test_empty_credentials_under_sandbox_are_the_sandboxs_own(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    result = run(tmp_path, CONFIG, "plan", "--sandbox", env={"MG_KEY": "", "PM_TOKEN": ""})
    assert result.exit_code == 0, result.output
    assert "notice: MG_KEY is empty; --sandbox uses the sandbox's own value" in result.stderr
