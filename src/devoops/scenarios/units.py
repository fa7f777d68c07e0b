"""The failure units of an inventory: what fails on its own, how often, and who depends on it.

Every zone, region and provider in use is a unit: up times and repairs are exponential. The
instances of a component that sit on the same units (the same zone, region and provider) are
a group: alike instances that each fail and are repaired on their own, so the group's count of
down instances is a birth-death process, and any two of its instances are interchangeable. An
instance is up while its own state, its zone, its region and its provider are.

A component with spares (`instances > needs`) and a `failover:` stops for a failover window
each time a serving instance fails while a spare is up. Of the instances whose own state is
up, `needs` serve and the rest are spares; each fails at 1 / MTBF, so serving instances fail
at needs / MTBF, and one that fails while more than `needs` instances are up opens a window:
an exponential time (mean the failover minutes) in which every instance of the component is
down. A failure in an open window opens none; a zone, region or provider outage takes
instances down where they stand. The windows depend only on the component's own instances,
so its instances and its window are one block, independent of every other unit: `Failover`
solves its steady state. Only components the application can need are counted: the rest
cannot take it down.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np

from ..model.inventory import Inventory
from ..model.lens import Infrastructure, Reliability
from .topology import required

Array = np.ndarray
OFTEN = 1 / 8
"""A passage phase taken at least this often is drawn for every passage; the rest are skipped to."""


@dataclass(frozen=True)
class Alternating:
    """Exponential up times (mean MTBF) and exponential repairs (mean MTTR), in hours."""

    mtbf_hours: float
    mttr_hours: float

    @property
    def availability(self) -> float:
        return self.mtbf_hours / (self.mtbf_hours + self.mttr_hours)

    @property
    def rate(self) -> float:
        """Failures per hour while up."""
        return 1.0 / self.mtbf_hours


@dataclass(frozen=True)
class Unit(Alternating):
    """A zone, region or provider."""

    key: str = ""


@dataclass(frozen=True)
class Group(Alternating):
    """Instances of one component on the same units; each alternates with the group's rates."""

    component: str = ""
    instances: tuple[int, ...] = ()
    units: tuple[int, ...] = ()  # the units every instance of it needs: zone, region, provider

    @property
    def size(self) -> int:
        return len(self.instances)


@dataclass(frozen=True)
class Failover:
    """A component's instances and failover window as one block (see the module's docstring)."""

    instances: int
    needs: int
    mtbf_hours: float  # of one instance
    mttr_hours: float
    window_hours: float

    def stationary(self) -> tuple[Array, Array]:
        """P(v instances up and no window open), P(v instances up and a window open), v = 0..n.

        The count of instances up ignores the window (every instance fails and is repaired as
        ever), so it is binomial; the window's share of each count solves the balance of the
        open states, a tridiagonal system.
        """
        n, k = self.instances, self.needs
        lam, mu = 1 / self.mtbf_hours, 1 / self.mttr_hours
        v = np.arange(n + 1)
        count = binomial(n, self.mtbf_hours / (self.mtbf_hours + self.mttr_hours))
        serving = np.where(v[:-1] >= k, k * lam, 0.0)  # (v + 1, closed) -> (v, open): a serving failure
        # o_v (v lam + (n - v) mu + 1/F)
        #   = o_{v+1} (v + 1) lam + o_{v-1} (n - v + 1) mu + (b_{v+1} - o_{v+1}) serving_v
        opened = _tridiagonal(
            lower=-(n - v[1:] + 1) * mu,
            diagonal=v * lam + (n - v) * mu + 1 / self.window_hours,
            upper=serving - v[1:] * lam,
            rhs=np.append(serving * count[1:], 0.0),
        )
        return count - opened, opened

    def falls(self, closed: Array) -> Array:
        """Per count v: the flow of failures out of (v, no window), less the flow of failures into it.

        Summed against P(component up | v), it is how often failures of the component's own
        instances take it down (a failure leaves it up only by landing in another closed state).
        """
        n, k = self.instances, self.needs
        v = np.arange(n + 1)
        quiet = np.where(v > k, v - k, v)  # failures that open no window: a spare's, or any with no spare
        into = closed * quiet / self.mtbf_hours
        result: Array = closed * v / self.mtbf_hours - np.append(into[1:], 0.0)
        return result


@dataclass(frozen=True)
class Units:
    units: tuple[Unit, ...]
    groups: tuple[Group, ...]
    failover: dict[str, Failover]  # components that fail over to a spare

    def placed(self) -> dict[tuple[str, int], tuple[int, ...]]:
        """Instance -> the units it needs."""
        return {(g.component, i): g.units for g in self.groups for i in g.instances}


def units(inv: Inventory, reliability: Reliability) -> Units:
    """The units and groups of the components the application can need, in a stable order."""
    need = required(inv)
    table: list[Unit] = []
    index: dict[str, int] = {}

    def unit(key: str, level: Infrastructure) -> int:
        if key not in index:
            rates = reliability.infrastructure[level]
            index[key] = len(table)
            table.append(Unit(rates.mtbf_hours, rates.mttr_minutes / 60.0, key))
        return index[key]

    regional = {inv.placed(cid).provider for cid in need if inv.placed(cid).region is not None}
    groups: list[Group] = []
    failover: dict[str, Failover] = {}
    for cid in (cid for cid in inv.components if cid in need):
        c = inv.components[cid]
        where = inv.placed(cid)
        rates = reliability.kinds[c.kind]
        mtbf, mttr = c.mtbf_hours or rates.mtbf_hours, (c.mttr_minutes or rates.mttr_minutes) / 60.0
        shared = [unit(f"provider {where.provider}", "provider")] if where.provider in regional else []
        if where.region is not None:
            shared.append(unit(f"region {where.provider}/{where.region}", "region"))
        alike: dict[str | None, list[int]] = {}
        for i in range(c.instances):
            alike.setdefault(c.zone_of(i), []).append(i)
        for zone, members in alike.items():
            at = [unit(f"zone {where.provider}/{where.region}/{zone}", "zone")] if zone else []
            groups.append(Group(mtbf, mttr, cid, tuple(members), (*at, *shared)))
        if c.failover is not None and c.instances > c.needs:
            minutes = c.failover.minutes
            if minutes is None:
                minutes = reliability.failover_minutes[c.failover.mode.value]
            if minutes > 0:
                failover[cid] = Failover(c.instances, c.needs, mtbf, mttr, minutes / 60.0)
    return Units(tuple(table), tuple(groups), failover)


def binomial(m: int, p: float) -> Array:
    """P(j of m independent events with chance p happen), j = 0..m, through logarithms (no overflow)."""
    j = np.arange(m + 1)
    with np.errstate(divide="ignore", invalid="ignore"):
        log = (
            choose(m)[j] + np.where(j > 0, j * np.log(p), 0.0) + np.where(j < m, (m - j) * np.log1p(-p), 0.0)
        )
    result: Array = np.exp(log)
    return result


@cache
def choose(m: int) -> Array:
    """log C(m, j), j = 0..m (kept: read, never written)."""
    logs = np.concatenate([[0.0], np.cumsum(np.log(np.arange(1, m + 1)))])
    result: Array = logs[m] - logs - logs[::-1]
    return result


def _tridiagonal(lower: Array, diagonal: Array, upper: Array, rhs: Array) -> Array:
    """Solve a tridiagonal system (Thomas). Stable here: the matrix is column diagonally dominant."""
    n = len(diagonal)
    c, d = np.zeros(n), np.zeros(n)
    c[0], d[0] = (upper[0] if n > 1 else 0.0) / diagonal[0], rhs[0] / diagonal[0]
    for i in range(1, n):
        pivot = diagonal[i] - lower[i - 1] * c[i - 1]
        c[i] = upper[i] / pivot if i < n - 1 else 0.0
        d[i] = (rhs[i] - lower[i - 1] * d[i - 1]) / pivot
    for i in range(n - 2, -1, -1):
        d[i] -= c[i] * d[i + 1]
    return d


@dataclass(frozen=True)
class Passage:
    """How long a group's count of down instances takes to reach a level.

    Keilson: from 0, a birth-death process reaches `level` after a sum of independent
    exponentials whose rates are the eigenvalues of its generator on 0..level-1. Dividing the
    sums for `level` and `level - 1` (their eigenvalues interlace), the time from `level - 1`
    is phase i's Exp(rates[i]) with chance chances[i], else nothing, summed over the phases.
    Exact either way, and as cheap to draw when the level is reached once in a million years
    as when it is reached every hour.
    """

    rates: Array
    chances: Array

    @property
    def means(self) -> Array:
        result: Array = self.chances / self.rates
        return result

    def draw(self, rng: np.random.Generator, size: int) -> Array:
        """`size` independent passage times. The phases often taken are drawn for every passage;
        the rest, each rarely taken, by skipping from candidate to candidate over every (passage,
        phase) pair (geometric gaps at the largest of their chances), each kept with its own
        chance over that one: a few draws a passage however many phases there are."""
        often = self.chances >= OFTEN
        shape = (size, int(often.sum()))
        taken = rng.random(shape) < self.chances[often]
        total: Array = np.sum(rng.standard_exponential(shape) / self.rates[often] * taken, axis=1)
        rates, chances = self.rates[~often], self.chances[~often]
        if len(rates):
            top, cells = chances.max(), size * len(rates)
            expect = cells * top
            at = np.cumsum(rng.geometric(top, int(expect + 6 * np.sqrt(expect) + 16))) - 1
            while at[-1] < cells:
                at = np.append(at, at[-1] + np.cumsum(rng.geometric(top, len(at))))
            at = at[at < cells]
            at = at[rng.random(len(at)) * top < chances[at % len(rates)]]
            times = rng.standard_exponential(len(at)) / rates[at % len(rates)]
            total += np.bincount(at // len(rates), weights=times, minlength=size)
        return total

    def residual(self, rng: np.random.Generator) -> float:
        """What is left of a passage seen at a random moment: the phase under way is chosen by its
        mean and is memoryless, the later phases follow whole."""
        j = int(rng.choice(len(self.rates), p=self.means / self.means.sum()))
        later = slice(j + 1, None)
        taken = rng.random(len(self.rates) - j - 1) < self.chances[later]
        rest = rng.standard_exponential(len(taken)) / self.rates[later] * taken
        return float(rng.standard_exponential() / self.rates[j] + rest.sum())


def passage(g: Group, level: int, start: int) -> Passage | None:
    """The passage of `g`'s count of down instances from `start` (0, or `level - 1`) to `level`;
    None when double precision cannot tell how rare it is from never (its mean time overflows)."""
    d = np.arange(level)
    fail, repair = (g.size - d) / g.mtbf_hours, d / g.mttr_hours
    with np.errstate(over="ignore"):
        step = np.zeros(level)  # mean time from d to d + 1
        for i in range(level):
            step[i] = (1 + (repair[i] * step[i - 1] if i else 0.0)) / fail[i]
        if not np.isfinite(np.sum(step)):
            return None
    # 1/rate per phase; the smallest rate can be far below the others' rounding: it comes from the mean.
    with np.errstate(divide="ignore"):
        mean = 1 / _spectrum(fail, repair)
        mean[0] = np.sum(step) - np.sum(mean[1:])
        if start == 0 or level == 1:
            return Passage(1 / mean, np.ones(level))
        below = 1 / _spectrum(fail[:-1], repair[:-1])  # the same for level - 1
        below[0] = np.sum(step[:-1]) - np.sum(below[1:])
    chances = np.append(np.clip(1 - below / mean[:-1], 0.0, 1.0), 1.0)
    return Passage(1 / mean[chances > 0], chances[chances > 0])  # a phase never taken costs nothing


def _spectrum(fail: Array, repair: Array) -> Array:
    """Eigenvalues, ascending, of the generator of the count on 0..len-1 (leaving at the top),
    symmetrised: a tridiagonal matrix with the same spectrum."""
    n = len(fail)
    matrix = np.diag(fail + repair)
    off = np.sqrt(fail[:-1] * repair[1:])
    matrix[np.arange(n - 1), np.arange(1, n)] = off
    matrix[np.arange(1, n), np.arange(n - 1)] = off
    result: Array = np.linalg.eigvalsh(matrix)
    return result
