"""Deploy duration and frequency targets, and whether 24x7 on-call is required."""

from __future__ import annotations

from ..model.common import Horizon
from ..model.lens import Lens
from ..model.targets import AvailabilityTarget, DeliveryTarget, OnCall
from ..model.workload import Workload
from .economics import effective_tiers

# (releases per week at least, longest acceptable deploy in minutes); first match wins
DEPLOY_MINUTES = ((20.0, 5.0), (5.0, 10.0), (0.0, 15.0))
# A rollback may spend at most this share of the month's error budget.
ROLLBACK_BUDGET_SHARE = 0.25


def delivery_target(w: Workload, h: Horizon, availability: AvailabilityTarget) -> DeliveryTarget:
    releases = w.answers.engineering.releases_per_week.at(h)
    deploy = next(m for at_least, m in DEPLOY_MINUTES if releases >= at_least)
    budget_share = availability.error_budget_minutes_per_month * ROLLBACK_BUDGET_SHARE
    return DeliveryTarget(
        releases_per_week=releases,
        deploy_minutes_max=deploy,
        rollback_minutes_max=round(min(deploy, max(1.0, budget_share)), 1),
    )


def oncall(w: Workload, lens: Lens, availability: AvailabilityTarget, ha_importance: int) -> OnCall:
    tier = next(t for t in effective_tiers(w, lens) if t.id == availability.tier)
    if tier.oncall_people > 0:
        return OnCall(required=True, reason=f"the {tier.title.lower()} tier needs a 24x7 on-call rotation")
    if w.app.business_hours == "24x7" and ha_importance >= 7:
        return OnCall(required=True, reason=f"high availability is {ha_importance}/10 around the clock")
    return OnCall(required=False, reason="the chosen tier and importance allow best-effort response")
