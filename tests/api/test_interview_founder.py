"""How a founder's answer goes into the workload document, and the consequence of it."""

from __future__ import annotations

import copy

import pytest

from devoops.api.founder import apply, consequence_of
from devoops.api.interview import defaults
from devoops.derive.founder import duration, rounded, rps_from_visitors, steps
from devoops.model.lens import Lens
from devoops.model.workload import Workload


def test_answers_become_model_fields(lens: Lens) -> None:
    document, given = copy.deepcopy(defaults(lens)), dict[str, object]()
    by_key = {a.key: a for s in steps(lens) for a in s.asks}
    apply(document, by_key["traffic.unit"], "visitors", given)
    apply(document, by_key["traffic.figure"], {"now": 20000, "12mo": 60000}, given)
    apply(document, by_key["app.business_hours"], "business", given)
    Workload.model_validate(document)  # complete at once, with the lens's office hours
    apply(document, by_key["app.business_hours.start"], "08:00", given)
    apply(document, by_key["answers.reliability.maintenance_window.every"], "week", given)
    document["answers"]["data"]["datasets"] = []
    apply(document, by_key["dataset.name"], "orders", given)
    apply(document, by_key["dataset.rpo_minutes"], duration("2 h"), given)
    apply(document, by_key["dataset.rto_minutes"], duration(""), given)
    w = Workload.model_validate(document)
    assert w.answers.traffic.baseline_rps is not None
    assert w.answers.traffic.baseline_rps.values() == [
        rounded(rps_from_visitors(20000)),
        rounded(rps_from_visitors(20000)),
        rounded(rps_from_visitors(60000)),
    ]
    assert w.app.business_hours != "24x7" and w.app.business_hours.start.hour == 8
    assert (w.app.business_hours.end.hour, w.app.business_hours.timezone) == (18, "UTC")
    assert w.answers.reliability.maintenance_window is not None
    assert w.answers.reliability.maintenance_window.every == "week"
    [orders] = w.answers.data.datasets
    assert (orders.rpo_minutes, orders.rto_minutes) == (120, None)
    result = consequence_of(document, lens, "data")
    assert result is not None and "lose at most 2 h" in result.lines[0]
    apply(document, by_key["app.currency"], "eur", given)
    assert document["app"]["currency"] == "EUR"
    with pytest.raises(ValueError, match="three-letter"):
        apply(document, by_key["app.currency"], "euro", given)
    document["answers"]["reliability"]["downtime_cost_per_hour"] = -1
    assert consequence_of(document, lens, "reliability") is None


def test_around_the_clock_and_no_maintenance_undo_the_earlier_answers(lens: Lens) -> None:
    document, given = copy.deepcopy(defaults(lens)), dict[str, object]()
    by_key = {a.key: a for s in steps(lens) for a in s.asks}
    every = by_key["answers.reliability.maintenance_window.every"]
    apply(document, by_key["app.business_hours"], "business", given)
    apply(document, every, "night", given)
    apply(document, by_key["answers.reliability.maintenance_window.minutes"], 45, given)
    assert Workload.model_validate(document).answers.reliability.maintenance_window is not None
    apply(document, by_key["app.business_hours"], "24x7", given)
    apply(document, every, "none", given)
    w = Workload.model_validate(document)
    assert w.app.business_hours == "24x7" and w.answers.reliability.maintenance_window is None
    apply(document, by_key["answers.traffic.peak.downtime_cost_per_hour"], None, given)
    assert "downtime_cost_per_hour" not in document["answers"]["traffic"]["peak"]
