"""The interactive prompts of `devoops init` and `devoops quiz` beyond the founder's main path
(`test_init_founder.py`, `test_quiz_answers.py`): another path through the interview written
and assessed, what the file would reject refused at its prompt, the default dataset, Ctrl-C."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

import devoops.cli
from devoops.api import assess_file
from devoops.derive.founder import rounded, rps_from_visitors

from .test_init_founder import (
    APP,
    DOWN,
    ENGINEERING,
    ENTER,
    PERFORMANCE,
    RELIABILITY,
    SECURITY,
    SKIP_ENGINEER,
    TRAFFIC,
    drive,
    interview,
    typed,
)

CTRL_C = "\x03"


@pytest.fixture(autouse=True)
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("devoops.cli.common.is_terminal", lambda: True)


def test_people_online_two_datasets_around_the_clock_written_commented_and_assessed(tmp_path: Path) -> None:
    target = tmp_path / "devoops.yaml"
    keys = (
        typed("shopco") + ENTER + ENTER  # stage and audience: the defaults
        + typed("usd") + typed("250") + ENTER + typed("5000")  # the same cost in 12 months
        + ENTER + ENTER  # any hour counts, no planned downtime
        + DOWN + ENTER + typed("300") + typed("900")  # people online at once
        + typed("10") + ENTER + typed("15")
        + ENTER  # quick pages
        + typed("payments") + DOWN + ENTER + DOWN + DOWN + ENTER + typed("") + typed("")
        + typed("uploads") + DOWN + DOWN + ENTER + ENTER + typed("") + typed("")
        + typed("")  # no more data
        + ENTER + ENTER + ENTER + ENTER  # security: the defaults
        + typed("3") + typed("8") + ENTER + typed("10") + ENTER
        + SKIP_ENGINEER
    )  # fmt: skip
    drive(keys, lambda: interview(target))

    text = target.read_text()
    data = YAML(typ="safe").load(text)
    assert data["app"] == {
        "name": "shopco",
        "owner": None,
        "stage": "mvp",
        "description": "",
        "business_hours": "24x7",
        "currency": "USD",
        "audience": "local",
    }
    answers = data["answers"]
    assert answers["reliability"] == {"downtime_cost_per_hour": 250, "incident_cost": 5000}
    assert answers["traffic"]["baseline_rps"] == {"now": 30, "12mo": 90}  # 4 requests every 40 s each
    assert "concurrent_users" not in answers["traffic"]
    assert answers["data"]["datasets"] == [
        {"name": "payments", "criticality": "important", "regulated": "financial"},
        {"name": "uploads", "criticality": "expendable", "regulated": "none"},
    ]
    assert answers["security"] == {
        "breach_survival": "damaged",
        "sensitive_data": [],
        "insider_risk": "low",
        "root_credentials": "unknown",
    }
    assert answers["engineering"]["team_size"] == {"now": 3, "12mo": 8}
    assert answers["engineering"]["releases_per_week"] == 10
    # the file explains itself in the lens's words
    assert "# 4. Which data is your lifeblood, and how much of it could you lose?" in text
    assert "# What does one hour of the application being down cost you?" in text
    result = assess_file(target)
    assert [d.name for d in result.loaded.workload.answers.data.datasets] == ["payments", "uploads"]


def test_interview_refuses_what_the_file_would_reject_at_the_prompt(tmp_path: Path) -> None:
    """Each wrong answer is refused where it is typed; the next keystrokes answer the same
    prompt again, so a wrong answer let through would shift every answer after it."""
    target = tmp_path / "devoops.yaml"
    keys = (
        typed("") + typed("shopco")  # a name is required
        + ENTER + ENTER + typed("eur")
        + typed("inf") + typed("250") + ENTER + ENTER
        + ENTER + DOWN + ENTER + typed("300") + typed("45")  # a window of at most 240 minutes
        + ENTER + typed("-5") + typed("inf") + typed("2000") + ENTER  # visitors: a finite count
        + ENTER + ENTER + ENTER
        + ENTER
        + typed("bad name!") + typed("payments") + ENTER + ENTER + typed("") + typed("")
        + typed("payments") + typed("uploads") + ENTER + ENTER + typed("") + typed("")  # unique names
        + typed("")
        + ENTER + ENTER + ENTER + ENTER
        + typed("0") + typed("2.5") + typed("3") + ENTER  # a whole team of at least one
        + ENTER + ENTER + typed("11") + typed("7")  # 0 to 10
        + "y" + ENTER + typed("") + typed("")  # the engineer's details: no owner, no spike cost
        + typed("4") + typed("3") + ENTER  # senior: no more than the team
    )  # fmt: skip
    drive(keys, lambda: interview(target))

    data = YAML(typ="safe").load(target.read_text())
    answers = data["answers"]
    assert data["app"]["name"] == "shopco"
    assert answers["reliability"]["downtime_cost_per_hour"] == 250
    assert answers["reliability"]["maintenance_window"] == {"every": "night", "minutes": 45}
    assert answers["traffic"]["baseline_rps"] == rounded(rps_from_visitors(2000))
    assert [d["name"] for d in answers["data"]["datasets"]] == ["payments", "uploads"]
    assert answers["engineering"]["team_size"] == 3
    assert answers["engineering"]["senior_engineers"] == 3
    assert answers["engineering"]["speed_vs_reliability"] == 7
    assess_file(target)


def test_interview_without_datasets_records_the_default_one(tmp_path: Path) -> None:
    target = tmp_path / "devoops.yaml"
    keys = APP + RELIABILITY + TRAFFIC + PERFORMANCE + typed("") + SECURITY + ENGINEERING + SKIP_ENGINEER
    drive(keys, lambda: interview(target))
    datasets = YAML(typ="safe").load(target.read_text())["answers"]["data"]["datasets"]
    assert datasets == [{"name": "main", "criticality": "lifeblood", "regulated": "none"}]


def test_ctrl_c_midway_exits_130_and_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "devoops.yaml"
    monkeypatch.setattr(sys, "argv", ["devoops", "init", "-o", str(target)])
    with pytest.raises(SystemExit) as exit_:
        drive(APP + RELIABILITY + CTRL_C, devoops.cli.main)
    assert exit_.value.code == 130
    assert list(tmp_path.iterdir()) == []


def test_quiz_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["devoops", "quiz"])
    with pytest.raises(SystemExit) as exit_:
        drive("yn" + CTRL_C, devoops.cli.main)
    assert exit_.value.code == 130
    assert "DevOops score" not in capsys.readouterr().out
