"""Monte Carlo of the application's yearly downtime and incidents.

Every unit alternates between exponential up times (mean MTBF) and exponential repairs (mean
MTTR), started in steady state: a chunk of consecutive years is one stationary stretch of
time, so each year starts where the process happens to be. A failure of an instance of a
component with a failover opens a failover window (its minutes) with chance needs/instances.

Most down intervals touch no other: a lone repair of a redundant instance changes nothing,
and a lone cut (a unit whose failure alone takes the application down) is one incident as
long as itself. So each chunk finds the intervals that overlap another (a time-bin count,
then an exact check of the few candidates) and sweeps only those, with the cuts that cross
a new year, along one time line. Between two events the set of down units is fixed; a
cumulative XOR of random 64-bit unit keys names it, and each distinct set is put once to
`topology.app_up`, the one rule.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from ..errors import UsageError
from ..model.inventory import Inventory
from ..model.lens import Reliability
from .topology import app_up
from .units import HOURS_PER_YEAR, Units, units

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
        self.keys = np.random.default_rng([seed, 1]).integers(1, 2**63, size=len(table.units), dtype=np.int64)
        self.cache: dict[int, bool] = {}
        self.layouts: dict[bytes, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]] = {}
        self.known = (np.zeros(0, dtype=np.int64), np.zeros(0, dtype=bool))  # the cache as sorted arrays
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
        # Bins about four times as many as down intervals: two intervals that overlap share a bin.
        self.bin_hours = min(
            HOURS_PER_YEAR, max(0.5, 0.25 * HOURS_PER_YEAR / max(self.failures_per_year, 1e-9))
        )

    def layout(self, counts: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Block offsets and per-draw MTBF, MTTR and unit for these cycle counts, kept per chunk length."""
        key = counts.tobytes()
        if key not in self.layouts:
            self.layouts[key] = (
                np.concatenate([[0], np.cumsum(counts)]),
                np.repeat(self.mtbf, counts),
                np.repeat(self.mttr, counts),
                np.repeat(self.alternating, counts),
            )
        return self.layouts[key]

    def down(self, units: set[int]) -> bool:
        return not app_up(self.inv, lambda cid, i: any(u in units for u in self.table.depends[(cid, i)]))


def simulate(inv: Inventory, reliability: Reliability, years: int, seed: int) -> Samples:
    """Yearly downtime hours and incidents of `years` simulated years; the same seed, the same years."""
    if years < 1:
        raise UsageError(f"the Monte Carlo needs at least one year, not {years}")
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


def _downs(
    rng: np.random.Generator, plan: _Plan, span: float
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every alternating unit's down intervals over [0, span), started in steady state.

    Returns starts, ends, the unit of each, whether each is a failure inside the span (not a
    repair already under way at time 0), and where each unit's block begins. All units are
    drawn in one array, unit by unit in blocks; a block that falls short of the span (beyond
    six standard deviations) is drawn again, longer.
    """
    cycles = span / (plan.mtbf + plan.mttr)
    counts = (cycles + 6 * np.sqrt(cycles) + 8).astype(np.int64)
    while True:
        offsets, mtbf, mttr, unit = plan.layout(counts)
        total = int(offsets[-1])
        ups = rng.standard_exponential(total)
        ups *= mtbf
        repairs = rng.standard_exponential(total)
        repairs *= mttr
        started_down = rng.random(len(counts)) >= plan.availability
        ups[offsets[:-1][started_down]] = 0.0
        ups += repairs
        ends = np.cumsum(ups)
        before = np.concatenate([[0.0], ends[offsets[1:-1] - 1]])
        ends -= np.repeat(before, counts)
        short = ends[offsets[1:] - 1] < span
        if not short.any():
            break
        counts = np.where(short, counts * 2, counts)
    starts = ends - repairs
    np.maximum(starts, 0.0, out=starts)  # a repair under way at 0 starts there, not a rounding before
    failure = np.ones(total, dtype=bool)
    failure[offsets[:-1][started_down]] = False
    kept = starts < span
    blocks = np.concatenate(
        [[0], np.cumsum(np.add.reduceat(kept.view(np.int8), offsets[:-1], dtype=np.int64))]
    )
    return starts[kept], np.minimum(ends[kept], span), unit[kept], failure[kept], blocks


def _windows(starts: np.ndarray, hours: float, span: float) -> tuple[np.ndarray, np.ndarray]:
    """Overlapping failover windows of one component merged, so each unit toggles down once."""
    starts = np.sort(starts)
    ends = starts + hours
    new = np.ones(len(starts), dtype=bool)
    new[1:] = starts[1:] > ends[:-1]
    last = np.append(new[1:], True)  # windows are equally long: the group's last ends last
    return starts[new], np.minimum(ends[last], span)


def _chunk(plan: _Plan, rng: np.random.Generator, years: int) -> tuple[np.ndarray, np.ndarray]:
    span = years * HOURS_PER_YEAR
    table = plan.table
    down_at, up_at, who, failure, blocks = _downs(rng, plan, span)
    starts, ends, owner = [down_at], [up_at], [who]
    for cid, n in table.failover.items():
        u = table.units[n]
        mine = [slice(blocks[k], blocks[k + 1]) for k in plan.instances_of[cid]]
        failed = np.concatenate([down_at[m][failure[m]] for m in mine])
        s, e = _windows(failed[rng.random(len(failed)) < u.failover_chance], u.mttr_hours, span)
        starts.append(s)
        ends.append(e)
        owner.append(np.full(len(s), n))
    down_at, up_at, who = np.concatenate(starts), np.concatenate(ends), np.concatenate(owner)
    crowded = np.flatnonzero(_crowded(down_at, up_at, plan.bin_hours, span))
    overlaps = np.zeros(len(down_at), dtype=bool)
    overlaps[crowded[_overlaps(down_at[crowded], up_at[crowded])]] = True
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


def _overlaps(starts: np.ndarray, ends: np.ndarray) -> np.ndarray:
    """Which of these intervals overlap another of them (sorted by start, each meets its neighbours)."""
    order = np.argsort(starts)
    s, e = starts[order], ends[order]
    reach = np.maximum.accumulate(e)
    hit = np.zeros(len(s), dtype=bool)
    hit[1:] = s[1:] < reach[:-1]  # starts before an earlier one ends
    hit[:-1] |= e[:-1] > s[1:]  # ends after the next one starts
    result = np.zeros(len(s), dtype=bool)
    result[order] = hit
    return result


def _crowded(starts: np.ndarray, ends: np.ndarray, hours: float, span: float) -> np.ndarray:
    """Intervals that may overlap another, cheaply: those sharing a time bin with one."""
    first = (starts * (1 / hours)).astype(np.int64)
    last = (ends * (1 / hours)).astype(np.int64)
    extra = np.flatnonzero(last > first)
    reach = last[extra] - first[extra]
    spanned = np.repeat(extra, reach)
    extra_bins = (
        np.repeat(first[extra], reach)
        + (np.arange(len(spanned)) - np.repeat(np.cumsum(reach) - reach, reach))
        + 1
    )
    bins = np.bincount(np.concatenate([first, extra_bins]), minlength=int(span / hours) + 2)
    crowded = bins[first] >= 2
    crowded[spanned[bins[extra_bins] >= 2]] = True
    return crowded


def _sweep(
    plan: _Plan, down_at: np.ndarray, up_at: np.ndarray, who: np.ndarray, years: int
) -> tuple[np.ndarray, np.ndarray]:
    """Downtime and incidents per year from the down intervals that can matter."""
    span = years * HOURS_PER_YEAR
    boundaries = np.arange(1, years) * HOURS_PER_YEAR
    times = np.concatenate([[0.0], down_at, up_at, boundaries])
    step = np.concatenate(
        [
            [0],
            np.ones(len(down_at), np.int64),
            -np.ones(len(up_at), np.int64),
            np.zeros(len(boundaries), np.int64),
        ]
    )
    unit = np.concatenate([[-1], who, who, np.full(len(boundaries), -1)])
    order = np.argsort(times)
    times, step, unit = times[order], step[order], unit[order]
    count = np.cumsum(step)
    named = unit >= 0
    key = np.bitwise_xor.accumulate(np.where(named, plan.keys[np.maximum(unit, 0)], 0))
    single = np.bitwise_xor.accumulate(np.where(named, unit + 1, 0)) - 1
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
