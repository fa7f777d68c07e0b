"""Catastrophes as findings: which verdicts become findings, at what risk and weight, what they
threaten, where they sort, and that the plan leaves them to the improvements."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from devoops.evaluate import assess
from devoops.evaluate import catastrophes as cat
from devoops.evaluate.plan import plan
from devoops.model.common import HORIZONS, Horizon, Risk, Tenet
from devoops.model.findings import Finding
from devoops.model.lens import Effect, Lens, Scope
from devoops.model.resilience import AvailabilityModel, DatasetLoss, Resilience, ScenarioOutcome, Verdict
from devoops.model.workload import Workload

from ..conftest import NOW, document

IMPORTANCE = {
    Tenet.HIGH_AVAILABILITY: 6,
    Tenet.SCALABILITY: 2,
    Tenet.PERFORMANCE: 3,
    Tenet.DATA_INTEGRITY: 9,
    Tenet.SECURITY: 4,
    Tenet.PRODUCTIVITY: 5,
}


def outcome(scenario: str, verdict: Verdict, **changes: Any) -> ScenarioOutcome:
    fields: dict[str, Any] = {
        "scenario": scenario,
        "title": f"title of {scenario}",
        "scope": "account aws/1",
        "lost": ["db"],
        "app_up": True,
        "downtime_minutes": 0.0,
        "recovery_target_minutes": 60.0,
        "datasets": [],
        "verdict": verdict,
        "reason": f"why {scenario}",
        "cost": 0.0,
        "per_year": 0.1,
        "cost_per_year": 0.0,
        "practices": ["backups.offsite"],
    }
    return ScenarioOutcome.model_validate(fields | changes)


def loss(lost: float | None) -> DatasetLoss:
    return DatasetLoss(
        dataset="orders",
        rpo_minutes=5,
        rto_minutes=60,
        lost_minutes=lost,
        recovery_minutes=None if lost is None else 30,
        recovered_from=None if lost is None else "backup",
        rpo_met=lost is not None and lost <= 5,
        rto_met=lost is not None,
    )


def definition(lens: Lens, scenario_id: str) -> Any:
    return next(s for s in lens.scenarios if s.id == scenario_id)


@pytest.mark.parametrize(
    ("verdict", "risk"),
    [
        (Verdict.SURVIVES, None),
        (Verdict.DEGRADED, None),
        (Verdict.DAMAGED, Risk.MEDIUM),
        (Verdict.COMPANY_ENDING, Risk.HIGH),
    ],
)
def test_only_broken_targets_become_findings_at_their_risk(
    lens: Lens, verdict: Verdict, risk: Risk | None
) -> None:
    model = AvailabilityModel(
        availability=0.999,
        downtime_hours_per_year=8.76,
        incidents_per_year=2,
        cost_per_year=876,
        target=0.99,
        meets_target=True,
        target_cost_per_year=8760,
        weakest=[],
    )
    o = outcome("account-takeover", verdict)
    r = Resilience(spofs=[], shared_fate=[], availability=model, scenarios=[o], improvements=[])
    found = cat.findings(r, lens, IMPORTANCE, Horizon.NOW)
    assert [f.risk for f in found] == ([risk] if risk else [])
    for f in found:
        assert f.practice == "scenario.account-takeover" and f.source == "scenario"
        assert f.title == o.title and f.horizon == Horizon.NOW
        assert o.reason in f.reason and o.scope in f.reason
        assert f.note is not None and "backups.offsite" in f.note
    assert cat.findings(None, lens, IMPORTANCE, Horizon.NOW) == []


def test_tenets_follow_what_the_catastrophe_does(lens: Lens) -> None:
    takeover = definition(lens, "account-takeover")
    assert takeover.scope == Scope.ACCOUNT and takeover.effect == Effect.DESTROY
    gone = outcome(
        "account-takeover", Verdict.COMPANY_ENDING, app_up=False, downtime_minutes=600, datasets=[loss(None)]
    )
    assert cat.tenets(gone, takeover) == [Tenet.HIGH_AVAILABILITY, Tenet.DATA_INTEGRITY, Tenet.SECURITY]
    zone = definition(lens, "zone-outage")
    down = outcome("zone-outage", Verdict.DAMAGED, app_up=False, downtime_minutes=240, datasets=[loss(0)])
    assert cat.tenets(down, zone) == [Tenet.HIGH_AVAILABILITY]
    lagging = outcome("zone-outage", Verdict.DAMAGED, datasets=[loss(1)])
    assert cat.tenets(lagging, zone) == [Tenet.HIGH_AVAILABILITY, Tenet.DATA_INTEGRITY]
    drop = definition(lens, "drop-table")
    assert cat.tenets(outcome("drop-table", Verdict.DAMAGED, datasets=[loss(0)]), drop) == [
        Tenet.DATA_INTEGRITY
    ]


def test_weight_is_the_most_important_threatened_tenet(lens: Lens) -> None:
    takeover = definition(lens, "account-takeover")
    gone = outcome("account-takeover", Verdict.COMPANY_ENDING, datasets=[loss(None)])
    f = cat.finding(gone, takeover, IMPORTANCE, Horizon.NOW)
    assert f.tenets == [Tenet.DATA_INTEGRITY, Tenet.SECURITY]
    assert f.weight == 0.9  # data integrity 9 beats security 4
    zone = outcome("zone-outage", Verdict.DAMAGED, app_up=False, downtime_minutes=240)
    assert cat.finding(zone, definition(lens, "zone-outage"), IMPORTANCE, Horizon.NOW).weight == 0.6


def practice_finding(practice: str, risk: Risk, weight: float) -> Finding:
    return Finding(
        practice=practice,
        title=practice,
        horizon=Horizon.NOW,
        risk=risk,
        reason="r",
        source="answer",
        tenets=[Tenet.SECURITY],
        weight=weight,
    )


def test_scenario_findings_sort_among_the_practices_and_stay_out_of_the_plan(lens: Lens) -> None:
    takeover = definition(lens, "account-takeover")
    scenario = cat.finding(
        outcome("account-takeover", Verdict.COMPANY_ENDING, datasets=[loss(None)]),
        takeover,
        IMPORTANCE,
        Horizon.NOW,
    )
    practices = [
        practice_finding("iam.mfa", Risk.HIGH, 1.0),
        practice_finding("backups.offsite", Risk.HIGH, 0.5),
        practice_finding("db.pitr", Risk.MEDIUM, 1.0),
    ]
    ordered = cat.ordered([*practices, scenario])
    assert [f.practice for f in ordered] == [
        "iam.mfa",
        "scenario.account-takeover",
        "backups.offsite",
        "db.pitr",
    ]
    planned = [i.practice for i in plan(ordered, lens)]
    assert sorted(planned) == sorted(f.practice for f in practices)


def test_the_lens_reserves_scenario_practice_ids(lens: Lens) -> None:
    data = lens.model_dump(mode="json")
    data["practices"][0]["id"] = "scenario.zone-outage"
    with pytest.raises(ValidationError, match="reserved for scenarios: scenario.zone-outage"):
        Lens.model_validate(data)
    Lens.model_validate(lens.model_dump(mode="json"))  # the built-in lens passes


def test_without_an_inventory_nothing_changes(lens: Lens) -> None:
    a = assess(Workload.model_validate(document()), lens, NOW, source="devoops.yaml")
    assert all(v.resilience is None for v in a.horizons)
    assert not any(f.source == "scenario" for v in a.horizons for f in v.findings)


INVENTORY = {
    "defaults": {"provider": "aws", "account": "123456789012", "region": "eu-west-1"},
    "components": {
        "web": {"kind": "app", "zones": ["eu-west-1a"], "depends_on": ["db"]},
        "db": {"kind": "database", "zones": ["eu-west-1a"], "datasets": ["orders"]},
    },
}


def test_an_inventory_brings_resilience_and_its_findings(lens: Lens) -> None:
    doc = document(
        inventory=INVENTORY, **{"answers.data.datasets": [{"name": "orders", "criticality": "lifeblood"}]}
    )
    a = assess(Workload.model_validate(doc), lens, NOW, source="devoops.yaml")
    for v in a.horizons:
        assert v.resilience is not None
        expected = {
            f"scenario.{o.scenario}": o
            for o in v.resilience.scenarios
            if o.verdict.rank >= Verdict.DAMAGED.rank
        }
        found = {f.practice: f for f in v.findings if f.source == "scenario"}
        assert found.keys() == expected.keys()
        for pid, f in found.items():
            assert f.risk == (Risk.HIGH if expected[pid].verdict == Verdict.COMPANY_ENDING else Risk.MEDIUM)
        assert v.findings == cat.ordered(v.findings)
    # one database, no backups, one account: losing the account loses the lifeblood data
    takeover = next(o for o in a.at(Horizon.NOW).resilience.scenarios if o.scenario == "account-takeover")  # type: ignore[union-attr]
    assert takeover.verdict == Verdict.COMPANY_ENDING
    assert not any(i.practice.startswith("scenario.") for i in a.plan)
    assert [v.horizon for v in a.horizons] == list(HORIZONS)


def test_an_inventory_too_large_for_the_model_is_still_assessed(lens: Lens) -> None:
    """web and api over the same 21 zones: no exact availability model, yet the scenarios,
    their findings, the SPOFs and shared fate are all there."""
    zones = [f"eu-west-1{n}" for n in range(21)]
    tier = {"kind": "app", "instances": 21, "zones": zones}
    inventory = {
        "defaults": {"provider": "aws", "account": "123456789012", "region": "eu-west-1"},
        "components": {
            "web": {**tier, "depends_on": ["api", "db"]},
            "api": tier,
            "db": {"kind": "database", "zones": ["eu-west-1a"], "datasets": ["orders"]},
        },
    }
    doc = document(
        inventory=inventory, **{"answers.data.datasets": [{"name": "orders", "criticality": "lifeblood"}]}
    )
    a = assess(Workload.model_validate(doc), lens, NOW, source="devoops.yaml")
    for v in a.horizons:
        r = v.resilience
        assert r is not None and r.availability is None and r.improvements == []
        assert any("2^21 states" in n for n in r.notes)
        assert r.spofs == ["db"] and r.shared_fate
        takeover = next(o for o in r.scenarios if o.scenario == "account-takeover")
        assert takeover.verdict == Verdict.COMPANY_ENDING
        assert "scenario.account-takeover" in {f.practice for f in v.findings}
