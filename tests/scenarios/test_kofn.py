"""k of n, with failover and alternatives, at low availability: the analytic model and the
Monte Carlo share one definition of an incident (up -> down) and of the failover window (it
opens when a serving instance fails while a spare is up), so they agree within five standard
errors however often instances are down. And a group simulated as one process agrees with the
same instances simulated one by one."""

from __future__ import annotations

import math
from typing import Any

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from devoops.lens import load_lens
from devoops.model.inventory import Inventory
from devoops.model.lens import Lens, Rates, Reliability
from devoops.scenarios.availability import analytic
from devoops.scenarios.montecarlo import Samples, simulate

Y = 8760.0
BAND = 5  # standard errors
ZONED = {"provider": "p", "region": "r"}


def measured(s: Samples) -> tuple[float, float, float, float]:
    """Mean availability and incidents a year, each with its standard error."""
    n = len(s.downtime_hours)
    availability = 1 - s.downtime_hours.mean() / Y
    return (
        availability,
        s.downtime_hours.std(ddof=1) / math.sqrt(n) / Y,
        float(s.incidents.mean()),
        s.incidents.std(ddof=1) / math.sqrt(n),
    )


LOW: dict[str, tuple[dict[str, Any], int]] = {
    # a window ten times a repair's length is no failure when no spare is up
    "three needing one, long repairs and windows": (
        {
            "web": {
                "kind": "app",
                "instances": 3,
                "needs": 1,
                "mtbf_hours": 100,
                "mttr_minutes": 6000,
                "failover": {"mode": "manual", "minutes": 600},
            }
        },
        20_000,
    ),
    "four needing two over two zones, in front of a pair": (
        {
            "web": {
                "kind": "app",
                "instances": 2,
                "mtbf_hours": 40,
                "mttr_minutes": 120,
                "depends_on": ["db"],
            },
            "db": {
                "kind": "database",
                "instances": 4,
                "needs": 2,
                "mtbf_hours": 30,
                "mttr_minutes": 180,
                "failover": {"mode": "manual", "minutes": 60},
                "zones": ["a", "b"],
                **ZONED,
            },
        },
        3_000,
    ),
    "alternatives sharing a database, each with a failover": (
        {
            "web": {
                "kind": "app",
                "mtbf_hours": 200,
                "mttr_minutes": 120,
                "depends_on": [{"any_of": ["a1", "a2"]}],
            },
            "a1": {
                "kind": "app",
                "instances": 3,
                "needs": 2,
                "mtbf_hours": 20,
                "mttr_minutes": 300,
                "depends_on": ["db"],
                "failover": {"mode": "manual", "minutes": 60},
            },
            "a2": {"kind": "app", "mtbf_hours": 30, "mttr_minutes": 300, "depends_on": ["db"]},
            "db": {
                "kind": "database",
                "instances": 2,
                "mtbf_hours": 50,
                "mttr_minutes": 240,
                "failover": {"mode": "automatic", "minutes": 20},
            },
        },
        6_000,
    ),
}


@pytest.mark.parametrize("name", LOW)
def test_both_models_agree_at_low_availability(lens: Lens, name: str) -> None:
    components, years = LOW[name]
    model = Inventory.model_validate({"components": components, "entry": ["web"]})
    exact = analytic(model, lens.reliability)
    availability, se, incidents, incidents_se = measured(simulate(model, lens.reliability, years, seed=11))
    assert exact.availability < 0.96  # instances are down for long
    assert se < 2.5e-4 and incidents_se < 0.01 * exact.incidents_per_year  # the band is tight
    assert abs(availability - exact.availability) <= BAND * se
    assert abs(incidents - exact.incidents_per_year) <= BAND * incidents_se


def steady_zones() -> Reliability:
    """Zones that (in any simulated span) never fail: instances spread one to a zone are each
    their own group, to be simulated one by one, with the same figures as in one zone."""
    rates = {level: Rates(mtbf_hours=1e13, mttr_minutes=1) for level in ("zone", "region", "provider")}
    return load_lens().reliability.model_copy(update={"infrastructure": rates})


@settings(max_examples=5, deadline=None, derandomize=True)
@given(
    size=st.integers(2, 8),
    spare=st.integers(0, 2),
    mtbf=st.sampled_from([20, 50]),
    mttr=st.sampled_from([120, 300]),
)
def test_a_group_as_one_process_agrees_with_its_instances_one_by_one(
    size: int, spare: int, mtbf: float, mttr: float
) -> None:
    needs = max(1, size - spare)
    reliability = steady_zones()
    web = {
        "kind": "app",
        "instances": size,
        "needs": needs,
        "mtbf_hours": mtbf,
        "mttr_minutes": mttr,
        **ZONED,
    }
    one = Inventory.model_validate({"components": {"web": {**web, "zones": ["a"]}}})
    spread = Inventory.model_validate(
        {"components": {"web": {**web, "zones": [f"z{n}" for n in range(size)]}}}
    )
    exact = analytic(one, reliability)
    assume(exact.incidents_per_year * 2_000 > 200)  # enough incidents in the span to measure
    assert analytic(spread, reliability).availability == pytest.approx(exact.availability, rel=1e-9)
    together = measured(simulate(one, reliability, 2_000, seed=4))
    apart = measured(simulate(spread, reliability, 2_000, seed=5))
    for (a, se), (b, se2) in ((together[:2], apart[:2]), (together[2:], apart[2:])):
        assert abs(a - b) <= BAND * math.hypot(se, se2)
    assert abs(together[0] - exact.availability) <= BAND * together[1]
    assert abs(together[2] - exact.incidents_per_year) <= BAND * together[3]
