"""The analytic availability model: textbook formulas by hand, and the whole system as one
Markov chain, every state of every unit, instance and failover window, by brute force."""

from __future__ import annotations

import itertools
import math
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from devoops.base.errors import UsageError
from devoops.lens import load_lens
from devoops.model.inventory import Inventory
from devoops.model.lens import Lens, Rates, Reliability
from devoops.scenarios.availability import analytic
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


def standby(mtbf: float, mttr_minutes: float, failover_minutes: float) -> tuple[float, float]:
    """Two instances needing one, with a failover: P(one or both up and no window open), and how
    often the pair goes down by its own failures, an hour.

    A window opens only when the serving instance fails while the other is up (rate 1/MTBF
    with both up) and closes at 60/minutes an hour; instances fail and are repaired as ever, so
    v, the count up, is binomial. o_v, the chance of v up with a window open, balances its flows:
        o_2 (2 lam + phi) = mu o_1
        o_0 (2 mu + phi) = lam o_1
        o_1 (lam + mu + phi) = 2 lam o_2 + 2 mu o_0 + lam (b_2 - o_2)
    The pair goes down when, with no window open, the serving instance fails: a window if the
    other is up, else none is left. That is lam x P(at least one up, no window)."""
    lam, mu, phi = 1 / mtbf, 60 / mttr_minutes, 60 / failover_minutes
    x = avail(mtbf, mttr_minutes)
    both, one = x * x, 2 * x * (1 - x)
    o1 = lam * both / (lam + mu + phi - lam * mu / (2 * lam + phi) - 2 * lam * mu / (2 * mu + phi))
    o2 = mu * o1 / (2 * lam + phi)
    closed = one + both - o1 - o2
    return closed, lam * closed


def test_failover_window_opens_only_while_a_spare_is_up(lens: Lens) -> None:
    db = {"kind": "database", "instances": 2, "mtbf_hours": 100, "mttr_minutes": 600, "failover": "manual"}
    result = analytic(
        inv({"web": {**app(), "mtbf_hours": 1e8, "depends_on": ["db"]}, "db": db}), lens.reliability
    )
    web = avail(1e8, 600)
    up, falls = standby(100, 600, lens.reliability.failover_minutes["manual"])
    assert result.availability == pytest.approx(web * up, rel=1e-12)
    assert result.incidents_per_year == pytest.approx((web * falls + up * web / 1e8) * Y, rel=1e-9)
    assert result.weakest[0] == "db"
    no_failover = analytic(inv({"web": app(instances=2)}), lens.reliability)
    a = avail(100, 600)
    assert no_failover.availability == pytest.approx(1 - (1 - a) ** 2, rel=1e-12)


def test_a_failover_with_no_spare_up_is_no_second_failure(lens: Lens) -> None:
    """Three instances needing two, MTBF 30 h, MTTR 3 h: half a day's failover, each one at a
    failure of a serving instance with a spare up. The serving instances fail at 2/MTBF while
    they serve and no window is open, whether or not that opens one, so the incidents are
    2/MTBF x P(at least two up, no window), against 2/MTBF x (P(at least two up) - P(a window))
    if windows also opened without a spare."""
    db = {"kind": "database", "instances": 3, "needs": 2, "mtbf_hours": 30, "mttr_minutes": 180}
    model = inv({"db": {**db, "failover": {"mode": "manual", "minutes": 720}}}, entry=["db"])
    result = analytic(model, lens.reliability)
    assert result.incidents_per_year == pytest.approx(2 / 30 * result.availability * Y, rel=1e-9)


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


def binomial_at_least(n: int, k: int, a: float) -> tuple[float, float]:
    """P(at least k of n up) and P(exactly k up), each term through math.lgamma."""

    def term(j: int) -> float:
        log = math.lgamma(n + 1) - math.lgamma(j + 1) - math.lgamma(n - j + 1)
        return math.exp(log + j * math.log(a) + (n - j) * math.log1p(-a))

    return math.fsum(term(j) for j in range(k, n + 1)), term(k)


def test_two_thousand_alike_instances_are_binomial(lens: Lens) -> None:
    """k of n alike instances (MTBF 27 h, MTTR 1 h: 1,929 of 2,000 up on average, give or take
    8): up with P(Binomial(n, a) >= k); the application goes down when one of exactly k up
    fails, k/MTBF x P(exactly k up)."""
    a = avail(27, 60)
    for k in (1930, 1900, 1):
        result = analytic(
            inv({"web": app(instances=2000, needs=k, mtbf_hours=27, mttr_minutes=60)}), lens.reliability
        )
        up, edge = binomial_at_least(2000, k, a)
        assert result.availability == pytest.approx(up, rel=1e-9)
        assert result.incidents_per_year == pytest.approx(edge * k / 27 * Y, rel=1e-6, abs=1e-9)
    assert binomial_at_least(2000, 1930, a)[1] * 1930 / 27 * Y > 100  # the edge is exercised


def test_two_thousand_over_three_zones(lens: Lens) -> None:
    """2,000 instances over three zones needing 1,900: any two zones hold 1,334, so all three
    must be up and then 1,900 of the 2,000; the zones, the region and the provider in series."""
    r = lens.reliability
    infra = {k: (r.infrastructure[k].mtbf_hours, r.infrastructure[k].mttr_minutes) for k in r.infrastructure}
    z, reg, p = (avail(*infra[k]) for k in ("zone", "region", "provider"))
    placed = {"provider": "aws", "region": "r", "zones": ["a", "b", "c"]}
    model = inv({"web": app(instances=2000, needs=1900, mtbf_hours=27, mttr_minutes=60, **placed)})
    result = analytic(model, r)
    up, edge = binomial_at_least(2000, 1900, avail(27, 60))
    assert result.availability == pytest.approx(p * reg * z**3 * up, rel=1e-9)
    # each of the five units (three zones, region, provider) is a cut while all is up
    units_down = sum(1 / infra[k][0] for k in ("zone", "zone", "zone", "region", "provider"))
    expected = (p * reg * z**3 * up * units_down + p * reg * z**3 * edge * 1900 / 27) * Y
    assert result.incidents_per_year == pytest.approx(expected, rel=1e-6)


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
    """The whole system as one Markov chain over every unit, every instance's own state and
    every failover window, written from the rules alone: units and instances fail and are
    repaired at their rates; a failure of an instance of a component with a failover, while no
    window is open and v instances (itself included) are up, more than `needs`, opens a window
    with chance needs / v; a window closes at 1/minutes. Its steady state solved densely;
    availability and the rate of up -> down transitions read off it."""
    table = units(model, reliability)
    placed = table.placed()
    plain = [(u.mtbf_hours, u.mttr_hours) for u in table.units]
    mine = {cid: sorted(i for c, i in placed if c == cid) for cid in {c for c, _ in placed}}
    instances = sorted(placed)
    rates = {g.component: (g.mtbf_hours, g.mttr_hours) for g in table.groups}
    windows = sorted(table.failover)
    size = len(plain) + len(instances) + len(windows)
    states = list(itertools.product([True, False], repeat=size))  # True: up (a window: closed)
    index = {s: n for n, s in enumerate(states)}

    def up(s: tuple[bool, ...]) -> bool:
        own = dict(zip(instances, s[len(plain) : len(plain) + len(instances)], strict=True))
        closed = dict(zip(windows, s[len(plain) + len(instances) :], strict=True))

        def down(cid: str, i: int) -> bool:
            return not own[cid, i] or not all(s[u] for u in placed[cid, i]) or not closed.get(cid, True)

        return app_up(model, down)

    def flip(s: tuple[bool, ...], *at: int) -> tuple[bool, ...]:
        return tuple(not x if n in at else x for n, x in enumerate(s))

    q = np.zeros((len(states), len(states)))
    for s in states:
        moves: list[tuple[tuple[bool, ...], float]] = []
        for u, (mtbf, mttr) in enumerate(plain):
            moves.append((flip(s, u), 1 / mtbf if s[u] else 1 / mttr))
        for n, (cid, _) in enumerate(instances):
            at, (mtbf, mttr) = len(plain) + n, rates[cid]
            if not s[at]:
                moves.append((flip(s, at), 1 / mttr))
                continue
            f = table.failover.get(cid)
            w = len(plain) + len(instances) + windows.index(cid) if f is not None else -1
            v = sum(s[len(plain) + instances.index((cid, j))] for j in mine[cid])
            opens = f.needs / v if f is not None and s[w] and v > f.needs else 0.0
            moves += [(flip(s, at, w), opens / mtbf), (flip(s, at), (1 - opens) / mtbf)]
        for n, cid in enumerate(windows):
            at = len(plain) + len(instances) + n
            if not s[at]:
                moves.append((flip(s, at), 1 / table.failover[cid].window_hours))
        for target, rate in moves:
            if rate:
                q[index[s], index[target]] += rate
    np.fill_diagonal(q, -q.sum(axis=1))
    balance = q.T.copy()
    balance[-1] = 1.0  # one balance equation is redundant: the chances sum to one instead
    pi = np.linalg.solve(balance, np.eye(len(states))[-1])
    serving = np.array([up(s) for s in states])
    availability = float(pi[serving].sum())
    falls = q * serving[:, None] * ~serving[None, :]
    return availability, float(pi @ falls.sum(axis=1)) * Y


@settings(
    max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much]
)
@given(model=inventories())
def test_matches_the_one_rule_in_every_state(model: Inventory) -> None:
    reliability = HARSH
    table = units(model, reliability)
    assume(len(table.units) + sum(g.size for g in table.groups) + len(table.failover) <= 9)
    expected, frequency = brute_force(model, reliability)
    result = analytic(model, reliability)
    assert result.availability == pytest.approx(expected, rel=1e-10, abs=1e-12)
    assert result.incidents_per_year == pytest.approx(frequency, rel=1e-9, abs=1e-9)


@st.composite
def failing_over(draw: st.DrawFn) -> Inventory:
    """A k-of-n component with a failover, over zones or not, alone or in front of another."""
    n = draw(st.integers(2, 4))
    c: dict[str, Any] = {
        "kind": "database",
        "instances": n,
        "needs": draw(st.integers(1, n - 1)),
        "mtbf_hours": draw(st.sampled_from([10, 30])),
        "mttr_minutes": draw(st.sampled_from([60, 300])),
        "failover": {"mode": "manual", "minutes": draw(st.sampled_from([30, 120, 600]))},
        "provider": "p",
        "region": "r",
        "zones": draw(st.sampled_from([[], ["a"], ["a", "b"]])),
    }
    components = {"db": c}
    if draw(st.booleans()):
        components["web"] = {**app(mtbf_hours=40, mttr_minutes=120), "provider": "p", "region": "r"}
        components["web"]["zones"] = draw(st.sampled_from([[], ["a"]]))
        components["web"]["depends_on"] = ["db"]
    return inv(components, entry=["web" if "web" in components else "db"])


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(model=failing_over())
def test_failover_blocks_match_the_one_rule_in_every_state(model: Inventory) -> None:
    table = units(model, HARSH)
    assume(len(table.units) + sum(g.size for g in table.groups) + len(table.failover) <= 9)
    expected, frequency = brute_force(model, HARSH)
    result = analytic(model, HARSH)
    assert result.availability == pytest.approx(expected, rel=1e-10, abs=1e-12)
    assert result.incidents_per_year == pytest.approx(frequency, rel=1e-9, abs=1e-9)


def test_weakest_ties_break_by_id(lens: Lens) -> None:
    queue = {"kind": "queue", "mtbf_hours": 50, "mttr_minutes": 300}
    model = inv(
        {"web": app(mtbf_hours=1e6, depends_on=["q2", "q1", "q3"]), "q2": queue, "q1": queue, "q3": queue}
    )
    assert analytic(model, lens.reliability).weakest == ["q1", "q2", "q3", "web"]
