"""Saving and listing many assessments: SQLite beside PostgreSQL, on the same input, one run.

Generates DISTINCT workloads (random answers and practice states from a fixed seed), assesses
each once, then saves COUNT assessments spread over APPS applications into a fresh SQLite file
and a fresh PostgreSQL 15 database (started here on loopback, fsync on, like a real server;
or --pg-url). Prints the per-assessment save time (median, p95) and the history-listing time
(median of REPEAT) for each store, and the PostgreSQL/SQLite ratio. Aim: listing the history of
10,000 assessments under 200 ms on either.

    python bench/store.py [--count 10000] [--distinct 300] [--apps 25] [--repeat 7]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import random
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from devoops.evaluate import assess  # noqa: E402
from devoops.lens import load_lens  # noqa: E402
from devoops.model.assessment import Assessment  # noqa: E402
from devoops.model.workload import Workload  # noqa: E402
from devoops.store import Store  # noqa: E402
from devoops.store.engine import sqlite_url  # noqa: E402

START = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)


def workloads(n: int, rng: random.Random) -> list[tuple[Workload, str]]:
    """Varied but valid workloads, each with a YAML-ish text to store beside it."""
    lens = load_lens()
    out = []
    for i in range(n):
        practices = {
            p.id: rng.choice([c.id for c in p.choices])
            for p in lens.practices
            if p.choices and rng.random() < 0.6
        }
        doc = {
            "app": {"name": f"gen-{i}", "stage": rng.choice(["mvp", "growth", "scale"])},
            "answers": {
                "reliability": {"downtime_cost_per_hour": rng.choice([50, 500, 5_000, 50_000])},
                "traffic": {
                    "baseline_rps": {"now": rng.choice([1, 10, 100]), "12mo": rng.choice([100, 1000])}
                },
                "security": {"breach_survival": rng.choice(["yes", "damaged", "no"])},
                "engineering": {"team_size": rng.randint(1, 40)},
            },
            "practices": practices,
        }
        out.append((Workload.model_validate(doc), repr(doc)))
    return out


def generate(distinct: int, count: int, apps: int, seed: int) -> list[tuple[Assessment, str]]:
    rng = random.Random(seed)
    lens = load_lens()
    base = [(assess(w, lens, START, "bench.yaml"), text) for w, text in workloads(distinct, rng)]
    out = []
    for i in range(count):
        a, text = base[i % distinct]
        app = a.app.model_copy(update={"name": f"app-{i % apps:02d}"})
        out.append((a.model_copy(update={"app": app, "generated_at": START + dt.timedelta(hours=i)}), text))
    return out


def timed(fn: Callable[[], object], repeat: int) -> float:
    runs = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        runs.append(time.perf_counter() - start)
    return statistics.median(runs)


def run(url: str, items: list[tuple[Assessment, str]], repeat: int) -> dict[str, float]:
    store = Store(url)
    saves = []
    for a, text in items:
        start = time.perf_counter()
        store.save(a, text)
        saves.append(time.perf_counter() - start)
    store.close()
    listed = subprocess.run(
        [sys.executable, __file__, "--list", url, "--app", items[0][0].app.name, "--repeat", str(repeat)],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    return {
        "save median ms": statistics.median(saves) * 1000,
        "save p95 ms": statistics.quantiles(saves, n=20)[-1] * 1000,
        **json.loads(listed.stdout),
    }


def listing(url: str, app: str, repeat: int) -> dict[str, float]:
    """Timed in a fresh process, as a user's `devoops history` runs: the parent's heap of
    10,000 generated assessments would make every garbage collection pass dearer."""
    store = Store(url)
    assert len(store.history()) > 0
    return {
        "history, all ms": timed(store.history, repeat) * 1000,
        "history, one app ms": timed(lambda: store.history(app), repeat) * 1000,
        "history, newest 20 ms": timed(lambda: store.history(limit=20), repeat) * 1000,
        "load one ms": timed(lambda: store.load("latest", app), repeat) * 1000,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=10_000)
    parser.add_argument("--distinct", type=int, default=300)
    parser.add_argument("--apps", type=int, default=25)
    parser.add_argument("--repeat", type=int, default=7)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--pg-url", help="an empty PostgreSQL database to use instead of starting one")
    parser.add_argument("--list", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--app", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.list:
        print(json.dumps(listing(args.list, args.app, args.repeat)))
        return

    items = generate(args.distinct, args.count, args.apps, args.seed)
    print(f"{args.count} assessments ({args.distinct} distinct workloads) over {args.apps} applications")
    results = {}
    with tempfile.TemporaryDirectory() as tmp:
        results["SQLite"] = run(sqlite_url(Path(tmp) / "bench.db"), items, args.repeat)
    if args.pg_url:
        results["PostgreSQL"] = run(args.pg_url, items, args.repeat)
    else:
        from pgserver import PostgresServer

        server = PostgresServer(durable=True)
        try:
            results["PostgreSQL"] = run(server.create_database("bench"), items, args.repeat)
        finally:
            server.stop()
    names = list(results)
    print(f"{'':24}" + "".join(f"{n:>12}" for n in names) + f"{'PG/SQLite':>12}")
    for metric in results[names[0]]:
        values = [results[n][metric] for n in names]
        ratio = values[-1] / values[0] if values[0] else float("nan")
        print(f"{metric:24}" + "".join(f"{v:12.2f}" for v in values) + f"{ratio:12.2f}")


if __name__ == "__main__":
    main()
