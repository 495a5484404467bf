"""Benchmark: does plan grow linearly with the account?

One sandbox server on 127.0.0.1 (no added latency) holds 5,000 Mailgun domains. A plan
of the first 1,000 and then of all 5,000 runs in a fresh child process each, which
reports its wall time and its peak resident memory (``VmHWM``), both in total and above
what the process held once espctl was imported (the interpreter and libraries, the same
for any account). The sandbox's own memory is the parent's and is not counted.

Targets: 5,000 domains cost at most 5.5x of 1,000 in time and in memory above the
import baseline; peak RSS at 5,000 domains under 300 MB.

    python -m benchmarks.plan_growth [--small 1000] [--large 5000] [--parallelism 8]
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from benchmarks.plan_refresh import KEY, TOKEN, build_state, write_config
from espctl.sandbox import SandboxApp, SandboxCredentials, running_server


def _vm_kib(field: str) -> int:
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


def child(config: str, parallelism: int) -> None:
    """Run one plan and print {"seconds", "requests", "peak_mb", "baseline_mb"} as JSON."""
    from espctl import api  # imported here: its memory is the baseline

    baseline = _vm_kib("VmRSS")
    options = api.RunOptions(
        config=config, parallelism=parallelism, env={"PM_TOKEN": TOKEN, "MG_KEY": KEY}
    )
    start = time.perf_counter()
    result = api.plan(options)
    seconds = time.perf_counter() - start
    print(
        json.dumps(
            {
                "seconds": seconds,
                "requests": result.requests,
                "changes": len(result.plan.changes),
                "peak_mb": _vm_kib("VmHWM") / 1024,
                "baseline_mb": baseline / 1024,
            }
        )
    )


def measure(base_url: str, domains: int, parallelism: int, tmp: Path) -> dict[str, float]:
    config = tmp / f"espctl-{domains}.yaml"
    write_config(config, base_url, domains)
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.plan_growth",
            "--child",
            str(config),
            "--parallelism",
            str(parallelism),
        ],
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, "NO_COLOR": "1"},
    )
    if done.returncode != 0:
        raise SystemExit(f"plan of {domains} domains failed: {done.stderr.strip()}")
    return json.loads(done.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--small", type=int, default=1000)
    parser.add_argument("--large", type=int, default=5000)
    parser.add_argument("--parallelism", type=int, default=8)
    parser.add_argument("--child", metavar="CONFIG", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.parallelism)
        return
    app = SandboxApp(
        build_state(args.large),
        credentials=SandboxCredentials(
            {"postmark": {"server_token": TOKEN}, "mailgun": {"api_key": KEY}}
        ),
    )
    with running_server(app) as base_url, tempfile.TemporaryDirectory() as tmp:
        small = measure(base_url, args.small, args.parallelism, Path(tmp))
        large = measure(base_url, args.large, args.parallelism, Path(tmp))
    scale = args.large / args.small
    for n, row in ((args.small, small), (args.large, large)):
        print(
            f"plan of {n:5d} domains: {row['seconds']:6.2f} s, {row['requests']:.0f} requests, "
            f"peak RSS {row['peak_mb']:.0f} MB ({row['peak_mb'] - row['baseline_mb']:.0f} MB "
            f"above the {row['baseline_mb']:.0f} MB after import)"
        )
    time_ratio = large["seconds"] / small["seconds"]
    grown = (large["peak_mb"] - large["baseline_mb"]) / max(
        small["peak_mb"] - small["baseline_mb"], 1.0
    )
    print(f"time: {time_ratio:.2f}x for {scale:.0f}x the domains (target <= {scale * 1.1:.1f}x)")
    print(
        f"memory above import: {grown:.2f}x for {scale:.0f}x the domains "
        f"(target <= {scale * 1.1:.1f}x)"
    )
    print(f"peak RSS at {args.large} domains: {large['peak_mb']:.0f} MB (target < 300 MB)")


if __name__ == "__main__":
    main()
