"""The availability Monte Carlo at scale: speed, and agreement with the analytic model.

Three inventories, in one run:

- fifty components: one AWS region over three zones, k-of-n app tiers, replicated databases
  with automatic failover, DNS at two providers as alternatives, SaaS identity and payments,
  a backup region;
- 2,000 identical instances: one web tier of 2,000 instances in one zone needing 1,900 (one
  group), behind a load balancer, over a database pair with automatic failover;
- 2 x 1,000: the web tier needing 900 of 1,000 in one zone, over an API needing 900 of
  1,000 in another.

For each: `devoops assess` on a workload file holding it (a fresh process, 20,000 simulated
years, the what-if plan and the scenarios included), the analytic model, the Monte Carlo's
one million years with its availability and incidents against the analytic ones in standard
errors, and a plain per-year Python loop (the `random` module, every unit's and instance's
events sorted per year, the failover windows opened as they come, `topology.app_up` asked for
every stretch between two events) on a few years, scaled. Aim: `assess` under 2 s, one million
years under 5 s, at least 50 times the plain loop.

    python bench/montecarlo.py [--years 1000000] [--reference-years 2000] [--scale-reference-years 3] [--seed 7]
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import os
import random
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

try:
    import numpy as np

    from devoops.derive.economics import HOURS_PER_YEAR
    from devoops.lens import load_lens
    from devoops.model.inventory import Inventory
    from devoops.model.lens import Reliability
    from devoops.scenarios.availability import analytic
    from devoops.scenarios.montecarlo import simulate
    from devoops.scenarios.topology import app_up, serving
    from devoops.scenarios.units import Failover, units
except ImportError as e:
    sys.exit(f"{e.name} is missing: pip install -e . in this checkout (make demo builds .venv with it)")

DEVOOPS = Path(sys.executable).with_name("devoops")
Placed = dict[tuple[str, int], tuple[int, ...]]
WORKLOAD = {
    "app": {"name": "bench", "stage": "mvp"},
    "answers": {
        "reliability": {"downtime_cost_per_hour": 1000},
        "traffic": {"baseline_rps": 100},
        "security": {"breach_survival": "damaged"},
        "engineering": {"team_size": 5},
    },
}
ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


def inventory() -> Inventory:
    """Fifty components; the web tier is the entry."""
    c: dict[str, dict[str, Any]] = {
        "registrar": {"kind": "registrar", "provider": "gandi"},
        "dns-aws": {"kind": "dns", "provider": "aws", "region": None},
        "dns-cloudflare": {"kind": "dns", "provider": "cloudflare"},
        "cdn": {"kind": "cdn", "provider": "cloudflare"},
        "lb": {"kind": "load_balancer"},
        "identity": {"kind": "identity", "provider": "auth0"},
        "payments-api": {"kind": "app", "provider": "stripe"},
        "email-api": {"kind": "app", "provider": "postmark"},
        "secrets": {"kind": "secrets_store"},
        "ci": {"kind": "ci_cd", "provider": "github"},
        "backups": {"kind": "backup_target", "region": "eu-central-1"},
        "feature-flags": {"kind": "app", "provider": "launchdarkly"},
        "admin": {"kind": "app", "instances": 2, "zones": ZONES[:2], "depends_on": ["users-db"]},
        "logs": {"kind": "object_storage"},
        "dr-db": {
            "kind": "database",
            "region": "eu-central-1",
            "zones": ["eu-central-1a"],
            "delay_minutes": 60,
        },
    }
    tier = {"kind": "app", "instances": 3, "needs": 2, "zones": ZONES}
    databases = ["orders-db", "users-db", "catalog-db", "payments-db"]
    for db in databases:
        c[db] = {
            "kind": "database",
            "instances": 2,
            "zones": ZONES[:2],
            "failover": "automatic",
            "replication": "sync",
            "depends_on": ["secrets"],
            "backups": [{"to": "backups"}],
        }
    for name in ["sessions-cache", "catalog-cache", "rate-cache"]:
        c[name] = {"kind": "cache", "instances": 2, "zones": ZONES[:2]}
    for name in ["orders-queue", "mail-queue", "audit-queue"]:
        c[name] = {"kind": "queue"}
    for name in ["uploads", "exports"]:
        c[name] = {"kind": "object_storage"}
    services = {
        "accounts": ["users-db", "sessions-cache", "identity"],
        "catalog": ["catalog-db", "catalog-cache"],
        "search": ["catalog-db"],
        "cart": ["sessions-cache", "orders-db"],
        "checkout": ["orders-db", "payments", "orders-queue", "audit-queue"],
        "recommendations": ["catalog-cache", "feature-flags"],
        "payments": ["payments-db", "payments-api"],
        "pricing": ["catalog-db", "rate-cache"],
        "inventory": ["catalog-db"],
        "shipping": ["orders-db"],
        "reviews": ["catalog-db", "uploads"],
        "media": ["uploads"],
        "notifications": ["mail-queue"],
    }
    for name, deps in services.items():
        c[name] = {**tier, "depends_on": deps}
    c["api"] = {**tier, "instances": 4, "needs": 3, "depends_on": list(services)}
    c["web"] = {
        **tier,
        "depends_on": [{"any_of": ["dns-aws", "dns-cloudflare"]}, "registrar", "cdn", "lb", "api"],
    }
    for name, deps in {
        "orders-worker": ["orders-queue", "orders-db"],
        "mail-worker": ["mail-queue", "email-api"],
        "export-worker": ["exports", "orders-db"],
        "media-worker": ["uploads"],
        "search-indexer": ["catalog-db"],
        "reports-worker": ["dr-db", "exports"],
        "cleanup-worker": ["users-db"],
        "billing-worker": ["payments-db"],
    }.items():
        c[name] = {"kind": "worker", "instances": 2, "zones": ZONES[:2], "depends_on": deps}
    c["dns-aws"].pop("region")
    assert len(c) == 50, len(c)
    return Inventory.model_validate(
        {
            "defaults": {"provider": "aws", "account": "prod", "region": "eu-west-1"},
            "entry": ["web"],
            "components": c,
        }
    )


def identical() -> Inventory:
    """2,000 instances on the same units: one group."""
    return _tiers({"web": {"instances": 2000, "needs": 1900, "zones": ZONES[:1]}})


def two_tiers() -> Inventory:
    """Two components of 1,000 instances, each one group."""
    return _tiers(
        {
            "web": {"instances": 1000, "needs": 900, "zones": ZONES[:1], "depends_on": ["api"]},
            "api": {"instances": 1000, "needs": 900, "zones": ZONES[1:2]},
        }
    )


def _tiers(apps: dict[str, dict[str, Any]]) -> Inventory:
    """These app tiers behind a load balancer, the first on a database pair with automatic failover."""
    first = next(iter(apps))
    c: dict[str, dict[str, Any]] = {name: {"kind": "app", **fields} for name, fields in apps.items()}
    c[first]["depends_on"] = [*c[first].get("depends_on", []), "db"]
    c["lb"] = {"kind": "load_balancer", "depends_on": [first]}
    c["db"] = {"kind": "database", "instances": 2, "zones": ZONES[:2], "failover": "automatic"}
    defaults = {"provider": "aws", "account": "prod", "region": "eu-west-1"}
    return Inventory.model_validate({"defaults": defaults, "entry": ["lb"], "components": c})


def reference(inv: Inventory, reliability: Reliability, years: int, seed: int) -> np.ndarray:
    """The plain loop: every year on its own, every unit's and instance's events drawn with
    `random` and walked in time order, the failover windows opened as they come, app_up per
    stretch."""
    rand = random.Random(seed)
    inv = serving(inv)
    table = units(inv, reliability)
    placed = table.placed()
    alternating: list[tuple[Any, float, float]] = [
        (n, u.mtbf_hours, u.mttr_hours) for n, u in enumerate(table.units)
    ]
    alternating += [((g.component, i), g.mtbf_hours, g.mttr_hours) for g in table.groups for i in g.instances]
    opens = {cid: np.divide(*reversed(f.stationary()), dtype=float) for cid, f in table.failover.items()}
    downtime = np.zeros(years)
    for year in range(years):
        events: list[tuple[float, int, Any]] = []  # (time, +1 down / -1 up / 0 window closes, what)
        for what, mtbf, mttr in alternating:
            t, down = 0.0, rand.random() >= mtbf / (mtbf + mttr)
            if down:
                events.append((0.0, 1, what))
            while True:
                t += rand.expovariate(1 / (mttr if down else mtbf))
                if t >= HOURS_PER_YEAR:
                    break
                down = not down
                events.append((t, 1 if down else -1, what))
        heapq.heapify(events)
        gone: set[Any] = set()
        windows: dict[str, float] = {}  # component -> open until
        for cid, f in table.failover.items():
            up = f.instances - sum(
                1 for t, step, what in events if t == 0 and what in placed and what[0] == cid
            )
            if rand.random() * (1 + opens[cid][up]) < opens[cid][up]:
                windows[cid] = rand.expovariate(1 / f.window_hours)
                heapq.heappush(events, (windows[cid], 0, cid))
        previous = 0.0
        while events:
            t, step, what = heapq.heappop(events)
            if t > previous:
                downtime[year] += (t - previous) * (not _up(inv, placed, gone, windows, previous))
                previous = t
            if step > 0 and what in placed and what[0] in table.failover and t > 0:
                _failover(rand, table.failover[what[0]], what[0], gone, placed, windows, t, events)
            if step > 0:
                gone.add(what)
            elif step < 0:
                gone.discard(what)
        if previous < HOURS_PER_YEAR:
            downtime[year] += (HOURS_PER_YEAR - previous) * (not _up(inv, placed, gone, windows, previous))
    return downtime


def _failover(
    rand: random.Random,
    f: Failover,
    cid: str,
    gone: set[Any],
    placed: Placed,
    windows: dict[str, float],
    t: float,
    events: list[tuple[float, int, Any]],
) -> None:
    """A failure of an instance of a component that fails over: a serving one's with chance
    needs / up, while more than `needs` are up and no window is open, opens one."""
    up = f.instances - sum(1 for what in gone if what in placed and what[0] == cid)
    if windows.get(cid, -1.0) <= t and up > f.needs and rand.random() * up < f.needs:
        windows[cid] = t + rand.expovariate(1 / f.window_hours)
        if windows[cid] < HOURS_PER_YEAR:
            heapq.heappush(events, (windows[cid], 0, cid))


def _up(inv: Inventory, placed: Placed, gone: set[Any], windows: dict[str, float], t: float) -> bool:
    def down(cid: str, i: int) -> bool:
        return (cid, i) in gone or any(u in gone for u in placed[cid, i]) or windows.get(cid, -1.0) > t

    return app_up(inv, down)


def assess_seconds(inv: Inventory, folder: Path) -> float:
    """`devoops assess` on a workload file holding the inventory (JSON is YAML), in a fresh process."""
    path = folder / "workload.yaml"
    path.write_text(json.dumps({**WORKLOAD, "inventory": inv.model_dump(mode="json", exclude_defaults=True)}))
    began = time.perf_counter()
    done = subprocess.run(
        [str(DEVOOPS), "assess", str(path), "--years", "20000", "-f", "json", "-o", os.devnull],
        capture_output=True,
        text=True,
    )
    seconds = time.perf_counter() - began
    if done.returncode:
        raise SystemExit(f"devoops assess {path} failed:\n{done.stderr}")
    return seconds


def bench(name: str, inv: Inventory, args: argparse.Namespace, reference_years: int, folder: Path) -> None:
    reliability = load_lens().reliability
    table = units(serving(inv), reliability)  # what both models simulate: registrars never fail
    instances = sum(g.size for g in table.groups)
    print(f"== {name}: {len(inv.components)} components, {instances:,} instances, {len(table.units)} units")
    assessed = assess_seconds(inv, folder)
    print(f"assess: {assessed:.2f} s (a fresh process, 20,000 simulated years)")
    began = time.perf_counter()
    exact = analytic(inv, reliability)
    print(
        f"analytic: availability {exact.availability:.7f}, {exact.incidents_per_year:.3f} incidents/year, "
        f"weakest {', '.join(exact.weakest)} ({time.perf_counter() - began:.2f} s)"
    )
    began = time.perf_counter()
    samples = simulate(inv, reliability, args.years, args.seed)
    seconds = time.perf_counter() - began
    mc = 1 - samples.downtime_hours.mean() / HOURS_PER_YEAR
    se = samples.downtime_hours.std(ddof=1) / math.sqrt(args.years) / HOURS_PER_YEAR
    incidents_se = samples.incidents.std(ddof=1) / math.sqrt(args.years)
    print(f"simulate: {args.years:,} years in {seconds:.2f} s ({args.years / seconds:,.0f} years/s)")
    print(
        f"availability: Monte Carlo {mc:.7f} +- {se:.7f}, analytic {exact.availability:.7f}, "
        f"difference {(mc - exact.availability) / se:+.2f} standard errors"
    )
    print(
        f"incidents/year: Monte Carlo {samples.incidents.mean():.4f} +- {incidents_se:.4f}, "
        f"analytic {exact.incidents_per_year:.4f}, difference "
        f"{(samples.incidents.mean() - exact.incidents_per_year) / incidents_se:+.2f} standard errors"
    )
    began = time.perf_counter()
    plain = reference(inv, reliability, reference_years, args.seed)
    plain_seconds = time.perf_counter() - began
    scaled = plain_seconds * args.years / reference_years
    print(
        f"plain per-year loop: {reference_years:,} years in {plain_seconds:.2f} s, mean downtime "
        f"{plain.mean():.3f} h; scaled to {args.years:,} years: {scaled:,.0f} s"
    )
    speedup = scaled / seconds
    print(f"speed-up: {speedup:,.0f}x")
    print(
        f"aim: assess under 2 s: {'met' if assessed < 2 else 'missed'}; one million years under 5 s: "
        f"{'met' if seconds < 5 else 'missed'}; at least 50x the plain loop: {'met' if speedup >= 50 else 'missed'}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=1_000_000)
    parser.add_argument(
        "--reference-years", type=int, default=2_000, help="of the plain loop, fifty components"
    )
    parser.add_argument(
        "--scale-reference-years", type=int, default=3, help="of the plain loop, the large ones"
    )
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    if not DEVOOPS.exists():
        sys.exit(f"{DEVOOPS} is missing: pip install -e . with this Python ({sys.executable})")
    cases: list[tuple[str, Callable[[], Inventory], int]] = [
        ("fifty components", inventory, args.reference_years),
        ("2,000 identical instances", identical, args.scale_reference_years),
        ("2 x 1,000 instances", two_tiers, args.scale_reference_years),
    ]
    with tempfile.TemporaryDirectory(prefix="devoops-bench-montecarlo-") as folder:
        for name, make, reference_years in cases:
            bench(name, make(), args, reference_years, Path(folder))
    print(f"machine: {os.cpu_count()} CPUs, load average {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
