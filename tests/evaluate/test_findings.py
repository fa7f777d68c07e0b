"""Findings, maturity and the plan on a small hand-made lens, so expectations stay legible."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from devoops.evaluate.findings import finding, findings
from devoops.evaluate.maturity import maturity
from devoops.evaluate.plan import plan
from devoops.lens import load_lens
from devoops.model.common import Horizon, Risk, Tenet
from devoops.model.lens import Lens, Practice
from devoops.model.practices import PracticeState
from devoops.model.workload import Workload

from ..conftest import document

TODAY = dt.date(2026, 11, 29)
HA, DI = Tenet.HIGH_AVAILABILITY, Tenet.DATA_INTEGRITY


def practice(pid: str, effort: str = "M", required: int = 3, tenet: Tenet = DI) -> Practice:
    return Practice.model_validate(
        {
            "id": pid,
            "title": pid.title(),
            "summary": "s",
            "tenets": [tenet],
            "required_from": {tenet: required},
            "question": "q?",
            "choices": [
                {"id": "bad", "title": "b", "score": 0},
                {"id": "meh", "title": "m", "score": 0.5},
                {"id": "good", "title": "g", "score": 1},
            ],
            "risk_rules": [
                {"when": {"choices": ["bad"]}, "risk": "HIGH", "reason": "bad is bad"},
                {
                    "when": {"choices": ["meh"], "importance_at_least": {tenet: 7}},
                    "risk": "HIGH",
                    "reason": "meh at 7+",
                },
                {"when": {"choices": ["meh"]}, "risk": "MEDIUM", "reason": "meh"},
            ],
            "default": {"risk": "NONE", "reason": "fine"},
            "plan": ["do it"],
            "effort": effort,
            "monthly_cost": {"low": 0, "high": 10},
        }
    )


def importance(level: int) -> dict[Tenet, int]:
    return {t: level for t in Tenet}


def state(raw: Any) -> PracticeState:
    return PracticeState.model_validate(raw)


@pytest.mark.parametrize(
    ("raw", "level", "risk", "source"),
    [
        ("bad", 5, Risk.HIGH, "answer"),
        ("meh", 5, Risk.MEDIUM, "answer"),
        ("meh", 7, Risk.HIGH, "answer"),
        ("good", 9, Risk.NONE, "answer"),
        (None, 5, Risk.UNKNOWN, "unanswered"),
        ("bad", 2, Risk.NOT_APPLICABLE, "not_required"),
        ({"not_applicable": True, "reason": "no database"}, 9, Risk.NOT_APPLICABLE, "not_applicable"),
        (
            {"exemption": {"owner": "cto", "reason": "next quarter", "expires": "2027-01-01"}},
            9,
            Risk.NONE,
            "exemption",
        ),
        (
            {"exemption": {"owner": "cto", "reason": "late", "expires": "2026-11-28"}},
            9,
            Risk.UNKNOWN,
            "unanswered",
        ),
        # an expired exemption counts as unanswered, whatever choice sits beside it
        (
            {"choice": "good", "exemption": {"owner": "cto", "reason": "late", "expires": "2026-11-28"}},
            9,
            Risk.UNKNOWN,
            "unanswered",
        ),
    ],
)
def test_finding_states(raw: Any, level: int, risk: Risk, source: str) -> None:
    f = finding(
        practice("x.y"), state(raw) if raw is not None else None, importance(level), Horizon.NOW, TODAY
    )
    assert (f.risk, f.source) == (risk, source)
    assert f.weight == level / 10
    expired = isinstance(raw, dict) and "exemption" in raw and raw["exemption"]["expires"] < "2026-11-29"
    assert f.exemption_expired == expired
    if source == "not_applicable":
        assert f.reason == "no database"


def test_exemption_expiring_today_still_holds() -> None:
    s = state({"exemption": {"owner": "cto", "reason": "r", "expires": "2026-11-29"}})
    assert finding(practice("x.y"), s, importance(9), Horizon.NOW, TODAY).risk == Risk.NONE


def test_exemption_is_judged_on_each_horizons_date() -> None:
    # expires in ~4 months: covers now, no longer the 6- or 12-month horizon
    s = state({"choice": "bad", "exemption": {"owner": "cto", "reason": "r", "expires": "2027-04-01"}})
    risks = [finding(practice("x.y"), s, importance(5), h, TODAY) for h in Horizon]
    assert [(f.risk, f.exemption_expired) for f in risks] == [
        (Risk.NONE, False),
        (Risk.UNKNOWN, True),
        (Risk.UNKNOWN, True),
    ]


def test_evidence_and_note_travel_with_the_finding() -> None:
    s = state({"choice": "good", "evidence": "https://wiki.example/backups", "note": "checked in March"})
    f = finding(practice("x.y"), s, importance(5), Horizon.NOW, TODAY)
    assert (f.evidence, f.note) == ("https://wiki.example/backups", "checked in March")


def test_root_credentials_answer_implies_the_practice_unless_recorded() -> None:
    lens = load_lens()
    shared = Workload.model_validate(document(**{"answers.security.root_credentials": "shared"}))
    f = next(
        f
        for f in findings(shared, lens, importance(5), Horizon.NOW, TODAY)
        if f.practice == "iam.root-locked"
    )
    assert (f.choice, f.source, f.risk) == ("shared", "implied", Risk.HIGH)
    assert f.note == "answers.security.root_credentials is shared"
    recorded = Workload.model_validate(
        document(
            **{"answers.security.root_credentials": "shared", "practices": {"iam.root-locked": "break-glass"}}
        )
    )
    f = next(
        f
        for f in findings(recorded, lens, importance(5), Horizon.NOW, TODAY)
        if f.practice == "iam.root-locked"
    )
    assert (f.choice, f.source, f.risk) == ("break-glass", "answer", Risk.NONE)
    unknown = Workload.model_validate(document())  # root_credentials defaults to unknown: implies nothing
    f = next(
        f
        for f in findings(unknown, lens, importance(5), Horizon.NOW, TODAY)
        if f.practice == "iam.root-locked"
    )
    assert f.risk == Risk.UNKNOWN


def make_lens(*practices: Practice) -> Lens:
    base = load_lens()
    return base.model_copy(update={"practices": list(practices), "symptoms": []})


def workload_with(practices: dict[str, Any]) -> Workload:
    return Workload.model_validate(document(practices=practices))


def test_maturity_is_the_mean_choice_score_without_not_applicable() -> None:
    lens = make_lens(
        practice("a.one"),
        practice("a.two"),
        practice("a.three"),
        practice("a.four"),
        practice("b.ha", tenet=HA),
    )
    w = workload_with(
        {
            "a.one": "good",
            "a.two": "meh",  # 1 + 0.5
            "a.three": {"not_applicable": True, "reason": "none"},  # not counted
            # a.four unanswered: counts 0
            "b.ha": {"exemption": {"owner": "o", "reason": "r", "expires": "2030-01-01"}},  # exempt counts 0
        }
    )
    m = {x.tenet: x for x in maturity(w.practices, lens, TODAY)}
    assert (m[DI].value, m[DI].practices, m[DI].answered) == (5.0, 3, 2)
    assert (m[HA].value, m[HA].practices) == (0.0, 1)
    assert m[Tenet.SECURITY].practices == 0 and m[Tenet.SECURITY].value == 0


def test_plan_orders_by_risk_removed_per_effort_and_groups_by_horizon() -> None:
    lens = make_lens(
        practice("p.high-large", effort="L"),
        practice("p.high-small", effort="S"),
        practice("p.medium-small", effort="S"),
        practice("p.later", effort="S", required=8),
        practice("p.fine", effort="S"),
    )
    w = workload_with(
        {
            "p.high-large": "bad",
            "p.high-small": "bad",
            "p.medium-small": "meh",
            "p.later": "bad",
            "p.fine": "good",
        }
    )
    by_horizon = {Horizon.NOW: 5, Horizon.SIX_MONTHS: 5, Horizon.TWELVE_MONTHS: 8}
    all_findings = [
        f for h, level in by_horizon.items() for f in findings(w, lens, importance(level), h, TODAY)
    ]
    items = plan(all_findings, lens)
    # now: HIGH/S = 3*0.5/1 = 1.5; MEDIUM/S = 0.5; HIGH/L = 3*0.5/4 = 0.375; then p.later at 12mo
    assert [i.practice for i in items] == ["p.high-small", "p.medium-small", "p.high-large", "p.later"]
    assert [i.rank for i in items] == [1, 2, 3, 4]
    assert items[-1].horizon == Horizon.TWELVE_MONTHS and items[-1].value_per_effort == pytest.approx(2.4)
    assert items[0].steps == ["do it"]


def test_unanswered_practice_is_planned_as_find_out_first() -> None:
    lens = make_lens(practice("p.unknown"))
    items = plan(findings(workload_with({}), lens, importance(5), Horizon.NOW, TODAY), lens)
    assert items[0].risk == Risk.UNKNOWN and items[0].steps == ["Find out: q?", "do it"]
