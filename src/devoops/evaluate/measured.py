"""What the probes measured of production's own traffic: availability, latency percentiles and
the busiest rate, from access logs and Prometheus (a load test measures staging, not users).
Where these exist they are the truth the report shows, and an answered load far from the
measured one is a tension to settle."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from ..base.fmt import number
from ..model.common import Tenet
from ..model.evidence import ProbeResult, Status
from ..model.targets import CapacityTarget, Tension

TRAFFIC = ("access_log", "prometheus")
FIGURES = {
    "availability": ("availability",),
    "p50": ("p50", "latency p50"),
    "p95": ("p95", "latency p95"),
    "p99": ("p99", "latency p99"),
    "peak": ("peak rps", "request rate peak"),
}
FAR = 2.0  # a measured peak above twice the answered one, or below a third of the usual load


@dataclass(frozen=True)
class Figure:
    value: float
    probe: str


def measured(evidence: Sequence[ProbeResult]) -> dict[str, Figure]:
    """Each figure at its worst across the traffic probes that concluded (PASS or FAIL): the
    lowest availability, the highest latency, the highest peak."""
    found: dict[str, Figure] = {}
    for r in evidence:
        if r.kind not in TRAFFIC or r.status not in (Status.PASS, Status.FAIL):
            continue
        for m in r.evidence.measurements:
            for figure, names in FIGURES.items():
                if m.name in names and m.value is not None:
                    held = found.get(figure)
                    low = figure == "availability"
                    if held is None or (m.value < held.value if low else m.value > held.value):
                        found[figure] = Figure(m.value, r.name)
    return found


def load_tension(capacity: CapacityTarget, figures: dict[str, Figure]) -> Tension | None:
    """The answers' peak against the busiest rate production served: more than twice the
    answered peak, or under a third of the answered usual load."""
    peak = figures.get("peak")
    if peak is None:
        return None
    answered = f"{number(capacity.peak_rps)} req/s at peak (usually {number(capacity.baseline_rps)})"
    said = f"{peak.probe} measured a busiest rate of {number(peak.value)} req/s"
    if peak.value > FAR * capacity.peak_rps:
        detail = f"The answers plan for {answered}; {said}, {peak.value / capacity.peak_rps:.1f} times the planned peak."
    elif peak.value * (FAR + 1) < capacity.baseline_rps:
        detail = f"The answers plan for {answered}; {said}, under a third of the usual load they state."
    else:
        return None
    return Tension(
        id="load-vs-measured",
        title="The answered load is far from the measured one",
        detail=detail + " Capacity, scale-up and the scalability importance all follow the answers.",
        tenets=[Tenet.SCALABILITY],
        options=[
            "Correct answers.traffic (baseline_rps or concurrent_users, peak) to what production serves.",
            "If the measured window was unusual (a launch, an attack, a quiet holiday), measure a longer one.",
        ],
    )
