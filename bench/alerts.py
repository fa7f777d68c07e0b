"""`devoops alerts analyze` on one million alert events: time and peak memory.

Generates a realistic alert history (the tests' generator: cause and symptom alerts, flapping,
duplicates, open alerts) as a PagerDuty incidents CSV or an Alertmanager webhook log into a
temporary folder (in a child process of its own), then runs the real command on it in a fresh
Python process (its wall time includes starting Python and the imports) and reads that child's
peak resident memory from the kernel (os.wait4); neither child inherits the other's memory.
Checks that every generated firing was counted. Aim: under 10 s.

    python bench/alerts.py [--events 1000000] [--format pagerduty|alertmanager] [--repeat 1] [--keep]
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

ROOT = Path(__file__).resolve().parents[1]
WEEKS_PER_MILLION = 140
"""The generator's catalogue fires about 7,200 times a week at full scale."""


def measured(argv: list[str]) -> tuple[float, float]:
    """Run argv: its wall seconds and peak resident memory in MB."""
    start = time.perf_counter()
    child = subprocess.Popen(argv, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        assert child.stderr is not None
        raise SystemExit(f"{' '.join(argv[:4])} failed:\n{child.stderr.read().decode()}")
    return seconds, usage.ru_maxrss / 1024


def generate(path: Path, events: int, format: str) -> None:
    """Child: write the export; print the number of firings in it."""
    sys.path.insert(0, str(ROOT))
    from tests.alerts import exports

    history = exports.history(weeks=WEEKS_PER_MILLION * events / 1_000_000, scale=420, open_alerts=50)
    if format == "pagerduty":
        exports.write_pagerduty(path, history)
    else:
        path.write_text("\n".join(exports.webhook_lines(history)) + "\n")
    print(len(history))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--format", choices=["pagerduty", "alertmanager"], default="pagerduty")
    parser.add_argument("--repeat", type=int, default=1, help="runs; the fastest counts")
    parser.add_argument("--keep", action="store_true", help="keep the generated export and the report")
    parser.add_argument("--generate", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.generate:
        return generate(Path(args.generate), args.events, args.format)

    folder = Path(tempfile.mkdtemp(prefix="devoops-bench-alerts-"))
    export = folder / ("incidents.csv" if args.format == "pagerduty" else "webhooks.jsonl")
    report = folder / "report.json"
    began = time.perf_counter()
    own = [sys.executable, "-P", __file__, "--events", str(args.events), "--format", args.format]
    firings = int(
        subprocess.run([*own, "--generate", str(export)], check=True, capture_output=True, text=True).stdout
    )
    print(
        f"generated {firings:,} firings, {export.stat().st_size / 1e6:,.0f} MB ({args.format}) "
        f"in {time.perf_counter() - began:.1f} s"
    )
    os.environ["PYTHONPATH"] = str(ROOT / "src")
    runs = [
        measured(
            [
                sys.executable,
                "-m",
                "devoops",
                "alerts",
                "analyze",
                str(export),
                "-f",
                "json",
                "-o",
                str(report),
            ]
        )
        for _ in range(args.repeat)
    ]
    seconds, peak = min(runs)
    counted = json.loads(report.read_text())["overall"]["firings"]
    print(f"devoops alerts analyze: {seconds:.2f} s, {firings / seconds:,.0f} firings/s, peak {peak:,.0f} MB")
    print(
        f"aim: under 10 s: {'met' if seconds < 10 else 'missed'}; every firing counted: {counted == firings}"
    )
    if args.keep:
        print(f"kept in {folder}")
    else:
        export.unlink()
        report.unlink(missing_ok=True)
        folder.rmdir()


if __name__ == "__main__":
    main()
