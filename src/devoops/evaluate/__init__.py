"""Findings, maturity and plan, assembled with the derivation into one Assessment. Pure."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

from .. import __version__
from ..derive import derive
from ..model.assessment import Assessment, HorizonView, TenetScore
from ..model.common import HORIZONS, Horizon
from ..model.evidence import ProbeResult
from ..model.lens import Lens
from ..model.workload import Workload
from . import catastrophes
from .findings import findings, practice_states
from .maturity import maturity
from .plan import plan


def assess(
    w: Workload,
    lens: Lens,
    now: dt.datetime,
    source: str,
    evidence: Sequence[ProbeResult] = (),
    years: int = catastrophes.YEARS,
) -> Assessment:
    """Everything devoops concludes from a workload and what its probes measured, as of `now`
    (UTC); `years` simulated years for the Monte Carlo of an inventory (0: none)."""
    today = now.date()
    mature = maturity(practice_states(w, lens, Horizon.NOW, evidence), lens, today)
    by_tenet = {m.tenet: m.value for m in mature}
    derived = {horizon: derive(w, lens, horizon) for horizon in HORIZONS}
    resilience = catastrophes.resilience(w, lens, {h: d.targets for h, d in derived.items()}, years)
    views = []
    for horizon, d in derived.items():
        importance = {i.tenet: i.value for i in d.importance}
        views.append(
            HorizonView(
                horizon=horizon,
                tenets=[
                    TenetScore(
                        tenet=i.tenet,
                        importance=i,
                        maturity=by_tenet[i.tenet],
                        gap=round(i.value - by_tenet[i.tenet], 1),
                    )
                    for i in d.importance
                ],
                targets=d.targets,
                tensions=d.tensions,
                findings=catastrophes.ordered(
                    [
                        *findings(w, lens, importance, horizon, today, evidence),
                        *catastrophes.findings(resilience.get(horizon), lens, importance, horizon),
                    ]
                ),
                resilience=resilience.get(horizon),
            )
        )
    return Assessment(
        devoops_version=__version__,
        lens_version=lens.version,
        generated_at=now,
        source=source,
        app=w.app,
        maturity=mature,
        horizons=views,
        plan=plan([f for v in views for f in v.findings], lens),
        evidence=list(evidence),
    )
