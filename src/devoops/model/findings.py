"""What evaluation produces: findings per practice and horizon, maturity, and the plan."""

from __future__ import annotations

from typing import Literal

from .common import Horizon, Risk, Strict, Tenet
from .lens import CostBand
from .workload import Exemption

Source = Literal[
    "answer", "implied", "evidence", "not_applicable", "not_required", "exemption", "unanswered", "scenario"
]


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
