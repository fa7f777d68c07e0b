"""A schema 1 assessment, as an earlier devoops saved it, still loads, renders and diffs."""

from __future__ import annotations

import gzip
import json
from pathlib import Path
from typing import Any

from devoops.evaluate.diff import diff
from devoops.model.assessment import SCHEMA_VERSION, Assessment
from devoops.model.resilience import Verdict
from devoops.report import render

V1 = Path(__file__).resolve().parents[1] / "fixtures" / "assessment-v1.json.gz"


def v1() -> dict[str, Any]:
    with gzip.open(V1) as f:
        data: dict[str, Any] = json.load(f)
    return data


def test_a_schema_1_document_is_read_as_schema_2() -> None:
    data = v1()
    assert data["schema_version"] == "1"
    old = data["horizons"][0]["resilience"]["improvements"][0]
    a = Assessment.model_validate(data)
    assert a.schema_version == SCHEMA_VERSION == "2"
    row = a.horizons[0].resilience.improvements[0]  # type: ignore[union-attr]
    assert row.practices == [old["practice"]]
    assert {m.scenario: (m.verdict_before, m.verdict_after) for m in row.moves} == {
        sid: (Verdict(was), Verdict(now)) for sid, (was, now) in old["verdicts"].items()
    }
    assert all(m.per_year_before == m.per_year_after for m in row.moves)  # rates never moved in schema 1
    assert Assessment.model_validate_json(a.model_dump_json()) == a


def test_it_renders_and_diffs_against_a_new_one() -> None:
    old = Assessment.model_validate(v1())
    assert "company-ending → damaged" in render(old, "md")
    new = old.model_copy(update={"generated_at": old.generated_at.replace(year=2027)})
    assert diff(old, new).app == old.app.name
