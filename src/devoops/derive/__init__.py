"""Answers -> tenet importance (with rationale) -> targets and tensions. Pure: no I/O, no clock."""

from __future__ import annotations

from dataclasses import dataclass

from ..model.common import Horizon, Tenet
from ..model.lens import Lens
from ..model.targets import Importance, Targets, Tension
from ..model.workload import Workload
from .capacity import capacity_target
from .data import dataset_target
from .economics import availability_target
from .importance import importance
from .latency import latency_target
from .team import delivery_target, oncall
from .tensions import Context, tensions


@dataclass(frozen=True)
class Derivation:
    horizon: Horizon
    importance: list[Importance]
    targets: Targets
    tensions: list[Tension]

    def of(self, tenet: Tenet) -> int:
        return next(i.value for i in self.importance if i.tenet == tenet)


def derive(w: Workload, lens: Lens, horizon: Horizon) -> Derivation:
    scores = importance(w, lens, horizon)
    by_tenet = {i.tenet: i.value for i in scores}
    availability = availability_target(w, lens, horizon)
    targets = Targets(
        availability=availability,
        latency=latency_target(w, horizon),
        data=[
            dataset_target(d, by_tenet[Tenet.SECURITY], availability.error_budget_minutes_per_month)
            for d in w.answers.data.datasets
        ],
        capacity=capacity_target(w, horizon),
        delivery=delivery_target(w, horizon, availability),
        oncall=oncall(w, lens, availability, by_tenet[Tenet.HIGH_AVAILABILITY]),
    )
    return Derivation(horizon, scores, targets, tensions(Context(w, horizon, by_tenet, targets)))
