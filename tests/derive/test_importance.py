"""Tenet importance: rationale adds up, overrides win, answers move the right tenet."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from devoops.derive.importance import clamp, importance
from devoops.lens import load_lens
from devoops.model.common import Horizon, Tenet
from devoops.model.lens import Lens

from ..conftest import workload

NOW = Horizon.NOW


def scores(lens: Lens, **changes: object) -> dict[Tenet, int]:
    return {i.tenet: i.value for i in importance(workload(**changes), lens, NOW)}


def test_security_rationale_names_each_answer_and_its_points(lens: Lens) -> None:
    w = workload(
        **{
            "app.stage": "scale",
            "answers.security": {
                "breach_survival": "no",
                "sensitive_data": ["pii", "health"],
                "insider_risk": "high",
            },
        }
    )
    security = next(i for i in importance(w, lens, NOW) if i.tenet == Tenet.SECURITY)
    # 7 (would not survive) + 1.5 (two kinds) + 1 (insider high) + 1 (scale stage) = 10.5 -> 10
    assert [(r.source, r.delta) for r in security.rationale] == [
        ("answers.security.breach_survival", 7),
        ("answers.security.sensitive_data", 1.5),
        ("answers.security.insider_risk", 1),
        ("app.stage", 1),
    ]
    assert security.derived == 10


def test_clamp_rounds_half_up_within_bounds() -> None:
    assert [clamp(x) for x in (-3, 0.49, 0.5, 4.5, 9.6, 42)] == [0, 0, 1, 5, 10, 10]


def test_downtime_economics_drive_high_availability(lens: Lens) -> None:
    # mvp base infra 300/month = 3,600/yr; single tier: 43.8 h/yr.
    # 10/h -> 438/yr = 0.12x -> 5 + 2.5*log10(0.12) = 2.7 -> 3
    # 10,000/h -> 438,000/yr = 122x -> 10.2 -> 10
    assert scores(lens, **{"answers.reliability.downtime_cost_per_hour": 10})[Tenet.HIGH_AVAILABILITY] == 3
    assert (
        scores(lens, **{"answers.reliability.downtime_cost_per_hour": 10000})[Tenet.HIGH_AVAILABILITY] == 10
    )
    assert scores(lens, **{"answers.reliability.downtime_cost_per_hour": 0})[Tenet.HIGH_AVAILABILITY] == 0


def test_override_wins_and_both_are_kept(lens: Lens) -> None:
    w = workload(**{"tenets": {"security": {"now": 2, "12mo": 9}}})
    now = next(i for i in importance(w, lens, NOW) if i.tenet == Tenet.SECURITY)
    later = next(i for i in importance(w, lens, Horizon.TWELVE_MONTHS) if i.tenet == Tenet.SECURITY)
    assert (now.value, now.override) == (2, 2) and now.derived == 5  # breach: damaged -> 5
    assert later.value == 9


def test_answers_move_their_tenets(lens: Lens) -> None:
    base = scores(lens)
    assert (
        scores(
            lens, **{"answers.security": {"breach_survival": "no", "sensitive_data": ["financial", "pii"]}}
        )[Tenet.SECURITY]
        > base[Tenet.SECURITY]
    )
    assert (
        scores(lens, **{"answers.traffic.peak": {"multiplier": 20, "likelihood": "certain"}})[
            Tenet.SCALABILITY
        ]
        > base[Tenet.SCALABILITY]
    )
    assert (
        scores(lens, **{"answers.performance": {"level": "outstanding"}})[Tenet.PERFORMANCE]
        > base[Tenet.PERFORMANCE]
    )
    assert (
        scores(
            lens,
            **{
                "answers.data.datasets": [
                    {"name": "ledger", "criticality": "lifeblood", "regulated": "financial"}
                ]
            },
        )[Tenet.DATA_INTEGRITY]
        == 9
    )
    assert (
        scores(lens, **{"answers.engineering.releases_per_week": 30})[Tenet.PRODUCTIVITY]
        > base[Tenet.PRODUCTIVITY]
    )


@settings(max_examples=80, deadline=None)
@given(st.floats(0, 1e7), st.floats(0, 1e7), st.integers(0, 10), st.floats(0, 100), st.floats(0.1, 1e5))
def test_downtime_cost_moves_only_high_availability_and_only_up(
    cost: float, extra: float, preference: int, releases: float, rps: float
) -> None:
    lens = load_lens()

    def at(c: float) -> dict[Tenet, int]:
        w = workload(
            **{
                "answers.reliability.downtime_cost_per_hour": c,
                "answers.engineering.speed_vs_reliability": preference,
                "answers.engineering.releases_per_week": releases,
                "answers.traffic.baseline_rps": rps,
            }
        )
        return {i.tenet: i.value for i in importance(w, lens, NOW)}

    low, high = at(cost), at(cost + extra)
    assert high[Tenet.HIGH_AVAILABILITY] >= low[Tenet.HIGH_AVAILABILITY]
    assert {t: v for t, v in high.items() if t != Tenet.HIGH_AVAILABILITY} == {
        t: v for t, v in low.items() if t != Tenet.HIGH_AVAILABILITY
    }
