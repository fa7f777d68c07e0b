"""The workload file (`devoops.yaml`): the application, the six answers, and the current state."""

from __future__ import annotations

import datetime as dt
import re
from enum import StrEnum
from typing import Annotated, Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import (
    AfterValidator,
    BeforeValidator,
    Field,
    GetJsonSchemaHandler,
    PlainSerializer,
    RootModel,
    field_validator,
    model_validator,
)
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from ..base.fmt import CONTROL
from .common import HORIZONS, ByHorizon, Strict, Tenet, Text, always, duplicates
from .inventory import Inventory
from .slo import SloConfig

# Bounds keep every figure finite through the economics: nobody's hour costs 10^12.
Money = Annotated[float, Field(ge=0, le=1e12)]
Score = Annotated[int, Field(ge=0, le=10)]
Positive = Annotated[float, Field(ge=0.001, le=1e9)]
NonNegative = Annotated[float, Field(ge=0, le=1e9)]
Count = Annotated[int, Field(ge=0, le=1_000_000)]


class Stage(StrEnum):
    IDEA = "idea"
    MVP = "mvp"
    GROWTH = "growth"
    SCALE = "scale"


class Audience(StrEnum):
    """Where the users are; it decides whether one region can serve them fast."""

    LOCAL = "local"
    CONTINENTAL = "continental"
    GLOBAL = "global"


class Weekday(StrEnum):
    MON = "mon"
    TUE = "tue"
    WED = "wed"
    THU = "thu"
    FRI = "fri"
    SAT = "sat"
    SUN = "sun"


def _clock(value: Any) -> Any:
    """Only "HH:MM" (or "HH:MM:SS"): YAML would read 9 as nine seconds past midnight."""
    if isinstance(value, str) and re.fullmatch(r"\d\d:\d\d(:\d\d)?", value):
        return value
    raise ValueError('a time of day as "HH:MM", e.g. "09:00"')


Clock = Annotated[
    dt.time,
    BeforeValidator(_clock),
    PlainSerializer(lambda t: t.isoformat("minutes" if not t.second else "seconds"), return_type=str),
]


class BusinessHours(Strict):
    """The hours in which downtime costs money; outside them it is not counted."""

    days: list[Weekday] = Field(
        default=[Weekday.MON, Weekday.TUE, Weekday.WED, Weekday.THU, Weekday.FRI], min_length=1
    )
    start: Clock
    end: Clock
    timezone: Text

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r} (an IANA name like Europe/Berlin)") from None
        return value

    @model_validator(mode="after")
    def _not_empty(self) -> BusinessHours:
        if self.end == self.start:
            raise ValueError("start and end are the same time; for all day use business_hours: 24x7")
        return self

    @property
    def hours_per_week(self) -> float:
        """An end before the start runs past midnight (22:00-06:00)."""
        minutes = (self.end.hour * 60 + self.end.minute) - (self.start.hour * 60 + self.start.minute)
        return len(set(self.days)) * (minutes % (24 * 60)) / 60


def _one_line(value: str) -> str:
    """A name prints as given: no control character (a line break, a tab, a bell, an escape
    sequence that drives the terminal) and no Unicode line separator."""
    if CONTROL.search(value):
        raise ValueError("a name is one line of text: no tabs, line breaks or other control characters")
    return value


class App(Strict):
    name: Annotated[Text, AfterValidator(_one_line)]
    owner: str | None = None
    stage: Stage
    description: str = ""
    business_hours: Literal["24x7"] | BusinessHours = "24x7"
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "USD"
    audience: Audience = Audience.LOCAL

    @property
    def hours_per_week(self) -> float:
        return 168.0 if self.business_hours == "24x7" else self.business_hours.hours_per_week


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


class TierOverride(Strict):
    """Replace any figure of an availability tier for this workload."""

    availability: Annotated[float, Field(gt=0, lt=1)] | None = None
    incidents_per_year: NonNegative | None = None
    infra_multiplier: Annotated[float, Field(ge=1, le=1000)] | None = None
    oncall_people: NonNegative | None = None


class Economics(Strict):
    """What a tier of availability costs this company, in the app's currency."""

    base_monthly_infra: Annotated[float, Field(gt=0, le=1e12)] | None = Field(
        default=None, description="monthly infrastructure spend of a single-instance setup"
    )
    oncall_cost_per_person_year: Money | None = None
    usd_rate: Annotated[float, Field(gt=0, le=1e12)] | None = Field(
        default=None,
        description="units of the app's currency one USD buys; converts the lens's USD cost bands",
    )
    tiers: dict[str, TierOverride] = {}


class Exemption(Strict):
    owner: Text
    reason: Text
    expires: dt.date


class PracticeState(Strict):
    """The current state of one practice: a choice, not applicable (with reason), or exempt."""

    choice: str | None = None
    not_applicable: bool = False
    reason: str | None = None
    exemption: Exemption | None = None
    evidence: str | None = None
    note: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _plain_choice(cls, data: Any) -> Any:
        return {"choice": data} if isinstance(data, str) else data

    @classmethod
    def __get_pydantic_json_schema__(
        cls, core_schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {"anyOf": [{"type": "string", "description": "a choice id"}, handler(core_schema)]}

    def exempt_on(self, day: dt.date) -> bool:
        """An exemption holds up to and including its expiry date."""
        return self.exemption is not None and self.exemption.expires >= day

    @model_validator(mode="after")
    def _one_state(self) -> PracticeState:
        if self.not_applicable:
            if not (self.reason or "").strip():
                raise ValueError("not_applicable needs a reason")
            if self.choice is not None or self.exemption is not None:
                raise ValueError("not_applicable excludes choice and exemption")
        elif self.choice is None and self.exemption is None:
            raise ValueError("give a choice, not_applicable with a reason, or an exemption")
        return self


ProbeName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_-]*$", max_length=64)]


class ProbeConfig(Strict):
    """One probe to run by `devoops audit`. Strings may hold `${ENV_VAR}` references, resolved
    only when the probe runs; the file, the store and every report keep the reference."""

    type: Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9_.-]*$")] = Field(
        description="probe kind: http, access_log, prometheus, tls, or one a plugin registers"
    )
    target: Text = Field(description="what the probe measures: a URL, a file glob, a server")
    timeout: Annotated[float, Field(gt=0, le=86_400)] | None = Field(
        default=None, description="seconds before the probe is stopped; default per kind"
    )
    enabled: bool = True
    options: dict[str, Any] = Field(default={}, description="the kind's own settings")


class Workload(Strict):
    """The whole `devoops.yaml`."""

    version: Literal[1] = 1
    app: App
    answers: Answers
    economics: Economics = Economics()
    tenets: dict[Tenet, ByHorizon[Score]] = Field(
        default={}, description="importance overrides 0-10; the override wins, reports show both"
    )
    practices: dict[str, PracticeState] = {}
    probes: dict[ProbeName, ProbeConfig] = Field(
        default={}, description="evidence collectors `devoops audit` runs, by name"
    )
    slo: SloConfig = Field(
        default=SloConfig(), description="SLIs and alert labels for `devoops slo generate`"
    )
    inventory: Inventory | None = Field(
        default=None, description="where each component runs and what it needs, for the scenarios"
    )

    @property
    def usd_rate(self) -> float:
        """Units of the app's currency one USD buys: 1 for USD, else `economics.usd_rate` (the
        loader requires it with an inventory; 1 stands in when a workload built in code has
        none)."""
        return 1.0 if self.app.currency == "USD" else self.economics.usd_rate or 1.0


class QuizAnswers(RootModel[dict[str, bool]]):
    """Answers to the symptom quiz: symptom id -> yes/no."""
