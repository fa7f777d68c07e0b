"""Peak load with headroom, and how fast capacity must follow."""

from __future__ import annotations

from ..model.answers import Likelihood
from ..model.common import Horizon
from ..model.targets import CapacityTarget
from ..model.workload import Workload

# One request every ten seconds per active user: a typical interactive web app.
REQUESTS_PER_USER_PER_SECOND = 0.1
HEADROOM = {Likelihood.RARE: 1.2, Likelihood.LIKELY: 1.5, Likelihood.CERTAIN: 2.0}
# Below this, new instances cannot boot and warm up in time: capacity must be there before.
FASTEST_REACTIVE_SCALING_MINUTES = 10.0


def baseline_rps(w: Workload, h: Horizon) -> float:
    t = w.answers.traffic
    if t.baseline_rps is not None:
        return t.baseline_rps.at(h)
    assert t.concurrent_users is not None  # the model requires one of the two
    return t.concurrent_users.at(h) * REQUESTS_PER_USER_PER_SECOND


def peak_rps(w: Workload, h: Horizon) -> float:
    peak, base = w.answers.traffic.peak, baseline_rps(w, h)
    if peak is None:
        return base
    if peak.rps is not None:
        return max(base, peak.rps.at(h))
    assert peak.multiplier is not None
    return base * peak.multiplier.at(h)


def capacity_target(w: Workload, h: Horizon) -> CapacityTarget:
    peak = w.answers.traffic.peak
    likelihood = peak.likelihood.at(h) if peak is not None else None
    headroom = HEADROOM[likelihood or Likelihood.LIKELY]
    top = peak_rps(w, h)
    scale_up = w.answers.traffic.scale_up_minutes.at(h)
    return CapacityTarget(
        baseline_rps=baseline_rps(w, h),
        peak_rps=top,
        headroom=headroom,
        capacity_rps=top * headroom,
        likelihood=likelihood,
        scale_up_minutes=scale_up,
        pre_provision=likelihood == Likelihood.CERTAIN or scale_up < FASTEST_REACTIVE_SCALING_MINUTES,
    )
