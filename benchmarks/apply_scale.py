"""Benchmark: apply's concurrent writes against a slow API.

A sandbox server on 127.0.0.1 holds 500 Mailgun domains (EU) whose open tracking is off,
and answers every request after 50 ms; the config turns open tracking on for all of
them, so the plan has 500 tracking changes of one PUT each. It reads and plans first
(not timed), then times the apply alone and compares it with the lower bound for its
writes, ceil(writes / parallelism) x latency, and with the same PUTs sent one after
another with plain httpx (measured in this run).

Target: apply within 1.3x of the bound.

    python -m benchmarks.apply_scale [--domains 500] [--latency-ms 50] [--parallelism 8]
"""

from __future__ import annotations

import argparse
import asyncio
import math
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.served import sandbox_in_child
from espctl import api
from espctl.engine.apply import apply_plan
from espctl.sandbox import FaultPlan, SandboxApp, SandboxCredentials, seed_account
from espctl.sandbox.state import AccountState
from espctl.session import close_all, providers_for

KEY = "bench-mailgun-key"


def build_state(domains: int) -> AccountState:
    state = seed_account(seed=0)
    template = next(d for d in state.mailgun.domains if d.name == "mg.acme-mail.com")
    for i in range(domains):
        domain = template.model_copy(
            update={"name": f"d{i:04d}.acme-mail.com", "id": f"bench{i:020d}"}, deep=True
        )
        domain.tracking.open_active = False
        state.mailgun.domains.append(domain)
    return state


def write_config(path: Path, base_url: str, domains: int) -> None:
    lines = [
        "version: 1",
        "providers:",
        "  mailgun:",
        "    type: mailgun",
        "    api_key: ${env:MG_KEY}",
        "    region: eu",
        f"    endpoint: {base_url}/eu",
        "    defaults:",
        "      tracking: {opens: true}",
        "    domains:",
    ]
    lines += [f"      d{i:04d}.acme-mail.com: {{}}" for i in range(domains)]
    path.write_text("\n".join(lines) + "\n")


def sequential_baseline(base_url: str, domains: int) -> float:
    """The same PUTs one after another with plain httpx (they leave tracking on)."""
    start = time.perf_counter()
    with httpx.Client(base_url=f"{base_url}/eu", auth=("api", KEY), timeout=30) as client:
        for i in range(domains):
            client.put(
                f"/v3/domains/d{i:04d}.acme-mail.com/tracking/open", data={"active": "true"}
            ).raise_for_status()
    return time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--domains", type=int, default=500)
    parser.add_argument("--latency-ms", type=float, default=50)
    parser.add_argument("--parallelism", type=int, default=8)
    args = parser.parse_args()
    latency = args.latency_ms / 1000

    def make_app() -> SandboxApp:
        return SandboxApp(
            build_state(args.domains),
            credentials=SandboxCredentials({"mailgun": {"api_key": KEY}}),
            faults=FaultPlan(latency_ms=args.latency_ms),
        )

    # served from a child process: the server's CPU is not counted as espctl's
    with sandbox_in_child(make_app) as base_url, tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "espctl.yaml"
        write_config(config, base_url, args.domains)
        options = api.RunOptions(
            config=str(config), parallelism=args.parallelism, env={"MG_KEY": KEY}
        )
        loaded = api.load(options)
        with providers_for(loaded, options) as providers:

            async def run() -> tuple[int, int, float]:
                try:
                    plan = await api.compute_plan(loaded, providers)
                    reads = sum(p.requests for p in providers.values())  # type: ignore[attr-defined]
                    start = time.perf_counter()
                    result = await apply_plan(plan, providers)
                    seconds = time.perf_counter() - start
                    writes = sum(p.requests for p in providers.values()) - reads  # type: ignore[attr-defined]
                    assert result.exit_code == 0, result.summary()
                    return len(plan.changes), writes, seconds
                finally:
                    await close_all(providers)

            changes, writes, ours = asyncio.run(run())
        baseline = sequential_baseline(base_url, args.domains)
    bound = math.ceil(writes / args.parallelism) * latency
    print(f"sandbox: {args.domains} Mailgun domains, {args.latency_ms:.0f} ms latency")
    print(
        f"apply: {ours:.2f} s for {changes} changes, {writes} writes, "
        f"parallelism {args.parallelism}"
    )
    print(f"sequential httpx baseline: {baseline:.2f} s for {args.domains} PUTs")
    print(f"speed-up vs sequential: {baseline / ours:.1f}x")
    print(
        f"lower bound ceil({writes}/{args.parallelism}) x {args.latency_ms:.0f} ms = "
        f"{bound:.2f} s; apply / bound = {ours / bound:.2f}x (target <= 1.3x)"
    )


if __name__ == "__main__":
    main()
