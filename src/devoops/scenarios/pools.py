"""A component's k-of-n instances as a pool, drawn at the cost of its crossings, not its instances.

The rule counts a component's instances, and from some count on it cannot tell more down
from fewer: a component's groups are a pool of the counts that matter, one unit each ("at
least c down"). A pool is drawn a passage at a time: the time below its first count that
matters in one draw (`units.Passage`), the excursions past it event by event, so its cost
grows with the times it crosses that count, not with its instances. A pool drawn instance by
instance is counted from its instances' down intervals; a failover window (`Window`) is a
unit over such instances.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np

from ..derive.economics import HOURS_PER_YEAR
from ..model.inventory import Component
from .topology import Instance
from .units import Alternating, Group, Passage, binomial, passage

Array = np.ndarray
Pieces = tuple[Array, Array, "Array | int"]  # starts, ends, and their unit (or one unit for all)


@dataclass(frozen=True)
class Pool:
    """Alike instances of one component in groups (its zones). Group g's count down matters from
    lows[g] to highs[g] (the rule tells no more apart): unit firsts[g] + c - lows[g] is down while
    at least c of it are. While fewer than `level` are down in all, no count matters."""

    rates: Alternating
    groups: tuple[tuple[int, ...], ...]  # instance numbers, in rank order
    lows: tuple[int, ...]
    highs: tuple[int, ...]
    firsts: tuple[int, ...] = ()
    level: int = 1
    members: tuple[int, ...] = ()  # alternating processes, when drawn instance by instance
    passage: Passage | None = None  # else the time from `start` down to `level` (None: never)
    start: int = 0  # where an excursion ends: `level - 1` for one group, else 0 (see `drawn`)
    mirrored: bool = False  # one group mostly at `level` or past it: drawn as its count of instances up

    @property
    def bounds(self) -> list[tuple[tuple[int, ...], int, int]]:
        return list(zip(self.groups, self.lows, self.highs, strict=True))

    @property
    def sizes(self) -> tuple[int, ...]:
        return tuple(len(g) for g in self.groups)

    def owns(self, cid: str) -> dict[Instance, int | None]:
        """Instance -> the unit that counts it down: the rank-r instance of group g is down at
        count r + 1 (the lowest ranks at `lows[g]`), no unit past `highs[g]`."""
        found: dict[Instance, int | None] = {}
        for g, members in enumerate(self.groups):
            for rank, i in enumerate(members):
                c = max(self.lows[g], rank + 1)
                found[cid, i] = self.firsts[g] + c - self.lows[g] if c <= self.highs[g] else None
        return found


@dataclass(frozen=True)
class Window:
    unit: int
    members: tuple[int, ...]  # alternating processes: the component's instances, in order
    needs: int
    hours: float
    opens: Array  # P(a window is open | v instances up), v = 0..n


def pools(c: Component, groups: list[Group]) -> Pool:
    """A component's instances as one pool. Group g's count matters from its size less `needs`
    plus one (the rest serving with it) to the total's first count that matters (the rest down);
    in all, nothing matters below the fewest instances a set of whole groups can serve with,
    less `needs`, plus one. When that set is every group, only the total matters: one group."""
    n, k = c.instances, c.needs
    reach = 1  # bit s: some set of groups holds s instances
    for g in groups:
        reach |= reach << g.size
    fewest = next(s for s in range(k, n + 1) if reach >> s & 1)
    if fewest == n:
        return Pool(groups[0], (tuple(range(n)),), (n - k + 1,), (n - k + 1,), level=n - k + 1)
    lows = tuple(max(1, g.size - k + 1) for g in groups)
    highs = tuple(min(g.size, n - k + 1) for g in groups)
    return Pool(groups[0], tuple(g.instances for g in groups), lows, highs, level=fewest - k + 1)


def passages(pool: Pool, down: Array) -> Pool:
    """A drawn pool with its passage. With one group: from `level - 1` down to `level`, or,
    when it is mostly at `level` or past it, the same for its count of instances up (a
    failure and a repair swap roles). With several: from none down to `level`."""
    r, n, level = pool.rates, sum(pool.sizes), pool.level
    if len(pool.groups) > 1:
        return replace(
            pool, passage=passage(Group(r.mtbf_hours, r.mttr_hours, instances=sum(pool.groups, ())), level, 0)
        )
    if down[level:].sum() > 1 / 2:
        turned = Group(r.mttr_hours, r.mtbf_hours, instances=pool.groups[0])
        return replace(
            pool, passage=passage(turned, n - level + 1, n - level), start=level - 1, mirrored=True
        )
    return replace(
        pool,
        passage=passage(Group(r.mtbf_hours, r.mttr_hours, instances=pool.groups[0]), level, level - 1),
        start=level - 1,
    )


def crossings(p: Pool) -> float:
    """How often a pool's count down in all reaches `level` from below, a year."""
    n = sum(p.sizes)
    down = binomial(n, 1 - p.rates.availability)[p.level - 1]
    return float(down * (n - p.level + 1) / p.rates.mtbf_hours * HOURS_PER_YEAR)


def counted(pool: Pool, intervals: list[tuple[Array, Array]]) -> tuple[Array, Array, Array]:
    """A one-group pool's crossings (time, unit, +1 up to its count or -1 down from it) from its
    instances' down intervals."""
    times = np.concatenate([s for s, _ in intervals] + [e for _, e in intervals])
    fails = sum(len(s) for s, _ in intervals)
    order = np.argsort(times, kind="stable")
    step = np.where(order < fails, 1, -1)
    down = np.cumsum(step)
    level = np.where(step > 0, down, down + 1)
    hit = (level >= pool.lows[0]) & (level <= pool.highs[0])
    return times[order][hit], pool.firsts[0] + level[hit] - pool.lows[0], step[hit]


def drawn(rng: np.random.Generator, pool: Pool, span: float) -> tuple[Array, Array, Array]:
    """A rare pool's crossings over [0, span): from its steady state, in turn an excursion stepped
    event by event until `start` down, and a passage from there to `level` drawn whole.

    With one group an excursion ends below `level`. With several, the rule asks how many are
    down in each, so an excursion goes on until none is: from there which ones go down is
    forgotten, and at `level` they are any `level` of the alike instances, equally likely.
    """
    if pool.mirrored:  # the count of instances up, drawn alike: its unit is down while that one is up
        n, r = sum(pool.sizes), pool.rates
        turned = replace(pool, rates=Alternating(r.mttr_hours, r.mtbf_hours), lows=(n - pool.level + 1,))
        turned = replace(
            turned, highs=turned.lows, level=turned.lows[0], start=n - pool.level, mirrored=False
        )
        times, units, steps = drawn(rng, turned, span)
        return np.append(0.0, times), np.append(pool.firsts[0], units), np.append(1, -steps)
    found = [(np.zeros(0), np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))]
    if pool.passage is None:
        return found[0]
    sizes = np.array(pool.sizes)
    down = rng.binomial(sizes, 1 - pool.rates.availability)
    if pool.start and down.sum() < pool.level:  # a passage under way, seen at a random moment
        t = pool.passage.residual(rng)
    else:
        length, crossed = _excursions(rng, pool, down[None, :])
        found.append(crossed[1:])
        t = float(length[0] + pool.passage.draw(rng, 1)[0])
    cycle = pool.passage.means.sum()
    while t < span:
        count = int((span - t) / cycle + 3 * np.sqrt((span - t) / cycle) + 1)
        if len(sizes) == 1:
            down = np.full((count, 1), pool.level)
        else:
            down = rng.multivariate_hypergeometric(sizes, pool.level, size=count)
        length, (which, times, units, steps) = _excursions(rng, pool, down)
        after = length + pool.passage.draw(rng, count)
        begin = t + np.concatenate([[0.0], np.cumsum(after[:-1])])
        found.append((begin[which] + times, units, steps))
        t = float(begin[-1] + after[-1])
    times, units, steps = (np.concatenate(x) for x in zip(*found, strict=True))
    inside = times < span
    return times[inside], units[inside], steps[inside]


def _excursions(
    rng: np.random.Generator, pool: Pool, down: Array
) -> tuple[Array, tuple[Array, Array, Array, Array]]:
    """Excursions from these counts down per group (one row each), event by event, until `start`
    down in all: their lengths, and their crossings (excursion, time since its start, unit, +1
    or -1), the counts they start with first. A failure takes an instance that is up, a repair
    brings back one that is down, each equally likely."""
    sizes, lows, highs = np.array(pool.sizes), np.array(pool.lows), np.array(pool.highs)
    firsts = np.array(pool.firsts)
    found = []
    for j in range(len(sizes)):  # the counts already down, from the start
        many = np.clip(np.minimum(down[:, j], highs[j]) - lows[j] + 1, 0, None)
        which = np.repeat(np.arange(len(down)), many)
        at = np.arange(len(which)) - np.repeat(np.cumsum(many) - many, many)
        found.append((which, np.zeros(len(which)), firsts[j] + at, np.ones(len(which), dtype=np.int64)))
    mtbf, mttr, n = pool.rates.mtbf_hours, pool.rates.mttr_hours, sizes.sum()
    lengths = np.zeros(len(down))
    total = down.sum(axis=1)
    which, down, total = (
        np.flatnonzero(total > pool.start),
        down[total > pool.start],
        total[total > pool.start],
    )
    t = np.zeros(len(which))
    while len(which):
        fail, repair = (n - total) / mtbf, total / mttr
        t += rng.standard_exponential(len(which)) / (fail + repair)
        failed = rng.random(len(which)) * (fail + repair) < fail
        g = np.zeros(len(which), dtype=np.int64)
        if len(sizes) > 1:
            weight = np.where(failed[:, None], sizes - down, down)
            pick = rng.random(len(which))[:, None] * weight.sum(axis=1)[:, None]
            g = np.argmax(np.cumsum(weight, axis=1) > pick, axis=1)
        rows = np.arange(len(which))
        level = down[rows, g] + failed
        step = np.where(failed, 1, -1)
        hit = (level >= lows[g]) & (level <= highs[g])
        found.append((which[hit], t[hit], (firsts[g] + level - lows[g])[hit], step[hit]))
        down[rows, g] += step
        total = total + step
        over = total <= pool.start
        if over.any():
            lengths[which[over]] = t[over]
            which, t, down, total = which[~over], t[~over], down[~over], total[~over]
    excursion, since, unit, sign = (np.concatenate(x) for x in zip(*found, strict=True))
    return lengths, (excursion, since, unit, sign)


def slots(times: Array, units: Array, steps: Array, span: float) -> Pieces:
    """Each unit's down intervals from its crossings: from one up to its count to the next down
    from it (at the latest the span's end)."""
    order = np.lexsort((times, units))
    times, units, steps = times[order], units[order], steps[order]
    began = np.flatnonzero(steps > 0)
    same = np.append(units[1:] == units[:-1], False)
    ends = np.where(same[began], np.append(times[1:], span)[began], span)
    kept = ends > times[began]
    return times[began][kept], ends[kept], units[began][kept]
