"""What the scenarios and the availability model conclude about an inventory: the catastrophes
it survives, its single points of failure, the downtime a year brings and what it costs."""

from __future__ import annotations

from enum import StrEnum

from .common import Strict


class Verdict(StrEnum):
    """Worst last: survives (nothing users notice), degraded (targets kept, something lost),
    damaged (a target broken, data recoverable), company-ending (data gone for good)."""

    SURVIVES = "survives"
    DEGRADED = "degraded"
    DAMAGED = "damaged"
    COMPANY_ENDING = "company-ending"

    @property
    def rank(self) -> int:
        return list(Verdict).index(self)


class DatasetLoss(Strict):
    """One dataset in one catastrophe: data lost and time until it is back, against its targets.
    `lost_minutes` None means no copy is counted on: the data is gone. `recovery_known` False:
    the time is an estimate (a restore never timed), which meets no RTO. `doubt` says why
    existing copies were not counted, or why the one counted is older than its schedule."""

    dataset: str
    rpo_minutes: float
    rto_minutes: float
    lost_minutes: float | None
    recovery_minutes: float | None
    recovery_known: bool = True
    recovered_from: str | None
    doubt: str | None = None
    rpo_met: bool
    rto_met: bool


class ScenarioOutcome(Strict):
    scenario: str
    title: str
    scope: str  # which zone, region, account, dataset ... was hit (the worst one)
    component: str | None = None  # the component the occurrence is about, when it is about one
    lost: list[str]  # components destroyed or down
    app_up: bool
    downtime_minutes: float  # of the share of tenants it reaches
    share: float = 1.0  # the share of tenants and their data it reaches
    recovery_target_minutes: float
    datasets: list[DatasetLoss]
    verdict: Verdict
    reason: str
    cost: float  # downtime cost of the occurrence shown, app currency
    per_year: float  # how often one of its occurrences is expected to happen
    cost_per_year: float  # expected yearly cost: each occurrence's rate times its own cost
    practices: list[str]  # lens practices that defend against it


class SharedFate(Strict):
    """Components that fail together because they share an account, region, zone or provider."""

    by: str  # "account" | "region" | "zone" | "provider"
    value: str
    components: list[str]
    takes_app_down: bool


class MonteCarlo(Strict):
    years: int
    seed: int
    availability: float
    downtime_hours_mean: float
    downtime_hours_p50: float
    downtime_hours_p90: float
    downtime_hours_p99: float
    incidents_mean: float
    incidents_p99: float
    years_without_downtime: float  # share
    cost_mean: float
    cost_p90: float
    cost_p99: float


class AvailabilityModel(Strict):
    """Steady-state availability of the application over the hours that count, and its cost."""

    availability: float
    downtime_hours_per_year: float
    incidents_per_year: float
    cost_per_year: float
    target: float
    meets_target: bool
    target_cost_per_year: float  # the downtime cost the chosen tier was priced with
    monte_carlo: MonteCarlo | None = None
    weakest: list[str]  # components whose improvement would gain the most availability, worst first


class Move(Strict):
    """One scenario before and after a change: its verdict, how often it happens, what it
    costs a year, and `improved`, the worst verdict (before the change) among its occurrences
    the change leaves physically better off (less data gone or lost, less downtime, a restore
    time measured), None when it leaves none better off. A verdict None: not run."""

    scenario: str
    verdict_before: Verdict | None
    verdict_after: Verdict | None
    per_year_before: float
    per_year_after: float
    cost_per_year_before: float
    cost_per_year_after: float
    improved: Verdict | None = None


class Change(Strict):
    """One what-if: a change to the workload, what it costs (from the lens) and what it saves."""

    change: str  # e.g. "add-replica db"
    title: str
    practices: list[str]  # the lens practices whose cost bands price it
    cost_per_year: float
    availability_before: float
    availability_after: float
    downtime_cost_before: float  # expected yearly cost: downtime plus scenarios
    downtime_cost_after: float
    saved_per_year: float
    saved_per_spent: float
    moves: list[Move]  # the scenarios whose verdict, rate, cost or occurrences it changes


class Resilience(Strict):
    """`availability` is None when the inventory is too large to solve exactly; `notes` say why,
    in plain sentences, and what was left out because of it."""

    spofs: list[str]
    shared_fate: list[SharedFate]
    availability: AvailabilityModel | None
    scenarios: list[ScenarioOutcome]
    improvements: list[Change]  # the plan: each row on top of the rows above
    changes: list[Change] = []  # every change that applies, each alone on the inventory as it is
    notes: list[str] = []
