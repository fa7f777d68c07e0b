"""The glue: an inventory's single points of failure, shared fate, availability model,
catastrophes and improvements, per horizon.

The structure (SPOFs, shared fate, the analytic model, the simulated years) does not depend
on the horizon; only the money does: the cost of an hour down and of an incident, and the
targets. So the structure is solved once and priced per horizon.

An inventory too large to solve exactly still gets its scenarios, SPOFs and shared fate: the
availability model and the ranked changes are left out, and the notes say so.
"""

from __future__ import annotations

import numpy as np

from ..base.errors import UsageError
from ..derive.economics import HOURS_PER_YEAR, counted_hours_per_year
from ..model.common import Horizon
from ..model.lens import Lens
from ..model.resilience import AvailabilityModel, Change, MonteCarlo, Resilience
from ..model.targets import Targets
from ..model.workload import Workload
from .availability import Analytic, TooLarge
from .catastrophe import summary
from .graph import shared_fate, spofs
from .montecarlo import Samples, simulate
from .whatif import Memo, model_cost, plan, priced_alike


def assess(
    w: Workload, lens: Lens, targets: dict[Horizon, Targets], years: int = 20_000, seed: int = 7
) -> dict[Horizon, Resilience]:
    """The resilience of the workload's inventory at each horizon of `targets`; `years=0`
    leaves the Monte Carlo out."""
    inv = w.inventory
    if inv is None:
        raise UsageError(f"{w.app.name} has no inventory; add one (see docs/inventory.md)")
    memo = Memo(w, lens)
    notes: list[str] = []
    try:
        model: Analytic | None = memo.model(())
    except TooLarge as e:
        model = None
        notes.append(f"No availability model: {e}.")
        notes.append("The what-if changes are not ranked: they are priced with the availability model.")
    samples = simulate(inv, lens.reliability, years, seed) if years > 0 and model is not None else None
    weak, fate = spofs(inv), shared_fate(inv)
    result: dict[Horizon, Resilience] = {}
    plans: dict[tuple[str, float, float], tuple[list[Change], list[Change]]] = {}
    for h, t in targets.items():
        here = list(notes)
        changes: list[Change] = []
        improvements: list[Change] = []
        if model is not None:
            alike = priced_alike(w, t, h)
            if alike not in plans:
                plans[alike] = plan(memo, t, h)
            rows, chosen = plans[alike]
            changes, improvements = list(rows), list(chosen)
        result[h] = Resilience(
            spofs=weak,
            shared_fate=fate,
            availability=availability_model(w, t, h, model, samples, seed) if model is not None else None,
            scenarios=[summary(each) for each in memo.every((), t, h).values()],
            improvements=improvements,
            changes=changes,
            notes=here,
        )
    return result


def availability_model(
    w: Workload, t: Targets, h: Horizon, model: Analytic, samples: Samples | None, seed: int
) -> AvailabilityModel:
    """The analytic figures over the hours that count, priced at horizon `h`, against the SLO."""
    hours, incidents, cost = model_cost(w, model, h)
    chosen = next((o for o in t.availability.options if o.tier == t.availability.tier), None)
    return AvailabilityModel(
        availability=model.availability,
        downtime_hours_per_year=hours,
        incidents_per_year=incidents,
        cost_per_year=cost,
        target=t.availability.slo,
        meets_target=model.availability >= t.availability.slo,
        target_cost_per_year=chosen.downtime_cost_per_year if chosen else 0.0,
        monte_carlo=monte_carlo(w, h, samples, seed) if samples is not None else None,
        weakest=model.weakest,
    )


def monte_carlo(w: Workload, h: Horizon, samples: Samples, seed: int) -> MonteCarlo:
    """The simulated years summarised; downtime and incidents scaled to the hours that count,
    as the analytic figures are."""
    scale = counted_hours_per_year(w) / HOURS_PER_YEAR
    reliability = w.answers.reliability
    down = samples.downtime_hours * scale
    incidents = samples.incidents * scale
    cost = down * reliability.downtime_cost_per_hour.at(h) + incidents * reliability.incident_cost.at(h)
    return MonteCarlo(
        years=len(samples.downtime_hours),
        seed=seed,
        availability=float(1 - samples.downtime_hours.mean() / HOURS_PER_YEAR),
        downtime_hours_mean=float(down.mean()),
        downtime_hours_p50=float(np.percentile(down, 50)),
        downtime_hours_p90=float(np.percentile(down, 90)),
        downtime_hours_p99=float(np.percentile(down, 99)),
        incidents_mean=float(incidents.mean()),
        incidents_p99=float(np.percentile(incidents, 99)),
        years_without_downtime=float((samples.downtime_hours == 0).mean()),
        cost_mean=float(cost.mean()),
        cost_p90=float(np.percentile(cost, 90)),
        cost_p99=float(np.percentile(cost, 99)),
    )
