"""Exact steady-state availability of the application, and how often it goes down.

Units and blocks fail independently (see units.py). A unit only one component uses (its
region, a zone only its instances sit in) folds into that component's own up chance exactly:
a group of instances sharing such a zone counts as none up while the zone is down. A unit
that takes down every instance of a component the application always needs factors out of
the whole: A = a_u x A(u up). What is left to condition on are the zones, regions and
providers several components share, and the components reached through more than one
`any_of` path; given their states the rest combine exactly: a group's count of instances up
is binomial and the groups' counts add up, a failover block weighs each count of its
instances up by its chance with no window open, components in series multiply, alternatives
combine as 1 - prod(1 - a). The conditioned states are enumerated as numpy arrays, for many
questions at once (the incident frequency and the weakest components ask for dozens), and
weighted by their probabilities. The result is the same number `topology.app_up` would give
averaged over every state of every unit and block.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..base.errors import UsageError
from ..derive.economics import HOURS_PER_YEAR
from ..model.inventory import AnyOf, Inventory
from ..model.lens import Reliability
from .topology import required, serving
from .units import Failover, Units, choose, units

MAX_SHARED = 14
"""At most 2^14 enumerated states: the batch of solves for incidents and the weakest components
grows with states x questions, and an assessment must stay within seconds."""
Array = np.ndarray


class TooLarge(UsageError):
    """The exact model would enumerate too many states; the rest of an assessment still stands."""


@dataclass(frozen=True)
class Analytic:
    availability: float  # full-year steady state, 0..1
    incidents_per_year: float
    weakest: list[str]  # components whose own unavailability costs the most, worst first


@dataclass(frozen=True)
class Bucket:
    """A group as its component's part sees it."""

    size: int
    rest: int  # column of `a`: each instance's own availability
    one: int  # column of `a`: one instance's, held up or down to weigh what its failure does
    local: tuple[int, ...]  # units only this component uses and only some of its instances need
    mask: int  # which rows of the shared states have all of its shared units up


class Part:
    """One component's own up chance, with the units only it uses folded in."""

    def __init__(
        self, instances: int, needs: int, gates: list[int], buckets: list[Bucket], failover: Failover | None
    ) -> None:
        self.instances, self.needs = instances, needs
        self.gates = gates  # units only it uses and every instance needs: its region
        self.buckets = buckets
        self.failover = failover
        self.tails: dict[int, Array] = {}

    def up(self, a: Array, masks: list[Array], closed: Array | None) -> Array:
        """P(at least `needs` instances up), per question (rows of `a`) and shared state; a failover
        block's rows of `closed` weigh each count of instances up with no window open."""
        value = self._count(a, masks) if closed is None else self._block(a, masks, closed)
        for g in self.gates:
            value = value * a[:, g, None]
        return value

    def _gate(self, a: Array, masks: list[Array], b: Bucket) -> Array:
        """P(every unit the bucket's instances need besides their own is up)."""
        if not b.local:  # the shared units alone (times an empty product, 1), broadcast by its users
            return masks[b.mask][None, :]
        gate: Array = masks[b.mask][None, :] * np.prod(a[:, list(b.local)], axis=1)[:, None]
        return gate

    def _count(self, a: Array, masks: list[Array]) -> Array:
        """The buckets' counts added up, as ups up to `needs` or as downs up to n - needs + 1,
        whichever is fewer: binomial for the rest of a bucket's instances, one apart, and all
        down while one of the bucket's units is (a lone instance is up with both)."""
        n, k = self.instances, self.needs
        downs = k > n - k + 1
        cap = n - k + 1 if downs else k
        total = np.zeros((cap + 1, 1, 1))
        total[0] = 1.0
        for b in self.buckets:
            gate = self._gate(a, masks, b)
            rest, one = a[:, b.rest, None], a[:, b.one, None]
            if b.size == 1:
                hit = 1 - one * gate if downs else one * gate  # the counted event: a down, or an up
                total = total * (1 - hit) + _shift(total) * hit
                continue
            if downs:
                rest, one = 1 - rest, 1 - one
            dist = _binomial(b.size - 1, rest, cap)
            dist = dist * (1 - one) + _shift(dist) * one
            dist = dist * gate
            dist[min(b.size, cap) if downs else 0] += 1 - gate
            total = _add(total, dist, cap)
        result: Array = 1 - total[cap] if downs else total[cap]
        return result

    def _block(self, a: Array, masks: list[Array], closed: Array) -> Array:
        """Sum over M, the instances whose units are up, of P(M) x sum over v of closed_v x P(at
        least `needs` of the v instances up are among the M). The instances are alike, so which
        v are up is a uniform draw: the chance is hypergeometric."""
        on: dict[int, Array] = {0: np.ones((1, 1))}
        for b in self.buckets:
            gate = self._gate(a, masks, b)
            after: dict[int, Array] = {}
            for m, p in on.items():
                after[m + b.size] = after.get(m + b.size, 0.0) + p * gate
                after[m] = after.get(m, 0.0) + p * (1 - gate)
            on = after
        result: Array = sum(
            ((closed @ self._tail(m))[:, None] * p for m, p in on.items() if m), np.zeros((1, 1))
        )
        return result

    def _tail(self, m: int) -> Array:
        """P(at least `needs` of v instances drawn from n are among m given ones), v = 0..n."""
        if m not in self.tails:
            n, k = self.instances, self.needs
            v, u = np.arange(n + 1)[:, None], np.arange(k, m + 1)[None, :]
            inside = (u <= v) & (v - u <= n - m)
            uu, vv = np.where(inside, u, 0), np.where(inside, v - u, 0)
            log = choose(m)[uu] + choose(n - m)[vv] - choose(n)[v]
            self.tails[m] = np.sum(np.where(inside, np.exp(log), 0.0), axis=1)
        return self.tails[m]


def _binomial(m: int, p: Array, cap: int) -> Array:
    """P(j of m events with chance p happen), j < cap, and P(cap or more) last; elementwise in p."""
    j = np.arange(min(m, cap - 1) + 1).reshape(-1, *[1] * p.ndim)
    with np.errstate(divide="ignore", invalid="ignore"):
        log = (
            choose(m)[j] + np.where(j > 0, j * np.log(p), 0.0) + np.where(j < m, (m - j) * np.log1p(-p), 0.0)
        )
    dist = np.zeros((cap + 1, *p.shape))
    dist[: len(j)] = np.exp(log)
    if m >= cap:
        dist[cap] = np.maximum(1 - dist[:cap].sum(axis=0), 0.0)
    return dist


def _shift(dist: Array) -> Array:
    """One more event happened: every count up by one, the last bucket keeping cap and more."""
    moved = np.zeros_like(dist)
    moved[1:] = dist[:-1]
    moved[-1] += dist[-1]
    return moved


def _add(x: Array, y: Array, cap: int) -> Array:
    """The distribution of the sum of two independent capped counts, capped."""
    total = np.zeros(np.broadcast_shapes(x.shape, y.shape))
    for j in range(cap + 1):
        total[j:cap] += x[: cap - j] * y[j]
        total[cap] += x[cap - j :].sum(axis=0) * y[j]
    return total


class Structure:
    """The inventory compiled for fast exact evaluation at any unit availabilities."""

    def __init__(self, inv: Inventory, table: Units) -> None:
        need = required(inv)
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
        # Who uses each unit, and which units all of a component's instances need.
        users: dict[int, set[str]] = {}
        covers: dict[str, set[int]] = {}
        for g in table.groups:
            for u in g.units:
                users.setdefault(u, set()).add(g.component)
            covers[g.component] = covers.get(g.component, set(g.units)) & set(g.units)
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
        ignored = set(self.essential) | set(self.shared)
        buckets: dict[str, list[Bucket]] = {cid: [] for cid in self.plain}
        columns = len(table.units)
        for j, g in enumerate(table.groups):
            on = tuple(position[u] for u in g.units if u in position)
            if on not in mask_of:
                mask_of[on] = len(self.masks)
                self.masks.append(np.prod(self.shared_up[:, list(on)], axis=1).astype(float))
            local = tuple(u for u in g.units if u not in ignored and u not in covers[g.component])
            at = columns + j
            buckets[g.component].append(Bucket(g.size, at, at + len(table.groups), local, mask_of[on]))
        self.parts = {
            cid: Part(
                inv.components[cid].instances,
                inv.components[cid].needs,
                sorted(covers[cid] - ignored),
                buckets[cid],
                table.failover.get(cid),
            )
            for cid in self.plain
        }

    def availability(self, a: Array, closed: dict[str, Array]) -> Array:
        """A for each row of `a` (unit availabilities, then each group's for its instances and for
        one of them) and of each failover block's `closed` (P(v up, no window), v = 0..n)."""
        size = len(self.shared_up) * len(self.conditioned_up)
        step = max(1, 2**21 // size)
        return np.concatenate(
            [
                self._batch(a[n : n + step], {cid: c[n : n + step] for cid, c in closed.items()})
                for n in range(0, len(a), step)
            ]
        )

    def _batch(self, a: Array, closed: dict[str, Array]) -> Array:
        up = self.shared_up
        chances = a[:, None, self.shared]
        weight = np.prod(np.where(up[None], chances, 1.0 - chances), axis=2)
        local = {cid: part.up(a, self.masks, closed.get(cid)) for cid, part in self.parts.items()}
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


class Questions:
    """Availabilities to solve in one batch: the inventory as it is, then each row with some
    columns of `a` or some failover blocks' weights replaced."""

    def __init__(self, table: Units) -> None:
        groups = [g.availability for g in table.groups]
        self.base = np.array([u.availability for u in table.units] + groups + groups)
        self.steady = {cid: f.stationary()[0] for cid, f in table.failover.items()}
        self.rows: list[tuple[dict[int, float], dict[str, Array]]] = [({}, {})]

    def ask(self, columns: dict[int, float] | None = None, blocks: dict[str, Array] | None = None) -> int:
        self.rows.append((columns or {}, blocks or {}))
        return len(self.rows) - 1

    def solve(self, model: Structure) -> Array:
        a = np.repeat(self.base[None, :], len(self.rows), axis=0)
        closed = {cid: np.repeat(c[None, :], len(self.rows), axis=0) for cid, c in self.steady.items()}
        changed = [
            (row, col, value) for row, (columns, _) in enumerate(self.rows) for col, value in columns.items()
        ]
        if changed:  # in one assignment: a row at a time costs more than the solve's arithmetic
            rows, cols, values = zip(*changed, strict=True)
            a[list(rows), list(cols)] = values
        for row, (_, blocks) in enumerate(self.rows):
            for cid, weights in blocks.items():
                closed[cid][row] = weights
        return model.availability(a, closed)


def analytic(inv: Inventory, reliability: Reliability) -> Analytic:
    """Availability, failures of the application per year, and the components that cost the most.

    Incidents a year are the rate of the application's up -> down transitions. A unit's or an
    instance's failure takes it down at rate a x lambda x (A(held up) - A(held down)) (the
    Birnbaum importance); a failover block's failures at the sum over its states of flow x
    (A before - A after), which is one more availability with the block's weights replaced by
    `Failover.falls`, less the one with the block always down.
    """
    inv = serving(inv)
    table = units(inv, reliability)
    model = Structure(inv, table)
    ask = Questions(table)
    terms: list[tuple[int, int, float]] = []  # (question up, question down, rate of the failures between)
    for n, u in enumerate(table.units):
        terms.append((ask.ask({n: 1.0}), ask.ask({n: 0.0}), u.availability * u.rate))
    one = len(table.units) + len(table.groups)
    for j, g in enumerate(table.groups):
        if g.component not in table.failover:
            rate = g.size * g.availability * g.rate
            terms.append((ask.ask({one + j: 1.0}), ask.ask({one + j: 0.0}), rate))
    for cid, f in table.failover.items():
        steady = ask.steady[cid]
        terms.append((ask.ask(blocks={cid: f.falls(steady)}), ask.ask(blocks={cid: 0 * steady}), 1.0))
    perfect: dict[str, int] = {}
    for cid in model.plain:
        own = [j for j, g in enumerate(table.groups) if g.component == cid]
        best = {c: 1.0 for j in own for c in (len(table.units) + j, one + j)}
        blocks = {cid: np.eye(table.failover[cid].instances + 1)[-1]} if cid in table.failover else {}
        perfect[cid] = ask.ask(best, blocks)
    values = ask.solve(model)
    base = float(values[0])
    incidents = sum(float(values[up] - values[down]) * rate for up, down, rate in terms) * HOURS_PER_YEAR
    gains = [(float(values[at]) - base, cid) for cid, at in perfect.items()]
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
