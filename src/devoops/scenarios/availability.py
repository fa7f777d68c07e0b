"""Exact steady-state availability of the application, and how often it goes down.

Units fail independently. Given the state of every unit that appears in more than one place
(zones, regions, providers, and components reached through more than one `any_of` path),
the rest combine exactly: a component's own part is up with the Poisson-binomial chance that
at least `needs` of its instances are, times its failover unit; components in series
multiply, alternatives combine as 1 - prod(1 - a). The shared units are enumerated, all
states at once as numpy arrays, and weighted by their probabilities. The result is the same
number `topology.app_up` would give averaged over every state of every unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import UsageError
from ..model.inventory import AnyOf, Inventory
from ..model.lens import Reliability
from .topology import required
from .units import HOURS_PER_YEAR, Units, units

MAX_STATES = 2**20
Array = np.ndarray


@dataclass(frozen=True)
class Analytic:
    availability: float  # full-year steady state, 0..1
    incidents_per_year: float
    weakest: list[str]  # components whose own unavailability costs the most, worst first


def at_least(k: int, ps: list[Array]) -> Array:
    """P(at least k of independent events with chances ps happen), elementwise (Poisson-binomial).

    The count is tracked only up to the threshold (ups capped at k, or downs capped at
    n - k + 1, whichever is fewer), so a 2-of-3 costs three small steps.
    """
    n = len(ps)
    count_ups = k <= n - k + 1
    cap = k if count_ups else n - k + 1
    dist = np.zeros((cap + 1, *ps[0].shape))
    dist[0] = 1.0
    for p in ps:
        hit = p if count_ups else 1.0 - p
        moved = dist[:-1] * hit
        dist[:-1] *= 1.0 - hit
        dist[1:] += moved
    result: Array = dist[cap] if count_ups else 1.0 - dist[cap]
    return result


class Structure:
    """The inventory compiled for fast exact evaluation at any unit availabilities."""

    def __init__(self, inv: Inventory, table: Units) -> None:
        need = required(inv)
        self.inv, self.table = inv, table
        self.plain: dict[str, list[str]] = {}
        self.groups: dict[str, list[list[str]]] = {}
        for cid in need:
            deps = inv.components[cid].depends_on
            self.plain[cid] = [d for d in deps if isinstance(d, str)]
            self.groups[cid] = [d.any_of for d in deps if isinstance(d, AnyOf)]
        # Components every up state needs: the entries and all they reach without an any_of.
        self.series: set[str] = set()
        stack = list(inv.entries())
        while stack:
            cid = stack.pop()
            if cid not in self.series:
                self.series.add(cid)
                stack.extend(self.plain[cid])
        # How often each other component appears once the alternatives are written out.
        occurs: dict[str, int] = dict.fromkeys(need, 0)
        for cid in _top_down(inv.entries(), self.plain, self.groups):
            times = 1 if cid in self.series else occurs[cid]
            below = [] if cid in self.series else self.plain[cid]
            for dep in below + [a for g in self.groups[cid] for a in g]:
                if dep not in self.series:
                    occurs[dep] += times
        self.conditioned = sorted(cid for cid, n in occurs.items() if n > 1)
        self.shared = [n for n, u in enumerate(table.units) if u.component is None]
        states = len(self.shared) + len(self.conditioned)
        if states > 20:
            raise UsageError(
                f"the availability model would enumerate 2^{states} states (limit 2^20): "
                "too many zones, regions and shared alternatives to solve exactly"
            )
        bits = (np.arange(2 ** len(self.shared))[:, None] >> np.arange(len(self.shared))) & 1
        self.shared_up = bits.astype(bool)  # rows: every state of the shared units
        col = (np.arange(2 ** len(self.conditioned))[:, None] >> np.arange(len(self.conditioned))) & 1
        self.conditioned_up = col.astype(float)  # columns: every state of the conditioned components
        self.position = {u: n for n, u in enumerate(self.shared)}

    def availability(self, a: Array) -> float:
        """A for unit availabilities `a` (one per unit of the table)."""
        up = self.shared_up
        chances = a[self.shared]
        weight = np.prod(np.where(up, chances, 1.0 - chances), axis=1)
        local: dict[str, Array] = {}
        for cid in self.plain:
            c = self.inv.components[cid]
            ps = []
            for i in range(c.instances):
                own, *rest = self.table.depends[(cid, i)]
                p = np.full(len(up), a[own])
                for u in rest:
                    if u in self.position:
                        p = p * up[:, self.position[u]]
                ps.append(p)
            fo = self.table.failover.get(cid)
            local[cid] = at_least(c.needs, ps) * (a[fo] if fo is not None else 1.0)
        cols = self.conditioned_up
        weight = weight[:, None] * np.ones((1, len(cols)))
        for n, cid in enumerate(self.conditioned):
            weight = weight * np.where(cols[:, n], local[cid][:, None], 1.0 - local[cid][:, None])
        memo: dict[str, Array] = {}

        def holds(cid: str) -> Array:
            if cid in self.series:
                return np.ones((1, 1))
            if cid not in memo:
                if cid in self.conditioned:
                    value = cols[None, :, self.conditioned.index(cid)]
                else:
                    value = local[cid][:, None]
                for dep in self.plain[cid]:
                    value = value * holds(dep)
                for group in self.groups[cid]:
                    value = value * either(group)
                memo[cid] = value
            return memo[cid]

        def either(group: list[str]) -> Array:
            down = np.ones((1, 1))
            for alt in group:
                down = down * (1.0 - holds(alt))
            return 1.0 - down

        top = np.ones((len(up), 1))
        for cid in sorted(self.series):
            top = top * local[cid][:, None]
            for group in self.groups[cid]:
                top = top * either(group)
        return float(np.sum(weight * top))


def analytic(inv: Inventory, reliability: Reliability) -> Analytic:
    """Availability, failures of the application per year, and the components that cost the most."""
    table = units(inv, reliability)
    model = Structure(inv, table)
    a = np.array([u.availability for u in table.units])
    base = model.availability(a)
    incidents = 0.0
    seen: dict[tuple[str | None, tuple[int, ...]], float] = {}
    for n, u in enumerate(table.units):
        same = (u.component, _infra_of(table, n)) if u.key.startswith("instance ") else (u.key, ())
        if same not in seen:
            seen[same] = _forced(model, a, [n], 1.0) - _forced(model, a, [n], 0.0)
        incidents += seen[same] * u.availability * u.rate * HOURS_PER_YEAR
    gains: list[tuple[float, str]] = []
    for cid in model.plain:
        mine = [n for n, u in enumerate(table.units) if u.component == cid]
        gain = _forced(model, a, mine, 1.0) - base
        if gain > 1e-13:
            gains.append((gain, cid))
    weakest = [cid for _, cid in _worst_first(gains)[:5]]
    return Analytic(availability=base, incidents_per_year=max(incidents, 0.0), weakest=weakest)


def _worst_first(gains: list[tuple[float, str]]) -> list[tuple[float, str]]:
    """Largest gain first; gains equal but for rounding (1e-9 apart, relatively) tie by id."""
    ordered = sorted(gains, key=lambda g: -g[0])
    groups: list[list[tuple[float, str]]] = []
    for gain, cid in ordered:
        if groups and gain >= groups[-1][0][0] * (1 - 1e-9):
            groups[-1].append((gain, cid))
        else:
            groups.append([(gain, cid)])
    return [g for group in groups for g in sorted(group, key=lambda g: g[1])]


def _top_down(
    entries: list[str], plain: dict[str, list[str]], groups: dict[str, list[list[str]]]
) -> list[str]:
    """Components ordered so each comes before everything it depends on; a cycle is refused."""
    done: list[str] = []
    state: dict[str, int] = {}  # 1 while being visited, 2 when finished

    def visit(cid: str) -> None:
        if state.get(cid) == 1:
            raise UsageError(
                f"the inventory's depends_on forms a cycle through {cid}: no availability can be computed"
            )
        if cid not in state:
            state[cid] = 1
            for dep in plain[cid] + [a for g in groups[cid] for a in g]:
                visit(dep)
            state[cid] = 2
            done.append(cid)

    for entry in entries:
        visit(entry)
    return done[::-1]


def _infra_of(table: Units, n: int) -> tuple[int, ...]:
    return next(deps[1:] for deps in table.depends.values() if deps[0] == n)


def _forced(model: Structure, a: Array, which: list[int], value: float) -> float:
    b = a.copy()
    b[which] = value
    return model.availability(b)
