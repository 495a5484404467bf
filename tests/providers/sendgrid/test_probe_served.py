"""``espctl test`` of a SendGrid block against the served sandbox: a key sent to the
other region's host fails the ``api key`` probe with a cause that names the region,
and the right region passes with every probe (key and scopes, domains and sender,
webhooks)."""

from __future__ import annotations

from pathlib import Path

from click.testing import CliRunner

from espctl.cli import main
from espctl.sandbox import SandboxApp, running_server, seed_account
from espctl.sandbox.sendgrid.state import sendgrid

KEY = "SG.sandbox-sendgrid.api-key"
CONFIG = """\
version: 1
providers:
  sg:
    type: sendgrid
    api_key: ${{env:SENDGRID_API_KEY}}
    region: {region}
    endpoint: {endpoint}
    domains: [{domain}]
"""


def _test(tmp_path: Path, base: str, region: str) -> tuple[int, str]:
    endpoint = f"{base}/sendgrid/eu" if region == "eu" else f"{base}/sendgrid"
    domain = "eu.acme-mail.com" if region == "eu" else "em.acme-mail.com"
    config = tmp_path / f"{region}.yaml"
    config.write_text(CONFIG.format(region=region, endpoint=endpoint, domain=domain))
    runner = CliRunner(env={"SENDGRID_API_KEY": KEY, "NO_COLOR": "1"})
    result = runner.invoke(main, ["test", "-c", str(config)])
    return result.exit_code, result.output


def test_a_key_of_the_other_region_names_the_region_in_its_cause(tmp_path: Path) -> None:
    state = seed_account(seed=0)
    sendgrid(state).key_region = "us"  # the key is a global-region key
    with running_server(SandboxApp(state)) as base:
        code, out = _test(tmp_path, base, "eu")
        assert code != 0, out
        assert "FAIL api key" in out and "HTTP 401" in out
        assert "to a key sent to the other region's host" in out
        assert "try `region: global`" in out
        code, out = _test(tmp_path, base, "global")
    assert code == 0, out
    assert "ok   api key" in out and "accepted (global region)" in out
    assert "em.acme-mail.com is authenticated" in out
    assert "ok   event webhooks" in out
