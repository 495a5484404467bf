"""The README's limits table is what the CLI does: every bound, its default, its option
and its environment variable, on every command that talks to providers."""

from __future__ import annotations

import re

import click
import pytest
from click.testing import CliRunner

from espctl.cli import main
from espctl.commands.limits import http_options, limit_options
from espctl.providers.kit.http import HttpOptions
from espctl.providers.kit.limits import MIB
from tests.conftest import REPO

README = (REPO / "README.md").read_text()
SECTION = README.split("## Limits: slow, huge and endless answers", 1)[1].split("\n## ", 1)[0]
ROWS = re.findall(
    r"^\| .+? \| (.+?) \| `(--[a-z-]+) [NS]` \| `(ESPCTL_[A-Z_]+)` \|$", SECTION, re.M
)


def test_the_table_lists_the_four_bounds() -> None:
    assert [(option, env) for _, option, env in ROWS] == [
        ("--max-response-mb", "ESPCTL_MAX_RESPONSE_MB"),
        ("--max-listing-items", "ESPCTL_MAX_LISTING_ITEMS"),
        ("--request-timeout", "ESPCTL_REQUEST_TIMEOUT"),
        ("--command-timeout", "ESPCTL_COMMAND_TIMEOUT"),
    ]
    defaults = HttpOptions()
    stated = [default.split(" ")[0] for default, _, _ in ROWS]
    assert stated == [
        f"{defaults.max_response_bytes // MIB}",
        f"{defaults.max_listing_items:,}",
        f"{defaults.request_timeout:g}",
        f"{defaults.command_timeout:g}",
    ]


@pytest.mark.parametrize("command", ["plan", "apply", "import", "report", "test"])
def test_every_provider_command_takes_them(command: str) -> None:
    help_text = CliRunner().invoke(main, [command, "--help"], terminal_width=200).output
    for _, option, env in ROWS:
        if command == "test" and option == "--request-timeout":
            assert "--timeout" in help_text  # test's own name for it
            continue
        assert option in help_text and env in help_text, (command, option)


def test_options_and_environment_reach_the_http_options() -> None:
    seen: list[HttpOptions] = []

    @click.command()
    @limit_options()
    def probe() -> None:
        seen.append(http_options(4))

    env = {"ESPCTL_MAX_RESPONSE_MB": "3", "ESPCTL_COMMAND_TIMEOUT": "99"}
    result = CliRunner(env=env).invoke(
        probe, ["--max-listing-items", "500", "--request-timeout", "2.5"]
    )
    assert result.exit_code == 0, result.output
    assert seen == [
        HttpOptions(
            parallelism=4,
            max_response_bytes=3 * MIB,
            max_listing_items=500,
            request_timeout=2.5,
            command_timeout=99.0,
        )
    ]
