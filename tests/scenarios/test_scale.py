"""Components of a thousand instances and more. Alike instances are one group: a binomial in
the analytic model, one process in the Monte Carlo (its time below the count that matters
drawn whole, the excursions past it stepped), so they cost what a handful do, and the
figures stay exact: the analytic ones by hand, the simulated ones within five standard errors
of them."""

from __future__ import annotations

import math
from collections import Counter
from typing import Any

import pytest

from devoops.model.inventory import Inventory
from devoops.model.lens import Lens, Reliability
from devoops.model.resilience import SharedFate
from devoops.scenarios.availability import analytic
from devoops.scenarios.graph import shared_fate, spofs
from devoops.scenarios.montecarlo import simulate
from devoops.scenarios.topology import app_up, serves
from tests.scenarios.test_availability import HARSH, avail, binomial_at_least

Y = 8760.0
BAND = 5  # standard errors
ZONED = {"provider": "p", "region": "r"}


def agree(model: Inventory, reliability: Reliability, years: int, seed: int = 3) -> tuple[float, float]:
    """Simulate; check availability and incidents against the analytic model within five
    standard errors, in a band tight enough to mean something; return the analytic figures."""
    exact = analytic(model, reliability)
    s = simulate(model, reliability, years, seed)
    se = s.downtime_hours.std(ddof=1) / math.sqrt(years) / Y
    incidents_se = s.incidents.std(ddof=1) / math.sqrt(years)
    assert 0 < se < 5e-4 and 0 < incidents_se < 0.02 * exact.incidents_per_year
    assert abs(1 - s.downtime_hours.mean() / Y - exact.availability) <= BAND * se
    assert abs(s.incidents.mean() - exact.incidents_per_year) <= BAND * incidents_se
    return exact.availability, exact.incidents_per_year


def test_a_thousand_instances_by_hand_and_simulated(lens: Lens) -> None:
    """880 of 1,000 instances failing every 10 h, repaired in one: 909 up on average, give or
    take 9, so the count crosses 880 a few hundred times a year."""
    model = Inventory.model_validate(
        {
            "components": {
                "web": {"kind": "app", "instances": 1000, "needs": 880, "mtbf_hours": 10, "mttr_minutes": 60}
            }
        }
    )
    availability, incidents = agree(model, lens.reliability, 2_000)
    up, edge = binomial_at_least(1000, 880, avail(10, 60))
    assert availability == pytest.approx(up, rel=1e-9)
    assert incidents == pytest.approx(edge * 880 / 10 * Y, rel=1e-6)
    assert incidents > 100


def test_two_components_of_a_thousand(lens: Lens) -> None:
    """In series, each one group in its own zone: the availabilities multiply."""
    tier = {"kind": "app", "instances": 1000, "mtbf_hours": 10, "mttr_minutes": 60, **ZONED}
    model = Inventory.model_validate(
        {
            "entry": ["web"],
            "components": {
                "web": {**tier, "needs": 880, "zones": ["a"], "depends_on": ["api"]},
                "api": {**tier, "needs": 875, "zones": ["b"]},
            },
        }
    )
    availability, _ = agree(model, lens.reliability, 2_000)
    r = lens.reliability.infrastructure
    z, reg, p = (avail(r[k].mtbf_hours, r[k].mttr_minutes) for k in ("zone", "region", "provider"))
    web, api = (binomial_at_least(1000, k, avail(10, 60))[0] for k in (880, 875))
    assert availability == pytest.approx(p * reg * z * z * web * api, rel=1e-9)


SPLIT: dict[str, dict[str, Any]] = {
    # losing a zone leaves fewer than needed: only the total down matters
    "200 over four zones needing 170": {
        "instances": 200,
        "needs": 170,
        "mtbf_hours": 20,
        "mttr_minutes": 120,
    },
    # a zone may be lost: then the two others' counts matter, each
    "30 over three zones needing 17": {"instances": 30, "needs": 17, "mtbf_hours": 300, "mttr_minutes": 300},
    "2,000 over three zones needing 1,300": {"instances": 2000, "needs": 1300},
}


@pytest.mark.parametrize("name", SPLIT)
def test_groups_split_over_zones(name: str) -> None:
    """Zones that fail every 30 h for 5 h (HARSH), so the component often runs on fewer."""
    zones = ["a", "b", "c", "d"] if "four" in name else ["a", "b", "c"]
    web = {"kind": "app", **SPLIT[name], "zones": zones, **ZONED}
    agree(Inventory.model_validate({"components": {"web": web}}), HARSH, 3_000)


def test_a_group_that_never_reaches_its_count(lens: Lens) -> None:
    """1,900 of 2,000 at the lens's rates: 100 down at once is beyond any simulated span; what
    remains are the zone, region and provider."""
    web = {"kind": "app", "instances": 2000, "needs": 1900, "zones": ["a"], **ZONED}
    model = Inventory.model_validate({"components": {"web": web}})
    exact = analytic(model, lens.reliability)
    s = simulate(model, lens.reliability, 20_000, seed=1)
    se = s.downtime_hours.std(ddof=1) / math.sqrt(len(s.downtime_hours)) / Y
    assert abs(1 - s.downtime_hours.mean() / Y - exact.availability) <= BAND * se
    r = lens.reliability.infrastructure
    assert exact.availability == pytest.approx(
        math.prod(avail(r[k].mtbf_hours, r[k].mttr_minutes) for k in ("zone", "region", "provider")), rel=1e-9
    )


def test_a_group_mostly_short_of_its_count(lens: Lens) -> None:
    """97 of 100 at 90 % each: ten down on average, so it is up (three or fewer down) under 1 %
    of the time; simulated as its count of instances up."""
    web = {"kind": "app", "instances": 100, "needs": 97, "mtbf_hours": 9, "mttr_minutes": 60}
    availability, _ = agree(Inventory.model_validate({"components": {"web": web}}), lens.reliability, 3_000)
    assert availability == pytest.approx(binomial_at_least(100, 97, 0.9)[0], rel=1e-9)
    assert availability < 0.01


def test_the_rule_counts_instances() -> None:
    """Two thousand instances: `serves` on counts and `app_up` on instances say the same; a
    single point of failure is a component with no instance to spare, and a shared fate is
    what the zones hold, whatever the count."""
    model = Inventory.model_validate(
        {
            "defaults": {"provider": "aws", "account": "prod", "region": "eu-west-1"},
            "components": {
                "web": {
                    "kind": "app",
                    "instances": 2000,
                    "needs": 1999,
                    "zones": ["a", "b"],
                    "depends_on": ["db"],
                },
                "db": {"kind": "database", "instances": 2000, "needs": 2000, "zones": ["a", "b"]},
            },
        }
    )
    for lost in (Counter(), Counter(web=1), Counter(web=2), Counter(db=1)):
        up = serves(model, lambda cid, lost=lost: model.components[cid].instances - lost[cid])
        assert up == app_up(model, lambda cid, i, lost=lost: i < lost[cid])
        assert up == (not lost or lost == Counter(web=1))
    assert spofs(model) == ["db"]
    assert shared_fate(model)[2:4] == [
        SharedFate(by="zone", value="aws/eu-west-1/a", components=["db", "web"], takes_app_down=True),
        SharedFate(by="zone", value="aws/eu-west-1/b", components=["db", "web"], takes_app_down=True),
    ]
