"""Cold-start time of `devoops --help` and `devoops assess` beside a bare interpreter.

Each command runs as a fresh process, REPEAT times, interleaved so that machine noise hits
all alike; the median wall time is reported with its ratio to `python -c pass`. The Typer
import alone is shown too: it is the floor any Typer CLI pays.

    python bench/startup.py [--repeat 21]
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
EXAMPLE = ROOT / "examples" / "bookmarks.yaml"


def commands() -> dict[str, list[str]]:
    py = sys.executable
    return {
        "python -c pass": [py, "-c", "pass"],
        "python -c 'import typer'": [py, "-c", "import typer"],
        "devoops --help": [py, "-m", "devoops", "--help"],
        "devoops assess examples/bookmarks.yaml": [py, "-m", "devoops", "assess", str(EXAMPLE)],
    }


def measure(repeat: int) -> dict[str, float]:
    runs: dict[str, list[float]] = {name: [] for name in commands()}
    for _ in range(repeat):
        for name, argv in commands().items():
            start = time.perf_counter()
            subprocess.run(argv, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, cwd=ROOT)
            runs[name].append(time.perf_counter() - start)
    return {name: statistics.median(times) for name, times in runs.items()}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=21)
    args = parser.parse_args()
    medians = measure(args.repeat)
    bare = medians["python -c pass"]
    print(f"{'command':<42} {'median ms':>10} {'x bare python':>14}")
    for name, seconds in medians.items():
        print(f"{name:<42} {seconds * 1000:>10.1f} {seconds / bare:>14.1f}")


if __name__ == "__main__":
    main()
