"""The workload file (`devoops.yaml`) as a whole: the application (`app`), the founder's
answers (`answers`), the practices' records (`practices`), and what only the file itself
holds: economics overrides, the probes `devoops audit` runs, tenet overrides."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import Field

from .answers import Answers
from .app import App
from .common import ByHorizon, Money, NonNegative, Score, Strict, Tenet, Text
from .inventory import Inventory
from .practices import PracticeState
from .slo import SloConfig


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
    quiz: dict[str, bool] = Field(
        default={}, description="the DevOops symptom quiz: symptom id -> the founder's yes or no"
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
