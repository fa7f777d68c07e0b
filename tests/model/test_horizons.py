from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from devoops.model.common import HORIZONS, ByHorizon, Horizon


def test_plain_value_applies_to_every_horizon() -> None:
    assert ByHorizon[int].model_validate(4).values() == [4, 4, 4]


def test_later_horizon_defaults_to_the_earlier() -> None:
    v = ByHorizon[int].model_validate({"now": 1, "12mo": 3})
    assert [v.at(h) for h in HORIZONS] == [1, 1, 3]
    v = ByHorizon[int].model_validate({"now": 1, "6mo": 2})
    assert [v.at(h) for h in HORIZONS] == [1, 2, 2]


@given(st.integers(), st.none() | st.integers(), st.none() | st.integers())
def test_resolution_takes_the_latest_given_value(now: int, six: int | None, twelve: int | None) -> None:
    raw = (
        {"now": now}
        | ({"6mo": six} if six is not None else {})
        | ({"12mo": twelve} if twelve is not None else {})
    )
    v = ByHorizon[int].model_validate(raw)
    assert v.at(Horizon.NOW) == now
    assert v.at(Horizon.SIX_MONTHS) == (six if six is not None else now)
    expected_12 = twelve if twelve is not None else six if six is not None else now
    assert v.at(Horizon.TWELVE_MONTHS) == expected_12
