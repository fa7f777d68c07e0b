"""`devoops check` as a CI runs it: exit codes, the reasons printed, the reports written or not;
and `devoops plan export`, its neighbour for issue trackers."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from devoops.api import assess_file
from devoops.lens import load_lens
from devoops.model.common import Horizon, Risk

from ..conftest import EXAMPLES, NOW, ROOT, document
from ..helpers import cli

BOOKMARKS = ROOT / "examples" / "bookmarks.yaml"
BAD = ROOT / "tests" / "fixtures" / "bad" / "unknown_key.yaml"


def write(path: Path, doc: dict[str, Any]) -> Path:
    out = io.StringIO()
    YAML().dump(doc, out)
    path.write_text(out.getvalue())
    return path


def all_done() -> dict[str, str]:
    """Every practice recorded at its best choice: nothing left at risk."""
    return {p.id: p.best.id for p in load_lens().practices}


def risks(path: Path) -> set[Risk]:
    return {f.risk for f in assess_file(path, now=NOW).assessment.at(Horizon.NOW).findings}


@pytest.fixture
def passing(tmp_path: Path) -> Path:
    path = write(tmp_path / "devoops.yaml", document(practices=all_done()))
    assert not risks(path) & {Risk.HIGH, Risk.MEDIUM, Risk.UNKNOWN}
    return path


@pytest.fixture
def medium_only(tmp_path: Path) -> Path:
    """All done but one practice, recorded at a choice that leaves a MEDIUM and no HIGH."""
    path = tmp_path / "devoops.yaml"
    for practice in load_lens().practices:
        for choice in practice.choices:
            write(path, document(practices=all_done() | {practice.id: choice.id}))
            found = risks(path)
            if Risk.MEDIUM in found and Risk.HIGH not in found:
                return path
    raise AssertionError("no single choice leaves a MEDIUM without a HIGH")


def test_high_findings_fail_with_their_reasons() -> None:
    a = assess_file(BOOKMARKS, now=NOW).assessment
    high = [f for f in a.at(Horizon.NOW).findings if f.risk == Risk.HIGH]
    assert high
    result = cli("check", BOOKMARKS)
    assert result.returncode == 1, result.stderr
    lines = result.stdout.strip().splitlines()
    assert len(lines) == len(high) + 1
    for f in high:
        assert any(line.startswith("HIGH") and f.practice in line and f.reason in line for line in lines)
    assert lines[-1] == f"{len(high)} findings at or above HIGH now: failing"


def test_nothing_at_or_above_the_threshold_passes(passing: Path) -> None:
    for gate in ("high", "medium", "unknown"):
        result = cli("check", passing, "--fail-on", gate)
        assert result.returncode == 0, result.stdout + result.stderr
        assert result.stdout.strip() == f"0 findings at or above {gate.upper()} now: passed"


def test_fail_on_medium_is_stricter_than_high(medium_only: Path) -> None:
    high = cli("check", medium_only, "--fail-on", "high")
    assert high.returncode == 0 and high.stdout.strip().endswith("passed")
    medium = cli("check", medium_only, "--fail-on", "medium")
    assert medium.returncode == 1
    assert medium.stdout.startswith("MEDIUM") and medium.stdout.strip().endswith("failing")


def test_the_horizon_decides_which_findings_count() -> None:
    a = assess_file(BOOKMARKS, now=NOW).assessment
    for horizon, title in ((Horizon.SIX_MONTHS, "in 6 months"), (Horizon.TWELVE_MONTHS, "in 12 months")):
        high = [f for f in a.at(horizon).findings if f.risk == Risk.HIGH]
        result = cli("check", BOOKMARKS, "--horizon", horizon.value)
        assert result.returncode == 1
        assert (
            result.stdout.strip().splitlines()[-1]
            == f"{len(high)} findings at or above HIGH {title}: failing"
        )


def test_bad_input_exits_2_and_writes_no_report(tmp_path: Path) -> None:
    junit, sarif = tmp_path / "junit.xml", tmp_path / "devoops.sarif"
    result = cli("check", BAD, "--junit", junit, "--sarif", sarif)
    assert result.returncode == 2
    assert result.stderr.startswith(f"error: {BAD}:")
    assert not junit.exists() and not sarif.exists()


def test_bad_option_exits_2(passing: Path) -> None:
    assert cli("check", passing, "--fail-on", "severe").returncode == 2


def test_reports_are_written_when_asked_even_when_failing(tmp_path: Path) -> None:
    junit, sarif = tmp_path / "out" / "junit.xml", tmp_path / "out" / "devoops.sarif"
    result = cli("check", BOOKMARKS, "--fail-on", "medium", "--junit", junit, "--sarif", sarif, cwd=ROOT)
    assert result.returncode == 1
    failing = len(result.stdout.strip().splitlines()) - 1
    suites = ET.parse(junit).getroot()
    assert int(suites.attrib["failures"]) == failing
    run = json.loads(sarif.read_text())["runs"][0]
    assert len(run["results"]) == failing
    assert {r["level"] for r in run["results"]} == {"error", "warning"}
    uris = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in run["results"]}
    assert uris == {"examples/bookmarks.yaml"}
    assert sorted(p.name for p in junit.parent.iterdir()) == ["devoops.sarif", "junit.xml"]


def test_reports_are_written_when_passing(passing: Path, tmp_path: Path) -> None:
    junit, sarif = tmp_path / "junit.xml", tmp_path / "devoops.sarif"
    assert cli("check", passing, "--junit", junit, "--sarif", sarif).returncode == 0
    assert ET.parse(junit).getroot().attrib["failures"] == "0"
    assert json.loads(sarif.read_text())["runs"][0]["results"] == []


@pytest.mark.parametrize("example", EXAMPLES, ids=[p.stem for p in EXAMPLES])
def test_plan_export_csv_to_stdout_and_file(example: Path, tmp_path: Path) -> None:
    plan = assess_file(example, now=NOW).assessment.plan
    result = cli("plan", "export", example, "--csv")
    assert result.returncode == 0, result.stderr
    rows = list(csv.DictReader(io.StringIO(result.stdout, newline="")))
    assert [r["Summary"] for r in rows] == [i.title for i in plan]
    out = tmp_path / "plan.csv"
    assert cli("plan", "export", example, "-o", out).returncode == 0
    assert out.read_text() == result.stdout


def test_plan_export_of_a_bad_file_exits_2(tmp_path: Path) -> None:
    out = tmp_path / "plan.csv"
    result = cli("plan", "export", BAD, "-o", out)
    assert result.returncode == 2 and not out.exists()
