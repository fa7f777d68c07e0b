"""Exact steady-state availability of the application, and how often it goes down.

Units fail independently. A unit only one component uses (its region, a zone only its
instances sit in, its failover) folds into that component's own up chance exactly: a group
of instances sharing such a zone counts as no instance up while the zone is down. A unit
that takes down every instance of a component the application always needs factors out of
the whole: A = a_u x A(u up). What is left to condition on are the zones, regions and
providers several components share, and the components reached through more than one
`any_of` path; given their states the rest combine exactly: a component is up with the
Poisson-binomial chance that at least `needs` of its instances are, components in series
multiply, alternatives combine as 1 - prod(1 - a). The conditioned states are enumerated
as numpy arrays, for many availability vectors at once (the incident frequency and the
weakest components ask for hundreds), and weighted by their probabilities. The result is
the same number `topology.app_up` would give averaged over every state of every unit.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..derive.economics import HOURS_PER_YEAR
from ..errors import UsageError
from ..model.inventory import AnyOf, Inventory
from ..model.lens import Reliability
from .topology import required, serving
from .units import Units, units

MAX_SHARED = 14
"""At most 2^14 enumerated states: the batch of solves for incidents and the weakest components
grows with states x units, and an assessment must stay within seconds."""
Array = np.ndarray


class TooLarge(UsageError):
    """The exact model would enumerate too many states; the rest of an assessment still stands."""


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


def counts(k: int, ps: list[Array]) -> Array:
    """Distribution of how many of independent events with chances ps happen, capped at k."""
    dist = np.zeros((k + 1, *ps[0].shape))
    dist[0] = 1.0
    for p in ps:
        moved = dist[:-1] * p
        dist[:-1] *= 1.0 - p
        dist[1:] += moved
    return dist


class Part:
    """One component's own up chance, with the units only it uses folded in."""

    def __init__(self, needs: int, gates: list[int], groups: dict[tuple[int, ...], list[tuple[int, int]]]):
        self.needs = needs
        self.gates = gates  # units only it uses and every instance needs: its region, its failover
        self.groups = groups  # units only it uses that some instances need -> (own unit, row mask)

    def up(self, a: Array, masks: list[Array]) -> Array:
        """P(at least `needs` instances up), per availability vector (rows of `a`) and shared state."""
        k = self.needs
        if list(self.groups) == [()]:
            value = at_least(k, [a[:, own, None] * masks[m] for own, m in self.groups[()]])
        else:
            # Each group's up count is 0 while one of its own units is down, else Poisson-binomial;
            # the groups' counts add up, capped at k.
            dist = np.zeros((k + 1, len(a), len(masks[0])))
            dist[0] = 1.0
            for key, members in self.groups.items():
                group = counts(k, [a[:, own, None] * masks[m] for own, m in members])
                gate = np.prod(a[:, list(key)], axis=1)[:, None]
                group *= gate
                group[0] += 1.0 - gate
                total = np.zeros_like(dist)
                for x in range(k + 1):
                    for y in range(k + 1):
                        total[min(x + y, k)] += dist[x] * group[y]
                dist = total
            value = dist[k]
        for g in self.gates:
            value = value * a[:, g, None]
        return value


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
        # Who uses each unit besides an instance's own, and which units all of a component's instances need.
        users: dict[int, set[str]] = {}
        covers: dict[str, set[int]] = {}
        for (cid, i), (_, *rest) in table.depends.items():
            for u in rest:
                users.setdefault(u, set()).add(cid)
            covers[cid] = set(rest) if i == 0 else covers[cid] & set(rest)
        self.essential = sorted({u for cid in self.series for u in covers[cid]})
        self.shared = sorted(u for u, who in users.items() if len(who) > 1 and u not in self.essential)
        states = len(self.shared) + len(self.conditioned)
        if states > MAX_SHARED:
            raise TooLarge(
                f"the availability model would enumerate 2^{states} states (limit 2^{MAX_SHARED}): "
                "too many zones, regions and providers shared between components, and components "
                "shared between alternatives, to solve exactly"
            )
        bits = (np.arange(2 ** len(self.shared))[:, None] >> np.arange(len(self.shared))) & 1
        self.shared_up = bits.astype(bool)  # rows: every state of the shared units
        col = (np.arange(2 ** len(self.conditioned))[:, None] >> np.arange(len(self.conditioned))) & 1
        self.conditioned_up = col.astype(float)  # columns: every state of the conditioned components
        position = {u: n for n, u in enumerate(self.shared)}
        self.masks: list[Array] = []  # per set of shared units: 1.0 in the rows where all are up
        mask_of: dict[tuple[int, ...], int] = {}
        self.parts: dict[str, Part] = {}
        for cid in self.plain:
            c = inv.components[cid]
            ignored = set(self.essential) | set(self.shared)
            gates = sorted(covers[cid] - ignored)
            grouped: dict[tuple[int, ...], list[tuple[int, int]]] = {}
            for i in range(c.instances):
                own, *rest = table.depends[(cid, i)]
                on = tuple(position[u] for u in rest if u in position)
                if on not in mask_of:
                    mask_of[on] = len(self.masks)
                    self.masks.append(np.prod(self.shared_up[:, list(on)], axis=1).astype(float))
                key = tuple(u for u in rest if u not in ignored and u not in covers[cid])
                grouped.setdefault(key, []).append((own, mask_of[on]))
            self.parts[cid] = Part(c.needs, gates, grouped)

    def availability(self, a: Array) -> Array:
        """A for each row of `a` (unit availabilities, one column per unit of the table)."""
        size = len(self.shared_up) * len(self.conditioned_up)
        step = max(1, 2**21 // size)
        return np.concatenate([self._batch(a[n : n + step]) for n in range(0, len(a), step)])

    def _batch(self, a: Array) -> Array:
        up = self.shared_up
        chances = a[:, None, self.shared]
        weight = np.prod(np.where(up[None], chances, 1.0 - chances), axis=2)
        local = {cid: part.up(a, self.masks) for cid, part in self.parts.items()}
        cols = self.conditioned_up
        weight = weight[:, :, None] * np.ones((1, 1, len(cols)))
        for n, cid in enumerate(self.conditioned):
            here = local[cid][:, :, None]
            weight = weight * np.where(cols[None, None, :, n], here, 1.0 - here)
        memo: dict[str, Array] = {}

        def holds(cid: str) -> Array:
            if cid in self.series:
                return np.ones((1, 1, 1))
            if cid not in memo:
                if cid in self.conditioned:
                    value = cols[None, None, :, self.conditioned.index(cid)]
                else:
                    value = local[cid][:, :, None]
                for dep in self.plain[cid]:
                    value = value * holds(dep)
                for group in self.groups[cid]:
                    value = value * either(group)
                memo[cid] = value
            return memo[cid]

        def either(group: list[str]) -> Array:
            down = np.ones((1, 1, 1))
            for alt in group:
                down = down * (1.0 - holds(alt))
            return 1.0 - down

        top = np.ones((len(a), len(up), 1))
        for cid in sorted(self.series):
            top = top * local[cid][:, :, None]
            for group in self.groups[cid]:
                top = top * either(group)
        result: Array = np.sum(weight * top, axis=(1, 2)) * np.prod(a[:, self.essential], axis=1)
        return result


def analytic(inv: Inventory, reliability: Reliability) -> Analytic:
    """Availability, failures of the application per year, and the components that cost the most."""
    inv = serving(inv)
    table = units(inv, reliability)
    model = Structure(inv, table)
    a = np.array([u.availability for u in table.units])
    # Every availability asked for, solved in one batch: the base, each unit held up and down
    # (instances of one component on the same units alike count once), each component made perfect.
    vectors: list[tuple[list[int], float]] = [([], 1.0)]
    infra = {deps[0]: deps[1:] for deps in table.depends.values()}
    seen: dict[tuple[str | None, tuple[int, ...]], int] = {}
    asked: list[int] = []
    for n, u in enumerate(table.units):
        same = (u.component, infra[n]) if n in infra else (u.key, ())
        if same not in seen:
            seen[same] = len(vectors)
            vectors += [([n], 1.0), ([n], 0.0)]
        asked.append(seen[same])
    mine = {cid: [n for n, u in enumerate(table.units) if u.component == cid] for cid in model.plain}
    perfect = {cid: len(vectors) + n for n, cid in enumerate(mine)}
    vectors += [(which, 1.0) for which in mine.values()]
    batch = np.repeat(a[None, :], len(vectors), axis=0)
    for row, (which, value) in enumerate(vectors):
        batch[row, which] = value
    values = model.availability(batch)
    base = float(values[0])
    incidents = sum(
        float(values[at] - values[at + 1]) * u.availability * u.rate * HOURS_PER_YEAR
        for at, u in zip(asked, table.units, strict=True)
    )
    gains = [(float(values[perfect[cid]]) - base, cid) for cid in mine]
    weakest = [cid for _, cid in _worst_first([g for g in gains if g[0] > 1e-13])[:5]]
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
