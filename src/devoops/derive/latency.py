"""Latency targets p50/p95/p99 from a level or from the figures the founder gave."""

from __future__ import annotations

from ..model.answers import LatencyLevel
from ..model.common import Horizon
from ..model.targets import LatencyTarget
from ..model.workload import Workload

LEVELS = {
    LatencyLevel.GOOD: {"avg": 300.0, "p50": 250.0, "p95": 700.0, "p99": 1200.0},
    LatencyLevel.OUTSTANDING: {"avg": 50.0, "p50": 40.0, "p95": 120.0, "p99": 250.0},
}
# Shape of a typical web latency distribution, relative to its mean.
RATIO = {"avg": 1.0, "p50": 0.8, "p95": 2.5, "p99": 4.0}


def latency_target(w: Workload, h: Horizon) -> LatencyTarget:
    p = w.answers.performance
    given = {
        name: value.at(h)
        for name, value in (("avg", p.avg_ms), ("p95", p.p95_ms), ("p99", p.p99_ms))
        if value is not None
    }
    if not given:
        level = LEVELS[p.level.at(h) if p.level is not None else LatencyLevel.GOOD]
        return LatencyTarget(
            avg_ms=level["avg"], p50_ms=level["p50"], p95_ms=level["p95"], p99_ms=level["p99"], source="level"
        )
    first, value = next(iter(given.items()))
    avg = value / RATIO[first]
    figure = {name: given.get(name, avg * ratio) for name, ratio in RATIO.items()}
    # Filled-in figures never cross the given ones: p50 <= p95 <= p99.
    figure["p95"] = min(figure["p95"], given.get("p99", figure["p95"]))
    figure["p99"] = max(figure["p99"], figure["p95"])
    figure["p50"] = min(figure["p50"], figure["p95"])
    return LatencyTarget(
        avg_ms=round(figure["avg"], 1),
        p50_ms=round(figure["p50"], 1),
        p95_ms=round(figure["p95"], 1),
        p99_ms=round(figure["p99"], 1),
        source="figures",
    )
