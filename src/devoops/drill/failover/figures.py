"""What the writes show: downtime, when writes came back, and what the new primary lost.

Arithmetic over the writer's acknowledged `(seq, time)` pairs, its writes in doubt and the rows
the new primary holds, written into the outcome (the clock is read once, for writes that never
came back). It is apart from the threads and the I/O so the definitions a reader must trust (the
longest gap from the command's start is the downtime; an acknowledged row the new primary lacks
is lost; how far back that set the data) sit in one short place that can be checked by hand.
"""

from __future__ import annotations

import time

from .outcome import Outcome
from .writer import Writer


def writes(outcome: Outcome, writer: Writer, started: float) -> tuple[list[tuple[int, float]], float | None]:
    """Note what the stopped writer saw from the command's start on: the writes acknowledged,
    whether and when they resumed, the downtime, the server they resumed on, the writes cut."""
    acks = list(writer.acks)
    outcome.acknowledged = len(acks)
    resumed_at = _resumed(acks, started)
    outcome.resumed = resumed_at is not None
    outcome.downtime = _downtime(acks, started, None if outcome.resumed else time.monotonic())
    outcome.after = writer.servers[-1][1] if writer.servers and outcome.resumed else None
    outcome.cut = len(writer.cut)
    return acks, resumed_at


def losses(outcome: Outcome, acks: list[tuple[int, float]], doubt: list[int], present: set[int]) -> None:
    """Hold the writes against the rows the new primary holds: acknowledged and missing is lost."""
    outcome.checked = True
    outcome.lost = [s for s, _ in acks if s not in present]
    outcome.doubt_present = [s for s in doubt if s in present]
    outcome.doubt_missing = [s for s in doubt if s not in present]
    outcome.lost_window = _lost_window(acks, set(outcome.lost))


def _resumed(acks: list[tuple[int, float]], started: float) -> float | None:
    """The first acknowledged write after the longest gap from the command's start: when writes
    came back. The writes after the command are what show it."""
    times = [t for _, t in acks]
    after = [i for i, t in enumerate(times) if t >= started]
    if not after:
        return None
    best, at = -1.0, None
    for i in after:
        gap = times[i] - (times[i - 1] if i > 0 else started)
        if gap > best:
            best, at = gap, times[i]
    return at


def _downtime(acks: list[tuple[int, float]], started: float, now: float | None) -> float:
    """The longest gap between consecutive acknowledged writes from the command's start on; with
    `now` (writes never came back), the time since the last one counts too."""
    times = [t for _, t in acks]
    before = [t for t in times if t < started]
    edge = before[-1] if before else started
    gaps = [0.0]
    for t in (t for t in times if t >= started):
        gaps.append(t - edge)
        edge = t
    if now is not None:
        gaps.append(now - edge)
    return max(gaps)


def _lost_window(acks: list[tuple[int, float]], lost: set[int]) -> float:
    """Seconds of acknowledged writes the new primary lacks: from the last write it holds before
    the first lost one to the last lost one, which is how far back the failover set the data."""
    if not lost:
        return 0.0
    first = next(i for i, (s, _) in enumerate(acks) if s in lost)
    last = max(t for s, t in acks if s in lost)
    kept = acks[first - 1][1] if first > 0 else acks[first][1]
    return max(0.0, last - kept)
