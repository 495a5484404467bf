"""Benchmark: how fast short commands start, against what they cannot avoid.

Most runs of espctl are short (``validate`` in pre-commit, ``--help``, completion on
every Tab), so start-up dominates them. Each command below runs as a fresh process
``--runs`` times; the median is compared with baselines measured in the same run:

- a bare interpreter (``python -c pass``): ``espctl --version``, ``espctl --help`` and
  ``espctl <command> --help`` should cost at most 2.5x of it;
- the libraries ``validate`` cannot avoid, imported and nothing else: PyYAML (parsing),
  pydantic (the config models) and click (the command line). jsonschema is *not* among
  them: validate checks the document with the pydantic models, and the JSON Schema is
  only printed by ``espctl schema``. ``espctl validate`` of the quick-start config
  should cost at most 1.5x of that import.

    python -m benchmarks.startup [--runs 15]
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]
QUICKSTART = REPO / "examples" / "quickstart.yaml"
UNAVOIDABLE = "import yaml, pydantic, click"


def espctl_command() -> list[str]:
    """The installed console script when on PATH (what users run), else ``-m espctl``."""
    script = shutil.which("espctl")
    return [script] if script else [sys.executable, "-m", "espctl"]


def median_seconds(argv: list[str], runs: int, env: dict[str, str]) -> float:
    times = []
    for _ in range(runs):
        start = time.perf_counter()
        done = subprocess.run(argv, env=env, capture_output=True, check=False)
        times.append(time.perf_counter() - start)
        if done.returncode not in (0, 1):
            raise SystemExit(f"{' '.join(argv)} exited {done.returncode}: {done.stderr!r}")
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=15)
    args = parser.parse_args()
    env = {**os.environ, "NO_COLOR": "1"}
    espctl = espctl_command()
    bare = median_seconds([sys.executable, "-c", "pass"], args.runs, env)
    libraries = median_seconds([sys.executable, "-c", UNAVOIDABLE], args.runs, env)
    print(f"baseline: python -c pass          {bare * 1000:7.1f} ms")
    print(f"baseline: python -c '{UNAVOIDABLE}' {libraries * 1000:7.1f} ms")
    rows: list[tuple[str, list[str], float, float]] = [
        ("espctl --version", [*espctl, "--version"], bare, 2.5),
        ("espctl --help", [*espctl, "--help"], bare, 2.5),
    ]
    for command in ("validate", "plan", "apply", "report", "import", "test", "route"):
        rows.append((f"espctl {command} --help", [*espctl, command, "--help"], bare, 2.5))
    rows.append(
        (
            "espctl validate quickstart.yaml",
            [*espctl, "validate", str(QUICKSTART)],
            libraries,
            1.5,
        )
    )
    failed = 0
    for label, argv, baseline, target in rows:
        seconds = median_seconds(argv, args.runs, env)
        ratio = seconds / baseline
        verdict = "ok" if ratio <= target else "OVER"
        failed += verdict != "ok"
        print(
            f"{label:34s} {seconds * 1000:7.1f} ms  {ratio:4.2f}x its baseline "
            f"(target <= {target}x) {verdict}"
        )
    print(f"{len(rows) - failed} of {len(rows)} within target (medians of {args.runs} runs)")


if __name__ == "__main__":
    main()
