"""The contract every provider keeps (issue 14), run for each provider alone and for all
together (see :mod:`tests.contract.harness`): converge, idempotency, saved and stale
plans, no canary credential in any output or file, connection probes, real webhook
samples."""

from __future__ import annotations

import json
import random
import re
from datetime import timedelta
from pathlib import Path

import pytest

from espctl import api
from espctl.model.common import Event
from espctl.model.events import EventType
from espctl.providers import registry
from espctl.providers.kit.http import HttpOptions
from espctl.sandbox import FaultKind, SandboxApp, running_server, seed_account
from espctl.sandbox.app import route_target
from espctl.sandbox.http import Request, Response
from espctl.sandbox.traffic import sum_counts
from tests.contract.conftest import DEFAULT_POLICY, Contract, changes
from tests.contract.harness import CANARY, CREDENTIALS, HARNESSES
from tests.e2e.conftest import canary_forms
from tests.importer.conftest import hook_env

SAMPLES = Path(__file__).resolve().parents[2].parent / "shared" / "samples"


def test_read_apply_read_converges_with_the_seeded_drift(contract: Contract) -> None:
    code, plan = contract.planned()
    assert code == 2
    assert changes(plan) == contract.drift  # exactly the seeded drift, nothing else
    applied = contract.run("apply", "--auto-approve")
    assert applied.exit_code == 0, applied.output
    assert f"Apply: {len(contract.drift)} applied, 0 failed" in applied.stdout
    code, plan = contract.planned()
    assert (code, plan["changes"]) == (0, [])


def test_a_second_apply_changes_nothing(contract: Contract) -> None:
    assert contract.run("apply", "--auto-approve").exit_code == 0
    before = contract.app.state.model_dump_json()
    again = contract.run("apply", "--auto-approve")
    assert again.exit_code == 0, again.output
    assert contract.app.state.model_dump_json() == before


def test_a_saved_plan_applies_and_a_stale_one_is_refused(contract: Contract) -> None:
    assert contract.run("plan", "--out", "reviewed.json").exit_code == 0
    for harness in contract.harnesses:
        harness.move(contract.app.state)  # someone clicked in the provider's UI
    before = contract.app.state.model_dump_json()
    refused = contract.run("apply", "reviewed.json", "--force")
    assert refused.exit_code == 1
    assert "is stale" in refused.stderr
    assert contract.app.state.model_dump_json() == before  # nothing written

    assert contract.run("plan", "--out", "fresh.json").exit_code == 0
    applied = contract.run("apply", "fresh.json", "--force")
    assert applied.exit_code == 0, applied.output
    assert contract.planned()[0] == 0


def test_no_canary_credential_in_any_output_or_file(contract: Contract, tmp_path: Path) -> None:
    ran = [
        contract.run("validate"),
        contract.run("plan", "--format", "json", "--out", "p.json"),
        contract.run("plan", "--format", "markdown"),
        contract.run("apply", "--auto-approve"),
        contract.run("test"),
        contract.run("import", *(f"--provider={h.type}" for h in contract.harnesses)),
        contract.run("report", "--out", "report.html"),
        contract.run("test", env={k: "" for h in contract.harnesses for k in h.env}),
    ]
    # every command did its work (the last one fails: its credentials are unset)
    assert [r.exit_code for r in ran] == [0, 0, 0, 0, 0, 0, 0, 1], [r.output for r in ran]
    secrets = [v for h in contract.harnesses for v in h.env.values()]
    assert all(v.startswith(CANARY) for v in secrets)
    files = [p.read_text(errors="replace") for p in tmp_path.rglob("*") if p.is_file()]
    assert len(files) >= 3  # config, saved plan, report
    for secret in secrets:
        for form, leaked in canary_forms(secret).items():
            for text in [*contract.outputs, *files]:
                assert leaked not in text, f"canary ({form}) leaked"


def test_connection_probes_ok_bad_credential_and_unreachable(contract: Contract) -> None:
    ok = contract.run("test", "--format", "json")
    assert ok.exit_code == 0, ok.output
    results = json.loads(ok.stdout)["providers"]
    assert sorted(r["provider"] for r in results) == sorted(h.type for h in contract.harnesses)
    assert all(p["ok"] for r in results for p in r["probes"])

    bad_env = {k: v for h in contract.harnesses for k, v in h.bad_env.items()}
    bad = contract.run("test", "--format", "json", env=bad_env)
    assert bad.exit_code == 1
    for result in json.loads(bad.stdout)["providers"]:
        failed = [p for p in result["probes"] if not p["ok"]]
        assert failed and all(p["cause"] for p in failed), result

    text = contract.config.read_text().replace(contract.base_url, "http://127.0.0.1:9")
    contract.config.write_text(text)  # port 9 (discard): nothing listens
    down = contract.run("test", "--format", "json")
    assert down.exit_code == 1
    for result in json.loads(down.stdout)["providers"]:
        assert not result["ok"] and any(p["cause"] for p in result["probes"]), result


#: the report's event type of a config event: the same name, but for ``accepted`` (queued)
#: and ``dropped`` (a rejection)
EVENT_TYPE = {Event.accepted: EventType.queued, Event.dropped: EventType.rejected}
#: finer records a provider's samples may hold beyond its config events: a message never
#: sent (a suppressed address) and a provider-specific failure (SES Rendering Failure)
FINER = {EventType.rejected, EventType.failed}


def _no_delivery_event(path: Path, payload: object) -> bool:
    """An inbound message, or an SNS subscription (un)confirmation: parsed to nothing."""
    if "inbound" in path.name:
        return True
    kinds = ("SubscriptionConfirmation", "UnsubscribeConfirmation")
    return isinstance(payload, dict) and payload.get("Type") in kinds


@pytest.mark.parametrize("provider_type", registry.TYPES)
def test_every_real_webhook_sample_parses(provider_type: str) -> None:
    """Each real payload of ../shared/samples/<type>/ parses into normalized records of
    the provider, of types its vocabulary names (or finer ones); a message that is no
    delivery event parses to nothing. (A test certificate beside the samples is skipped.)"""
    spec = registry.spec(provider_type)
    vocabulary = {EVENT_TYPE.get(e) or EventType(e.value) for e in spec.events.native} | FINER
    samples = sorted((SAMPLES / provider_type).glob("*.json"))
    assert len(samples) >= 8, f"samples for {provider_type} missing from {SAMPLES}"
    for path in samples:
        payload = json.loads(path.read_text())
        if isinstance(payload, dict) and "signing_cert_pem" in payload:
            continue
        if isinstance(payload, dict) and isinstance(payload.get("body"), str):
            # a signed sample: the request's headers and exact body, with its public key
            payload = json.loads(payload["body"])
        events = spec.parse_webhook(payload)
        if _no_delivery_event(path, payload):
            assert events == [], path.name
            continue
        assert events, path.name
        for event in events:
            assert event.provider == provider_type, path.name
            assert event.event_type in vocabulary, (path.name, event.event_type)
            assert event.provider_event_type and event.event_id, path.name


def test_harnesses_are_those_of_the_registry() -> None:
    assert set(HARNESSES) == set(registry.TYPES)


def test_import_round_trips_the_seeded_account(contract: Contract) -> None:
    """What import writes of the live account plans no change against it."""
    ids = [f"--provider={h.type}" for h in contract.harnesses]
    imported = contract.run("import", *ids, "--out", "imported.yaml")
    assert imported.exit_code == 0, imported.output
    text = Path("imported.yaml").read_text()
    assert all(f"type: {h.type}" in text for h in contract.harnesses)
    env = hook_env(text, contract.app.state)  # the live passwords (never written)
    planned = contract.run(
        "plan", "--detailed-exitcode", "--format", "json", env=env, config=Path("imported.yaml")
    )
    assert planned.exit_code == 0, planned.output
    assert json.loads(planned.stdout)["changes"] == []


def _with_policy(contract: Contract, policy: str) -> None:
    text = contract.config.read_text()
    assert text.endswith(DEFAULT_POLICY)
    contract.config.write_text(text.removesuffix(DEFAULT_POLICY) + f"policy:\n{policy}")


def test_prune_deletes_only_what_the_spec_says_can_go(contract: Contract) -> None:
    """Under prune, live resources the config does not declare are deleted when their
    kind is deletable and their key is not one the provider keeps; the rest are kept."""
    _with_policy(contract, "  unmanaged: prune\n  max_change_ratio: 1\n")
    code, plan = contract.planned()
    assert code == 2
    deletes = [c for c in plan["changes"] if c["action"] == "delete"]
    assert deletes, "the seeded account has unmanaged resources to prune"
    for change in deletes:
        kind = registry.resource_kind(change["kind"])
        assert kind is not None and kind.delete and kind.unmanaged, change["kind"]
        assert change["key"] not in kind.permanent, change["key"]
    for item in plan["unmanaged"]:
        kind = registry.resource_kind(item["kind"])
        assert kind is not None and kind.unmanaged, item["kind"]
    # the deletes may outnumber the managed resources (every provider seeds unmanaged
    # ones): --force, as a user pruning a foreign account would
    applied = contract.run("apply", "--auto-approve", "--force")
    assert applied.exit_code == 0, applied.output
    assert contract.planned()[0] == 0


def test_protect_keeps_every_resource_of_a_protected_provider(contract: Contract) -> None:
    ids = "".join(f"    - {h.type}\n" for h in contract.harnesses)
    _with_policy(contract, f"  unmanaged: prune\n  max_change_ratio: 1\n  protect:\n{ids}")
    _, plan = contract.planned()
    assert [c for c in plan["changes"] if c["action"] == "delete"] == []
    assert changes(plan) == contract.drift  # the declared changes still go ahead


WRITES = ("POST", "PUT", "PATCH", "DELETE")


@pytest.mark.parametrize("kind", ["429", "500", "drop", "timeout_after_commit"])
def test_faults_on_every_write_then_a_rerun_converges_without_duplicates(
    contract: Contract, kind: FaultKind
) -> None:
    """Each write (every route, every method) fails once with ``kind``; re-running apply
    converges, and nothing is created twice. A write that timed out after it committed
    is found on the next read, not made again."""
    faults = contract.app.faults
    faults.stall_s = 2.0
    for harness in contract.harnesses:
        for method in WRITES:
            faults.add(kind=kind, method=method, provider=harness.type, times=1)  # type: ignore[arg-type]
    options = api.RunOptions(
        config=str(contract.config),
        env=contract.env,
        http=HttpOptions(read_timeout=0.5, backoff_base=0.01),
    )
    for _ in range(3):  # the first run may fail part way; each later one finishes more
        outcome = api.apply(options, force=True, confirm=lambda plan: True)
        if outcome.result is not None and outcome.result.exit_code == 0:
            break
    assert [k for _, _, k in faults.history].count(kind) >= len(contract.harnesses)
    again = api.plan(options)
    assert not again.plan.has_changes, [c.address for c in again.plan.changes]
    for harness in contract.harnesses:
        assert harness.duplicates(contract.app.state) == []


def test_report_totals_equal_the_sandbox_truth(contract: Contract) -> None:
    """The report reads each provider's traffic through its client; its totals are the
    sandbox's known truth over the same days, to the message."""
    end = contract.app.state.now.date()
    start = end - timedelta(days=30)
    result = api.report(
        api.RunOptions(config=str(contract.config), env=contract.env),
        start=start,
        end=end,
        out="report.html",
    )
    last = end - timedelta(days=1)
    for harness in contract.harnesses:
        found = next(p for p in result.data.providers if p.id == harness.type)
        assert found.status == "connected", found.failures
        truth = sum_counts(
            contract.app.traffic.total(provider=harness.type, bucket=b, start=start, end=last)  # type: ignore[arg-type]
            for b in harness.buckets
        )
        assert truth.sent > 0
        for counter in ("sent", "delivered", "hard_bounced", "complained"):
            assert getattr(found.totals, counter) == getattr(truth, counter), counter
        # what the provider's APIs cannot say is marked so, and the page says so
        assert found.unmeasured == harness.unreported
        page = Path("report.html").read_text()
        for counter in harness.unreported:
            label = registry.spec(harness.type).label
            assert f"not reported by {label}" in page, counter


def test_each_share_of_the_quick_start_is_what_its_provider_plans(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The quick start's totals that other tests assert are the sum of the harnesses'
    shares; each share is checked here against the real plan, provider by provider."""
    from click.testing import CliRunner

    from espctl.cli import main
    from tests.conftest import QUICKSTART

    monkeypatch.chdir(tmp_path)
    result = CliRunner(
        env=dict.fromkeys(("POSTMARK_SERVER_TOKEN", "MAILGUN_API_KEY", "SENDGRID_API_KEY"))
    ).invoke(main, ["plan", "--sandbox", "-c", str(QUICKSTART), "--format", "json"])
    assert result.exit_code == 0, result.output
    plan = json.loads(result.stdout)
    for ptype, harness in HARNESSES.items():
        mine = [c for c in plan["changes"] if c["provider"] == ptype]
        declared = [a for a in plan["digests"]["desired"] if a.startswith(f"{ptype}:")]
        share = harness.quickstart
        assert (
            sum(c["action"] == "create" for c in mine),
            sum(c["action"] == "update" for c in mine),
            sum(c["action"] == "delete" for c in mine),
            len(declared) - sum(c["action"] != "delete" for c in mine),
        ) == (share.create, share.update, share.delete, share.unchanged), ptype


def test_changing_an_immutable_field_is_refused_at_plan(contract: Contract) -> None:
    """A kind's immutable fields (the spec's) are never changed: the plan refuses."""
    for harness in contract.harnesses:
        spec = registry.spec(harness.type)
        immutable = {k.name: k.immutable for k in spec.kinds if k.immutable}
        if harness.immutable_change is None:
            assert not immutable, f"{harness.type}: the harness must change {immutable}"
            continue
        changed = contract.config.parent / f"immutable-{harness.type}.yaml"
        changed.write_text(harness.immutable_change(contract.config.read_text()))
        state_before = json.dumps(contract.app.state.model_dump(mode="json"), sort_keys=True)
        for command in (["plan"], ["apply", "--auto-approve"]):
            result = contract.run(*command, config=changed)
            assert result.exit_code == 1, result.output
            assert "the plan needs changes no provider can make" in result.stderr
            assert "is immutable at" in result.stderr
        after = json.dumps(contract.app.state.model_dump(mode="json"), sort_keys=True)
        assert after == state_before  # nothing was applied


def test_an_event_the_provider_cannot_deliver_is_refused_at_validate(
    contract: Contract,
) -> None:
    for harness in contract.harnesses:
        spec = registry.spec(harness.type)
        missing = sorted(set(Event) - set(spec.events.native))
        if not missing:
            continue  # it delivers every normalized event (the spec self-check maps them)
        event = missing[0]
        text = contract.config.read_text()
        hook = harness.webhook
        changed_hook = re.sub(r"events: \[[^\]]*\]", f"events: [delivered, {event}]", hook)
        assert changed_hook != hook
        bad = contract.config.parent / f"event-{harness.type}.yaml"
        bad.write_text(text.replace(hook, changed_hook))
        result = contract.run("validate", config=bad)
        assert result.exit_code == 1, result.output
        assert f"'{event}'" in result.output and harness.type in result.output.lower()


def _write_routes(contract: Contract) -> list[tuple[str, str, str]]:
    """The writes ``(provider, method, path)`` a clean apply of the contract's config
    makes, recorded against a fresh copy of the seeded account."""
    app = SandboxApp(seed_account(seed=0), credentials=CREDENTIALS)
    seen: set[tuple[str, str, str]] = set()
    answer = app.handle

    def recording(request: Request) -> Response:
        if request.method in WRITES:
            target = route_target(request)
            seen.add((target.provider, request.method, target.path))
        return answer(request)

    app.handle = recording  # type: ignore[method-assign]
    with running_server(app) as base_url:
        config = contract.config.parent / "routes.yaml"
        config.write_text(contract.config.read_text().replace(contract.base_url, base_url))
        options = api.RunOptions(config=str(config), env=contract.env)
        outcome = api.apply(options, force=True, confirm=lambda plan: True)
        assert outcome.result is not None and outcome.result.exit_code == 0
    return sorted(seen)


@pytest.mark.parametrize("contract", registry.TYPES, indirect=True)  # each alone: all routes
@pytest.mark.parametrize("kind", ["429", "500", "drop", "timeout_after_commit"])
def test_a_fault_on_each_write_route_then_a_rerun_converges_touching_nothing_else(
    contract: Contract, kind: FaultKind
) -> None:
    """For each write route the plan uses, alone: it fails once with ``kind``; re-runs of
    apply converge, nothing is created twice, and every live resource the plan did not
    name is as it was (its digest unchanged)."""
    routes = _write_routes(contract)
    assert routes, "the seeded drift needs writes"
    for provider, method, path in routes:
        app = SandboxApp(seed_account(seed=0), credentials=CREDENTIALS)
        app.faults.stall_s = 2.0
        app.faults.add(
            kind=kind,
            method=method,
            path_regex=f"^{re.escape(path)}$",
            provider=provider,  # type: ignore[arg-type]
            times=1,
        )
        with running_server(app) as base_url:
            config = contract.config.parent / "route.yaml"
            config.write_text(contract.config.read_text().replace(contract.base_url, base_url))
            options = api.RunOptions(
                config=str(config),
                env=contract.env,
                http=HttpOptions(read_timeout=0.5, backoff_base=0.01),
            )
            before = api.plan(options).plan
            named = {c.after.address if c.after else c.before.address for c in before.changes}  # type: ignore[union-attr]
            untouched = {a: d for a, d in before.digests["live"].items() if a not in named}
            for _ in range(3):
                outcome = api.apply(options, force=True, confirm=lambda plan: True)
                if outcome.result is not None and outcome.result.exit_code == 0:
                    break
            assert [k for _, _, k in app.faults.history] == [kind], (method, path)
            after = api.plan(options).plan
            assert not after.has_changes, (method, path, [c.address for c in after.changes])
            live = after.digests["live"]
            assert {a: live.get(a) for a in untouched} == untouched, (method, path)
            assert HARNESSES[provider].duplicates(app.state) == [], (method, path)


#: 24 random accounts per provider alone, and every third seed with all providers together
RANDOM_CASES = [
    *((ptype, seed) for ptype in registry.TYPES for seed in range(24)),
    *(("all", seed) for seed in range(0, 24, 3)),
]


@pytest.mark.parametrize(("contract", "seed"), RANDOM_CASES, indirect=["contract"])
def test_import_round_trips_a_random_account(contract: Contract, seed: int, tmp_path: Path) -> None:
    """Each harness randomizes its part of the account (streams, domains, webhooks with
    every event mix, credentials in URLs...); what import writes plans no change."""
    rng = random.Random(seed)
    state = seed_account(seed=seed)
    for harness in contract.harnesses:
        assert harness.randomize is not None, f"{harness.type}: no random account generator"
        harness.randomize(rng, state, seed)
    app = SandboxApp(state, credentials=CREDENTIALS)
    with running_server(app) as base_url:
        config = tmp_path / "random.yaml"
        config.write_text(contract.config.read_text().replace(contract.base_url, base_url))
        ids = [f"--provider={h.type}" for h in contract.harnesses]
        imported = contract.run("import", *ids, "--out", "random-imported.yaml", config=config)
        assert imported.exit_code == 0, imported.output
        text = Path("random-imported.yaml").read_text()
        planned = contract.run(
            "plan",
            "--format",
            "json",
            env=hook_env(text, app.state),
            config=Path("random-imported.yaml"),
        )
        assert planned.exit_code == 0, planned.output
        assert json.loads(planned.stdout)["changes"] == [], text
