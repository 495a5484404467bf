"""The YAML loader: positions, duplicate keys, syntax errors, aliases, env references."""

from __future__ import annotations

from pathlib import Path

import pytest

from espctl.config import load_config
from espctl.errors import ConfigError
from tests.conftest import find, problems_for

MINIMAL = """\
version: 1
providers:
  pm:
    type: postmark
    server_token: ${env:PM_TOKEN}
"""


def test_minimal_config_loads_with_env(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(MINIMAL)
    loaded = load_config(path, env={"PM_TOKEN": "tok-123"})
    block = loaded.config.providers["pm"]
    assert block.type == "postmark"
    assert block.server_token.reveal() == "tok-123"
    assert block.server_token.source == "PM_TOKEN"
    assert loaded.warnings == ()


def test_duplicate_key_is_an_error_with_both_lines(tmp_path: Path) -> None:
    problems = problems_for(
        tmp_path,
        """\
        version: 1
        providers:
          pm:
            type: postmark
            server_token: ${env:T}
            type: mailgun
        """,
        env={"T": "x"},
    )
    p = find(problems, "duplicate key")
    assert (p.line, p.column) == (6, 5)
    assert p.message == "duplicate key 'type' (first defined on line 4)"
    assert p.path == "providers.pm.type"


def test_syntax_error_has_position(tmp_path: Path) -> None:
    problems = problems_for(tmp_path, "version: 1\nproviders: [a, b\n")
    assert len(problems) == 1
    assert problems[0].message.startswith("YAML syntax error")
    assert problems[0].line == 3


def test_tab_indentation_syntax_error(tmp_path: Path) -> None:
    problems = problems_for(tmp_path, "version: 1\nproviders:\n\tpm: {}\n")
    assert problems[0].line == 3
    assert problems[0].column == 1


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "the file is empty"),
        ("- a\n- b\n", "the document must be a mapping"),
        ("just text\n", "the document must be a mapping"),
    ],
)
def test_root_must_be_a_mapping(tmp_path: Path, text: str, fragment: str) -> None:
    problems = problems_for(tmp_path, text)
    assert fragment in problems[0].message
    assert problems[0].line == 1


def test_alias_bomb_is_refused(tmp_path: Path) -> None:
    levels = ["a0: &a0 [x, x, x, x, x, x, x, x, x, x]"]
    for i in range(1, 9):
        prev = f"*a{i - 1}"
        levels.append(f"a{i}: &a{i} [{', '.join([prev] * 10)}]")
    text = "version: 1\n" + "\n".join(levels) + "\n"
    problems = problems_for(tmp_path, text)
    assert len(problems) == 1
    assert "alias bomb" in problems[0].message


def test_merge_keys_are_refused(tmp_path: Path) -> None:
    problems = problems_for(
        tmp_path,
        """\
        version: 1
        base: &base {type: postmark}
        providers:
          pm:
            <<: *base
            server_token: ${env:T}
        """,
        env={"T": "x"},
    )
    p = find(problems, "merge keys")
    assert (p.line, p.column) == (5, 5)


def test_recursive_alias_is_refused(tmp_path: Path) -> None:
    problems = problems_for(tmp_path, "version: 1\nloop: &a [*a]\n")
    assert any("recursive alias" in p.message for p in problems)


def test_missing_env_var_is_an_error_naming_variable_and_path(tmp_path: Path) -> None:
    problems = problems_for(tmp_path, MINIMAL, env={})
    p = find(problems, "PM_TOKEN")
    assert p.message == "environment variable PM_TOKEN is not set"
    assert p.path == "providers.pm.server_token"
    assert (p.line, p.column) == (5, 19)
    assert p.severity == "error"


def test_missing_env_var_is_a_warning_in_lenient_mode(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(MINIMAL)
    loaded = load_config(path, env={}, env_mode="lenient")
    (warning,) = loaded.warnings
    assert warning.severity == "warning"
    assert "PM_TOKEN is not set" in warning.message


def test_env_default_and_embedded_references(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        MINIMAL
        + "    endpoint: ${env:PM_URL:-https://api.postmarkapp.com}\n"
        + '    default_sender: "Ops <ops@${env:MAIL_DOMAIN}>"\n'
    )
    loaded = load_config(path, env={"PM_TOKEN": "t", "MAIL_DOMAIN": "acme-mail.com"})
    block = loaded.config.providers["pm"]
    assert block.type == "postmark"
    assert block.endpoint == "https://api.postmarkapp.com"
    assert block.default_sender == "Ops <ops@acme-mail.com>"


def test_missing_callback_supplies_values(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(MINIMAL)
    seen: list[tuple[str, str, str | None]] = []

    def missing(name: str, where: str, owner: str | None) -> str | None:
        seen.append((name, where, owner))
        return "sandbox-token"

    loaded = load_config(path, env={}, missing=missing)
    block = loaded.config.providers["pm"]
    assert block.server_token.reveal() == "sandbox-token"
    assert seen == [("PM_TOKEN", "providers.pm.server_token", "postmark")]


def test_missing_callback_is_told_the_blocks_type(tmp_path: Path) -> None:
    """The type comes from the raw document wherever the block writes it (after the
    credential too), from an earlier file of a merge when an override leaves it out,
    and is None outside provider blocks."""
    base = tmp_path / "base.yaml"
    base.write_text(
        "version: 1\nproviders:\n"
        "  sg:\n    api_key: ${env:SG_KEY}\n    type: sendgrid\n"
        "  mg:\n    type: mailgun\n    api_key: ${env:MG_KEY}\n"
        "webhooks:\n  h:\n    url: https://h.example.com/x\n    events: [delivered]\n"
        "    targets: [sg]\n"
        "    basic_auth: {username: u, password: '${env:HOOK_PW}'}\n"
    )
    override = tmp_path / "prod.yaml"
    override.write_text("providers:\n  sg:\n    api_key: ${env:SG_PROD_KEY}\n")
    seen: dict[str, str | None] = {}

    def missing(name: str, where: str, owner: str | None) -> str | None:
        seen[name] = owner
        return f"value-of-{name}"

    load_config([base, override], env={}, missing=missing)
    assert seen == {
        "SG_KEY": "sendgrid",
        "MG_KEY": "mailgun",
        "HOOK_PW": None,
        "SG_PROD_KEY": "sendgrid",
    }


@pytest.mark.parametrize("ref", ["${env:}", "${ENV:X}", "${env:X", "${env:1BAD}"])
def test_malformed_env_reference(tmp_path: Path, ref: str) -> None:
    problems = problems_for(
        tmp_path,
        f"""\
        version: 1
        providers:
          pm:
            type: postmark
            server_token: ${{env:T}}
            default_sender: "a@b.com {ref}"
        """,
        env={"T": "x"},
    )
    p = find(problems, "is not a reference espctl reads")
    assert p.path == "providers.pm.default_sender"
    assert p.line == 6


def test_plain_credential_in_file_is_refused_without_echo(tmp_path: Path) -> None:
    problems = problems_for(
        tmp_path,
        """\
        version: 1
        providers:
          pm:
            type: postmark
            server_token: 0b1d2c3e-super-secret-token
        """,
    )
    p = find(problems, "credentials must come from the environment")
    assert (p.line, p.column) == (5, 19)
    assert all("super-secret" not in q.render() for q in problems)


def test_unreadable_and_non_utf8_files(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="no such file"):
        load_config(tmp_path / "missing.yaml")
    bad = tmp_path / "bin.yaml"
    bad.write_bytes(b"version: 1\n\xff\xfe\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_config(bad)
