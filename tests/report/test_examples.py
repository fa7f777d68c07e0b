"""Every example renders in every format, and what it says matches the assessment."""

from __future__ import annotations

import json
from pathlib import Path

import jsonschema
import pytest

from devoops.api import assess_file
from devoops.api.schema import assessment_schema
from devoops.base.fmt import percent
from devoops.model.assessment import Assessment
from devoops.model.common import Horizon, Risk, Tenet
from devoops.report import render
from devoops.report.sections import TENET_TITLES

from ..conftest import EXAMPLES, NOW


@pytest.fixture(scope="module", params=EXAMPLES, ids=[p.stem for p in EXAMPLES])
def assessed(request: pytest.FixtureRequest) -> Assessment:
    return assess_file(request.param, now=NOW).assessment


def test_there_are_three_examples() -> None:
    assert {p.stem for p in EXAMPLES} >= {"bookmarks", "fintech", "marketplace"}


def test_json_round_trips_and_matches_its_schema(assessed: Assessment) -> None:
    text = render(assessed, "json")
    data = json.loads(text)
    assert data["schema_version"] == "2"
    jsonschema.validate(data, assessment_schema())
    assert Assessment.model_validate_json(text) == assessed


def test_markdown_says_what_the_assessment_holds(assessed: Assessment) -> None:
    md = render(assessed, "md")
    assert md.startswith(f"# devoops assessment: {assessed.app.name}\n")
    for title in TENET_TITLES.values():
        assert f"| {title} |" in md
    now = assessed.at(Horizon.NOW)
    assert percent(now.targets.availability.slo) in md
    findings = md.split("## Findings now")[1].split("## Plan")[0]
    for f in now.findings:
        assert (f"| {f.risk.value} | {f.practice} |" in findings) == (f.risk in (Risk.HIGH, Risk.MEDIUM))
    for item in assessed.plan:
        assert f"{item.rank}. {item.title} ({item.practice}" in md
        assert all(step in md for step in item.steps)
    for v in assessed.horizons:
        for t in v.tensions:
            assert t.title in md


def test_terminal_shows_verdict_targets_and_top_of_plan(assessed: Assessment) -> None:
    text = render(assessed, "terminal", width=200)
    assert assessed.app.name in text and "Verdict" in text and "Targets" in text
    for item in assessed.plan[:10]:
        assert item.practice in text
    assert "\x1b[" not in text  # no colour unless asked


def test_examples_get_different_targets_that_make_sense() -> None:
    a = {p.stem: assess_file(p, now=NOW).assessment for p in EXAMPLES}
    bookmarks, fintech, market = (a[k].at(Horizon.NOW) for k in ("bookmarks", "fintech", "marketplace"))

    def imp(view: object, tenet: Tenet) -> int:
        return next(s.importance.value for s in view.tenets if s.tenet == tenet)  # type: ignore[attr-defined]

    # money and regulation: the fintech needs the most availability, integrity and security
    assert fintech.targets.availability.slo >= 0.9995 > bookmarks.targets.availability.slo
    assert imp(fintech, Tenet.DATA_INTEGRITY) >= 9 and imp(fintech, Tenet.SECURITY) >= 9
    assert any(t.id == "near-zero-rpo" for t in fintech.tensions)
    # the TV spike: pre-provisioned capacity for a 40x peak, flagged as a tension
    assert market.targets.capacity.pre_provision and market.targets.capacity.peak_rps == 40 * 40
    assert any(t.id == "spike-faster-than-scaling" for t in market.tensions)
    assert imp(market, Tenet.SCALABILITY) > imp(bookmarks, Tenet.SCALABILITY)
    # the bookmarking site grows: its 12-month availability target is stricter than now
    assert (
        a["bookmarks"].at(Horizon.TWELVE_MONTHS).targets.availability.slo > bookmarks.targets.availability.slo
    )


def test_an_override_shows_beside_the_derived_importance(tmp_path: Path) -> None:
    path = tmp_path / "devoops.yaml"
    path.write_text(EXAMPLES[0].read_text() + "\ntenets:\n  security: {now: 9, 12mo: 3}\n")
    assessment = assess_file(path, now=NOW).assessment
    derived = next(
        s.importance.derived for s in assessment.at(Horizon.NOW).tenets if s.tenet == Tenet.SECURITY
    )
    row = next(line for line in render(assessment, "md").splitlines() if line.startswith("| Security |"))
    assert row.startswith(
        f"| Security | 9 (derived {derived}) | 9 (derived {derived}) | 3 (derived {derived}) |"
    )
