"""The founder's answers: the six questions (downtime cost, traffic, speed, data, security,
team), each per horizon, and the symptom quiz's yes/no answers."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, RootModel, field_validator, model_validator

from .common import (
    HORIZONS,
    ByHorizon,
    Count,
    Money,
    NonNegative,
    Positive,
    Score,
    Strict,
    always,
    duplicates,
)


class MaintenanceWindow(Strict):
    """Planned downtime the business accepts; it is outside the availability SLO."""

    every: Literal["night", "week"]
    minutes: Annotated[int, Field(gt=0, le=240)]


class Reliability(Strict):
    """Question 1: what does an hour of downtime cost, now and in a year?"""

    downtime_cost_per_hour: ByHorizon[Money]
    incident_cost: ByHorizon[Money] = always(0.0)
    maintenance_window: MaintenanceWindow | None = None


class Likelihood(StrEnum):
    RARE = "rare"
    LIKELY = "likely"
    CERTAIN = "certain"


class Peak(Strict):
    """The worst traffic spike expected: a multiple of the baseline or an absolute rate."""

    multiplier: ByHorizon[Annotated[float, Field(ge=1, le=1e6)]] | None = None
    rps: ByHorizon[Positive] | None = None
    likelihood: ByHorizon[Likelihood] = always(Likelihood.LIKELY)
    downtime_cost_per_hour: ByHorizon[Money] | None = None

    @model_validator(mode="after")
    def _one_size(self) -> Peak:
        if (self.multiplier is None) == (self.rps is None):
            raise ValueError("give exactly one of multiplier or rps")
        return self


class Traffic(Strict):
    """Question 2: how bad is a traffic spike?"""

    baseline_rps: ByHorizon[Positive] | None = None
    concurrent_users: ByHorizon[Annotated[int, Field(gt=0, le=10**10)]] | None = None
    peak: Peak | None = None
    scale_up_minutes: ByHorizon[Positive] = always(60.0)

    @model_validator(mode="after")
    def _one_baseline(self) -> Traffic:
        if (self.baseline_rps is None) == (self.concurrent_users is None):
            raise ValueError("give exactly one of baseline_rps or concurrent_users")
        if self.baseline_rps is not None and self.peak is not None and self.peak.rps is not None:
            for h in HORIZONS:
                if self.peak.rps.at(h) < self.baseline_rps.at(h):
                    raise ValueError(
                        f"peak.rps ({self.peak.rps.at(h):g}) is below baseline_rps ({self.baseline_rps.at(h):g}) at {h}"
                    )
        return self


class LatencyLevel(StrEnum):
    GOOD = "good"
    OUTSTANDING = "outstanding"


class Performance(Strict):
    """Question 3: how fast must pages be? Server-side latency, a level or figures in ms."""

    level: ByHorizon[LatencyLevel] | None = None
    avg_ms: ByHorizon[Positive] | None = None
    p95_ms: ByHorizon[Positive] | None = None
    p99_ms: ByHorizon[Positive] | None = None

    @model_validator(mode="after")
    def _consistent(self) -> Performance:
        figures = (("avg_ms", self.avg_ms), ("p95_ms", self.p95_ms), ("p99_ms", self.p99_ms))
        given = [(name, value) for name, value in figures if value is not None]
        if self.level is not None and given:
            raise ValueError("give either level or figures in ms, not both")
        for h in HORIZONS:
            values = [(n, v.at(h)) for n, v in given]
            for (a, x), (b, y) in zip(values, values[1:], strict=False):
                if x > y:
                    raise ValueError(f"{a} ({x:g}) must not exceed {b} ({y:g}) at {h}")
        return self


class Criticality(StrEnum):
    LIFEBLOOD = "lifeblood"
    IMPORTANT = "important"
    EXPENDABLE = "expendable"


class Regulated(StrEnum):
    NONE = "none"
    PII = "pii"
    FINANCIAL = "financial"
    HEALTH = "health"


class Dataset(Strict):
    name: Annotated[str, Field(pattern=r"^[A-Za-z0-9_.-]+$")]
    description: str = ""
    criticality: Criticality
    rpo_minutes: NonNegative | None = None
    rto_minutes: Positive | None = None
    regulated: Regulated = Regulated.NONE


class Data(Strict):
    """Question 4: how much data may be lost, and how fast must it be back?"""

    datasets: list[Dataset] = []

    @field_validator("datasets")
    @classmethod
    def _unique(cls, datasets: list[Dataset]) -> list[Dataset]:
        if repeated := duplicates([d.name for d in datasets]):
            raise ValueError(f"dataset names must be unique: {', '.join(repeated)}")
        return datasets


class Survival(StrEnum):
    YES = "yes"
    DAMAGED = "damaged"
    NO = "no"


class SensitiveData(StrEnum):
    PII = "pii"
    FINANCIAL = "financial"
    HEALTH = "health"
    CREDENTIALS = "credentials"
    TRADE_SECRETS = "trade_secrets"


class RootHolder(StrEnum):
    """Who holds the cloud account's root credentials."""

    UNKNOWN = "unknown"
    SHARED = "shared"
    ONE_PERSON = "one_person"
    BREAK_GLASS = "break_glass"


class Level(StrEnum):
    LOW = "low"
    MEDIUM = "medium"
    HIGH = "high"


def _yes_no(value: Any) -> Any:
    """YAML 1.1 tools write yes/no as booleans."""
    return {True: "yes", False: "no"}[value] if isinstance(value, bool) else value


class Security(Strict):
    """Question 5: can we recover if hacked?"""

    breach_survival: ByHorizon[Annotated[Survival, BeforeValidator(_yes_no)]]
    sensitive_data: ByHorizon[list[SensitiveData]] = always([])
    insider_risk: ByHorizon[Level] = always(Level.LOW)
    root_credentials: ByHorizon[RootHolder] = always(RootHolder.UNKNOWN)


class Engineering(Strict):
    """Question 6: how fast must the team move?"""

    team_size: ByHorizon[Annotated[int, Field(gt=0, le=1_000_000)]]
    senior_engineers: ByHorizon[Count] = always(0)
    ops_engineers: ByHorizon[Count] = always(0)
    oncall_24x7_feasible: ByHorizon[bool] = always(False)
    releases_per_week: ByHorizon[NonNegative] = always(1.0)
    speed_vs_reliability: ByHorizon[Score] = Field(
        default=always(5),
        description="0 = down often but super-sonic, 10 = slower but reliable",
    )

    @model_validator(mode="after")
    def _headcount(self) -> Engineering:
        for h in HORIZONS:
            team = self.team_size.at(h)
            parts = (("senior_engineers", self.senior_engineers), ("ops_engineers", self.ops_engineers))
            for name, part in parts:
                if part.at(h) > team:
                    raise ValueError(f"{name} ({part.at(h)}) exceeds team_size ({team}) at {h}")
        return self


class Answers(Strict):
    """The six founder questions."""

    reliability: Reliability
    traffic: Traffic
    performance: Performance = Performance(level=ByHorizon[LatencyLevel](now=LatencyLevel.GOOD))
    data: Data = Data()
    security: Security
    engineering: Engineering


class QuizAnswers(RootModel[dict[str, bool]]):
    """Answers to the symptom quiz: symptom id -> yes/no."""
