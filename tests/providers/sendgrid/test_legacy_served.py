"""A SendGrid account on the legacy single-webhook API, end to end against the served
sandbox (its EU account): the seeded one imports its webhook (named ``<provider
id>-<URL host>``: it holds no friendly_name) and plans no change, and one whose
webhook is unset gets the config's webhook written without an id (SendGrid refuses a
POST there) and without a name, signed, and converges."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from espctl import api
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
    region: eu
    endpoint: {base}/sendgrid/eu
webhooks:
  eu-events:
    url: https://hooks.acme-mail.com/esp/eu
    events: [delivered, bounced, dropped]
    targets: [sg]
    sendgrid: {{signed: true}}
"""


def test_an_unset_legacy_webhook_is_written_without_an_id(tmp_path: Path) -> None:
    state = seed_account(seed=0)
    eu = sendgrid(state).accounts["eu"]
    eu.webhooks = []  # a legacy account whose webhook was never set
    app = SandboxApp(state)
    with running_server(app) as base:
        config = tmp_path / "espctl.yaml"
        config.write_text(CONFIG.format(base=base))
        options = api.RunOptions(config=str(config), env={"SENDGRID_API_KEY": KEY})
        outcome = api.apply(options, force=True, confirm=lambda plan: True)
        assert outcome.result is not None and outcome.result.exit_code == 0
        assert not api.plan(options).plan.has_changes
    (hook,) = eu.webhooks
    assert hook.id is None and hook.url == "https://hooks.acme-mail.com/esp/eu"
    assert hook.enabled and hook.signing_key
    # the single-webhook API has no friendly_name: none sent, and the plan is empty
    assert hook.friendly_name is None
    assert set(hook.flags) == {"bounce", "delivered", "dropped"}


def test_the_seeded_legacy_account_imports_to_an_empty_plan(tmp_path: Path) -> None:
    state = seed_account(seed=0)
    (seeded,) = sendgrid(state).accounts["eu"].webhooks
    before = seeded.model_copy()
    app = SandboxApp(state)
    with running_server(app) as base:
        config = tmp_path / "espctl.yaml"
        config.write_text(CONFIG.format(base=base))
        runner = CliRunner(env={"SENDGRID_API_KEY": KEY, "NO_COLOR": "1"})
        out = tmp_path / "imported.yaml"
        imported = runner.invoke(
            main, ["import", "--provider", "sg", "-c", str(config), "--out", str(out)]
        )
        assert imported.exit_code == 0, imported.output
        # the legacy webhook holds no friendly_name: its entry is named after the
        # provider id and the URL's host, and it is imported like any other
        assert "not imported" not in imported.stderr
        text = out.read_text()
        assert "region: eu" in text
        entry = "  sg-hooks-acme-mail-com:\n    url: https://hooks.acme-mail.com/esp/eu-events"
        assert entry in text
        assert "events: [delivered, bounced, dropped]" in text and "signed: true" in text
        planned = runner.invoke(
            main, ["plan", "--format", "json", "--detailed-exitcode", "-c", str(out)]
        )
        assert planned.exit_code == 0, planned.output
        plan = json.loads(planned.stdout)
        assert plan["changes"] == [] and plan["unmanaged"] == []
        applied = runner.invoke(main, ["apply", "--auto-approve", "-c", str(out)])
        assert applied.exit_code == 0, applied.output
    (hook,) = sendgrid(state).accounts["eu"].webhooks
    assert hook == before  # nothing written to it (its updated_date included)
