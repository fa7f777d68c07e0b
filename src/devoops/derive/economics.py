"""The availability target chosen by downtime economics.

Each tier costs money to run; each leaves some downtime that costs money too. The target is
the tier with the lowest sum, counting only the hours in which downtime costs the business.
"""

from __future__ import annotations

from ..model.common import Horizon
from ..model.lens import Lens, Tier
from ..model.targets import AvailabilityTarget, TierOption
from ..model.workload import Workload

HOURS_PER_YEAR = 8760.0
WEEKS_PER_YEAR = HOURS_PER_YEAR / 168
MONTH_DAYS = 30


def maintenance_minutes_per_month(w: Workload) -> float:
    window = w.answers.reliability.maintenance_window
    if window is None:
        return 0.0
    return window.minutes * (MONTH_DAYS if window.every == "night" else MONTH_DAYS / 7)


def counted_hours_per_week(w: Workload) -> float:
    """Hours in which downtime costs money and counts against the SLO: business hours, or
    the whole week less the accepted maintenance windows (which lie outside business hours)."""
    if w.app.business_hours != "24x7":
        return w.app.hours_per_week
    return w.app.hours_per_week - maintenance_minutes_per_month(w) * 7 / MONTH_DAYS / 60


def budget_minutes(w: Workload, availability: float) -> float:
    """The minutes a month `availability` allows down, over the counted hours."""
    return (1 - availability) * (counted_hours_per_week(w) * 60 * MONTH_DAYS / 7)


def counted_hours_per_year(w: Workload) -> float:
    return counted_hours_per_week(w) * WEEKS_PER_YEAR


def economics_defaults(w: Workload, lens: Lens) -> tuple[float, float]:
    """(base monthly infrastructure spend, on-call cost per person-year), given or by stage."""
    stage = lens.stage_defaults[w.app.stage.value]
    e = w.economics
    base = e.base_monthly_infra if e.base_monthly_infra is not None else stage.base_monthly_infra
    oncall = (
        e.oncall_cost_per_person_year
        if e.oncall_cost_per_person_year is not None
        else stage.oncall_cost_per_person_year
    )
    return base, oncall


def effective_tiers(w: Workload, lens: Lens) -> list[Tier]:
    return [
        t.model_copy(update=w.economics.tiers[t.id].model_dump(exclude_none=True))
        if t.id in w.economics.tiers
        else t
        for t in lens.tiers
    ]


def tier_options(w: Workload, lens: Lens, h: Horizon) -> list[TierOption]:
    base, oncall = economics_defaults(w, lens)
    per_hour = w.answers.reliability.downtime_cost_per_hour.at(h)
    per_incident = w.answers.reliability.incident_cost.at(h)
    hours = counted_hours_per_year(w)
    options = []
    for tier in effective_tiers(w, lens):
        tier_cost = base * 12 * tier.infra_multiplier + tier.oncall_people * oncall
        downtime_hours = (1 - tier.availability) * hours
        downtime_cost = downtime_hours * per_hour + tier.incidents_per_year * per_incident
        options.append(
            TierOption(
                tier=tier.id,
                title=tier.title,
                availability=tier.availability,
                incidents_per_year=tier.incidents_per_year,
                downtime_hours_per_year=downtime_hours,
                tier_cost_per_year=tier_cost,
                downtime_cost_per_year=downtime_cost,
                total_cost_per_year=tier_cost + downtime_cost,
                needs=tier.needs,
            )
        )
    return options


def availability_target(w: Workload, lens: Lens, h: Horizon) -> AvailabilityTarget:
    options = tier_options(w, lens, h)
    # Cheapest total wins; on a tie the simpler (earlier) tier.
    chosen = min(options, key=lambda o: o.total_cost_per_year)
    return AvailabilityTarget(
        slo=chosen.availability,
        tier=chosen.tier,
        error_budget_minutes_per_month=budget_minutes(w, chosen.availability),
        counted_hours_per_week=counted_hours_per_week(w),
        maintenance_minutes_per_month=maintenance_minutes_per_month(w),
        currency=w.app.currency,
        options=options,
    )
