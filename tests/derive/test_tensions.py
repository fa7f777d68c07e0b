"""Each tension rule: a workload that triggers it and one that does not."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devoops.derive import derive
from devoops.model.common import HORIZONS
from devoops.model.lens import Lens

from ..conftest import workload

CASES: dict[str, tuple[dict[str, Any], dict[str, Any]]] = {
    "oncall-infeasible": (
        {
            "answers.reliability.downtime_cost_per_hour": 20000,
            "answers.engineering.oncall_24x7_feasible": False,
        },
        {
            "answers.reliability.downtime_cost_per_hour": 20000,
            "answers.engineering.oncall_24x7_feasible": True,
        },
    ),
    "ha-small-team": (
        {"answers.reliability.downtime_cost_per_hour": 20000, "answers.engineering": {"team_size": 2}},
        {
            "answers.reliability.downtime_cost_per_hour": 20000,
            "answers.engineering": {"team_size": 8, "senior_engineers": 3, "ops_engineers": 2},
        },
    ),
    "regulated-speed": (
        {
            "answers.security": {"breach_survival": "no", "sensitive_data": ["financial"]},
            "answers.engineering": {"team_size": 20, "releases_per_week": 60, "speed_vs_reliability": 0},
        },
        {
            "answers.security": {"breach_survival": "damaged", "sensitive_data": ["financial"]},
            "answers.engineering": {"team_size": 20, "releases_per_week": 60, "speed_vs_reliability": 0},
        },
    ),
    "global-latency-single-region": (
        {"app.audience": "global", "answers.performance": {"p99_ms": 100}},
        {"app.audience": "local", "answers.performance": {"p99_ms": 100}},
    ),
    "rto-exceeds-error-budget": (
        {
            "answers.reliability.downtime_cost_per_hour": 2000,
            "answers.data.datasets": [{"name": "orders", "criticality": "lifeblood", "rto_minutes": 240}],
        },
        {
            "answers.reliability.downtime_cost_per_hour": 2000,
            "answers.data.datasets": [{"name": "orders", "criticality": "lifeblood", "rto_minutes": 15}],
        },
    ),
    "near-zero-rpo": (
        {"answers.data.datasets": [{"name": "ledger", "criticality": "lifeblood", "rpo_minutes": 0}]},
        {"answers.data.datasets": [{"name": "ledger", "criticality": "lifeblood", "rpo_minutes": 5}]},
    ),
    "spike-faster-than-scaling": (
        {"answers.traffic": {"baseline_rps": 10, "peak": {"multiplier": 50}, "scale_up_minutes": 2}},
        {"answers.traffic": {"baseline_rps": 10, "peak": {"multiplier": 50}, "scale_up_minutes": 30}},
    ),
    "speed-vs-availability": (
        {"answers.reliability.downtime_cost_per_hour": 20000, "answers.engineering.speed_vs_reliability": 1},
        {"answers.reliability.downtime_cost_per_hour": 20000, "answers.engineering.speed_vs_reliability": 6},
    ),
    "maintenance-vs-slo": (
        {
            "answers.reliability": {
                "downtime_cost_per_hour": 20000,
                "maintenance_window": {"every": "week", "minutes": 60},
            }
        },
        {"answers.reliability": {"downtime_cost_per_hour": 20000}},
    ),
}


def ids(lens: Lens, changes: dict[str, Any]) -> set[str]:
    w = workload(**changes)
    return {t.id for h in HORIZONS for t in derive(w, lens, h).tensions}


@pytest.mark.parametrize("rule", sorted(CASES))
def test_rule_fires_only_when_its_condition_holds(rule: str, lens: Lens) -> None:
    fires, calm = CASES[rule]
    assert rule in ids(lens, fires)
    assert rule not in ids(lens, calm)


def test_every_tension_offers_options(lens: Lens) -> None:
    for fires, _ in CASES.values():
        w = workload(**fires)
        for h in HORIZONS:
            for t in derive(w, lens, h).tensions:
                assert len(t.options) >= 2 and t.detail and t.tenets


def test_a_team_without_a_senior_engineer_is_a_small_team_for_high_availability(lens: Lens) -> None:
    juniors = {"team_size": 8, "senior_engineers": 0, "ops_engineers": 2}
    assert "ha-small-team" in ids(
        lens, {"answers.reliability.downtime_cost_per_hour": 20000, "answers.engineering": juniors}
    )


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(cost=st.floats(1, 1e6), incident=st.floats(0, 1e6))
def test_a_derived_rto_never_spends_more_than_the_error_budget(
    lens: Lens, cost: float, incident: float
) -> None:
    """Whatever SLO the money chooses, a lifeblood RTO nobody gave is capped at the month's error
    budget in whole minutes, so it fits by construction and the tension, which speaks of given
    numbers, stays silent."""
    w = workload(
        **{
            "answers.reliability": {"downtime_cost_per_hour": cost, "incident_cost": incident},
            "answers.data.datasets": [{"name": "ledger", "criticality": "lifeblood"}],
        }
    )
    for h in HORIZONS:
        d = derive(w, lens, h)
        budget = d.targets.availability.error_budget_minutes_per_month
        assert d.targets.data[0].rto_minutes <= max(1.0, budget)
        assert "rto-exceeds-error-budget" not in {t.id for t in d.tensions}
