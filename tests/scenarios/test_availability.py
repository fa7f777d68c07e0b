"""The analytic availability model: textbook formulas by hand, and every unit state by brute force."""

from __future__ import annotations

import itertools
from typing import Any

import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from devoops.errors import UsageError
from devoops.lens import load_lens
from devoops.model.inventory import Inventory
from devoops.model.lens import Lens, Rates, Reliability
from devoops.scenarios.availability import analytic, at_least
from devoops.scenarios.topology import app_up
from devoops.scenarios.units import units

Y = 8760.0


def inv(components: dict[str, Any], **extra: Any) -> Inventory:
    return Inventory.model_validate({"components": components, **extra})


def avail(mtbf: float, mttr_minutes: float) -> float:
    return mtbf / (mtbf + mttr_minutes / 60)


def app(**fields: Any) -> dict[str, Any]:
    return {"kind": "app", "mtbf_hours": 100, "mttr_minutes": 600, **fields}


def test_series_multiplies(lens: Lens) -> None:
    result = analytic(
        inv(
            {"web": app(depends_on=["db"]), "db": {"kind": "database", "mtbf_hours": 50, "mttr_minutes": 300}}
        ),
        lens.reliability,
    )
    a1, a2 = avail(100, 600), avail(50, 300)
    assert result.availability == pytest.approx(a1 * a2, rel=1e-12)
    assert result.incidents_per_year == pytest.approx(a1 * a2 * (1 / 100 + 1 / 50) * Y, rel=1e-12)
    assert result.weakest == ["db", "web"]


def test_registrars_never_fail_in_the_model(lens: Lens) -> None:
    """A registrar's outage leaves the delegation in place: only its lapse (a scenario) hurts."""
    registrar = {"kind": "registrar", "mtbf_hours": 10, "mttr_minutes": 600}
    model = inv(
        {
            "web": app(depends_on=["dns", {"any_of": ["reg2", "db"]}]),
            "dns": {"kind": "dns", "mtbf_hours": 20, "mttr_minutes": 120, "depends_on": ["reg"]},
            "reg": registrar,
            "reg2": registrar,
            "db": {"kind": "database", "mtbf_hours": 50, "mttr_minutes": 300},
        }
    )
    result = analytic(model, lens.reliability)
    expected = avail(100, 600) * avail(20, 120)  # the any_of holds through reg2; db drops out
    assert result.availability == pytest.approx(expected, rel=1e-12)
    assert result.incidents_per_year == pytest.approx(expected * (1 / 100 + 1 / 20) * Y, rel=1e-12)
    assert "reg" not in result.weakest and "reg2" not in result.weakest


def test_any_of_is_parallel(lens: Lens) -> None:
    model = inv(
        {
            "web": app(depends_on=[{"any_of": ["dns1", "dns2"]}]),
            "dns1": {"kind": "dns", "mtbf_hours": 20, "mttr_minutes": 120},
            "dns2": {"kind": "dns", "mtbf_hours": 40, "mttr_minutes": 600},
        }
    )
    d1, d2 = avail(20, 120), avail(40, 600)
    assert analytic(model, lens.reliability).availability == pytest.approx(
        avail(100, 600) * (1 - (1 - d1) * (1 - d2)), rel=1e-12
    )


def test_shared_under_alternatives_is_conditioned(lens: Lens) -> None:
    """Both alternatives need the same database: it counts once, not once per alternative."""
    model = inv(
        {
            "web": app(depends_on=[{"any_of": ["a", "b"]}]),
            "a": {"kind": "app", "mtbf_hours": 20, "mttr_minutes": 300, "depends_on": ["db"]},
            "b": {"kind": "app", "mtbf_hours": 30, "mttr_minutes": 300, "depends_on": ["db"]},
            "db": {"kind": "database", "mtbf_hours": 10, "mttr_minutes": 300},
        },
        entry=["web"],
    )
    a, b, db = avail(20, 300), avail(30, 300), avail(10, 300)
    assert analytic(model, lens.reliability).availability == pytest.approx(
        avail(100, 600) * db * (1 - (1 - a) * (1 - b)), rel=1e-12
    )


def test_two_of_three(lens: Lens) -> None:
    a = avail(100, 600)
    result = analytic(inv({"web": app(instances=3, needs=2)}), lens.reliability)
    assert result.availability == pytest.approx(3 * a**2 - 2 * a**3, rel=1e-12)
    # Fails when one of the two others is down at the moment one of three fails: 3 x 2 x a(1-a) x a x lambda.
    assert result.incidents_per_year == pytest.approx(3 * 2 * a * (1 - a) * a * (1 / 100) * Y, rel=1e-9)


def test_failover_unit_in_series(lens: Lens) -> None:
    a = avail(100, 600)
    db = {"kind": "database", "instances": 2, "mtbf_hours": 100, "mttr_minutes": 600, "failover": "manual"}
    result = analytic(
        inv({"web": {**app(), "mtbf_hours": 1e8, "depends_on": ["db"]}, "db": db}), lens.reliability
    )
    fo = avail(100 / 1, lens.reliability.failover_minutes["manual"])
    assert result.availability == pytest.approx(avail(1e8, 600) * (1 - (1 - a) ** 2) * fo, rel=1e-12)
    assert result.weakest[0] == "db"
    no_failover = analytic(inv({"web": app(instances=2)}), lens.reliability)
    assert no_failover.availability == pytest.approx(1 - (1 - a) ** 2, rel=1e-12)


def test_one_zone_versus_two(lens: Lens) -> None:
    r = lens.reliability
    z, reg, p = (
        avail(r.infrastructure[k].mtbf_hours, r.infrastructure[k].mttr_minutes)
        for k in ("zone", "region", "provider")
    )
    a = avail(100, 600)
    placed = {"provider": "aws", "region": "eu-west-1", "instances": 2}
    one = analytic(inv({"web": app(**placed, zones=["a"])}), r).availability
    two = analytic(inv({"web": app(**placed, zones=["a", "b"])}), r).availability
    assert one == pytest.approx(p * reg * z * (1 - (1 - a) ** 2), rel=1e-12)
    assert two == pytest.approx(p * reg * (1 - (1 - a * z) ** 2), rel=1e-12)
    assert two > one


def test_nothing_needed_never_fails(lens: Lens) -> None:
    result = analytic(inv({"db": {"kind": "database"}}), lens.reliability)
    assert (result.availability, result.incidents_per_year, result.weakest) == (1.0, 0.0, [])


def test_unneeded_components_cost_nothing(lens: Lens) -> None:
    result = analytic(
        inv({"web": app(), "ci": {"kind": "ci_cd", "mtbf_hours": 1, "mttr_minutes": 600}}), lens.reliability
    )
    assert result.availability == pytest.approx(avail(100, 600), rel=1e-12)
    assert result.weakest == ["web"]


def test_too_many_states_refused(lens: Lens) -> None:
    """21 zones each shared by two components: 2^21 states; the region and provider every instance
    of the entry needs factor out and do not count."""
    zones = [f"z{n}" for n in range(21)]
    placed = {"provider": "aws", "region": "r", "zones": zones, "instances": 21}
    model = inv({"web": app(**placed, depends_on=["api"]), "api": app(**placed)}, entry=["web"])
    with pytest.raises(UsageError, match="2\\^21 states"):
        analytic(model, lens.reliability)


def test_one_component_zones_fold_in(lens: Lens) -> None:
    """21 zones only one component uses are no shared state: solved exactly, k of n by hand."""
    zones = [f"z{n}" for n in range(21)]
    r = lens.reliability
    z, reg, p = (
        avail(r.infrastructure[k].mtbf_hours, r.infrastructure[k].mttr_minutes)
        for k in ("zone", "region", "provider")
    )
    x = avail(100, 600) * z  # an instance and its own zone
    model = inv({"web": app(provider="aws", region="r", zones=zones, instances=21, needs=20)})
    # at least 20 of 21 independent instances, each up with x
    expected = p * reg * (x**21 + 21 * x**20 * (1 - x))
    assert analytic(model, r).availability == pytest.approx(expected, rel=1e-12)


def test_zone_shared_by_instances_of_one_component(lens: Lens) -> None:
    """Four instances over two zones (two each): a zone down takes two at once."""
    r = lens.reliability
    z, reg, p = (
        avail(r.infrastructure[k].mtbf_hours, r.infrastructure[k].mttr_minutes)
        for k in ("zone", "region", "provider")
    )
    a = avail(100, 600)
    placed = {"provider": "aws", "region": "r", "zones": ["a", "b"], "instances": 4}
    three = analytic(inv({"web": app(**placed, needs=3)}), r).availability
    # 3 of 4 needs both zones up, then 3 or 4 of the four instances
    assert three == pytest.approx(p * reg * z**2 * (4 * a**3 * (1 - a) + a**4), rel=1e-12)
    two = analytic(inv({"web": app(**placed, needs=2)}), r).availability
    # 2 of 4: both zones up and 2 of four, or one zone up and both of its instances
    both = 1 - (1 - a) ** 4 - 4 * a * (1 - a) ** 3
    assert two == pytest.approx(p * reg * (z**2 * both + 2 * z * (1 - z) * a**2), rel=1e-12)


def test_zone_shared_by_two_components(lens: Lens) -> None:
    """web and db, two instances each over zones a and b: zone a down takes one of each at once."""
    r = lens.reliability
    z, reg, p = (
        avail(r.infrastructure[k].mtbf_hours, r.infrastructure[k].mttr_minutes)
        for k in ("zone", "region", "provider")
    )
    w, d = avail(100, 600), avail(50, 300)
    placed = {"provider": "aws", "region": "r", "zones": ["a", "b"], "instances": 2}
    db = {"kind": "database", "mtbf_hours": 50, "mttr_minutes": 300, **placed}
    model = inv({"web": app(**placed, depends_on=["db"]), "db": db}, entry=["web"])
    both = (1 - (1 - w) ** 2) * (1 - (1 - d) ** 2)
    one = w * d  # one zone up: its web and its db instance
    expected = p * reg * (z**2 * both + 2 * z * (1 - z) * one)
    assert analytic(model, r).availability == pytest.approx(expected, rel=1e-12)


def five_regions(r: dict[str, float], z: dict[str, float], x: dict[str, float], d: float, p: float) -> float:
    """DNS, then any one of five regional 2-of-3 tiers on one provider (zone and instance in series)."""
    down = 1.0
    for n in range(5):
        up = [z[f"{n}/{k}"] * x[f"{n}/{k}"] for k in range(3)]
        two = up[0] * up[1] + up[0] * up[2] + up[1] * up[2] - 2 * up[0] * up[1] * up[2]
        down *= 1 - r[str(n)] * two
    return d * p * (1 - down)


def test_five_regions_of_three_zones_behind_one_dns(lens: Lens) -> None:
    """37 units, none conditioned on but the provider: availability and incidents by hand, the
    incident rate from the hand formula's own differences (A is linear in each unit)."""
    rel = lens.reliability
    apps = {
        f"app{n}": app(provider="aws", region=f"r{n}", zones=["a", "b", "c"], instances=3, needs=2)
        for n in range(5)
    }
    dns = {"kind": "dns", "provider": "cloudflare", "mtbf_hours": 1000, "mttr_minutes": 30}
    model = inv({"dns": {**dns, "depends_on": [{"any_of": list(apps)}]}, **apps}, entry=["dns"])
    result = analytic(model, rel)
    infra = {
        k: (rel.infrastructure[k].mtbf_hours, rel.infrastructure[k].mttr_minutes) for k in rel.infrastructure
    }
    args: dict[str, tuple[float, float]] = {"d": (1000, 30), "p": infra["provider"]}
    for n in range(5):
        args[f"r {n}"] = infra["region"]
        for k in range(3):
            args[f"z {n}/{k}"] = infra["zone"]
            args[f"x {n}/{k}"] = (100, 600)
    a = {key: avail(*rates) for key, rates in args.items()}

    def hand(b: dict[str, float]) -> float:
        part = {g: {key[2:]: v for key, v in b.items() if key.startswith(g + " ")} for g in "rzx"}
        return five_regions(part["r"], part["z"], part["x"], b["d"], b["p"])

    assert result.availability == pytest.approx(hand(a), rel=1e-12)
    frequency = sum(
        (hand({**a, key: 1.0}) - hand({**a, key: 0.0})) * a[key] / args[key][0] * Y for key in args
    )
    assert result.incidents_per_year == pytest.approx(frequency, rel=1e-9)


def test_cycle_refused(lens: Lens) -> None:
    with pytest.raises(UsageError, match="cycle"):
        analytic(
            inv({"web": app(depends_on=["db"]), "db": {"kind": "database", "depends_on": ["web"]}}),
            lens.reliability,
        )


def test_at_least_matches_enumeration() -> None:
    import numpy as np

    ps = [0.9, 0.5, 0.7, 0.2]
    for k in range(1, 5):
        expected = sum(
            np.prod([p if up else 1 - p for p, up in zip(ps, bits, strict=True)])
            for bits in itertools.product([0, 1], repeat=4)
            if sum(bits) >= k
        )
        assert float(at_least(k, [np.array(p) for p in ps])) == pytest.approx(expected, rel=1e-12)


# Brute force: every state of every unit, the one rule (topology.app_up), probabilities multiplied.


def harsh() -> Reliability:
    """Infrastructure that fails often enough for its share to show in the comparison."""
    rates = {"zone": Rates(mtbf_hours=30, mttr_minutes=300), "region": Rates(mtbf_hours=60, mttr_minutes=400)}
    rates["provider"] = Rates(mtbf_hours=90, mttr_minutes=500)
    return load_lens().reliability.model_copy(update={"infrastructure": rates})


HARSH = harsh()


@st.composite
def inventories(draw: st.DrawFn) -> Inventory:
    """Shared and single-use zones, regions and providers: a region of its own (`own<i>`), zones
    one instance uses, zones several instances of one component share, and all of them shared
    between components."""
    n = draw(st.sampled_from([1, 2, 2, 3, 3, 4, 5]))
    components: dict[str, Any] = {}
    for i in range(n):
        instances = draw(st.sampled_from([1, 1, 2, 3, 4]))
        c: dict[str, Any] = {
            "kind": draw(st.sampled_from(["app", "database", "dns"])),
            "instances": instances,
            "needs": draw(st.integers(1, instances)),
            "mtbf_hours": draw(st.sampled_from([10, 25, 60])),
            "mttr_minutes": draw(st.sampled_from([120, 600, 900])),
            "provider": draw(st.sampled_from([None, "p1", "p1", "p2"])),
        }
        if draw(st.integers(0, 2)) > 0:
            c["region"] = draw(st.sampled_from(["r1", "r1", "r2", f"own{i}"]))
            c["zones"] = draw(st.sampled_from([[], ["a"], ["a", "b"], ["b", "c"], ["a", "b", "c"]]))[
                :instances
            ]
        if instances > c["needs"] and draw(st.booleans()):
            c["failover"] = {"mode": "manual", "minutes": draw(st.sampled_from([30, 240]))}
        later = [f"c{j}" for j in range(i + 1, n)]
        deps: list[Any] = []
        for target in later:
            if draw(st.booleans()):
                deps.append(target)
        if len(later) >= 2 and draw(st.integers(0, 2)) > 0:
            alternatives = draw(st.lists(st.sampled_from(later), min_size=2, max_size=3, unique=True))
            deps.append({"any_of": alternatives})
        c["depends_on"] = deps
        components[f"c{i}"] = c
    others = list(components)[1:]
    entries = ["c0", *(draw(st.lists(st.sampled_from(others), max_size=1)) if others else [])]
    return inv(components, entry=entries)


def brute_force(model: Inventory, reliability: Reliability) -> tuple[float, float]:
    table = units(model, reliability)
    a = [u.availability for u in table.units]

    def up(state: tuple[bool, ...]) -> bool:
        return app_up(model, lambda cid, i: not all(state[u] for u in table.depends[(cid, i)]))

    states = list(itertools.product([True, False], repeat=len(a)))
    total = 0.0
    given_up = [0.0] * len(a)
    given_down = [0.0] * len(a)
    for state in states:
        weight = 1.0
        for u, on in enumerate(state):
            weight *= a[u] if on else 1 - a[u]
        if up(state):
            total += weight
            for u, on in enumerate(state):
                rest = weight / (a[u] if on else 1 - a[u])
                if on:
                    given_up[u] += rest
                else:
                    given_down[u] += rest
    frequency = sum(
        (given_up[u] - given_down[u]) * unit.availability * unit.rate * Y
        for u, unit in enumerate(table.units)
    )
    return total, frequency


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(model=inventories())
def test_matches_the_one_rule_in_every_state(model: Inventory) -> None:
    reliability = HARSH
    assume(len(units(model, reliability).units) <= 10)
    expected, frequency = brute_force(model, reliability)
    result = analytic(model, reliability)
    assert result.availability == pytest.approx(expected, rel=1e-10, abs=1e-12)
    assert result.incidents_per_year == pytest.approx(frequency, rel=1e-9, abs=1e-9)


def test_weakest_ties_break_by_id(lens: Lens) -> None:
    queue = {"kind": "queue", "mtbf_hours": 50, "mttr_minutes": 300}
    model = inv(
        {"web": app(mtbf_hours=1e6, depends_on=["q2", "q1", "q3"]), "q2": queue, "q1": queue, "q3": queue}
    )
    assert analytic(model, lens.reliability).weakest == ["q1", "q2", "q3", "web"]
