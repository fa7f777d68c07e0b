"""The availability tier chosen by downtime economics, checked against hand-computed cases."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devoops.derive.economics import availability_target, budget_minutes, tier_options
from devoops.model.common import Horizon
from devoops.model.lens import Lens

from ..conftest import workload

NOW = Horizon.NOW


def test_hand_computed_case_picks_multi_zone(lens: Lens) -> None:
    # 1,000/h around the clock, base infra 1,000/month, on-call 20,000 per person-year:
    #   single       12,000 + 0.005  * 8760 * 1000 = 12,000 + 43,800 = 55,800
    #   multi-zone   24,000 + 0.001  * 8760 * 1000 = 24,000 +  8,760 = 32,760   <- cheapest
    #   multi-zone-ha 30,000 + 20,000 + 4,380                           = 54,380
    #   multi-region  60,000 + 40,000 + 876                             = 100,876
    w = workload(
        **{
            "answers.reliability.downtime_cost_per_hour": 1000,
            "economics": {"base_monthly_infra": 1000, "oncall_cost_per_person_year": 20000},
        }
    )
    totals = {o.tier: round(o.total_cost_per_year) for o in tier_options(w, lens, NOW)}
    assert totals == {"single": 55800, "multi-zone": 32760, "multi-zone-ha": 54380, "multi-region": 100876}
    target = availability_target(w, lens, NOW)
    assert target.tier == "multi-zone" and target.slo == 0.999
    assert target.error_budget_minutes_per_month == pytest.approx(43.2)


def test_budget_minutes_by_hand() -> None:
    # 99.9 % of a 30-day month around the clock: 0.001 x 720 h x 60 = 43.2 minutes;
    # weekdays 09:00-18:00 count 45 h a week: 0.001 x 45 x 60 x 30 / 7 = 11.57 minutes;
    # a nightly 30-minute window leaves 168 - 3.5 h a week: 0.001 x 164.5 x 60 x 30 / 7 = 42.3.
    assert budget_minutes(workload(), 0.999) == pytest.approx(43.2)
    office = {"start": "09:00", "end": "18:00", "timezone": "UTC"}
    assert budget_minutes(workload(**{"app.business_hours": office}), 0.999) == pytest.approx(
        11.5714, rel=1e-4
    )
    nightly = workload(**{"answers.reliability.maintenance_window": {"every": "night", "minutes": 30}})
    assert budget_minutes(nightly, 0.999) == pytest.approx(42.3)
    assert budget_minutes(nightly, 0.995) == pytest.approx(5 * 42.3)


def test_incident_cost_counts_per_incident(lens: Lens) -> None:
    # With no hourly cost, only incidents differ: 12 x 10,000 at single vs 6 x 10,000 at multi-zone.
    w = workload(
        **{
            "answers.reliability.downtime_cost_per_hour": 0,
            "answers.reliability.incident_cost": 10000,
            "economics": {"base_monthly_infra": 1000, "oncall_cost_per_person_year": 20000},
        }
    )
    options = {o.tier: o for o in tier_options(w, lens, NOW)}
    assert options["single"].downtime_cost_per_year == 120000
    assert options["multi-zone"].downtime_cost_per_year == 60000
    assert availability_target(w, lens, NOW).tier == "multi-zone"


def test_business_hours_count_only_the_hours_that_cost(lens: Lens) -> None:
    hours = {
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "start": "09:00",
        "end": "18:00",
        "timezone": "Europe/Berlin",
    }
    w = workload(
        **{
            "app.business_hours": hours,
            "answers.reliability.downtime_cost_per_hour": 1000,
            "economics": {"base_monthly_infra": 1000, "oncall_cost_per_person_year": 20000},
        }
    )
    single = tier_options(w, lens, NOW)[0]
    # 45 h a week of 168: 0.005 * 8760 * 45/168 = 11.73 h
    assert single.downtime_hours_per_year == pytest.approx(0.005 * 8760 * 45 / 168)
    target = availability_target(w, lens, NOW)
    assert target.tier == "single"  # 12,000 + 11,732 beats 24,000 + 2,346
    assert target.error_budget_minutes_per_month == pytest.approx(0.005 * 45 * 60 * 30 / 7)


def test_tier_override_from_the_workload(lens: Lens) -> None:
    w = workload(
        **{
            "answers.reliability.downtime_cost_per_hour": 1000,
            "economics": {
                "base_monthly_infra": 1000,
                "oncall_cost_per_person_year": 20000,
                "tiers": {"multi-zone": {"infra_multiplier": 4}},
            },
        }
    )
    # multi-zone now 48,000 + 8,760 = 56,760; multi-zone-ha 54,380 wins
    assert availability_target(w, lens, NOW).tier == "multi-zone-ha"


def test_maintenance_windows_are_neither_paid_for_nor_budgeted(lens: Lens) -> None:
    plain = workload(**{"answers.reliability.downtime_cost_per_hour": 1000})
    nightly = workload(
        **{
            "answers.reliability": {
                "downtime_cost_per_hour": 1000,
                "maintenance_window": {"every": "night", "minutes": 60},
            }
        }
    )
    # an hour a night leaves 161 of 168 hours counted
    single_plain, single_nightly = tier_options(plain, lens, NOW)[0], tier_options(nightly, lens, NOW)[0]
    assert single_nightly.downtime_hours_per_year == pytest.approx(
        single_plain.downtime_hours_per_year * 161 / 168
    )
    target = availability_target(nightly, lens, NOW)
    assert target.maintenance_minutes_per_month == 1800
    assert target.counted_hours_per_week == pytest.approx(161)
    budget = availability_target(plain, lens, NOW).error_budget_minutes_per_month
    assert target.error_budget_minutes_per_month == pytest.approx(budget * 161 / 168)


def test_business_hours_may_run_past_midnight(lens: Lens) -> None:
    night_shift = {"days": ["mon", "tue"], "start": "22:00", "end": "06:00", "timezone": "UTC"}
    target = availability_target(workload(**{"app.business_hours": night_shift}), lens, NOW)
    assert target.counted_hours_per_week == 16


@settings(max_examples=100, deadline=None)
@given(st.floats(0, 1e6), st.floats(0, 1e6), st.floats(1, 1e5))
def test_more_expensive_downtime_never_lowers_the_target(low: float, extra: float, base: float) -> None:
    from devoops.lens import load_lens

    lens = load_lens()

    def slo(cost: float) -> float:
        w = workload(
            **{"answers.reliability.downtime_cost_per_hour": cost, "economics": {"base_monthly_infra": base}}
        )
        return availability_target(w, lens, NOW).slo

    assert slo(low + extra) >= slo(low)
