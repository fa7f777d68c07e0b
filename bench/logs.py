"""The access_log probe beside GoAccess, on the same combined log, in one run.

Generates a week of nginx combined traffic with the request time last (LINES lines of about
180 bytes: 3.2 million make 570 MB; most API paths carry ids, so about 1.8 million distinct
paths) into a temporary folder, then runs on that file:

- the probe, through the runner, in a fresh Python process (its wall time includes starting
  Python and importing DuckDB), its peak memory from the kernel's accounting of that child
  (os.wait4, the figure RUSAGE_CHILDREN sums);
- GoAccess (/usr/bin/goaccess) writing its JSON report, with a log format that reads the request
  time (%T), so both tools parse every field they report on.

Each step is its own process, so no figure carries another's memory. Prints lines/s for each,
the wall-time ratio, the probe's peak memory against its 1 GB cap, and checks the probe's
p50/p95/p99 against numpy's nearest-rank percentiles of the generated durations. Aim: 30 times
GoAccess's throughput, under 1 GB, exact percentiles.

    python bench/logs.py [--lines 3200000] [--repeat 1] [--keep]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
GOACCESS = "/usr/bin/goaccess"
LOG_FORMAT = '%h %^[%d:%t %^] "%r" %s %b "%R" "%u" %T'


def measured(argv: list[str], out: Path) -> tuple[float, float]:
    """Run argv, stdout into `out`: its wall seconds and peak resident memory in MB."""
    start = time.perf_counter()
    with out.open("wb") as sink:
        child = subprocess.Popen(argv, stdout=sink, stderr=subprocess.PIPE)
        _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    if os.waitstatus_to_exitcode(status) != 0:
        assert child.stderr is not None
        raise SystemExit(f"{' '.join(argv[:3])} failed:\n{child.stderr.read().decode()}")
    return seconds, usage.ru_maxrss / 1024


def own(*args: str) -> list[str]:
    """This script as a child process; -P keeps bench/ off the import path."""
    return [sys.executable, "-P", __file__, *args]


def generate(path: str, lines: int) -> None:
    """Child: write the log; print the durations' nearest-rank percentiles as JSON."""
    import numpy as np
    from tests.probes import logdata

    t = logdata.traffic(lines, days=7)
    logdata.write(Path(path), logdata.combined(t))
    ordered = np.sort(t.ms)
    print(json.dumps([float(ordered[int(np.ceil(q * lines)) - 1]) for q in (0.5, 0.95, 0.99)]))


def collect(path: str) -> None:
    """Child: the probe through the runner; its result as JSON."""
    from tests.probes.support import probe

    print(probe("access_log", path, {}, timeout=3600).model_dump_json())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--lines", type=int, default=3_200_000)
    parser.add_argument("--repeat", type=int, default=1, help="runs of each tool; the fastest counts")
    parser.add_argument("--keep", action="store_true", help="keep the generated log and the reports")
    parser.add_argument("--generate", help=argparse.SUPPRESS)
    parser.add_argument("--collect", help=argparse.SUPPRESS)
    args = parser.parse_args()
    sys.path[:0] = [str(ROOT / "src"), str(ROOT)]
    if args.generate:
        return generate(args.generate, args.lines)
    if args.collect:
        return collect(args.collect)

    folder = Path(tempfile.mkdtemp(prefix="devoops-bench-logs-"))
    log, report = folder / "access.log", folder / "goaccess.json"
    made, _ = measured(own("--generate", str(log), "--lines", str(args.lines)), folder / "exact.json")
    print(f"generated {args.lines:,} lines, {log.stat().st_size / 1e6:,.0f} MB in {made:.1f} s: {log}")

    probe_runs, goaccess_runs = [], []
    for k in range(args.repeat):
        out = folder / f"probe-{k}.json"
        probe_runs.append((*measured(own("--collect", str(log)), out), out))
        argv = [GOACCESS, str(log), "--no-global-config", "--log-format", LOG_FORMAT]
        argv += ["--date-format", "%d/%b/%Y", "--time-format", "%T", "-o", str(report)]
        goaccess_runs.append(measured(argv, folder / "goaccess.out"))

    (probe_s, probe_mb, out), (goaccess_s, goaccess_mb) = min(probe_runs), min(goaccess_runs)
    result = json.loads(out.read_text())
    general = json.loads(report.read_text())["general"]
    exact = json.loads((folder / "exact.json").read_text())
    found = [m["value"] for m in result["evidence"]["measurements"] if m["name"] in ("p50", "p95", "p99")]
    inside = _seconds(result)

    print(f"probe: {result['evidence']['status']}: {result['evidence']['summary']}")
    print(f"goaccess: {general['valid_requests']:,} valid of {general['total_requests']:,} requests")
    print(f"{'':<26} {'wall s':>8} {'lines/s':>12} {'peak MB':>8}")
    for name, seconds, mb in (
        ("devoops probe (process)", probe_s, f"{probe_mb:.0f}"),
        ("devoops probe (collect)", inside, ""),
        ("goaccess", goaccess_s, f"{goaccess_mb:.0f}"),
    ):
        print(f"{name:<26} {seconds:>8.2f} {args.lines / seconds:>12,.0f} {mb:>8}")
    print(
        f"goaccess / probe wall time: {goaccess_s / probe_s:.1f}x (process), "
        f"{goaccess_s / inside:.1f}x (collect)"
    )
    print(f"probe peak memory: {probe_mb:.0f} MB, {'within' if probe_mb <= 1024 else 'OVER'} 1 GB")
    same = all(abs(a - b) <= 1e-9 * b for a, b in zip(found, exact, strict=True))
    print(f"p50/p95/p99 ms: probe {found}, numpy nearest rank {exact}: {'exact' if same else 'DIFFERENT'}")
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")
    if not args.keep:
        for f in folder.iterdir():
            f.unlink()
        folder.rmdir()


def _seconds(result: dict[str, Any]) -> float:
    began, ended = (dt.datetime.fromisoformat(result[k]) for k in ("started_at", "finished_at"))
    return (ended - began).total_seconds()


if __name__ == "__main__":
    main()
