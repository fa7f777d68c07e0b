"""One timestamped snapshot of everything: the document every renderer reads."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from .common import Horizon, Strict, Tenet
from .evidence import ProbeResult
from .findings import Finding, Maturity, PlanItem
from .resilience import Resilience
from .targets import Importance, Targets, Tension
from .workload import App

SCHEMA_VERSION: Literal["1"] = "1"


class TenetScore(Strict):
    tenet: Tenet
    importance: Importance
    maturity: float
    gap: float


class HorizonView(Strict):
    horizon: Horizon
    tenets: list[TenetScore]
    targets: Targets
    tensions: list[Tension]
    findings: list[Finding]
    resilience: Resilience | None = None
    """What the catastrophes and the availability model conclude; None without an inventory."""


class Assessment(Strict):
    schema_version: Literal["1"] = SCHEMA_VERSION
    devoops_version: str
    lens_version: str
    generated_at: dt.datetime
    source: str
    app: App
    maturity: list[Maturity]
    horizons: list[HorizonView]
    plan: list[PlanItem]
    evidence: list[ProbeResult] = []

    def at(self, horizon: Horizon) -> HorizonView:
        return next(v for v in self.horizons if v.horizon == horizon)
