"""JUnit XML: one test case per practice, failures at or above the gate, counts that add up."""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from pathlib import Path

import pytest
from junitparser import Failure, JUnitXml, Skipped
from ruamel.yaml import YAML

from devoops.api import assess_file
from devoops.model.assessment import Assessment
from devoops.model.common import HORIZONS, Horizon, Risk
from devoops.report import junit

from ..conftest import EXAMPLES, NOW, document

GATES = (Risk.HIGH, Risk.MEDIUM, Risk.UNKNOWN)


@pytest.fixture(scope="module", params=EXAMPLES, ids=[p.stem for p in EXAMPLES])
def assessed(request: pytest.FixtureRequest) -> Assessment:
    return assess_file(request.param, now=NOW).assessment


def parse(text: str, tmp_path: Path) -> JUnitXml:
    path = tmp_path / "junit.xml"
    path.write_text(text, encoding="utf-8")
    return JUnitXml.fromfile(str(path))


@pytest.mark.parametrize("horizon", HORIZONS, ids=[h.value for h in HORIZONS])
@pytest.mark.parametrize("gate", GATES, ids=[g.value for g in GATES])
def test_counts_match_the_findings(
    assessed: Assessment, horizon: Horizon, gate: Risk, tmp_path: Path
) -> None:
    findings = assessed.at(horizon).findings
    failing = [f for f in findings if f.risk.rank >= gate.rank]
    skipped = [f for f in findings if f.risk == Risk.NOT_APPLICABLE]
    xml = parse(junit.render(assessed, horizon, gate), tmp_path)
    suites = list(xml)
    assert len(suites) == 1
    for node in (xml, suites[0]):
        assert (node.tests, node.failures, node.errors, node.skipped) == (
            len(findings),
            len(failing),
            0,
            len(skipped),
        )
    cases = list(suites[0])
    assert [c.name.split(":")[0] for c in cases] == [f.practice for f in findings]
    for case, f in zip(cases, findings, strict=True):
        assert case.classname == f"devoops.{f.tenets[0].value}"
        results = case.result
        if f.risk.rank >= gate.rank:
            assert len(results) == 1 and isinstance(results[0], Failure)
            assert results[0].type == f.risk.value and results[0].message.startswith(f.reason)
        elif f.risk == Risk.NOT_APPLICABLE:
            assert len(results) == 1 and isinstance(results[0], Skipped)
        else:
            assert results == [] and case.is_passed


def test_failures_carry_the_reason_and_the_plan_steps(assessed: Assessment) -> None:
    root = ET.fromstring(junit.render(assessed, Horizon.NOW, Risk.HIGH))
    steps = {i.practice: i.steps for i in assessed.plan}
    failures = root.findall("./testsuite/testcase/failure")
    assert failures
    for case in root.iter("testcase"):
        failure = case.find("failure")
        if failure is None:
            continue
        practice = case.attrib["name"].split(":")[0]
        text = failure.text or ""
        assert text.startswith(failure.attrib["message"])
        for n, step in enumerate(steps.get(practice, []), 1):  # a scenario's plan is its improvements
            assert f"{n}. {step}" in text


def test_special_characters_survive_escaping(tmp_path: Path) -> None:
    name = 'Tom & Jerry\'s <"shop"> ]]>'
    na_reason = "needs <script>alert('x')</script> & a \"quote\"\nand a second line"
    note = "per <ops@shop> & ]]> co \x01"  # a name holds no control character; a note may
    out = io.StringIO()
    doc = document(**{"app.name": name})
    doc["practices"] = {
        "infra.multi-region": {"not_applicable": True, "reason": na_reason},
        "backups.automated": {"choice": "none", "note": note},
    }
    YAML().dump(doc, out)
    path = tmp_path / "devoops.yaml"
    path.write_text(out.getvalue(), encoding="utf-8")
    a = assess_file(path, now=NOW).assessment
    assert a.app.name == name

    text = junit.render(a, Horizon.NOW, Risk.HIGH)
    root = ET.fromstring(text)
    assert root.attrib["name"] == f"devoops: {name}"
    assert parse(text, tmp_path).name == f"devoops: {name}"
    app = root.find("./testsuite/properties/property[@name='app']")
    assert app is not None and app.attrib["value"] == name

    cases = {c.attrib["name"].split(":")[0]: c for c in root.iter("testcase")}
    skipped = cases["infra.multi-region"].find("skipped")
    assert skipped is not None and skipped.attrib["message"] == na_reason
    failure = cases["backups.automated"].find("failure")
    assert failure is not None and failure.attrib["type"] == "HIGH"
    shown = note.replace("\x01", "\ufffd")  # XML 1.0 cannot carry U+0001 at all
    assert shown in failure.attrib["message"] and shown in (failure.text or "")
