"""One timestamped snapshot of everything: the document every renderer reads."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import model_validator

from .app import App
from .common import Horizon, Strict, Tenet
from .evidence import ProbeResult
from .findings import Finding, Maturity, PlanItem
from .resilience import Resilience
from .targets import Importance, Targets, Tension

SCHEMA_VERSION: Literal["2"] = "2"


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
    schema_version: Literal["2"] = SCHEMA_VERSION
    devoops_version: str
    lens_version: str
    generated_at: dt.datetime
    source: str
    app: App
    maturity: list[Maturity]
    horizons: list[HorizonView]
    plan: list[PlanItem]
    evidence: list[ProbeResult] = []

    @model_validator(mode="before")
    @classmethod
    def _upgrade(cls, data: Any) -> Any:
        """A stored schema 1 document, as schema 2: what-if rows list the practices that price
        them and the scenarios they move (schema 1 kept one practice and the verdicts only; its
        rates never moved, so they are left out of the moves)."""
        if not isinstance(data, dict) or data.get("schema_version") != "1":
            return data
        horizons = []
        for view in data.get("horizons", []):
            r = view.get("resilience")
            if r is not None:
                r = {**r, "improvements": [_change_v2(c) for c in r.get("improvements", [])]}
            horizons.append({**view, "resilience": r})
        return {**data, "schema_version": "2", "horizons": horizons}

    def at(self, horizon: Horizon) -> HorizonView:
        return next(v for v in self.horizons if v.horizon == horizon)


def _change_v2(c: dict[str, Any]) -> dict[str, Any]:
    rest = {k: v for k, v in c.items() if k not in ("practice", "verdicts")}
    moves = [
        {
            "scenario": sid,
            "verdict_before": None if was == "not run" else was,
            "verdict_after": None if now == "not run" else now,
            "per_year_before": 0.0,
            "per_year_after": 0.0,
            "cost_per_year_before": 0.0,
            "cost_per_year_after": 0.0,
        }
        for sid, (was, now) in c.get("verdicts", {}).items()
    ]
    return {**rest, "practices": [c["practice"]] if c.get("practice") else [], "moves": moves}
