"""Issue 18 item 6: ``--provider ID`` and ``--target ID/KEY`` read and change only what is
targeted; a saved plan records its targets and ``apply`` keeps to them."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import Result

from espctl.engine.plan import Plan, make_plan, ratio_block
from espctl.engine.targeting import narrow
from espctl.model.resources import Check, LiveState, Resource
from espctl.model.targets import Targets
from espctl.sandbox import AccountState
from tests.conftest import QUICKSTART
from tests.e2e.test_cli_workflow import cli

MG = "mg.acme-mail.com"


@pytest.fixture
def project(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The quick start in a folder of its own, with the seeded sandbox account."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "espctl.yaml").write_text(QUICKSTART.read_text().replace("../schemas/", ""))
    return tmp_path


def http_log(result: Result) -> list[str]:
    return [line for line in result.stderr.splitlines() if line.startswith("http: ")]


def as_json(result: Result) -> dict[str, object]:
    assert result.exit_code == 0, result.output
    payload = json.loads(result.stdout)
    assert isinstance(payload, dict)
    return payload


def providers_in(plan: dict[str, object]) -> set[str]:
    found: set[str] = set()
    for section in ("changes", "unmanaged", "checks", "blocked_changes"):
        items = plan[section]
        assert isinstance(items, list)
        found.update(str(item["provider"]) for item in items)
    return found


def test_provider_reads_and_plans_that_provider_only(project: Path) -> None:
    result = cli("plan", "--sandbox", "--provider", "mailgun", "--format", "json", "-v")
    plan = as_json(result)
    assert providers_in(plan) == {"mailgun"}
    assert plan["targets"] == {"providers": ["mailgun"], "resources": []}
    log = http_log(result)
    assert log and all(line.startswith("http: mailgun ") for line in log)  # Postmark not read
    full = as_json(cli("plan", "--sandbox", "--format", "json"))
    assert providers_in(full) == {"mailgun", "postmark", "sendgrid", "ses"}
    assert [c for c in full["changes"] if c["provider"] == "mailgun"] == plan["changes"]  # type: ignore[union-attr]
    assert full["fingerprint"] != plan["fingerprint"]


def test_target_reads_only_that_domain_and_keeps_to_it(project: Path) -> None:
    result = cli("plan", "--sandbox", "--target", f"mailgun/{MG}", "-v")
    assert result.exit_code == 0, result.output
    log = "\n".join(http_log(result))
    assert f"/v3/domains/{MG}/tracking" in log
    assert "news.acme-mail.com" not in log  # the other domain's details are not read
    assert "http: postmark" not in log
    changes = [line for line in result.stdout.splitlines() if line.startswith("  ~ ")]
    assert changes == [
        f"  ~ mailgun mailgun.tracking {MG}",
        f"  ~ mailgun mailgun.webhook {MG} https://hooks.acme-mail.com/esp/events",
    ]
    assert "news.acme-mail.com" not in result.stdout
    assert (
        f"Targeted (--target mailgun/{MG}): only that part of the config was read and "
        "compared; plan without targets to see everything." in result.stdout
    )


def test_a_saved_targeted_plan_applies_only_its_targets(project: Path) -> None:
    saved = cli("plan", "--sandbox", "--target", "postmark/receipts", "--out", "t.json")
    assert saved.exit_code == 0, saved.output
    recorded = json.loads((project / "t.json").read_text())["targets"]
    assert recorded == {"providers": [], "resources": [{"provider": "postmark", "key": "receipts"}]}

    state = (project / ".espctl" / "sandbox.json").read_bytes()
    other = cli("apply", "t.json", "--sandbox", "--provider", "mailgun")
    assert other.exit_code == 1
    assert (
        "error: t.json was made for --target postmark/receipts, not --provider mailgun: apply "
        "it without --provider/--target (it keeps to its own), or make a new plan; nothing "
        "was applied" in other.stderr
    )
    assert (project / ".espctl" / "sandbox.json").read_bytes() == state

    shown = cli("show", "t.json", "--format", "markdown")
    assert "> **Targeted:** `--target postmark/receipts`" in shown.stdout

    applied = cli("apply", "t.json", "--sandbox", "--format", "json")
    outcome = as_json(applied)
    addresses = [c["address"] for c in outcome["changes"]]  # type: ignore[union-attr]
    assert addresses == [
        "postmark:postmark.message_stream:receipts",
        "postmark:postmark.webhook:receipts https://hooks.acme-mail.com/esp/events",
    ]
    rest = as_json(cli("plan", "--sandbox", "--format", "json"))
    keys = {(c["provider"], c["key"]) for c in rest["changes"]}  # type: ignore[union-attr]
    assert ("postmark", "receipts") not in keys
    assert ("mailgun", MG) in keys  # untouched: not targeted


def test_unknown_targets_are_errors_naming_what_the_config_declares(project: Path) -> None:
    wrong = cli("plan", "--sandbox", "--provider", "pm", "--target", "mailgun/nope.example")
    assert wrong.exit_code == 1
    assert wrong.stderr.endswith(
        "error: no provider 'pm' in the config (its providers: postmark, mailgun, sendgrid, ses); "
        "--target mailgun/nope.example: the config declares nothing with that key at mailgun "
        "(it declares: mg.acme-mail.com, news.acme-mail.com)\n"
    )
    malformed = cli("plan", "--sandbox", "--target", "receipts")
    assert malformed.exit_code == 2
    assert "'receipts' is not PROVIDER_ID/KEY" in malformed.stderr


def test_test_and_report_take_provider(project: Path) -> None:
    tested = cli("test", "--sandbox", "--provider", "postmark", "--format", "json")
    payload = as_json(tested)
    assert [p["provider"] for p in payload["providers"]] == ["postmark"]  # type: ignore[union-attr]
    report = cli("report", "--sandbox", "--provider", "mailgun", "--since", "7d", "--out", "r.html")
    assert report.exit_code == 0, report.output
    assert "1 provider)" in report.stdout


@pytest.mark.parametrize(
    ("targets", "expected"),
    [
        (Targets(), {"a", "a x", "b", "s"}),
        (Targets(("p",)), {"a", "a x", "b", "s"}),
        (Targets((), (("p", "a"),)), {"a", "a x"}),
        (Targets((), (("p", "s"),)), {"s"}),
        (Targets((), (("q", "a"),)), set()),
    ],
)
def test_a_target_covers_the_resource_and_what_it_holds(
    targets: Targets, expected: set[str]
) -> None:
    resources = [
        Resource("p", "k.stream", "a", {}),
        Resource("p", "k.webhook", "a x", {}, parent="a"),
        Resource("p", "k.stream", "b", {}),
        Resource("p", "k.server", "s", {}),
    ]
    assert {r.key for r in resources if targets.covers(r)} == expected


def test_narrow_keeps_the_targeted_part_and_recomputes_the_change_ratio() -> None:
    from espctl.config.models import Policy
    from espctl.providers.kit.protocol import Capabilities

    desired = [Resource("p", "k.stream", f"s{i}", {"v": 1}) for i in range(12)]
    live = LiveState(
        "p",
        tuple(Resource("p", "k.stream", f"s{i}", {"v": 0}) for i in range(12)),
        (Check("p", "c", "s1", False, "bad", severity="warning"),),
    )
    none: frozenset[str] = frozenset()
    caps = Capabilities(creatable=none, deletable=none, unmanaged=none, immutable={})
    full: Plan = make_plan({"p": desired}, {"p": live}, {"p": caps}, Policy())
    assert full.blocked and len(full.changes) == 12  # every resource changes
    one = narrow(full, Targets((), (("p", "s1"),)), Policy().max_change_ratio)
    assert [c.key for c in one.changes] == ["s1"]
    assert not one.blocked  # 1 of 12 managed
    assert [c.subject for c in one.checks] == ["s1"]
    assert set(one.digests["live"]) == {"p:k.stream:s1"}
    assert one.fingerprint != full.fingerprint
    assert ratio_block(12, 12, 0.5) is not None


def test_import_declares_only_the_targeted_resources(project: Path) -> None:
    result = cli(
        "import",
        "--sandbox",
        "--provider",
        "mailgun",
        "--provider",
        "postmark",
        "--target",
        "mailgun/news.acme-mail.com",
        "--out",
        "adopted.yaml",
    )
    assert result.exit_code == 0, result.output
    text = (project / "adopted.yaml").read_text()
    assert "news.acme-mail.com: {}" in text
    assert f"{MG}:" not in text  # the other domain is not declared,
    assert f"mailgun/{MG}" not in text  # nor its webhooks,
    assert "ops-monitor.acme-mail.com" not in text  # nor the account-level ones
    assert "newsletters: {type: broadcasts" in text  # postmark, not targeted: whole
    plan = cli("plan", "--sandbox", "-c", "adopted.yaml", "--format", "json")
    payload = as_json(plan)
    changes = payload["changes"]
    assert isinstance(changes, list)
    # the imported domain is exactly what is live (Postmark's webhook passwords differ
    # until their variables are set, as the import says)
    assert [c for c in changes if c["provider"] == "mailgun"] == []


def test_import_targets_must_be_imported_and_live(project: Path) -> None:
    stray = cli("import", "--sandbox", "--provider", "mailgun", "--target", "postmark/outbound")
    assert stray.exit_code == 1
    assert (
        "error: --target postmark/outbound: not a provider being imported (--provider mailgun)"
        in stray.stderr
    )
    gone = cli("import", "--sandbox", "--provider", "mailgun", "--target", "mailgun/nope.example")
    assert gone.exit_code == 1
    assert "error: --target mailgun/nope.example: nothing live at mailgun has that key" in (
        gone.stderr
    )


def test_test_target_posts_only_to_that_streams_webhooks(project: Path) -> None:
    """Receivers are unreachable offline: only which ones were tried matters here."""
    result = cli(
        "test",
        "--sandbox",
        "--target",
        "postmark/outbound",
        "--webhooks",
        "--webhook-timeout",
        "2",
        "--format",
        "json",
    )
    payload = json.loads(result.stdout)
    assert [p["provider"] for p in payload["providers"]] == ["postmark"]
    hooks = {(w["webhook"], w["format"]) for w in payload["webhooks"]}
    assert hooks == {("events-collector", "postmark"), ("bounce-audit", "postmark")}
    only = json.loads(
        cli(
            "test",
            "--sandbox",
            "--provider",
            "mailgun",
            "--webhooks",
            "--webhook-timeout",
            "2",
            "--format",
            "json",
        ).stdout
    )
    assert {w["format"] for w in only["webhooks"]} == {"mailgun"}
    unknown = cli("test", "--sandbox", "--target", "postmark/nope")
    assert unknown.exit_code == 1
    assert "--target postmark/nope: the config declares nothing with that key" in unknown.stderr


def test_report_target_reads_only_that_domain(project: Path) -> None:
    result = cli(
        "report",
        "--sandbox",
        "--target",
        "mailgun/news.acme-mail.com",
        "--since",
        "7d",
        "--out",
        "r.html",
        "-v",
    )
    assert result.exit_code == 0, result.output
    log = "\n".join(http_log(result))
    assert "/news.acme-mail.com/" in log
    assert MG not in log and "http: postmark" not in log  # nothing else is read
    html = (project / "r.html").read_text()
    assert "Targeted (--target mailgun/news.acme-mail.com): only that part of the config" in html
    whole = cli("report", "--sandbox", "--target", "postmark/outbound", "--out", "x.html")
    assert whole.exit_code == 1
    assert (
        "error: report --target postmark/outbound: postmark's traffic is read for the whole "
        "account, not per outbound: use --provider postmark\n"
    ) in whole.stderr


def test_a_saved_targeted_plan_goes_stale_only_when_its_target_moves(project: Path) -> None:
    from espctl.sandbox import load_state, save_state

    assert cli("plan", "--sandbox", "--target", f"mailgun/{MG}", "--out", "t.json").exit_code == 0
    state_file = project / ".espctl" / "sandbox.json"

    def move(change: Callable[[AccountState], None]) -> None:
        state = load_state(state_file)
        change(state)
        save_state(state_file, state)

    def postmark_tracking(state: AccountState) -> None:
        state.postmark.server.track_opens = not state.postmark.server.track_opens

    move(postmark_tracking)  # outside the target: the plan still applies
    applied = cli("apply", "t.json", "--sandbox")
    assert applied.exit_code == 0, applied.output

    assert cli("plan", "--sandbox", "--target", f"mailgun/{MG}", "--out", "u.json").exit_code == 0

    def mg_tracking(state: AccountState) -> None:
        domain = state.mailgun.find(MG, "eu")
        assert domain is not None
        domain.tracking.open_active = not domain.tracking.open_active

    move(mg_tracking)  # inside it: stale, nothing applied
    stale = cli("apply", "u.json", "--sandbox")
    assert stale.exit_code == 1
    assert "is stale" in stale.stderr
    assert f"live: mailgun:mailgun.tracking:{MG} changed" in stale.stderr
