"""The availability Monte Carlo on a 50-component inventory: speed, and agreement with the analytic model.

Builds a realistic inventory (one AWS region over three zones, k-of-n app tiers, replicated
databases with automatic failover, DNS at two providers as alternatives, SaaS identity and
payments, a backup region), simulates one million years with the lens's reliability and
compares the availability with the exact analytic one in standard errors. Then runs a plain
per-year Python loop (the `random` module, an event list sorted per year, `topology.app_up`
asked for every stretch between two events) on a few thousand years and scales its time.
Aim: one million years in under 5 s, and at least 50 times the plain loop.

    python bench/montecarlo.py [--years 1000000] [--reference-years 2000] [--seed 7]
"""

from __future__ import annotations

import argparse
import math
import random
import time
from typing import Any

import numpy as np

from devoops.derive.economics import HOURS_PER_YEAR
from devoops.lens import load_lens
from devoops.model.inventory import Inventory
from devoops.model.lens import Reliability
from devoops.scenarios.availability import analytic
from devoops.scenarios.montecarlo import simulate
from devoops.scenarios.topology import app_up, serving
from devoops.scenarios.units import units

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


def reference(inv: Inventory, reliability: Reliability, years: int, seed: int) -> np.ndarray:
    """The plain loop: every year on its own, every unit's events drawn with `random`, app_up per stretch."""
    rand = random.Random(seed)
    inv = serving(inv)
    table = units(inv, reliability)
    downtime = np.zeros(years)
    for year in range(years):
        events: list[tuple[float, int, int]] = []  # (time, +1 down / -1 up, unit)
        failed: dict[str, list[float]] = {}
        for n, u in enumerate(table.units):
            if u.failover_chance:
                continue
            t, down = 0.0, rand.random() >= u.availability
            if down:
                events.append((0.0, 1, n))
            while True:
                t += rand.expovariate(1 / (u.mttr_hours if down else u.mtbf_hours))
                if t >= HOURS_PER_YEAR:
                    break
                down = not down
                events.append((t, 1 if down else -1, n))
                if down and u.component in table.failover:
                    failed.setdefault(u.component, []).append(t)
        for cid, n in table.failover.items():
            fo = table.units[n]
            for t in failed.get(cid, []):
                if rand.random() < fo.failover_chance:
                    events.append((t, 1, n))
                    events.append((min(t + fo.mttr_hours, HOURS_PER_YEAR), -1, n))
        events.sort()
        depth = [0] * len(table.units)
        previous = 0.0
        for t, step, n in [*events, (HOURS_PER_YEAR, 0, -1)]:
            if t > previous:
                down_units = {u for u, d in enumerate(depth) if d > 0}
                if not app_up(
                    inv, lambda cid, i, gone=down_units: any(u in gone for u in table.depends[(cid, i)])
                ):
                    downtime[year] += t - previous
                previous = t
            if n >= 0:
                depth[n] += step
    return downtime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", type=int, default=1_000_000)
    parser.add_argument("--reference-years", type=int, default=2_000)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()

    inv = inventory()
    reliability = load_lens().reliability
    table = units(serving(inv), reliability)  # what both models simulate: registrars never fail
    print(f"inventory: {len(inv.components)} components, {len(table.units)} failure units")
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
    plain = reference(inv, reliability, args.reference_years, args.seed)
    plain_seconds = time.perf_counter() - began
    scaled = plain_seconds * args.years / args.reference_years
    print(
        f"plain per-year loop: {args.reference_years:,} years in {plain_seconds:.2f} s, mean downtime "
        f"{plain.mean():.3f} h; scaled to {args.years:,} years: {scaled:,.0f} s"
    )
    speedup = scaled / seconds
    print(f"speed-up: {speedup:,.0f}x")
    print(
        f"aim: under 5 s: {'met' if seconds < 5 else 'missed'}; at least 50x the plain loop: "
        f"{'met' if speedup >= 50 else 'missed'}"
    )


if __name__ == "__main__":
    main()
