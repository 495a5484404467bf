"""Benchmark: validate a config with 2,000 Mailgun domains.

Prints validate's time as a ratio to PyYAML's C loader parsing the same file, both
measured in this process, alternately (so a burst of load on a shared machine hits both),
best of N runs each. Target: at most 3x.

    python -m benchmarks.validate_large [--domains 2000] [--repeat 7]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import yaml

from espctl.config import load_config


def generate(domains: int) -> str:
    lines = [
        "version: 1",
        "providers:",
        "  mailgun:",
        "    type: mailgun",
        "    api_key: ${env:MAILGUN_API_KEY}",
        "    region: eu",
        '    default_sender: "Ops <ops@d0.acme-mail.com>"',
        "    defaults:",
        "      tracking: {opens: true, clicks: true, unsubscribe: {enabled: false}}",
        "    domains:",
    ]
    for i in range(domains):
        if i % 3 == 0:
            lines.append(f"      d{i}.acme-mail.com:")
            lines.append("        tracking: {clicks: html_only, unsubscribe: {enabled: true}}")
        else:
            lines.append(f"      d{i}.acme-mail.com: {{}}")
    lines += [
        "routing:",
        "  default: mailgun/d0.acme-mail.com",
        "webhooks:",
        "  failures:",
        "    url: https://hooks.acme-mail.com/mailgun",
        "    events: [bounced, complained]",
        "    targets:",
    ]
    lines += [f"      - mailgun/d{i}.acme-mail.com" for i in range(domains)]
    return "\n".join(lines) + "\n"


def best_of_alternating(
    first: Callable[[], object], second: Callable[[], object], repeat: int
) -> tuple[float, float]:
    """The best time of each of two functions, run one after the other ``repeat`` times."""
    times: tuple[list[float], list[float]] = ([], [])
    for _ in range(repeat):
        for fn, seconds in zip((first, second), times, strict=True):
            start = time.perf_counter()
            fn()
            seconds.append(time.perf_counter() - start)
    return min(times[0]), min(times[1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--domains", type=int, default=2000)
    parser.add_argument("--repeat", type=int, default=7)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "large.yaml"
        text = generate(args.domains)
        path.write_text(text)
        env = {"MAILGUN_API_KEY": "bench"}

        def baseline() -> None:
            yaml.load(path.read_text(), Loader=yaml.CSafeLoader)

        def validate() -> None:
            load_config(path, env=env, env_mode="lenient")

        validate()  # warm imports and pydantic's validators
        base, ours = best_of_alternating(baseline, validate, args.repeat)
    print(f"config: {args.domains} Mailgun domains, {len(text.splitlines())} lines")
    print(f"PyYAML CSafeLoader parse: {base * 1000:.1f} ms")
    print(f"espctl validate:          {ours * 1000:.1f} ms")
    print(f"ratio: {ours / base:.2f}x (target <= 3x)")


if __name__ == "__main__":
    main()
