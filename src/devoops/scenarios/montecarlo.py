"""Monte Carlo of the application's yearly downtime and incidents.

Every unit alternates between exponential up times (mean MTBF) and exponential repairs (mean
MTTR), started in steady state: a chunk of consecutive years is one stationary stretch of
time, so each year starts where the process happens to be. A failure of an instance of a
component with a failover opens a failover window (its minutes) with chance needs/instances;
while it is open every instance of the component is down anyway, so only the rest of an
instance's repair after it counts.

Most down intervals touch no other: a lone repair of a redundant instance changes nothing,
and a lone cut (a unit whose failure alone takes the application down) is one incident as
long as itself. So each chunk finds the intervals that overlap another (a sort of packed
integer keys, then an exact check of the few candidates) and sweeps only those, with the
cuts that cross a new year, along one time line. Between two events the set of down units
is fixed; a cumulative XOR of random 64-bit unit keys names it, and each distinct set is
put once to `topology.app_up`, the one rule. The large arrays are reused from chunk to
chunk: a fresh one costs a page fault per 4 kB each time.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..derive.economics import HOURS_PER_YEAR
from ..errors import UsageError
from ..model.inventory import Inventory
from ..model.lens import Reliability
from .topology import app_up, serving
from .units import Units, units

EVENTS_PER_CHUNK = 150_000
"""Unit failures drawn at once: small enough to stay in the processor's cache, which bounds memory too."""
MAX_CHUNK_YEARS = 20_000
WORKERS = 2
PARALLEL_FAILURES = 30_000_000
"""Past this many unit failures to draw, chunks run in WORKERS processes. Each chunk has its own
seed, so the result does not depend on where or in which order it runs."""


@dataclass(frozen=True)
class Samples:
    downtime_hours: np.ndarray  # float64, one per simulated year of 8760 h
    incidents: np.ndarray  # int64, the application's up -> down transitions per year


class _Plan:
    """What every chunk shares: the units' rates as arrays, their keys, and the rule's answers."""

    def __init__(self, inv: Inventory, table: Units, seed: int) -> None:
        self.inv, self.table = inv, table
        keys = np.random.default_rng([seed, 1]).integers(1, 2**63, size=len(table.units), dtype=np.int64)
        self.keys = np.append(keys, 0)  # unit -1, no unit, has key 0
        self.cache: dict[int, bool] = {}
        self.layouts: dict[bytes, tuple[np.ndarray, np.ndarray, np.ndarray]] = {}
        self.buffers: dict[str, np.ndarray] = {}
        self.arange = np.arange(0)
        self.known = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool))  # the cache as sorted arrays
        self.masks = {at: sum(1 << u for u in needs) for at, needs in table.depends.items()}
        self.alone = np.array([self.down({n}) for n in range(len(table.units))] + [False])
        self.alternating = np.array(
            [n for n, u in enumerate(table.units) if not u.failover_chance], dtype=np.int64
        )
        chosen = [table.units[n] for n in self.alternating]
        self.mtbf = np.array([u.mtbf_hours for u in chosen])
        self.mttr = np.array([u.mttr_hours for u in chosen])
        self.availability = np.array([u.availability for u in chosen])
        self.instances_of = {
            cid: [k for k, n in enumerate(self.alternating) if table.units[n].component == cid]
            for cid in table.failover
        }
        self.failures_per_year = float(np.sum(HOURS_PER_YEAR / (self.mtbf + self.mttr)))

    def layout(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Block offsets and per-draw MTBF and MTTR for these cycle counts, kept per chunk length."""
        key = counts.tobytes()
        if key not in self.layouts:
            self.layouts[key] = (
                np.concatenate([[0], np.cumsum(counts)]),
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
        """The rule's answer; each instance asks one bit mask of the units it needs."""
        gone = sum(1 << u for u in units)
        return not app_up(self.inv, lambda cid, i: self.masks[cid, i] & gone != 0)


def simulate(inv: Inventory, reliability: Reliability, years: int, seed: int) -> Samples:
    """Yearly downtime hours and incidents of `years` simulated years; the same seed, the same years."""
    if years < 1:
        raise UsageError(f"the Monte Carlo needs at least one year, not {years}")
    inv = serving(inv)
    plan = _Plan(inv, units(inv, reliability), seed)
    chunk = int(min(MAX_CHUNK_YEARS, max(1, EVENTS_PER_CHUNK / (plan.failures_per_year + 1e-9))))
    jobs = [(first, min(chunk, years - first), number) for number, first in enumerate(range(0, years, chunk))]
    downtime = np.zeros(years)
    incidents = np.zeros(years, dtype=np.int64)
    if not plan.table.units:  # nothing the application needs can fail
        return Samples(downtime_hours=downtime, incidents=incidents)
    if years * plan.failures_per_year < PARALLEL_FAILURES or len(jobs) < WORKERS:
        parts = [_chunks(plan, seed, jobs)]
    else:
        with ProcessPoolExecutor(max_workers=WORKERS) as pool:
            parts = list(
                pool.map(
                    _chunks, [plan] * WORKERS, [seed] * WORKERS, [jobs[n::WORKERS] for n in range(WORKERS)]
                )
            )
    for part in parts:
        for first, d, k in part:
            downtime[first : first + len(d)], incidents[first : first + len(k)] = d, k
    return Samples(downtime_hours=downtime, incidents=incidents)


def _chunks(
    plan: _Plan, seed: int, jobs: list[tuple[int, int, int]]
) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Run chunks (first year, years, number); chunk n draws from its own seed (seed, 2, n)."""
    return [(first, *_chunk(plan, np.random.default_rng([seed, 2, number]), n)) for first, n, number in jobs]


def _downs(rng: np.random.Generator, plan: _Plan, span: float) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every unit's down intervals over [0, span), started in steady state: starts, ends, unit.

    The alternating units are drawn in one array, unit by unit in blocks long enough to pass
    the span (by six standard deviations; a block that still falls short is drawn again,
    longer); a cumulative sum per block gives each unit's time line. Failover windows follow,
    one component at a time. The arrays are the plan's buffers, valid until the next chunk.
    """
    cycles = span / (plan.mtbf + plan.mttr)
    counts = (cycles + 6 * np.sqrt(cycles) + 8).astype(np.int64)
    while True:
        offsets, mtbf, mttr = plan.layout(counts)
        ups = rng.standard_exponential(out=plan.buffer("ups", int(offsets[-1])))
        ups *= mtbf
        repairs = rng.standard_exponential(out=plan.buffer("repairs", int(offsets[-1])))
        repairs *= mttr
        started_down = rng.random(len(counts)) >= plan.availability
        firsts = offsets[:-1]
        ups[firsts[started_down]] = 0.0
        ups += repairs
        for a, b in zip(firsts, offsets[1:], strict=True):
            np.cumsum(ups[a:b], out=ups[a:b])
        short = ups[offsets[1:] - 1] < span
        if not short.any():
            break
        counts = np.where(short, counts * 2, counts)
    ends = ups
    starts = np.subtract(ends, repairs, out=repairs)
    starts[firsts] = np.where(started_down, 0.0, np.maximum(starts[firsts], 0.0))  # no rounding below 0
    inside = [int(np.searchsorted(starts[a:b], span)) for a, b in zip(firsts, offsets[1:], strict=True)]
    pieces = [
        (starts[a : a + m], ends[a : a + m], int(n))
        for a, m, n in zip(firsts, inside, plan.alternating, strict=True)
    ]
    for cid, n in plan.table.failover.items():
        u = plan.table.units[n]
        # a repair already under way at time 0 is no failure inside the span
        failed = np.concatenate([pieces[k][0][int(started_down[k]) :] for k in plan.instances_of[cid]])
        opened, closed = _windows(failed[rng.random(len(failed)) < u.failover_chance], u.mttr_hours)
        for k in plan.instances_of[cid]:
            pieces[k] = (*_outside(pieces[k][0], pieces[k][1], opened, closed), pieces[k][2])
        pieces.append((opened, closed, n))
    lengths = np.array([len(p[0]) for p in pieces])
    size = int(lengths.sum())
    down_at = np.concatenate([p[0] for p in pieces], out=plan.buffer("down_at", size))
    up_at = np.concatenate([p[1] for p in pieces], out=plan.buffer("up_at", size))
    last = np.cumsum(lengths)[lengths > 0] - 1
    up_at[last] = np.minimum(up_at[last], span)  # only a unit's last interval can run past the span
    who = plan.buffer("who", size, np.int64)
    at = 0
    for (_, _, n), length in zip(pieces, lengths, strict=True):
        who[at : at + length] = n
        at += length
    return down_at, up_at, who


def _windows(starts: np.ndarray, hours: float) -> tuple[np.ndarray, np.ndarray]:
    """Overlapping failover windows of one component merged, so each unit toggles down once."""
    starts = np.sort(starts)
    ends = starts + hours
    new = np.ones(len(starts), dtype=bool)
    new[1:] = starts[1:] > ends[:-1]
    last = np.append(new[1:], True)  # windows are equally long: the group's last ends last
    return starts[new], ends[last]


def _outside(
    starts: np.ndarray, ends: np.ndarray, opened: np.ndarray, closed: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """An instance's down intervals less the part inside its component's failover windows.

    The window takes every instance of the component down, so whether this one is down too
    changes nothing then; cut off, the failure that opened a window no longer overlaps it,
    and the window is a lone interval like any other.
    """
    if not len(opened):
        return starts, ends
    w = np.searchsorted(opened, starts, side="right") - 1  # the last window opened at or before
    until = closed[w]
    starts = np.where((w >= 0) & (starts < until), np.minimum(ends, until), starts)
    left = starts < ends
    return starts[left], ends[left]


def _chunk(plan: _Plan, rng: np.random.Generator, years: int) -> tuple[np.ndarray, np.ndarray]:
    span = years * HOURS_PER_YEAR
    down_at, up_at, who = _downs(rng, plan, span)
    overlaps = _together(plan, down_at, up_at, who, span)
    # A cut on its own that overlaps nothing is one incident as long as itself, in its year;
    # a unit down alone that is no cut changes nothing. Only the rest needs the sweep.
    cuts = np.flatnonzero(plan.alone[who] & ~overlaps)
    year = (down_at[cuts] * (1 / HOURS_PER_YEAR)).astype(np.int64)
    inside = year == ((up_at[cuts] - 1e-9) * (1 / HOURS_PER_YEAR)).astype(np.int64)
    lone, year = cuts[inside], year[inside]
    downtime = np.bincount(year, weights=up_at[lone] - down_at[lone], minlength=years)
    incidents = np.bincount(year, minlength=years)
    kept = overlaps
    kept[cuts[~inside]] = True  # cuts across a new year: the sweep splits them
    swept, began = _sweep(plan, down_at[kept], up_at[kept], who[kept], years)
    return downtime + swept, incidents + began


def _together(plan: _Plan, starts: np.ndarray, ends: np.ndarray, who: np.ndarray, span: float) -> np.ndarray:
    """The intervals the sweep needs: those that overlap another, and cuts that touch one of them.

    A cut that only touches such an interval (a failover window and the rest of the repair
    that opened it) is part of the same incident. An interval that only touches others and
    is no cut changes nothing.

    Sorting int64 keys is several times faster than an argsort of floats, so each start is
    rounded down to a fine grid and its index packed into the low bits; ends are rounded to
    the grid step after them and shifted alike. Rounding can only add candidates, never hide
    one; the few candidates are then checked exactly.
    """
    n = len(starts)
    bits = max(n.bit_length(), 1)
    scale = 2.0 ** (62 - bits) / span  # grid steps an hour
    grid = plan.buffer("grid", n)
    key = plan.buffer("key", n, np.int64)
    np.multiply(starts, scale, out=grid)
    np.copyto(key, grid, casting="unsafe")  # rounds down: the times are not negative
    key <<= bits
    key |= plan.indices(n)
    key.sort()
    order = np.bitwise_and(key, (1 << bits) - 1, out=plan.buffer("order", n, np.int64))
    np.multiply(np.take(ends, order, out=grid), scale, out=grid)
    end = plan.buffer("end", n, np.int64)
    np.copyto(end, grid, casting="unsafe")
    end += 1
    end <<= bits
    reach = np.maximum.accumulate(end, out=plan.buffer("reach", n, np.int64))
    hit = np.zeros(n, dtype=bool)
    hit[1:] = key[1:] < reach[:-1]  # starts before an earlier one ends
    hit[:-1] |= hit[1:]  # and the one before it: so each such run, the earlier one with it
    maybe = order[hit]
    maybe = maybe[np.argsort(starts[maybe])]
    s, e = starts[maybe], ends[maybe]
    overlap = _meets(s, e, closed=False)
    cut = plan.alone[who[maybe]]
    matter = np.flatnonzero(overlap | cut)
    overlap[matter] |= cut[matter] & _meets(s[matter], e[matter], closed=True)
    together = np.zeros(n, dtype=bool)
    together[maybe[overlap]] = True
    return together


def _meets(starts: np.ndarray, ends: np.ndarray, closed: bool) -> np.ndarray:
    """Which of these intervals (sorted by start) overlap another, or also touch one if `closed`."""
    before = np.less_equal if closed else np.less
    reach = np.maximum.accumulate(ends)
    hit = np.zeros(len(starts), dtype=bool)
    hit[1:] = before(starts[1:], reach[:-1])  # starts before an earlier one ends
    hit[:-1] |= before(starts[1:], ends[:-1])  # ends after the next one starts
    return hit


def _sweep(
    plan: _Plan, down_at: np.ndarray, up_at: np.ndarray, who: np.ndarray, years: int
) -> tuple[np.ndarray, np.ndarray]:
    """Downtime and incidents per year from the down intervals that can matter."""
    span = years * HOURS_PER_YEAR
    boundaries = np.arange(1, years) * HOURS_PER_YEAR
    times = np.concatenate([[0.0], down_at, up_at, boundaries])
    order = np.argsort(times)
    times = times[order]
    # what each event does to the count of down units: the start of time, starts, ends, years
    m = len(down_at)
    step = np.array([0, 1, -1, 0])[np.searchsorted([1, m + 1, 2 * m + 1], order, side="right")]
    unit = np.concatenate([[-1], who, who, np.full(len(boundaries), -1)])[order]
    count = np.cumsum(step)
    key = np.bitwise_xor.accumulate(plan.keys[unit])
    single = np.bitwise_xor.accumulate(unit + 1) - 1
    length = np.diff(np.append(times, span))
    down = np.zeros(len(times), dtype=bool)
    one = count == 1
    down[one] = plan.alone[single[one]]
    many = np.flatnonzero(count >= 2)
    if len(many):
        distinct, first, back = np.unique(key[many], return_index=True, return_inverse=True)
        keys, answers = plan.known
        at = np.minimum(np.searchsorted(keys, distinct), max(len(keys) - 1, 0))
        found = keys[at] == distinct if len(keys) else np.zeros(len(distinct), dtype=bool)
        down_for = np.where(found, answers[at] if len(keys) else False, False)
        missing = np.flatnonzero(~found)
        for n in missing:
            down_for[n] = _answer(plan, int(distinct[n]), many[first[n]], count, single, unit, step)
        if len(missing):  # remember the new sets as arrays too, kept sorted
            merged_keys = np.concatenate([keys, distinct[missing]])
            order = np.argsort(merged_keys)
            plan.known = (merged_keys[order], np.concatenate([answers, down_for[missing]])[order])
        down[many] = down_for[back]
    kept = length > 0
    times, length, down = times[kept], length[kept], down[kept]
    year = np.minimum(
        (times * (1 / HOURS_PER_YEAR) + 1e-9).astype(np.int64), years - 1
    )  # a boundary is its new year
    downtime = np.bincount(year, weights=np.where(down, length, 0.0), minlength=years)
    before = np.concatenate([[False], down[:-1]])
    starts_year = np.concatenate([[True], year[1:] != year[:-1]])
    began = down & (~before | starts_year)
    return downtime, np.bincount(year[began], minlength=years).astype(np.int64)


def _answer(
    plan: _Plan, key: int, j: int, count: np.ndarray, single: np.ndarray, unit: np.ndarray, step: np.ndarray
) -> bool:
    """Whether the set of down units after event j (named by `key`) takes the application down."""
    if key in plan.cache:
        return plan.cache[key]
    i = j
    while count[i] >= 2:  # back to the last moment with at most one unit down
        i -= 1
    down = {int(single[i])} if count[i] == 1 else set()
    for e in range(i + 1, j + 1):
        if unit[e] < 0:
            continue
        if step[e] > 0:
            down.add(int(unit[e]))
        else:
            down.discard(int(unit[e]))
    plan.cache[key] = plan.down(down)
    return plan.cache[key]
