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
from . import catastrophes, money
from .findings import findings, known
from .maturity import maturity
from .measured import load_tension, measured
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
    states = known(w, lens, Horizon.NOW, evidence)
    resolved = {pid: k.state for pid, k in states.items()}
    mature = maturity(resolved, lens, today)
    by_tenet = {m.tenet: m.value for m in mature}
    derived = {horizon: derive(w, lens, horizon) for horizon in HORIZONS}
    seen = catastrophes.seen(w, resolved, evidence, derived[Horizon.NOW].targets)
    resilience = catastrophes.resilience(seen, lens, {h: d.targets for h, d in derived.items()}, years)
    tension = load_tension(derived[Horizon.NOW].targets.capacity, measured(evidence))
    views = []
    for horizon, d in derived.items():
        importance = {i.tenet: i.value for i in d.importance}
        r = resilience.get(horizon)
        practices = findings(w, lens, importance, horizon, today, evidence)
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
                tensions=[*d.tensions, *([tension] if tension and horizon == Horizon.NOW else [])],
                findings=catastrophes.ordered(
                    [
                        *money.priced(practices, r, w, lens, states),
                        *catastrophes.findings(r, lens, importance, horizon),
                    ]
                ),
                resilience=r,
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
