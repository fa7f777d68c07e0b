"""What derivation produces: tenet importance with rationale, targets, and tensions."""

from __future__ import annotations

from typing import Literal

from .answers import Criticality, Likelihood
from .common import Strict, Tenet


class Reason(Strict):
    """One line of a rationale: which answer moved a figure, and by how much."""

    source: str
    text: str
    delta: float = 0.0


class Importance(Strict):
    tenet: Tenet
    value: int
    derived: int
    override: int | None = None
    rationale: list[Reason]


class TierOption(Strict):
    tier: str
    title: str
    availability: float
    incidents_per_year: float
    downtime_hours_per_year: float
    tier_cost_per_year: float
    downtime_cost_per_year: float
    total_cost_per_year: float
    needs: str


class AvailabilityTarget(Strict):
    slo: float
    tier: str
    error_budget_minutes_per_month: float
    counted_hours_per_week: float
    maintenance_minutes_per_month: float
    currency: str
    options: list[TierOption]


class LatencyTarget(Strict):
    avg_ms: float
    p50_ms: float
    p95_ms: float
    p99_ms: float
    source: Literal["figures", "level"]


class BackupPolicy(Strict):
    every_minutes: float
    continuous: bool
    retention_days: int
    offsite_separate_account: bool
    encrypted: bool
    restore_drill_every_days: int


class DatasetTarget(Strict):
    name: str
    criticality: Criticality
    rpo_minutes: float
    rto_minutes: float
    rpo_given: bool
    rto_given: bool
    backup: BackupPolicy


class CapacityTarget(Strict):
    baseline_rps: float
    peak_rps: float
    headroom: float
    capacity_rps: float
    likelihood: Likelihood | None
    scale_up_minutes: float
    pre_provision: bool


class DeliveryTarget(Strict):
    releases_per_week: float
    deploy_minutes_max: float
    rollback_minutes_max: float


class OnCall(Strict):
    required: bool
    reason: str


class Targets(Strict):
    availability: AvailabilityTarget
    latency: LatencyTarget
    data: list[DatasetTarget]
    capacity: CapacityTarget
    delivery: DeliveryTarget
    oncall: OnCall


class Tension(Strict):
    """A target the team cannot meet as stated, and the ways out."""

    id: str
    title: str
    detail: str
    tenets: list[Tenet]
    options: list[str]
