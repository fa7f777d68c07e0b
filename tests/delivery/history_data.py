"""Realistic delivery histories generated for the tests, written the way CI systems export them."""

from __future__ import annotations

import csv
import datetime as dt
import json
import random
from dataclasses import dataclass
from pathlib import Path

T0 = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)
OFFSETS = [dt.timedelta(0), dt.timedelta(hours=2), dt.timedelta(hours=-5), dt.timedelta(hours=5, minutes=30)]


@dataclass
class Row:
    time: dt.datetime
    version: str
    environment: str
    status: str
    minutes: float
    commit: str = ""


def stamp(t: dt.datetime, rng: random.Random) -> str:
    """The time in one of several offsets, as exports from different machines write it."""
    return t.astimezone(dt.timezone(rng.choice(OFFSETS))).isoformat()


def deployments(seed: int = 7, n: int = 60, days: int = 30) -> list[Row]:
    rng = random.Random(seed)
    times = sorted(T0 + dt.timedelta(minutes=rng.randrange(days * 24 * 60)) for _ in range(n))
    rows = []
    for k, t in enumerate(times, 1):
        env = "staging" if rng.random() < 0.2 else "production"
        status = rng.choices(["success", "failed", "rolled_back"], [85, 10, 5])[0]
        rows.append(Row(t, f"v1.{k}", env, status, round(rng.uniform(3, 30), 2)))
    return rows


def write_csv(path: Path, rows: list[Row], seed: int = 1) -> Path:
    rng = random.Random(seed)
    with path.open("w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["time", "commit", "version", "environment", "status", "duration_seconds"])
        for r in rows:
            w.writerow(
                [stamp(r.time, rng), r.commit, r.version, r.environment, r.status, round(r.minutes * 60, 3)]
            )
    return path


def write_json(path: Path, rows: list[Row], seed: int = 1) -> Path:
    rng = random.Random(seed)
    items = [
        {
            "deployed_at": stamp(r.time, rng),
            "sha": r.commit or None,
            "release": r.version,
            "env": r.environment,
            "result": r.status.upper(),
            "duration_minutes": r.minutes,
        }
        for r in rows
    ]
    path.write_text(json.dumps({"deployments": items}, indent=1))
    return path
