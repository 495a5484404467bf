"""Benchmark: plan's concurrent live-state read against a slow API.

A sandbox server on 127.0.0.1 holds 500 Mailgun domains (EU) plus the seeded Postmark
server, streams and webhooks, and answers every request after 50 ms. It prints the
plan's wall time and request count, the ratio to a sequential baseline of the same GETs
with plain httpx (measured in this run), and the ratio to the lower bound
ceil(requests / parallelism) x latency.

Targets: at most 2.1 Mailgun requests per domain (all active: the listing says so, and
only a domain that is not active needs its detail read); at least 6x faster than
sequential at parallelism 8; within 1.3x of the bound.

    python -m benchmarks.plan_refresh [--domains 500] [--latency-ms 50] [--parallelism 8]
"""

from __future__ import annotations

import argparse
import math
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.served import sandbox_in_child
from espctl import api
from espctl.sandbox import FaultPlan, SandboxApp, SandboxCredentials, seed_account
from espctl.sandbox.state import AccountState

KEY = "bench-mailgun-key"
TOKEN = "bench-postmark-token"


def build_state(domains: int) -> AccountState:
    state = seed_account(seed=0)
    template = next(d for d in state.mailgun.domains if d.name == "mg.acme-mail.com")
    for i in range(domains):
        name = f"d{i:04d}.acme-mail.com"
        state.mailgun.domains.append(
            template.model_copy(update={"name": name, "id": f"bench{i:020d}"}, deep=True)
        )
    return state


def write_config(path: Path, base_url: str, domains: int) -> None:
    lines = [
        "version: 1",
        "providers:",
        "  postmark:",
        "    type: postmark",
        "    server_token: ${env:PM_TOKEN}",
        f"    endpoint: {base_url}",
        "    tracking: {opens: true, links: html_and_text}",
        "    message_streams:",
        "      outbound: {type: transactional, name: Transactional}",
        "  mailgun:",
        "    type: mailgun",
        "    api_key: ${env:MG_KEY}",
        "    region: eu",
        f"    endpoint: {base_url}/eu",
        "    defaults:",
        "      tracking: {opens: true, clicks: true}",
        "    domains:",
    ]
    lines += [f"      d{i:04d}.acme-mail.com: {{}}" for i in range(domains)]
    lines += [
        "webhooks:",
        "  failures:",
        "    url: https://hooks.acme-mail.com/failures",
        "    events: [bounced, complained]",
        "    targets:",
    ]
    lines += [f"      - mailgun/d{i:04d}.acme-mail.com" for i in range(domains)]
    path.write_text("\n".join(lines) + "\n")


POSTMARK_PATHS = [
    "/server",
    "/message-streams?MessageStreamType=All&IncludeArchivedStreams=true",
    "/webhooks",
]


def sequential_baseline(base_url: str, domains: int) -> tuple[float, int]:
    """The same GETs one after another with plain httpx: Postmark's three, Mailgun's
    listing and account-level webhooks, and per domain (all active, so no detail read)
    its tracking and webhooks."""
    paths_pm = POSTMARK_PATHS
    paths_mg = ["/eu/v4/domains?limit=1000&skip=0", "/eu/v1/webhooks"]
    for i in range(domains):
        name = f"d{i:04d}.acme-mail.com"
        paths_mg += [f"/eu/v3/domains/{name}/tracking", f"/eu/v3/domains/{name}/webhooks"]
    start = time.perf_counter()
    with httpx.Client(base_url=base_url, timeout=30) as client:
        for path in paths_pm:
            client.get(path, headers={"X-Postmark-Server-Token": TOKEN}).raise_for_status()
        for path in paths_mg:
            client.get(path, auth=("api", KEY)).raise_for_status()
    return time.perf_counter() - start, len(paths_pm) + len(paths_mg)


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
            credentials=SandboxCredentials(
                {"postmark": {"server_token": TOKEN}, "mailgun": {"api_key": KEY}}
            ),
            faults=FaultPlan(latency_ms=args.latency_ms),
        )

    # served from a child process: the server's CPU is not counted as espctl's
    with sandbox_in_child(make_app) as base_url, tempfile.TemporaryDirectory() as tmp:
        config = Path(tmp) / "espctl.yaml"
        write_config(config, base_url, args.domains)
        options = api.RunOptions(
            config=str(config), parallelism=args.parallelism, env={"PM_TOKEN": TOKEN, "MG_KEY": KEY}
        )
        start = time.perf_counter()
        result = api.plan(options)
        ours = time.perf_counter() - start
        baseline, baseline_requests = sequential_baseline(base_url, args.domains)
    requests = result.requests
    # Each provider has its own pool of `parallelism` connections; the bound is set
    # by the provider with the most requests.
    bound = math.ceil(requests / args.parallelism) * latency
    print(f"sandbox: {args.domains} Mailgun domains + Postmark, {args.latency_ms:.0f} ms latency")
    print(
        f"plan: {ours:.2f} s, {requests} requests, parallelism {args.parallelism}, "
        f"{len(result.plan.changes)} changes"
    )
    per_domain = (requests - len(POSTMARK_PATHS)) / args.domains
    print(f"Mailgun requests per domain: {per_domain:.3f} (target <= 2.1)")
    print(f"sequential httpx baseline: {baseline:.2f} s for {baseline_requests} GETs")
    print(f"speed-up vs sequential: {baseline / ours:.1f}x (target >= 6x)")
    print(
        f"lower bound ceil({requests}/{args.parallelism}) x {args.latency_ms:.0f} ms = "
        f"{bound:.2f} s; plan / bound = {ours / bound:.2f}x (target <= 1.3x)"
    )


if __name__ == "__main__":
    main()
