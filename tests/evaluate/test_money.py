"""Severity follows the money: with an inventory, a practice's finding rises to what its absence
costs in the catastrophes and the what-if economics, never below the lens's rule; and making a
catastrophe costlier never lowers any finding."""

from __future__ import annotations

import copy
import datetime as dt
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from devoops.base.located import read
from devoops.evaluate import assess
from devoops.model.common import Horizon, Risk
from devoops.model.findings import Finding
from devoops.model.lens import Lens, Money
from devoops.model.workload import Workload

from ..conftest import NOW

PATTERNS = Path(__file__).resolve().parents[1] / "fixtures" / "patterns"


def data(name: str) -> dict[str, Any]:
    return copy.deepcopy(read(PATTERNS / f"{name}.yaml").data)


def findings(doc: dict[str, Any], lens: Lens, horizon: Horizon = Horizon.NOW) -> dict[str, Finding]:
    a = assess(Workload.model_validate(doc), lens, NOW, "devoops.yaml", years=0)
    return {f.practice: f for f in a.at(horizon).findings}


def test_the_reason_names_the_scenario_and_the_money(lens: Lens) -> None:
    """At 300 an hour a second DNS provider does not pay for itself, but the 6-hour outage
    breaks the one-hour RTO: MEDIUM, for the damage, in those words."""
    doc = data("single-dns")
    doc["answers"]["reliability"] = {"downtime_cost_per_hour": 300, "incident_cost": 0}
    f = findings(doc, lens)["dns.vendor-independent"]
    assert f.risk == Risk.MEDIUM
    assert f.reason.startswith("DNS provider outage: damaged, down 6 h, ")
    assert "a year expected; second-dns-provider" in f.reason and "costs 300 USD a year" in f.reason


def test_a_large_saving_per_unit_spent_is_high_and_the_rule_is_kept_beside_it(lens: Lens) -> None:
    f = findings(data("single-dns"), lens)["dns.vendor-independent"]
    assert f.risk == Risk.HIGH and f.raised is not None
    assert f.raised.risk == Risk.MEDIUM and f.raised.reason.startswith("One DNS provider")
    assert "20 times an engineer's day a year (400 USD)" in f.reason


def test_the_thresholds_are_lens_data(lens: Lens) -> None:
    strict = lens.model_copy(
        update={
            "money": Money(high_saved_per_spent=1e6, medium_saved_per_spent=1e5, least_cost_usd_per_year=400)
        }
    )
    f = findings(data("single-dns"), strict)["dns.vendor-independent"]
    # the damage alone gives MEDIUM, which the rule gives already: nothing is raised
    assert (f.risk, f.raised) == (Risk.MEDIUM, None)


def test_without_an_inventory_the_rules_alone_judge(lens: Lens) -> None:
    doc = data("single-dns")
    doc["practices"] = {"dns.vendor-independent": "single-independent"}
    without = {k: v for k, v in doc.items() if k != "inventory"}
    f = findings(without, lens)["dns.vendor-independent"]
    assert f.risk == Risk.MEDIUM and f.raised is None and f.reason.startswith("One DNS provider")
    assert findings(doc, lens)["dns.vendor-independent"].risk == Risk.HIGH


def test_a_practice_at_its_best_choice_is_not_raised(lens: Lens) -> None:
    """A standby in another zone is the practice done, whatever a third instance would save."""
    doc = data("region-rto")
    doc["answers"]["reliability"] = {"downtime_cost_per_hour": 100_000, "incident_cost": 100_000}
    f = findings(doc, lens)["db.replica"]
    assert (f.choice, f.risk, f.raised) == ("replica-other-zone", Risk.NONE, None)


def test_an_accepted_risk_stays_accepted_and_says_what_it_costs(lens: Lens) -> None:
    doc = data("single-dns")
    doc["practices"] = {"dns.vendor-independent": {"not_applicable": True, "reason": "we accept it"}}
    f = findings(doc, lens)["dns.vendor-independent"]
    assert (f.risk, f.source, f.reason) == (Risk.NOT_APPLICABLE, "not_applicable", "we accept it")
    assert f.note is not None and f.note.startswith("what its absence costs: HIGH, second-dns-provider")


def test_an_unanswered_practice_the_money_makes_matter_is_unknown(lens: Lens) -> None:
    """deploy.verified is unanswered and, at this importance, not required; the botched deploys
    it prevents cost enough that the finding asks for the answer and says why."""
    doc = data("manual-deploys")
    f = findings(doc, lens)["deploy.verified"]
    assert (f.risk, f.source, f.reason) == (Risk.UNKNOWN, "unanswered", "not answered")
    assert f.note is not None and "verified-deploys" in f.note


NAMES = sorted(p.stem for p in PATTERNS.glob("*.yaml") if p.stem != "expected")


def dearer(doc: dict[str, Any], k: float) -> dict[str, Any]:
    """Every figure of money an hour or an incident costs, times k, at every horizon."""
    doc = copy.deepcopy(doc)

    def scale(value: Any) -> Any:
        return {h: v * k for h, v in value.items()} if isinstance(value, dict) else value * k

    reliability = doc["answers"]["reliability"]
    for key in ("downtime_cost_per_hour", "incident_cost"):
        if key in reliability:
            reliability[key] = scale(reliability[key])
    return doc


def likelier(lens: Lens, scenario: str, k: float) -> Lens:
    return lens.model_copy(
        update={
            "scenarios": [
                s.model_copy(update={"per_year": min(1000, s.per_year * k)}) if s.id == scenario else s
                for s in lens.scenarios
            ]
        }
    )


def ranks(doc: dict[str, Any], lens: Lens) -> dict[tuple[Horizon, str], int]:
    a = assess(Workload.model_validate(doc), lens, dt.datetime(2026, 12, 1, tzinfo=dt.UTC), "p", years=0)
    return {(v.horizon, f.practice): f.risk.rank for v in a.horizons for f in v.findings}


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(name=st.sampled_from(NAMES), k=st.floats(1, 100), scenario=st.integers(0, 14), rate=st.floats(1, 100))
def test_a_costlier_catastrophe_never_lowers_a_finding(
    lens: Lens, name: str, k: float, scenario: int, rate: float
) -> None:
    """An hour down or an incident dearer (which also raises the importance and tightens the
    targets), or one catastrophe likelier: every finding, of practices and of scenarios, at
    every horizon, is as severe as before or more; a scenario finding may appear, none goes."""
    doc = data(name)
    before = ranks(doc, lens)
    sid = lens.scenarios[scenario % len(lens.scenarios)].id
    for after in (ranks(dearer(doc, k), lens), ranks(doc, likelier(lens, sid, rate))):
        for key, rank in before.items():
            assert after.get(key, -1) >= rank, (key, rank, after.get(key))
