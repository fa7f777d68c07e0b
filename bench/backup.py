"""Backing up and restore-drilling a generated database: devoops beside the plain tools, one run.

Starts PostgreSQL 15 on loopback (fsync on, like a real server; or --pg-url), generates a
database of about SIZE MB (events with hex payloads, so it compresses like real data), then:

- backup: `devoops backup make` (pg_dump custom, zstd, age to a recipient; then to a passphrase)
  beside `pg_dump -Fc -Z0 | gzip`, the plain tools' pipeline;
- restore: `devoops drill restore` of the recipient backup (the restore time it measures, and
  the whole command) beside `gunzip | pg_restore` of the plain backup into a fresh database,
  alternated ROUNDS times, the best of each kept.

Prints each step's time, throughput (MB of database per second), the devoops/plain ratio and
devoops' peak memory (the Python process's maximum resident set). Aim: within 1.3x of the plain
tools' time with encryption on, peak memory under 200 MB.

    python bench/backup.py [--size 1024] [--rounds 2] [--pg-url postgresql://...]
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path[:0] = [str(ROOT / "src"), str(ROOT / "tests")]

from devoops.backup.pgclient import for_command, tool  # noqa: E402

ROW_BYTES = 150  # on disk per generated row, index included, roughly
# Runs devoops' command line in this process and prints the process's peak memory on exit.
MEASURED = (
    "import atexit, resource, sys\n"
    "atexit.register(lambda: print(f'maxrss {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}', file=sys.stderr))\n"
    "from devoops.cli import main\n"
    "sys.argv = ['devoops', *sys.argv[1:]]\n"
    "main()\n"
)


def generate(url: str, size_mb: int) -> int:
    """Fill the database with about size_mb of events; its size in bytes."""
    import psycopg

    rows = size_mb * 1024 * 1024 // ROW_BYTES
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute(
            "CREATE TABLE events (id bigint PRIMARY KEY, account bigint NOT NULL, kind text NOT NULL, "
            "payload text NOT NULL, amount numeric(12,2), at timestamptz NOT NULL)"
        )
        step = 1_000_000
        for start in range(1, rows + 1, step):
            conn.execute(
                "INSERT INTO events SELECT g, (g * 7919) %% 100000, (ARRAY['view','click','buy','refund'])[1 + g %% 4], "
                "md5(g::text) || md5((g + 1)::text), (g %% 100000) / 100.0, "
                "timestamptz '2026-01-01' + g * interval '1 second' "
                "FROM generate_series(%s::bigint, %s::bigint) g",
                (start, min(start + step - 1, rows)),
            )
        conn.execute("CREATE TABLE accounts AS SELECT DISTINCT account AS id FROM events")
        conn.execute("VACUUM ANALYZE")
        return int(conn.execute("SELECT pg_database_size(current_database())").fetchone()[0])  # type: ignore[index]


def devoops(*args: str, env: dict[str, str] | None = None) -> tuple[float, int, str]:
    """Seconds, peak resident MB of the devoops process, and its stdout."""
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-c", MEASURED, *args], capture_output=True, text=True, env=env, check=False
    )
    seconds = time.perf_counter() - began
    if done.returncode != 0:
        sys.exit(f"devoops {' '.join(args[:2])} failed ({done.returncode}):\n{done.stderr}")
    peak = next(int(line.split()[1]) for line in done.stderr.splitlines() if line.startswith("maxrss "))
    return seconds, peak // 1024, done.stdout


def shell(command: str, env: dict[str, str]) -> float:
    began = time.perf_counter()
    subprocess.run(["bash", "-o", "pipefail", "-c", command], check=True, env=env)
    return time.perf_counter() - began


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1024, help="MB of database to generate")
    parser.add_argument("--pg-url", help="an empty PostgreSQL database to fill instead of starting one")
    parser.add_argument(
        "--rounds", type=int, default=2, help="restores of each kind, alternated; the best is kept"
    )
    args = parser.parse_args()

    import pyrage

    server = None
    if args.pg_url is None:
        from pgserver import PostgresServer

        server = PostgresServer(durable=True)
        server.create_database("bench")
        url = server.url("bench").replace("+psycopg", "")
    else:
        url = args.pg_url
    work = Path(tempfile.mkdtemp(prefix="devoops-bench-backup-"))
    try:
        began = time.perf_counter()
        size = generate(url, args.size)
        mb = size / 1024 / 1024
        print(f"database: {mb:,.0f} MB generated in {time.perf_counter() - began:.0f} s")
        identity = pyrage.x25519.Identity.generate()
        env = dict(os.environ, PYTHONPATH=str(ROOT / "src"), BENCH_PASSPHRASE="correct horse battery staple")
        rows = []

        # backup
        ours, ours_peak, _ = devoops(
            "backup",
            "make",
            url,
            "--to",
            str(work / "ours"),
            "--recipient",
            str(identity.to_public()),
            env=env,
        )
        passphrase, pass_peak, _ = devoops(
            "backup",
            "make",
            url,
            "--to",
            str(work / "ours-passphrase"),
            "--passphrase-env",
            "BENCH_PASSPHRASE",
            env=env,
        )
        dsn, pg_env = for_command(url)
        plain = shell(f"{tool('pg_dump')} -Fc -Z0 -d '{dsn}' | gzip > {work / 'plain.dump.gz'}", pg_env)
        ours_size = sum(f.stat().st_size for f in (work / "ours").glob("*.age"))
        rows.append(("backup, age recipient", ours, plain, ours_peak, ours_size))
        rows.append(("backup, age passphrase", passphrase, plain, pass_peak, None))
        print(
            f"plain pg_dump -Fc -Z0 | gzip: {(work / 'plain.dump.gz').stat().st_size / 2**20:,.0f} MB; "
            f"devoops zstd+age: {ours_size / 2**20:,.0f} MB"
        )

        # restore
        workload = work / "devoops.yaml"
        source = (ROOT / "examples" / "bookmarks.yaml").read_text()
        head = source[: source.index("\nprobes:")]
        drill = {
            "type": "restore_drill",
            "target": str(work / "ours"),
            "timeout": 3600,
            "options": {
                "server": server.url().replace("+psycopg", "") if server else url,
                "identities": [str(identity)],
            },
        }
        workload.write_text(head + "\nprobes:\n  restore:\n" + _indent(json.dumps(drill), 4) + "\n")
        drills, plains = [], []
        import psycopg

        for _ in range(args.rounds):  # alternated, the best of each kept: caches and neighbours vary
            whole, drill_peak, out = devoops(
                "drill", "restore", str(workload), "-f", "json", "--no-save", env=env
            )
            report = json.loads(out)
            measured = {
                m["name"]: m["value"] for r in report["evidence"] for m in r["evidence"]["measurements"]
            }
            drills.append((float(measured["restore time"]), whole))
            with psycopg.connect(url, autocommit=True) as conn:
                conn.execute("DROP DATABASE IF EXISTS plain_restore")
                conn.execute("CREATE DATABASE plain_restore")
            target, pg_env = for_command(url, "plain_restore")
            plains.append(
                shell(
                    f"gunzip -c {work / 'plain.dump.gz'} | {tool('pg_restore')} --no-owner --exit-on-error -d '{target}'",
                    pg_env,
                )
            )
        restore, whole = min(d[0] for d in drills), min(d[1] for d in drills)
        plain_restore = min(plains)
        print(
            "restores, devoops drill (restore time / whole command) and plain, each round: "
            + "; ".join(f"{d:.1f} / {w:.1f} and {p:.1f} s" for (d, w), p in zip(drills, plains, strict=True))
        )
        rows.append(("restore drill (restore time)", restore, plain_restore, drill_peak, None))
        rows.append(("restore drill (whole command)", whole, plain_restore, drill_peak, None))

        print(
            f"\n{'step':32} {'devoops s':>10} {'MB/s':>7} {'plain s':>9} {'MB/s':>7} {'ratio':>6} {'peak MB':>8}"
        )
        for name, mine, theirs, peak, _ in rows:
            print(
                f"{name:32} {mine:10.1f} {mb / mine:7.1f} {theirs:9.1f} {mb / theirs:7.1f} "
                f"{mine / theirs:6.2f} {peak:8d}"
            )
        print("\naim: ratio <= 1.3 with encryption on; peak memory < 200 MB")
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if server is not None:
            server.stop()


def _indent(text: str, spaces: int) -> str:
    return "\n".join(" " * spaces + line for line in text.splitlines())


if __name__ == "__main__":
    main()
