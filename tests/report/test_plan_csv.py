"""The plan as CSV: read back, it is the plan, item by item, with steps, labels and priorities."""

from __future__ import annotations

import csv
import io

import pytest

from devoops.api import assess_file
from devoops.model.assessment import Assessment
from devoops.model.common import Risk
from devoops.report import plan_csv

from ..conftest import EXAMPLES, NOW

PRIORITY = {Risk.HIGH: "High", Risk.MEDIUM: "Medium", Risk.UNKNOWN: "Medium"}


@pytest.fixture(scope="module", params=EXAMPLES, ids=[p.stem for p in EXAMPLES])
def assessed(request: pytest.FixtureRequest) -> Assessment:
    return assess_file(request.param, now=NOW).assessment


def read(text: str) -> tuple[list[str], list[dict[str, str]], list[list[str]]]:
    """The header, the rows by column name, and the labels of each row (the repeated columns)."""
    header, *rows = list(csv.reader(io.StringIO(text, newline="")))
    labels = [i for i, column in enumerate(header) if column == "Labels"]
    by_name = list(csv.DictReader(io.StringIO(text, newline="")))
    return header, by_name, [[row[i] for i in labels if row[i]] for row in rows]


def test_rows_are_the_plan_in_order(assessed: Assessment) -> None:
    header, rows, labels = read(plan_csv.render(assessed))
    assert header[:3] == ["Summary", "Description", "Priority"]
    assert set(header[3:]) == {"Labels"}
    assert len(header) - 3 == max(len(i.tenets) for i in assessed.plan)
    assert [r["Summary"] for r in rows] == [i.title for i in assessed.plan]
    for row, tags, item in zip(rows, labels, assessed.plan, strict=True):
        assert tags == [t.value for t in item.tenets]
        assert row["Priority"] == PRIORITY[item.risk]
        description = row["Description"]
        assert description.startswith(item.reason)
        positions = [description.index(f"{n}. {step}") for n, step in enumerate(item.steps, 1)]
        assert positions == sorted(positions)
        assert item.practice in description and f"Effort: {item.effort}" in description


def test_every_risk_in_the_plan_has_a_priority(assessed: Assessment) -> None:
    assert {i.risk for i in assessed.plan} <= PRIORITY.keys()
    _, rows, _ = read(plan_csv.render(assessed))
    assert {r["Priority"] for r in rows} == {PRIORITY[i.risk] for i in assessed.plan}


def test_quotes_commas_and_newlines_round_trip(assessed: Assessment) -> None:
    item = assessed.plan[0]
    tricky = item.model_copy(
        update={"title": 'Say "no", then yes', "reason": 'one, two\nthree "four"', "steps": ["a,\nb"]}
    )
    changed = assessed.model_copy(update={"plan": [tricky, *assessed.plan[1:]]})
    _, rows, _ = read(plan_csv.render(changed))
    assert rows[0]["Summary"] == tricky.title
    assert rows[0]["Description"].startswith(tricky.reason) and "1. a,\nb" in rows[0]["Description"]
    assert len(rows) == len(assessed.plan)


def test_an_empty_plan_is_a_header() -> None:
    a = assess_file(EXAMPLES[0], now=NOW).assessment.model_copy(update={"plan": []})
    header, rows, _ = read(plan_csv.render(a))
    assert header == ["Summary", "Description", "Priority", "Labels"] and rows == []


@pytest.mark.parametrize("start", ["=", "+", "-", "@", "\t", "\r"])
def test_lens_text_that_a_spreadsheet_would_run_is_inert(assessed: Assessment, start: str) -> None:
    """OWASP's CSV-injection rule: no cell begins with a formula character."""
    payload = f"{start}cmd|' /C calc'!A0"
    item = assessed.plan[0].model_copy(update={"title": payload, "reason": f'{start}HYPERLINK("x")'})
    changed = assessed.model_copy(update={"plan": [item, *assessed.plan[1:]]})
    _, rows, _ = read(plan_csv.render(changed))
    assert rows[0]["Summary"] == "'" + payload
    assert rows[0]["Description"].startswith("'" + item.reason)
    for row in rows:
        assert not any(str(v).startswith(plan_csv.FORMULA) for v in row.values() if isinstance(v, str))
