"""Monte Carlo of the application's yearly downtime and incidents.

The units, groups and failover blocks of units.py, simulated in steady state: a chunk of
consecutive years is one stationary stretch, so each year starts where the process happens
to be. An incident is the application going from up to down; one under way when a year (or
a chunk) starts belongs to the year it began in, while its hours count in the years they
fall in.

A component's groups are a pool of the counts down that matter, drawn a passage at a time
(pools.py): its cost grows with the times it crosses them, not with its instances. The
instances of a component that fails over, and pools of several zones rarely all up at once,
are drawn instance by instance, like zones, regions and providers: alternating up and down,
all at once per chunk; the windows open at the failures (while a spare is up, a serving one
with chance needs / up), one at a time.

Most down intervals touch no other: a lone repair of a redundant instance changes nothing,
and a lone cut (a unit whose failure alone takes the application down) is one incident as
long as itself. So each chunk finds the intervals that overlap another (a sort of packed
integer keys, then an exact check of the few candidates) and sweeps only those, with the
cuts that cross a new year, along one time line. Between two events the set of down units
is fixed; a cumulative XOR of random 64-bit unit keys names it, and each distinct set is
put once to the rule. The large arrays are reused from chunk to chunk: a fresh one costs a
page fault per 4 kB each time.
"""

from __future__ import annotations

import itertools
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..base.errors import UsageError
from ..derive.economics import HOURS_PER_YEAR
from ..model.inventory import Inventory
from ..model.lens import Reliability
from .mcplan import Plan
from .pools import Array, Pieces, Window, counted, drawn, slots
from .topology import serving
from .units import units

EVENTS_PER_CHUNK = 150_000
"""Unit failures drawn at once: small enough to stay in the processor's cache, which bounds memory too."""
MAX_CHUNK_YEARS = 20_000
WORKERS = 2
PARALLEL_FAILURES = 30_000_000
"""Past this many unit failures to draw, chunks run in WORKERS processes. Each chunk has its own
seed, so the result does not depend on where or in which order it runs."""
BATCHES = 24
"""Batches of chunks per worker, each taken by the first worker free: one slowed by other work on
its processor takes fewer, instead of the rest waiting for it."""

_worker: tuple[Plan, int] | None = None  # in a worker process: the plan and seed its batches share


@dataclass(frozen=True)
class Samples:
    downtime_hours: np.ndarray  # float64, one per simulated year of 8760 h
    incidents: np.ndarray  # int64, the application's up -> down transitions begun in each year


def simulate(inv: Inventory, reliability: Reliability, years: int, seed: int) -> Samples:
    """Yearly downtime hours and incidents of `years` simulated years; the same seed, the same years."""
    if years < 1:
        raise UsageError(f"the Monte Carlo needs at least one year, not {years}")
    inv = serving(inv)
    plan = Plan(inv, units(inv, reliability), seed)
    chunk = int(min(MAX_CHUNK_YEARS, max(1, EVENTS_PER_CHUNK / (plan.failures_per_year + 1e-9))))
    jobs = [(first, min(chunk, years - first), number) for number, first in enumerate(range(0, years, chunk))]
    downtime = np.zeros(years)
    incidents = np.zeros(years, dtype=np.int64)
    if not plan.count:  # nothing the application needs can fail
        return Samples(downtime_hours=downtime, incidents=incidents)
    if years * plan.failures_per_year < PARALLEL_FAILURES or len(jobs) < WORKERS:
        parts = [_chunks(plan, seed, jobs)]
    else:
        size = max(1, len(jobs) // (WORKERS * BATCHES))
        with ProcessPoolExecutor(max_workers=WORKERS, initializer=_start, initargs=(plan, seed)) as pool:
            parts = list(pool.map(_batch, [jobs[n : n + size] for n in range(0, len(jobs), size)]))
    for part in parts:
        for first, d, k in part:
            downtime[first : first + len(d)], incidents[first : first + len(k)] = d, k
    return Samples(downtime_hours=downtime, incidents=incidents)


def _chunks(
    plan: Plan, seed: int, jobs: list[tuple[int, int, int]]
) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Run chunks (first year, years, number); chunk n draws from its own seed (seed, 2, n)."""
    return [(first, *_chunk(plan, np.random.default_rng([seed, 2, number]), n)) for first, n, number in jobs]


def _start(plan: Plan, seed: int) -> None:
    """A worker's start: the plan its batches share, so the rule's answers learnt carry over."""
    global _worker
    _worker = plan, seed


def _batch(jobs: list[tuple[int, int, int]]) -> list[tuple[int, np.ndarray, np.ndarray]]:
    """Run a batch of chunks in a worker."""
    assert _worker is not None
    return _chunks(*_worker, jobs)


def _alternate(rng: np.random.Generator, plan: Plan, span: float) -> tuple[Array, Array, Array, Array]:
    """Every alternating process's down intervals over [0, span), started in steady state: their
    starts and ends, a block per process from `offsets` (those past the span at its end), and
    whether each started down.

    They are drawn in one array, process by process in blocks long enough to pass the span (by
    six standard deviations; a block that still falls short is drawn again, longer); a
    cumulative sum per block gives each one's time line. The arrays are the plan's buffers,
    valid until the next chunk.
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
        _cumsums(ups, counts, offsets)
        short = ups[offsets[1:] - 1] < span
        if not short.any():
            break
        counts = np.where(short, counts * 2, counts)
    ends = ups
    starts = np.subtract(ends, repairs, out=repairs)
    starts[firsts] = np.where(started_down, 0.0, np.maximum(starts[firsts], 0.0))  # no rounding below 0
    return starts, ends, offsets, started_down


def _cumsums(times: Array, counts: Array, offsets: Array) -> None:
    """A cumulative sum per block, in place. Blocks of one length in a row are summed as the rows
    of one array, each in order as on its own: a call per block costs more than its sum."""
    edges = np.flatnonzero(np.diff(counts, prepend=-1, append=-1)).tolist()  # where the length changes
    for a, b in itertools.pairwise(edges):
        rows = times[offsets[a] : offsets[b]].reshape(b - a, int(counts[a]))
        np.cumsum(rows, axis=1, out=rows)


def _downs(rng: np.random.Generator, plan: Plan, span: float) -> tuple[Array, Array, Array, Array]:
    """Every unit's down intervals over [0, span): starts, ends (at most span), unit, and whether
    it is a cut.

    A window takes every instance of its component down, so the part of an instance's repair
    inside one changes nothing: cut off, the failure that opened a window no longer overlaps it.
    The alternating processes' intervals are packed in one pass each, in process order.
    """
    starts, ends, offsets, started = _alternate(rng, plan, span)
    inside = np.add.reduceat(starts < span, offsets[:-1], dtype=np.intp)  # begun within the span

    def intervals(p: int) -> tuple[Array, Array]:
        a = offsets[p]
        return starts[a : a + inside[p]], ends[a : a + inside[p]]

    windows = [
        _windows(rng, w, [intervals(p) for p in w.members], started[list(w.members)], span)
        for w in plan.windows
    ]
    pieces: list[Pieces] = []
    for pool in plan.pools:
        crossed = (
            counted(pool, [intervals(p) for p in pool.members]) if pool.members else drawn(rng, pool, span)
        )
        pieces.append(slots(*crossed, span))
    pieces += [(opened, closed, w.unit) for w, (opened, closed) in zip(plan.windows, windows, strict=True)]
    bounds = [(opened, np.append(-np.inf, closed)) for opened, closed in windows]
    own: list[Pieces] = []
    for p, n in enumerate(plan.owner):
        if n >= 0:  # not counted in a pool
            s, e = intervals(p)
            if p in plan.cut:
                left = _outside(s, e, *bounds[plan.cut[p]])
                s, e = s[left], e[left]
            own.append((s, e, n))
    lengths = [len(s) for s, _, _ in own]
    k = sum(lengths)
    size = k + sum(len(s) for s, _, _ in pieces)
    down_at = np.concatenate([s for s, _, _ in own + pieces], out=plan.buffer("down_at", size))
    up_at = np.concatenate([e for _, e, _ in own + pieces], out=plan.buffer("up_at", size))
    np.minimum(up_at, span, out=up_at)
    who = plan.buffer("who", size, np.int32)
    cut = plan.buffer("cut", size, np.bool_)
    units = np.array([n for _, _, n in own], dtype=np.int32)
    who[:k] = np.repeat(units, lengths)
    cut[:k] = np.repeat(plan.alone[units], lengths)
    for s, _, unit in pieces:
        who[k : k + len(s)], cut[k : k + len(s)] = unit, plan.alone[unit]
        k += len(s)
    return down_at, up_at, who, cut


def _windows(
    rng: np.random.Generator, w: Window, intervals: list[tuple[Array, Array]], started: Array, span: float
) -> tuple[Array, Array]:
    """A failover component's windows over [0, span). Each failure of an instance, while v are up
    (itself included) and more than `needs`, is a serving one's with chance needs / v and opens a
    window, unless one is open; the first may be open at the start, with its steady-state chance
    given how many are up then."""
    fails = [s for s, _ in intervals]
    times = np.concatenate(fails + [e for _, e in intervals])
    order = np.argsort(times, kind="stable")
    k = np.flatnonzero(order < sum(len(s) for s in fails))  # the failures' places in time order
    at = times[order[k]]
    up = k - 2 * np.arange(len(k)) + len(intervals)  # before failure i, k - i repairs: i - (k - i) down
    draws = rng.random(len(at) + 1)  # one a failure, then whether one is open at the start
    serving = draws[:-1] * up < w.needs
    serving &= up > w.needs
    serving &= at > 0
    at = at[serving]  # all before the span's end
    if draws[-1] < w.opens[len(intervals) - int(started.sum())]:
        at = np.append(0.0, at)
    ends = rng.standard_exponential(len(at))
    ends *= w.hours
    ends += at
    keep = np.ones(len(at), dtype=bool)
    while True:  # a window opens unless an earlier open one still is: settles from the left
        reach = np.maximum.accumulate(np.where(keep, ends, -np.inf))
        now = np.append(True, at[1:] >= reach[:-1])[: len(at)]
        if np.array_equal(now, keep):
            return at[keep], np.minimum(ends[keep], span)
        keep = now


def _outside(starts: Array, ends: Array, opened: Array, after: Array) -> Array:
    """Trims an instance's down intervals, in place, to their part outside its component's
    failover windows (opened, and closed at after[1:]); which are left. One that starts inside
    the last window opened at or before it now starts when that closes, or ends."""
    until = after[np.searchsorted(opened, starts, side="right")]
    np.maximum(starts, np.minimum(ends, until), out=starts)
    return starts < ends


def _chunk(plan: Plan, rng: np.random.Generator, years: int) -> tuple[np.ndarray, np.ndarray]:
    span = years * HOURS_PER_YEAR
    down_at, up_at, who, cut = _downs(rng, plan, span)
    overlaps = _together(plan, down_at, up_at, cut, span)
    # A cut on its own that overlaps nothing is one incident as long as itself, in its year
    # (none when it was under way at the start); a unit down alone that is no cut changes
    # nothing. Only the rest needs the sweep.
    cuts = np.flatnonzero(cut & ~overlaps)
    year = (down_at[cuts] * (1 / HOURS_PER_YEAR)).astype(np.int64)
    inside = year == ((up_at[cuts] - 1e-9) * (1 / HOURS_PER_YEAR)).astype(np.int64)
    lone, year = cuts[inside], year[inside]
    downtime = np.bincount(year, weights=up_at[lone] - down_at[lone], minlength=years)
    incidents = np.bincount(year[down_at[lone] > 0], minlength=years)
    kept = overlaps
    kept[cuts[~inside]] = True  # cuts across a new year: the sweep splits them
    kept = np.flatnonzero(kept)
    swept, began = _sweep(plan, down_at[kept], up_at[kept], who[kept].astype(np.int64), years)
    return downtime + swept, incidents + began


def _together(plan: Plan, starts: Array, ends: Array, cut: Array, span: float) -> Array:
    """The intervals the sweep needs: those that overlap another, and cuts that touch one of them.

    A cut that only touches such an interval (a failover window and the rest of the repair
    that opened it) is part of the same incident. An interval that only touches others and
    is no cut changes nothing.

    Sorting int64 keys is several times faster than an argsort of floats, so each start is
    rounded down to a fine grid and its index packed into the low bits; ends are rounded up
    past the grid step after them, on the keys' own scale. Rounding can only add candidates,
    never hide one, and the answer does not depend on the candidates beyond those: the few
    are then checked exactly.
    """
    n = len(starts)
    bits = max(n.bit_length(), 1)
    scale = 2.0 ** (62 - bits) / span  # grid steps an hour
    key = np.multiply(starts, scale, out=plan.buffer("key", n, np.int64), casting="unsafe")  # rounds down
    key <<= bits
    key |= plan.indices(n)
    key.sort(kind="stable")  # a merge of the runs they come in, each unit's in time order: twice as fast
    order = np.bitwise_and(key, (1 << bits) - 1, out=plan.buffer("order", n, np.int64))
    reach = plan.buffer("reach", n, np.int64)
    np.multiply(
        np.take(ends, order, out=plan.buffer("grid", n)), scale * 2.0**bits, out=reach, casting="unsafe"
    )
    reach += (1 << bits) + 1  # past any key of a start at or before this end
    np.maximum.accumulate(reach, out=reach)
    hit = np.zeros(n, dtype=bool)
    np.less(key[1:], reach[:-1], out=hit[1:])  # starts before an earlier one ends
    hit[:-1] |= hit[1:]  # and the one before it: so each such run, the earlier one with it
    maybe = order[np.flatnonzero(hit)]
    maybe = maybe[np.argsort(starts[maybe], kind="stable")]  # sorted but within a grid step
    s, e = starts[maybe], ends[maybe]
    overlap = _meets(s, e, closed=False)
    cuts = cut[maybe]
    matter = np.flatnonzero(overlap | cuts)
    overlap[matter] |= cuts[matter] & _meets(s[matter], e[matter], closed=True)
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
    plan: Plan, down_at: np.ndarray, up_at: np.ndarray, who: np.ndarray, years: int
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
        for n in missing[np.argsort(first[missing])]:  # in time order: the sets before are known
            down_for[n] = _answer(plan, many[first[n]], key, count, single, unit, step)
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
    began = down & ~np.concatenate([down[:1], down[:-1]])  # down at the start began before it
    return downtime, np.bincount(year[began], minlength=years).astype(np.int64)


def _answer(plan: Plan, j: int, key: Array, count: Array, single: Array, unit: Array, step: Array) -> bool:
    """Whether the set of down units after event j (named by key[j]) takes the application down.

    The set is rebuilt from the last moment whose set is known (at most one unit down, or a
    set met before: sets are kept by key) by replaying the events since.
    """
    i = j
    while count[i] >= 2 and int(key[i]) not in plan.sets:
        i -= 1
    down = set(plan.sets[int(key[i])]) if count[i] >= 2 else {int(single[i])} if count[i] else set()
    for e in range(i + 1, j + 1):
        if unit[e] < 0:
            continue
        if step[e] > 0:
            down.add(int(unit[e]))
        else:
            down.discard(int(unit[e]))
    plan.sets[int(key[j])] = frozenset(down)
    return plan.down(down)
