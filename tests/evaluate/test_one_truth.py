"""One truth per report: over every example and every pattern fixture, at every horizon, no
practice's finding contradicts what the scenarios say of the same fact."""

from __future__ import annotations

from pathlib import Path

import pytest

from devoops.api import assess_file
from devoops.lens import load_lens
from devoops.model.assessment import HorizonView
from devoops.model.common import Risk
from devoops.model.findings import Finding
from devoops.model.resilience import ScenarioOutcome, Verdict

from ..conftest import EXAMPLES

PATTERNS = sorted((Path(__file__).resolve().parents[1] / "fixtures" / "patterns").glob("*.yaml"))
WORKLOADS = [p for p in [*EXAMPLES, *PATTERNS] if p.stem != "expected"]
FLOOR = {Verdict.DAMAGED: Risk.MEDIUM, Verdict.COMPANY_ENDING: Risk.HIGH}
ACCEPTED = ("not_applicable", "exemption", "unanswered")


def gone(o: ScenarioOutcome | None) -> bool:
    """A dataset no copy survives for (not one whose surviving copy is merely unproven)."""
    return o is not None and any(d.lost_minutes is None and d.doubt is None for d in o.datasets)


def doubts(v: HorizonView) -> str:
    assert v.resilience is not None
    return " ".join(d.doubt or "" for o in v.resilience.scenarios for d in o.datasets)


def settled(f: Finding) -> bool:
    """The workload says the practice holds: judged fine on an answer, the inventory or evidence."""
    return f.risk == Risk.NONE and f.source in ("answer", "implied", "inventory", "evidence")


@pytest.fixture(scope="module", params=WORKLOADS, ids=lambda p: p.stem)
def views(request: pytest.FixtureRequest) -> list[HorizonView]:
    return assess_file(request.param, years=0).assessment.horizons


def test_a_practice_whose_fix_improves_a_broken_scenario_is_at_least_that_risk(
    views: list[HorizonView],
) -> None:
    """Where a change that puts a practice in place leaves a damaged (company-ending) occurrence
    of a scenario the practice defends better off, the practice is at least MEDIUM (HIGH),
    unless the workload accepts the risk in writing or has not answered."""
    lens = load_lens()
    defences = {s.id: set(s.practices) for s in lens.scenarios}
    for v in views:
        assert v.resilience is not None
        found = {f.practice: f for f in v.findings}
        for c in v.resilience.changes:
            for m in c.moves:
                if m.improved not in FLOOR:
                    continue
                for pid in c.practices:
                    f = found[pid]
                    practice = lens.practice(pid)
                    at_best = practice is not None and f.choice == practice.best.id
                    if pid not in defences[m.scenario] or at_best or f.source in ACCEPTED:
                        continue
                    assert f.risk.rank >= FLOOR[m.improved].rank, (v.horizon, c.change, m.scenario, f)


def test_what_a_practice_says_holds_in_the_scenarios(views: list[HorizonView]) -> None:
    """A practice the workload settles as fine never meets a scenario that shows its opposite."""
    for v in views:
        assert v.resilience is not None
        found = {f.practice: f for f in v.findings}
        outcomes = {o.scenario: o for o in v.resilience.scenarios}
        if settled(found["backups.offsite"]):
            assert not gone(outcomes.get("account-takeover")), outcomes["account-takeover"].reason
            assert not gone(outcomes.get("datacenter-fire")), outcomes["datacenter-fire"].reason
        if settled(found["backups.restore-drilled"]):
            assert "never been restored" not in doubts(v)
        if settled(found["backups.automated"]):
            assert "without alerting anyone" not in doubts(v) and "mirror on" not in doubts(v)
        dns = outcomes.get("dns-provider-outage")
        if settled(found["dns.vendor-independent"]) and dns is not None:
            assert dns.app_up, dns.reason
        region = outcomes.get("region-outage")
        if settled(found["infra.multi-region"]) and region is not None:
            assert region.verdict.rank < Verdict.DAMAGED.rank, region.reason


def test_every_broken_scenario_is_a_finding_and_every_finding_a_broken_scenario(
    views: list[HorizonView],
) -> None:
    for v in views:
        assert v.resilience is not None
        broken = {f"scenario.{o.scenario}": o for o in v.resilience.scenarios if o.verdict in FLOOR}
        listed = {f.practice: f for f in v.findings if f.source == "scenario"}
        assert listed.keys() == broken.keys()
        for pid, f in listed.items():
            assert f.risk == FLOOR[broken[pid].verdict]


def test_every_company_ending_scenario_has_a_change_that_moves_it(views: list[HorizonView]) -> None:
    """By prevention (it happens less often) or by recovery (an occurrence ends better)."""
    for v in views:
        assert v.resilience is not None
        for o in v.resilience.scenarios:
            if o.verdict != Verdict.COMPANY_ENDING:
                continue
            moving = [
                c.change
                for c in v.resilience.changes
                for m in c.moves
                if m.scenario == o.scenario
                and (m.improved is not None or m.per_year_after < m.per_year_before)
            ]
            assert moving, (v.horizon, o.scenario)
