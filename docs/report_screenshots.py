"""Regenerate the screenshot pair of the demo report: docs/report-1280.png and -390.png.

Runs ``espctl demo`` (the seeded sandbox, the quick-start config, plan, apply, report)
into a temporary folder, opens its report in headless Chromium (Debian's ``chromium``)
at 1280 and 390 CSS px and saves the top of each page as a PNG, so reviewers can look
at the layout without running anything. Each PNG is kept under 300 KB (the committed
budget) by shortening the captured height if needed.

Run from the repository root: ``python docs/report_screenshots.py [--full]``
(``--full`` captures whole pages into the temporary folder instead, for a closer look).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.report.cdp import Chromium, Page  # noqa: E402

BUDGET = 300 * 1024
SHOTS = ((1280, 2000, "report-1280.png"), (390, 2600, "report-390.png"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--full", action="store_true", help="whole pages, into a temp folder")
    args = parser.parse_args()
    chromium = shutil.which("chromium") or shutil.which("chromium-browser")
    if chromium is None:
        raise SystemExit("chromium is not installed (apt-get install chromium)")
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp) / "demo"
        demo = subprocess.run(
            [sys.executable, "-m", "espctl", "demo", "--out", str(folder)],
            capture_output=True,
            text=True,
            cwd=tmp,
            check=False,
        )
        if demo.returncode != 0:
            raise SystemExit(f"espctl demo failed:\n{demo.stdout}{demo.stderr}")
        report = folder / "report.html"
        out_dir = Path(tmp) if args.full else ROOT / "docs"
        with Chromium(chromium, Path(tmp) / "profile") as chrome:
            page = Page(chrome)
            for width, height, name in SHOTS:
                run = page.load(report.as_uri(), width)
                if run.requests != [report.as_uri()] or run.console or run.exceptions:
                    raise SystemExit(f"the report misbehaved at {width} px: {run}")
                target = out_dir / name
                shot_height = None if args.full else height
                page.screenshot(target, shot_height)
                while not args.full and target.stat().st_size > BUDGET:
                    shot_height = int((shot_height or height) * 0.85)
                    page.screenshot(target, shot_height)
                size = target.stat().st_size
                print(f"{target} ({width} px wide, {size / 1024:.0f} KB)")
            page.close()
        if args.full:
            input("Whole-page screenshots are in the temporary folder; press Enter to delete them.")


if __name__ == "__main__":
    main()
