"""What every chunk of the Monte Carlo shares, worked out once: the units it draws and the rule's answers.

Each component's groups become a pool (pools.py), drawn a passage at a time or instance by
instance, with its failover window as a unit of its own. The rule is asked of sets of units
down, and its answers are kept, since the same sets come back in every chunk.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import numpy as np

from ..derive.economics import HOURS_PER_YEAR
from ..model.inventory import Component, Inventory
from .pools import Pool, Window, crossings, passages, pools
from .topology import Instance, serves
from .units import Alternating, Failover, Units, binomial

RARE = 0.01
"""A pool of several zones is drawn a passage at a time when all its instances are up at least
this share of the time: its excursions end there."""
FEW = 4
"""A pool of at most this many instances, every count of which matters, is simulated as its
instances: at most 2^4 sets of them down, as cheap to answer as counts."""
CROSSING = 16
"""What a rare pool's crossing costs, in unit failures: a passage drawn and an excursion stepped."""


class Plan:
    """What every chunk shares: the units of the simulation and their keys, the pools and
    failover windows, the alternating processes as arrays, and the rule's answers."""

    def __init__(self, inv: Inventory, table: Units, seed: int) -> None:
        self.inv = inv
        self.processes: list[Alternating] = list(table.units)  # drawn all at once, chunk by chunk
        self.owner = list(range(len(table.units)))  # process -> its unit, or -1 when counted in a pool
        self.count = len(table.units)  # units of the simulation: the zones, regions and providers first
        self.pools: list[Pool] = []
        self.windows: list[Window] = []
        own: dict[Instance, int | None] = {}  # the unit that counts an instance down
        gate: dict[Instance, frozenset[int]] = {}  # the units that take it down with others
        for cid in dict.fromkeys(g.component for g in table.groups):
            mine = [g for g in table.groups if g.component == cid]
            split = self._split(pools(inv.components[cid], mine), cid not in table.failover)
            for pool in split:
                own.update(pool.owns(cid))
            window = self._window(inv.components[cid], table.failover.get(cid), split)
            gate.update(((cid, i), frozenset((*g.units, *window))) for g in mine for i in g.instances)
        self._rule(own, gate)
        keys = np.random.default_rng([seed, 1]).integers(1, 2**63, size=self.count, dtype=np.int64)
        self.keys = np.append(keys, 0)  # unit -1, no unit, has key 0
        self.sets: dict[int, frozenset[int]] = {}  # sets of two or more units down met before, by key
        self.layouts: dict[bytes, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.buffers: dict[str, np.ndarray] = {}
        self.arange = np.arange(0)
        self.known = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool))  # answers by key, sorted
        self.alone = np.array([self.down({n}) for n in range(self.count)] + [False])
        self.mtbf = np.array([p.mtbf_hours for p in self.processes])
        self.mttr = np.array([p.mttr_hours for p in self.processes])
        self.availability = np.array([p.availability for p in self.processes])
        self.cut = {p: n for n, w in enumerate(self.windows) for p in w.members if self.owner[p] >= 0}
        crossed = sum(crossings(p) * CROSSING for p in self.pools if p.passage)
        self.failures_per_year = float(np.sum(HOURS_PER_YEAR / (self.mtbf + self.mttr)) + crossed)

    def _split(self, pool: Pool, drawable: bool) -> list[Pool]:
        """The pool drawn a passage at a time (no failover; with several groups, all up often
        enough for its excursions to end), unless each group is a few instances every count of
        which matters; else each group drawn instance by instance, its instances themselves its
        units when it is such a group."""
        few = [low == 1 and high == len(members) <= FEW for members, low, high in pool.bounds]
        down = binomial(sum(pool.sizes), 1 - pool.rates.availability)
        if drawable and not all(few) and (len(few) == 1 or down[0] > RARE):
            self.pools.append(self._numbered(passages(pool, down)))
            return self.pools[-1:]
        split = []
        for (members, low, high), alone in zip(pool.bounds, few, strict=True):
            first = len(self.processes)
            one = self._numbered(Pool(pool.rates, (members,), (low,), (high,)))
            one = replace(one, members=tuple(range(first, first + len(members))))
            self.processes += [pool.rates] * len(members)
            self.owner += [one.firsts[0] + r if alone else -1 for r in range(len(members))]
            if not alone:
                self.pools.append(one)
            split.append(one)
        return split

    def _numbered(self, pool: Pool) -> Pool:
        """The pool with its units numbered: one per count of each group that matters."""
        firsts = []
        for low, high in zip(pool.lows, pool.highs, strict=True):
            firsts.append(self.count)
            self.count += high - low + 1
        return replace(pool, firsts=tuple(firsts))

    def _window(self, c: Component, failover: Failover | None, split: list[Pool]) -> tuple[int, ...]:
        """The component's failover window as a unit of its own, if it has one: it opens at the
        failures of its instances, which are then drawn one by one (one group per pool)."""
        if failover is None:
            return ()
        closed, opened = failover.stationary()
        opens = np.divide(opened, closed + opened, out=np.zeros_like(opened), where=closed + opened > 0)
        process = {i: p for pool in split for i, p in zip(pool.groups[0], pool.members, strict=True)}
        members = tuple(process[i] for i in range(c.instances))
        self.windows.append(Window(self.count, members, c.needs, failover.window_hours, opens))
        self.count += 1
        return (self.count - 1,)

    def _rule(self, own: dict[Instance, int | None], gate: dict[Instance, frozenset[int]]) -> None:
        """Each component's instances alike to the rule as blocks: how many, the units that take
        them all down, and how many of them each counting unit takes down."""
        alike: dict[tuple[str, frozenset[int]], Counter[int | None]] = {}
        for at, shared in gate.items():
            alike.setdefault((at[0], shared), Counter())[own[at]] += 1
        self.blocks: dict[str, list[tuple[int, frozenset[int], Counter[int | None]]]] = {}
        self.touches: list[set[str]] = [set() for _ in range(self.count)]  # unit -> the components it reaches
        for (cid, shared), counted in alike.items():
            self.blocks.setdefault(cid, []).append((counted.total(), shared, counted))
            for u in shared | {u for u in counted if u is not None}:
                self.touches[u].add(cid)
        self.lost: dict[frozenset[str], bool] = {}

    def layout(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Block offsets and per-draw MTBF and MTTR for these cycle counts, kept per chunk length."""
        key = counts.tobytes()
        if key not in self.layouts:
            self.layouts[key] = (
                np.concatenate([[0], np.cumsum(counts)]).astype(np.int64),
                np.repeat(self.mtbf, counts),
                np.repeat(self.mttr, counts),
            )
        return self.layouts[key]

    def buffer(self, name: str, size: int, dtype: type = np.float64) -> np.ndarray:
        """A reused array of `size`: a fresh large array costs page faults on every chunk."""
        if name not in self.buffers or len(self.buffers[name]) < size:
            self.buffers[name] = np.empty(size + size // 4, dtype)
        return self.buffers[name][:size]

    def indices(self, n: int) -> np.ndarray:
        """0, 1, ..., n - 1, kept."""
        if len(self.arange) < n:
            self.arange = np.arange(n + n // 4)
        return self.arange[:n]

    def down(self, units: set[int]) -> bool:
        """The rule's answer. A component's instances alike to the rule form blocks: all down while
        a unit they share is, else as many down as their counting units say. The rule only asks
        which components have fewer than `needs` up, so its answers are kept by that set."""
        lost = frozenset(
            cid
            for cid in set().union(*(self.touches[u] for u in units))
            if self.up(cid, units) < self.inv.components[cid].needs
        )
        if lost not in self.lost:
            self.lost[lost] = not serves(
                self.inv, lambda cid: 0 if cid in lost else self.inv.components[cid].needs
            )
        return self.lost[lost]

    def up(self, cid: str, units: set[int]) -> int:
        """How many instances of `cid` are up while `units` are down."""
        return sum(
            0 if not shared.isdisjoint(units) else size - sum(counted[u] for u in units if u in counted)
            for size, shared, counted in self.blocks[cid]
        )
