"""The founder's steps, conversions and consequences: six steps from the lens, parsers of plain words, monotone, round-tripping, and always the
assessment's own derivation (the wizard never promises a tier the assessment would not pick)."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devoops.derive import derive
from devoops.derive.capacity import REQUESTS_PER_USER_PER_SECOND, baseline_rps
from devoops.derive.founder import (
    Unit,
    Visits,
    clock,
    concurrent_from_rps,
    consequence,
    currency,
    duration,
    rounded,
    rps_from_concurrent,
    rps_from_visitors,
    step,
    steps,
    tier_table,
    to_rps,
    visitors_from_rps,
)
from devoops.model.common import HORIZONS, Horizon
from devoops.model.lens import Lens

from ..conftest import workload

counts = st.floats(min_value=10, max_value=1e9, allow_nan=False)
visits = st.builds(
    Visits,
    pages_per_visit=st.floats(0.5, 50),
    requests_per_page=st.floats(0.5, 50),
    busy_hour_share=st.floats(0.01, 1),
    think_seconds=st.floats(1, 600),
)


@given(counts, counts, visits)
def test_conversions_are_monotone(a: float, b: float, v: Visits) -> None:
    low, high = sorted((a, b))
    assert rps_from_visitors(low, v) <= rps_from_visitors(high, v)
    assert rps_from_concurrent(low, v) <= rps_from_concurrent(high, v)
    assert rounded(rps_from_visitors(low, v)) <= rounded(rps_from_visitors(high, v))


@given(counts, visits)
def test_conversions_round_trip_within_rounding(n: float, v: Visits) -> None:
    assert visitors_from_rps(rps_from_visitors(n, v), v) == pytest.approx(n, rel=1e-9)
    assert concurrent_from_rps(rps_from_concurrent(n, v), v) == pytest.approx(n, rel=1e-9)
    rps = rps_from_visitors(n, v)
    if rps >= 0.01:  # what the file keeps: three significant figures
        assert visitors_from_rps(to_rps(n, "visitors", v), v) == pytest.approx(n, rel=5e-3)


def test_a_worked_example() -> None:
    # 20,000 visitors x 10 % in the busiest hour x 5 pages x 4 requests / 3600 s = 11.1 a second
    assert to_rps(20000, "visitors") == 11.1
    assert to_rps(300, "concurrent") == 30  # a page (4 requests) every 40 s each
    assert to_rps(7.5, "rps") == 7.5


@pytest.mark.parametrize("unit", ["visitors", "concurrent", "rps"])
@pytest.mark.parametrize("figure", [-1e-9, -5, float("inf"), float("nan")])
def test_a_negative_or_endless_figure_is_refused(unit: Unit, figure: float) -> None:
    with pytest.raises(ValueError, match="0 or more"):
        to_rps(figure, unit)


@given(st.integers(1, 10**6))
def test_default_concurrency_agrees_with_the_model(users: int) -> None:
    """The file may hold concurrent_users, which derive reads at its own rate: the wizard's
    defaults give the same requests a second."""
    w = workload(**{"answers.traffic.baseline_rps": None, "answers.traffic.concurrent_users": users})
    assert rps_from_concurrent(users) == pytest.approx(baseline_rps(w, Horizon.NOW))
    assert rps_from_concurrent(1) == pytest.approx(REQUESTS_PER_USER_PER_SECOND)


def test_bad_assumptions_are_refused() -> None:
    with pytest.raises(ValueError, match="busy_hour_share"):
        Visits(busy_hour_share=1.5)
    with pytest.raises(ValueError, match="think_seconds"):
        Visits(think_seconds=0)


hours = st.one_of(
    st.just("24x7"),
    st.builds(
        lambda start, length: {
            "start": f"{start:02d}:00",
            "end": f"{(start + length) % 24:02d}:00",
            "timezone": "UTC",
        },
        st.integers(0, 23),
        st.integers(1, 23),
    ),
)


@given(st.floats(0, 1e7), st.floats(0, 1e5), hours, st.sampled_from(["idea", "mvp", "growth", "scale"]))
def test_the_consequence_picks_the_tier_derive_picks(
    lens: Lens, per_hour: float, per_incident: float, business: object, stage: str
) -> None:
    w = workload(
        **{
            "answers.reliability.downtime_cost_per_hour": per_hour,
            "answers.reliability.incident_cost": per_incident,
            "app.business_hours": business,
            "app.stage": stage,
        }
    )
    for h in HORIZONS:
        target = derive(w, lens, h).targets.availability
        rows = consequence(w, lens, "reliability", h).tiers
        [cheapest] = [r for r in rows if r.cheapest]
        assert cheapest.tier == target.tier
        assert cheapest.total_cost_per_year == min(r.total_cost_per_year for r in rows)
        assert cheapest.down_minutes_per_month == target.error_budget_minutes_per_month  # one expression


def test_the_issue_example(lens: Lens) -> None:
    """At 400 EUR an hour with a small team's costs, 99.9 %: at most 43 minutes down a month."""
    w = workload(**{"answers.reliability.downtime_cost_per_hour": 400, "app.currency": "EUR"})
    result = consequence(w, lens, "reliability")
    assert (
        result.lines[0] == "At 400 EUR an hour, 99.9 % is the cheapest total: at most 43.2 min down a month."
    )
    rows = {r.tier: r for r in tier_table(w, lens)}
    assert rows["single"].down_minutes_per_month == pytest.approx(216)
    assert rows["multi-zone"].cheapest and not rows["single"].cheapest
    # the table redraws with the cost: at 20 EUR an hour one instance is cheapest
    cheap = workload(**{"answers.reliability.downtime_cost_per_hour": 20, "app.currency": "EUR"})
    assert [r.tier for r in tier_table(cheap, lens) if r.cheapest] == ["single"]


def test_every_step_has_a_consequence_from_the_derivation(lens: Lens) -> None:
    w = workload(
        **{
            "answers.data": {"datasets": [{"name": "orders", "criticality": "lifeblood", "rpo_minutes": 10}]},
            "answers.traffic.peak": {"multiplier": 4, "likelihood": "certain"},
            "answers.performance": {"level": "outstanding"},
        }
    )
    d = derive(w, lens, Horizon.NOW).targets
    assert "lose at most 10 min" in consequence(w, lens, "data").lines[0]
    assert f"{d.capacity.peak_rps:g} at the worst" in consequence(w, lens, "traffic").lines[0]
    assert "0.12 s for 95 in 100" in consequence(w, lens, "performance").lines[0]
    assert consequence(w, lens, "security").lines[0].startswith("Security matters")
    assert "a deploy may take at most" in consequence(w, lens, "engineering").lines[0]
    with pytest.raises(KeyError):
        consequence(w, lens, "nonsense")


def test_six_steps_in_the_lens_order_with_two_examples(lens: Lens) -> None:
    found = steps(lens)
    assert [s.number for s in found] == [1, 2, 3, 4, 5, 6]
    for s, q in zip(found, sorted(lens.questions, key=lambda q: q.number), strict=True):
        assert (s.id, s.title, s.explanation) == (q.id, q.title, q.help)
        assert len(s.examples) == 2 and all(a.prompt for a in s.asks)
    assert step(lens, 2).id == "traffic" and step(lens, "data").number == 4
    with pytest.raises(KeyError):
        step(lens, 7)


def test_a_replaced_field_is_asked_through_its_input_and_engineers_last(lens: Lens) -> None:
    traffic = [a.key for a in step(lens, "traffic").asks]
    assert "answers.traffic.baseline_rps" not in traffic
    assert (
        traffic.index("traffic.unit")
        < traffic.index("traffic.figure")
        < traffic.index("answers.traffic.peak.multiplier")
    )
    engineer = {a.key for s in steps(lens) for a in s.asks if a.engineer}
    assert "answers.engineering.senior_engineers" in engineer and "app.owner" in engineer


def test_business_hours_fill_the_office_defaults_the_lens_gives(lens: Lens) -> None:
    asks = {a.key: a for a in step(lens, "reliability").asks}
    office = asks["app.business_hours"].fills["business"]
    assert set(office) == {"days", "start", "end", "timezone"}
    for leaf, value in office.items():
        assert asks[f"app.business_hours.{leaf}"].default == value
    assert not asks["app.business_hours.start"].wanted({"app.business_hours": "24x7"})
    assert asks["app.business_hours.start"].wanted({"app.business_hours": "business"})


@given(
    st.integers(0, 10**5),
    st.sampled_from([("", 1), (" min", 1), (" h", 60), (" hours", 60), (" d", 1440), (" days", 1440)]),
)
def test_plain_durations_parse(n: int, unit: tuple[str, int]) -> None:
    assert duration(f"{n}{unit[0]}") == n * unit[1]


def test_plain_words_refuse_nonsense() -> None:
    assert duration("") is None and duration("none") == 0
    for bad in ("soon", "5 weeks", "-3", "1e99 d"):
        with pytest.raises(ValueError):
            duration(bad)
    assert (clock("8:00"), clock(" 20:30 ")) == ("08:00", "20:30")
    with pytest.raises(ValueError, match="time of day"):
        clock("25:00")
    assert currency(" eur ") == "EUR"
    for bad in ("euro", "E1R", "€€€"):
        with pytest.raises(ValueError, match="three-letter"):
            currency(bad)
