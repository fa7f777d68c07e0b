"""What evaluation produces: findings per practice and horizon, maturity, and the plan."""

from __future__ import annotations

from typing import Literal

from .common import Horizon, Risk, Strict, Tenet
from .lens import CostBand
from .practices import Exemption

Source = Literal[
    "answer",
    "implied",
    "inventory",
    "evidence",
    "not_applicable",
    "not_required",
    "exemption",
    "unanswered",
    "scenario",
]


class Conflict(Strict):
    """An answer the inventory overrules: the answer's choice and where each of the two sits in
    the workload file (YAML paths; `*_at`, once the loader's edge has found them, as
    file:line:column)."""

    answer: str
    answer_path: list[str | int]
    inventory_path: list[str | int]
    answer_at: str | None = None
    inventory_at: str | None = None


class Raised(Strict):
    """What a practice's absence costs, with an inventory, when that raised its finding above
    the lens's own rule: the rule's risk and reason, kept beside the money's."""

    risk: Risk
    reason: str


class Finding(Strict):
    practice: str
    title: str
    horizon: Horizon
    risk: Risk
    reason: str
    source: Source
    choice: str | None = None
    tenets: list[Tenet]
    weight: float
    exemption: Exemption | None = None
    exemption_expired: bool = False
    evidence: str | None = None
    note: str | None = None
    conflict: Conflict | None = None
    raised: Raised | None = None  # the lens rule's own risk and reason, when the money raised it


class Maturity(Strict):
    tenet: Tenet
    value: float
    practices: int
    answered: int


class PlanItem(Strict):
    rank: int
    practice: str
    title: str
    horizon: Horizon
    risk: Risk
    reason: str
    tenets: list[Tenet]
    effort: Literal["S", "M", "L"]
    value_per_effort: float
    monthly_cost: CostBand
    steps: list[str]
