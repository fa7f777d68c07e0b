"""The Monte Carlo against hand formulas and the analytic model, within five standard errors.

Each comparison uses a fixed seed and enough years that five standard errors of the mean is a
tight band. Both models share the definitions (an incident is the application going from up
to down; a failover window opens when a serving instance fails while a spare is up), so they
must agree at any availability, however low.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np
import pytest

from devoops.base.errors import UsageError
from devoops.model.inventory import Inventory
from devoops.model.lens import Lens
from devoops.scenarios.availability import analytic
from devoops.scenarios.montecarlo import Samples, simulate
from tests.scenarios.test_availability import standby

Y = 8760.0
BAND = 5  # standard errors


def inv(components: dict[str, Any], **extra: Any) -> Inventory:
    return Inventory.model_validate({"components": components, **extra})


def avail(mtbf: float, mttr_minutes: float) -> float:
    return mtbf / (mtbf + mttr_minutes / 60)


def availability(s: Samples) -> tuple[float, float]:
    """Mean availability and its standard error."""
    n = len(s.downtime_hours)
    return 1 - s.downtime_hours.mean() / Y, s.downtime_hours.std(ddof=1) / math.sqrt(n) / Y


def within(value: float, expected: float, se: float) -> bool:
    return abs(value - expected) <= BAND * se


MIXED = {
    "web": {
        "kind": "app",
        "instances": 3,
        "needs": 2,
        "provider": "aws",
        "region": "eu",
        "zones": ["a", "b"],
        "mtbf_hours": 100,
        "mttr_minutes": 120,
        "depends_on": ["db", {"any_of": ["dns1", "dns2"]}],
    },
    "db": {
        "kind": "database",
        "instances": 2,
        "provider": "aws",
        "region": "eu",
        "zones": ["a", "b"],
        "failover": {"mode": "automatic", "minutes": 30},
        "mtbf_hours": 2000,
        "mttr_minutes": 30,
    },
    "dns1": {"kind": "dns", "mtbf_hours": 300, "mttr_minutes": 600},
    "dns2": {"kind": "dns", "mtbf_hours": 500, "mttr_minutes": 900},
}


def test_agrees_with_the_analytic_model(lens: Lens) -> None:
    model = inv(MIXED)
    exact = analytic(model, lens.reliability)
    s = simulate(model, lens.reliability, 20_000, seed=3)
    mean, se = availability(s)
    assert se < 2e-5  # the band is tight: five standard errors are under 0.01 %
    assert within(mean, exact.availability, se)
    incidents_se = s.incidents.std(ddof=1) / math.sqrt(len(s.incidents))
    assert within(float(s.incidents.mean()), exact.incidents_per_year, incidents_se)
    assert exact.incidents_per_year > 10 * incidents_se  # the frequency is measured, not lost in noise


def test_series_by_hand(lens: Lens) -> None:
    model = inv(
        {
            "web": {"kind": "app", "mtbf_hours": 200, "mttr_minutes": 300, "depends_on": ["db"]},
            "db": {"kind": "database", "mtbf_hours": 400, "mttr_minutes": 600},
        }
    )
    s = simulate(model, lens.reliability, 10_000, seed=11)
    a1, a2 = avail(200, 300), avail(400, 600)
    mean, se = availability(s)
    assert within(mean, a1 * a2, se)
    incidents_se = s.incidents.std(ddof=1) / math.sqrt(len(s.incidents))
    assert within(float(s.incidents.mean()), a1 * a2 * (1 / 200 + 1 / 400) * Y, incidents_se)


def test_failover_windows_by_hand(lens: Lens) -> None:
    """Two instances needing one, failing every 100 h and repaired in 10 h, with a one-hour
    failover: a window opens only when the serving one fails while the other is up."""
    model = inv(
        {
            "web": {"kind": "app", "mtbf_hours": 1e8, "mttr_minutes": 1, "depends_on": ["db"]},
            "db": {
                "kind": "database",
                "instances": 2,
                "failover": {"mode": "manual", "minutes": 60},
                "mtbf_hours": 100,
                "mttr_minutes": 600,
            },
        }
    )
    s = simulate(model, lens.reliability, 10_000, seed=5)
    up, falls = standby(100, 600, 60)
    mean, se = availability(s)
    assert within(mean, up, se)
    incidents_se = s.incidents.std(ddof=1) / math.sqrt(len(s.incidents))
    assert within(float(s.incidents.mean()), falls * Y, incidents_se)


def test_an_incident_belongs_to_the_year_it_began(lens: Lens) -> None:
    """Half-year repairs: years start down a third of the time. Such a year's hours count, but
    the incident began the year before: incidents a year are a x lambda x Y, the rate of the
    application going from up to down, like the analytic model's."""
    model = inv({"web": {"kind": "app", "mtbf_hours": Y, "mttr_minutes": Y / 2 * 60}})
    s = simulate(model, lens.reliability, 20_000, seed=2)
    a = 2 / 3
    mean, se = availability(s)
    assert within(mean, a, se)
    incidents_se = s.incidents.std(ddof=1) / math.sqrt(len(s.incidents))
    assert within(float(s.incidents.mean()), a * (1 / Y) * Y, incidents_se)
    assert analytic(model, lens.reliability).incidents_per_year == pytest.approx(a, rel=1e-12)
    assert s.downtime_hours.max() == pytest.approx(Y)  # some years are down throughout
    assert ((s.downtime_hours == Y) & (s.incidents == 0)).any()  # down from the year before
    assert (s.downtime_hours[s.incidents > 0] > 0).all()


def test_deterministic_for_a_seed(lens: Lens) -> None:
    model = inv(MIXED)
    first = simulate(model, lens.reliability, 3_000, seed=9)
    again = simulate(model, lens.reliability, 3_000, seed=9)
    other = simulate(model, lens.reliability, 3_000, seed=10)
    assert np.array_equal(first.downtime_hours, again.downtime_hours)
    assert np.array_equal(first.incidents, again.incidents)
    assert not np.array_equal(first.downtime_hours, other.downtime_hours)
    assert first.downtime_hours.dtype == np.float64 and first.incidents.dtype == np.int64
    assert len(first.downtime_hours) == len(first.incidents) == 3_000


def test_years_are_whole_years(lens: Lens) -> None:
    s = simulate(inv(MIXED), lens.reliability, 5_000, seed=4)
    assert (s.downtime_hours >= 0).all() and (s.downtime_hours <= Y + 1e-9).all()
    assert (s.downtime_hours[s.incidents > 0] > 0).all()  # an incident begun in a year is down in it
    assert (s.incidents > 0).any()


def test_nothing_needed_never_fails(lens: Lens) -> None:
    s = simulate(inv({"db": {"kind": "database", "mtbf_hours": 10}}), lens.reliability, 1_000, seed=1)
    assert not s.downtime_hours.any() and not s.incidents.any()


def test_needs_a_year(lens: Lens) -> None:
    with pytest.raises(UsageError, match="at least one year"):
        simulate(inv(MIXED), lens.reliability, 0, seed=1)


def test_registrars_never_fail_in_the_simulation(lens: Lens) -> None:
    """The same years with and without a fragile registrar in front of the DNS."""
    dns = {"kind": "dns", "mtbf_hours": 50, "mttr_minutes": 300}
    web = {"kind": "app", "mtbf_hours": 100, "mttr_minutes": 600, "depends_on": ["dns"]}
    plain = inv({"web": web, "dns": dns})
    registered = inv(
        {
            "web": web,
            "dns": {**dns, "depends_on": ["reg"]},
            "reg": {"kind": "registrar", "mtbf_hours": 5, "mttr_minutes": 600},
        }
    )
    a, b = (simulate(i, lens.reliability, 2_000, seed=4) for i in (plain, registered))
    assert a.downtime_hours.sum() > 0
    assert np.array_equal(a.downtime_hours, b.downtime_hours) and np.array_equal(a.incidents, b.incidents)
