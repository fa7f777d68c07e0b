"""The patterns that real incidents share, each a workload in tests/fixtures/patterns with what
it must show written from the pattern (expected.yaml): severity from the money, backups
trusted as far as proven, odds from the practices that prevent, one truth per report."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from devoops.api import assess_file
from devoops.base.located import read
from devoops.model.assessment import Assessment
from devoops.model.common import Horizon

PATTERNS = Path(__file__).resolve().parents[1] / "fixtures" / "patterns"
EXPECTED: dict[str, dict[str, Any]] = read(PATTERNS / "expected.yaml").data


def assessed(name: str) -> Assessment:
    return assess_file(PATTERNS / f"{name}.yaml", years=0).assessment


def test_every_pattern_has_a_workload_and_expectations() -> None:
    assert sorted(EXPECTED) == sorted(p.stem for p in PATTERNS.glob("*.yaml") if p.stem != "expected")


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_pattern(name: str) -> None:
    expected = EXPECTED[name]
    view = assessed(name).at(Horizon.NOW)
    found = {f.practice: f for f in view.findings}
    assert view.resilience is not None
    outcomes = {o.scenario: o for o in view.resilience.scenarios}
    for practice, risk in expected.get("findings", {}).items():
        assert found[practice].risk.value == risk, found[practice]
    for practice, source in expected.get("sources", {}).items():
        assert found[practice].source == source, found[practice]
    for practice in expected.get("raised", []):
        raised = found[practice].raised
        assert raised is not None and raised.risk.rank < found[practice].risk.rank, found[practice]
    for practice in expected.get("conflicts", []):
        assert found[practice].conflict is not None, found[practice]
    for scenario, verdict in expected.get("verdicts", {}).items():
        assert outcomes[scenario].verdict.value == verdict, outcomes[scenario].reason
    for scenario, rate in expected.get("per_year", {}).items():
        assert outcomes[scenario].per_year == pytest.approx(rate)
    for scenario, lost in expected.get("lost", {}).items():
        assert outcomes[scenario].lost == lost
    for subject, words in expected.get("reasons", {}).items():
        text = found[subject].reason if subject in found else outcomes[subject].reason
        for word in words:
            assert word in text, text
