"""The glue: the availability model's money figures worked out by hand from the lens's rates,
the Monte Carlo summary against identities it must satisfy, and the parts per horizon."""

from __future__ import annotations

import math
from typing import Any

import pytest

from devoops.base.errors import UsageError
from devoops.derive import derive
from devoops.model.common import HORIZONS, Horizon
from devoops.model.lens import Lens
from devoops.model.workload import Workload
from devoops.scenarios import whatif
from devoops.scenarios.catastrophe import run
from devoops.scenarios.graph import shared_fate, spofs
from devoops.scenarios.resilience import assess
from tests.conftest import workload
from tests.scenarios.test_whatif import shop

BUSINESS = {"days": ["mon", "tue", "wed", "thu", "fri"], "start": "09:00", "end": "17:00", "timezone": "UTC"}
COUNTED = 40 * 8760 / 168  # hours a year in which downtime costs money
PER_HOUR = {Horizon.NOW: 100.0, Horizon.SIX_MONTHS: 100.0, Horizon.TWELVE_MONTHS: 400.0}
INCIDENT = 50.0


def one_app(**changes: Any) -> Workload:
    """One app instance in one zone of aws/eu-west-1, priced per business hour."""
    return workload(
        inventory={
            "defaults": {"provider": "aws", "account": "111", "region": "eu-west-1"},
            "components": {"web": {"kind": "app", "zones": ["eu-west-1a"]}},
        },
        **{
            "app.business_hours": BUSINESS,
            "answers.reliability.downtime_cost_per_hour": {"now": 100, "12mo": 400},
            "answers.reliability.incident_cost": INCIDENT,
        },
        **changes,
    )


def targets(w: Workload, lens: Lens) -> dict[Horizon, Any]:
    return {h: derive(w, lens, h).targets for h in HORIZONS}


def test_the_availability_model_is_priced_by_hand(lens: Lens) -> None:
    r = lens.reliability
    w = one_app()
    # in series: the instance, its zone, its region, its provider
    rates = [
        (r.kinds["app"].mtbf_hours, r.kinds["app"].mttr_minutes),
        (r.infrastructure["zone"].mtbf_hours, r.infrastructure["zone"].mttr_minutes),
        (r.infrastructure["region"].mtbf_hours, r.infrastructure["region"].mttr_minutes),
        (r.infrastructure["provider"].mtbf_hours, r.infrastructure["provider"].mttr_minutes),
    ]
    a = math.prod(mtbf / (mtbf + mttr / 60) for mtbf, mttr in rates)
    # a series system fails whenever any unit does while the rest are up
    incidents = a * 8760 * sum(1 / mtbf for mtbf, _ in rates)
    t = targets(w, lens)
    found = assess(w, lens, t, years=0)
    assert set(found) == set(HORIZONS)
    for h, res in found.items():
        m = res.availability
        down = (1 - a) * COUNTED
        scaled = incidents * COUNTED / 8760
        assert m.availability == pytest.approx(a, rel=1e-12)
        assert m.downtime_hours_per_year == pytest.approx(down, rel=1e-9)
        assert m.incidents_per_year == pytest.approx(scaled, rel=1e-9)
        assert m.cost_per_year == pytest.approx(down * PER_HOUR[h] + scaled * INCIDENT, rel=1e-9)
        slo = t[h].availability
        assert m.target == slo.slo and m.meets_target == (a >= slo.slo)
        chosen = next(o for o in slo.options if o.tier == slo.tier)
        assert m.target_cost_per_year == chosen.downtime_cost_per_year
        assert m.monte_carlo is None
    assert (
        found[Horizon.TWELVE_MONTHS].availability.cost_per_year
        > found[Horizon.NOW].availability.cost_per_year
    )


def test_monte_carlo_is_summarised_over_the_counted_hours(lens: Lens) -> None:
    w = one_app()
    found = assess(w, lens, targets(w, lens), years=3000, seed=11)
    analytic = found[Horizon.NOW].availability.availability
    scale = COUNTED / 8760
    for h, res in found.items():
        mc = res.availability.monte_carlo
        assert mc is not None and (mc.years, mc.seed) == (3000, 11)
        # mean scaled downtime is the simulated unavailability over the counted hours
        assert mc.downtime_hours_mean == pytest.approx((1 - mc.availability) * COUNTED, rel=1e-9)
        assert mc.downtime_hours_p50 <= mc.downtime_hours_p90 <= mc.downtime_hours_p99
        assert 0 <= mc.years_without_downtime <= 1
        # cost is linear in downtime and incidents, so its mean is the priced means
        assert mc.cost_mean == pytest.approx(
            mc.downtime_hours_mean * PER_HOUR[h] + mc.incidents_mean * INCIDENT
        )
        assert mc.cost_p90 <= mc.cost_p99
        # simulated and analytic agree: 3000 years of about 2.8 failures each, within 10 %
        assert 1 - mc.availability == pytest.approx(1 - analytic, rel=0.10)
        assert mc.incidents_mean == pytest.approx(res.availability.incidents_per_year, rel=0.10)
        assert mc.incidents_mean / scale > 0
    # one simulation shared by every horizon: the same years, priced differently
    now, later = (found[h].availability.monte_carlo for h in (Horizon.NOW, Horizon.TWELVE_MONTHS))
    assert now is not None and later is not None
    assert now.downtime_hours_mean == later.downtime_hours_mean and now.cost_mean < later.cost_mean


def test_the_same_seed_gives_the_same_years(lens: Lens) -> None:
    w = one_app()
    t = {Horizon.NOW: derive(w, lens, Horizon.NOW).targets}
    assert assess(w, lens, t, years=500, seed=5) == assess(w, lens, t, years=500, seed=5)


def test_the_parts_per_horizon(lens: Lens) -> None:
    w = shop(**{"answers.reliability.downtime_cost_per_hour": {"now": 100, "12mo": 1000}})
    assert w.inventory is not None
    t = targets(w, lens)
    found = assess(w, lens, t, years=0)
    for h, res in found.items():
        assert res.spofs == spofs(w.inventory) and res.shared_fate == shared_fate(w.inventory)
        assert res.scenarios == run(w, lens, t[h], h)
        assert res.improvements == whatif.improvements(w, lens, t[h], h)
    # a dearer hour makes every change ranked at both horizons worth more per money spent
    value = {h: {c.change: c.saved_per_spent for c in found[h].improvements} for h in found}
    both = set(value[Horizon.NOW]) & set(value[Horizon.TWELVE_MONTHS])
    assert both
    assert all(value[Horizon.TWELVE_MONTHS][c] > value[Horizon.NOW][c] for c in both)


def test_horizons_priced_alike_share_one_plan(lens: Lens) -> None:
    """A plan reads of its horizon only the targets that judge the catastrophes and the money of
    an hour down and of an incident: horizons alike in them share one plan, the rest get their
    own, and each is the plan a fresh memo makes at that horizon."""
    w = shop(**{"answers.reliability.downtime_cost_per_hour": {"now": 100, "12mo": 1000}})
    t = targets(w, lens)
    alike = {h: whatif.priced_alike(w, t[h], h) for h in HORIZONS}
    assert alike[Horizon.NOW] == alike[Horizon.SIX_MONTHS] != alike[Horizon.TWELVE_MONTHS]
    found = assess(w, lens, t, years=0)
    for h, res in found.items():
        assert (res.changes, res.improvements) == whatif.plan(whatif.Memo(w, lens), t[h], h)
    assert found[Horizon.NOW].changes != found[Horizon.TWELVE_MONTHS].changes


def test_no_inventory_is_a_usage_error(lens: Lens) -> None:
    w = workload()
    with pytest.raises(UsageError, match="no inventory"):
        assess(w, lens, {Horizon.NOW: derive(w, lens, Horizon.NOW).targets})


def too_large() -> Workload:
    """web and api, 21 instances each over the same 21 zones: 2^21 shared states."""
    zones = [f"eu-west-1{n}" for n in range(21)]
    tier = {"kind": "app", "instances": 21, "zones": zones}
    return workload(
        inventory={
            "defaults": {"provider": "aws", "account": "111", "region": "eu-west-1"},
            "components": {"web": {**tier, "depends_on": ["api"]}, "api": tier},
        },
        **{"answers.reliability.downtime_cost_per_hour": 100},
    )


def test_too_large_for_the_model_keeps_the_rest(lens: Lens) -> None:
    w = too_large()
    assert w.inventory is not None
    t = targets(w, lens)
    found = assess(w, lens, t, years=100)
    for h, res in found.items():
        assert res.availability is None and res.improvements == []
        assert any("2^21 states" in note for note in res.notes)
        assert any("not ranked" in note for note in res.notes)
        # the scenarios, single points of failure and shared fate do not need the model
        assert res.scenarios == run(w, lens, t[h], h) and res.scenarios
        assert res.spofs == spofs(w.inventory) and res.shared_fate == shared_fate(w.inventory)
        assert {g.by for g in res.shared_fate} >= {"account", "region", "provider"}


def test_a_solvable_inventory_has_no_notes(lens: Lens) -> None:
    found = assess(one_app(), lens, targets(one_app(), lens), years=0)
    assert all(res.notes == [] and res.availability is not None for res in found.values())


def test_a_cycle_is_still_refused(lens: Lens) -> None:
    """Only a model too large to solve is left out; an inventory that cannot be right is an error."""
    w = workload(
        inventory={
            "components": {
                "web": {"kind": "app", "depends_on": ["db"]},
                "db": {"kind": "database", "depends_on": ["web"]},
            },
        }
    )
    with pytest.raises(UsageError, match="cycle"):
        assess(w, lens, {Horizon.NOW: derive(w, lens, Horizon.NOW).targets}, years=0)
