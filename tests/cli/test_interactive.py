"""The interactive prompts of `devoops init` and `devoops quiz`, driven by keystrokes on a fake
terminal: what a person types is what the file holds, and a wrong answer is refused at once."""

from __future__ import annotations

import re
import sys
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from prompt_toolkit.application.current import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output import DummyOutput
from ruamel.yaml import YAML

import devoops.cli
import devoops.cli.init
import devoops.cli.quiz
from devoops.api import assess_file

ENTER, DOWN, CLEAR, CTRL_C = "\r", "\x1b[B", "\x15", "\x03"  # \x15 is Ctrl-U: clear the line


def typed(text: str) -> str:
    """Replace what a text prompt shows (its default) with `text`, and press enter."""
    return CLEAR + text + ENTER


def drive(keys: str, command: Callable[[], object], timeout: float = 10) -> None:
    """Run `command` on a fake terminal that types `keys`, re-raising what it raises. A prompt
    still waiting for input when the keys run out fails the test instead of hanging it."""
    raised: list[BaseException] = []
    with create_pipe_input() as pipe:

        def run() -> None:
            with create_app_session(input=pipe, output=DummyOutput()):
                try:
                    command()
                except BaseException as exc:  # handed over to the test's thread
                    raised.append(exc)

        pipe.send_text(keys)
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join(timeout)
        if thread.is_alive():
            pipe.close()  # end of input: the waiting prompt gives up
            thread.join(timeout)
            pytest.fail("a prompt is still waiting for input: a keystroke is missing")
    if raised:
        raise raised[0]


@pytest.fixture(autouse=True)
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("devoops.cli.common.is_terminal", lambda: True)


def interview(target: Path) -> None:
    devoops.cli.init.run(output=target, answers=None, use_defaults=False, force=False)


# Every prompt of the interview, in order, with what a founder of a small shop answers.
APP = typed("shopco") + typed("ops@shop.co") + DOWN + ENTER + typed("eur") + DOWN + ENTER
RELIABILITY = typed("250") + typed("900") + typed("5000") + ENTER  # incident cost: same in 12 months
TRAFFIC = (
    typed("20") + typed("40")  # usual load
    + typed("10") + ENTER  # spike multiple
    + DOWN + ENTER  # likelihood: certain
    + ENTER  # spike downtime cost: empty, so no 12-month question
    + typed("15") + typed("5")  # minutes to scale up
)  # fmt: skip
PERFORMANCE = ENTER + DOWN + ENTER  # good now, outstanding in 12 months
DATA = (
    typed("payments") + DOWN + ENTER + DOWN + DOWN + ENTER  # important, financial
    + typed("uploads") + DOWN + DOWN + ENTER + ENTER  # expendable, not regulated
    + ENTER  # no more datasets
)  # fmt: skip
SECURITY = (
    DOWN + ENTER  # breach survival: no
    + " " + DOWN + DOWN + " " + ENTER  # sensitive data: pii, health
    + ENTER  # insider risk: low
    + DOWN + DOWN + DOWN + ENTER  # root credentials: break_glass
)  # fmt: skip
ENGINEERING = (
    typed("3") + typed("8")  # team
    + typed("1") + typed("4")  # senior
    + ENTER + ENTER  # ops: 0
    + "n" + "y"  # on-call 24x7
    + ENTER + typed("10")  # releases a week
    + ENTER + ENTER  # speed vs reliability: 5
)  # fmt: skip


def test_interview_writes_what_was_typed_and_assess_accepts_it(tmp_path: Path) -> None:
    target = tmp_path / "devoops.yaml"
    drive(
        APP + RELIABILITY + TRAFFIC + PERFORMANCE + DATA + SECURITY + ENGINEERING, lambda: interview(target)
    )

    text = target.read_text()
    data = YAML(typ="safe").load(text)
    assert data["app"] == {
        "name": "shopco",
        "owner": "ops@shop.co",
        "stage": "growth",
        "description": "",
        "business_hours": "24x7",
        "currency": "EUR",
        "audience": "continental",
    }
    answers = data["answers"]
    assert answers["reliability"] == {
        "downtime_cost_per_hour": {"now": 250, "12mo": 900},
        "incident_cost": 5000,
    }
    assert answers["traffic"] == {
        "baseline_rps": {"now": 20, "12mo": 40},
        "peak": {"multiplier": 10, "likelihood": "certain"},
        "scale_up_minutes": {"now": 15, "12mo": 5},
    }
    assert answers["performance"] == {"level": {"now": "good", "12mo": "outstanding"}}
    assert answers["data"]["datasets"] == [
        {"name": "payments", "criticality": "important", "regulated": "financial"},
        {"name": "uploads", "criticality": "expendable", "regulated": "none"},
    ]
    assert answers["security"] == {
        "breach_survival": "no",
        "sensitive_data": ["pii", "health"],
        "insider_risk": "low",
        "root_credentials": "break_glass",
    }
    assert answers["engineering"] == {
        "team_size": {"now": 3, "12mo": 8},
        "senior_engineers": {"now": 1, "12mo": 4},
        "ops_engineers": 0,
        "oncall_24x7_feasible": {"now": False, "12mo": True},
        "releases_per_week": {"now": 5, "12mo": 10},
        "speed_vs_reliability": 5,
    }
    assert "downtime_cost_per_hour: {now: 250, 12mo: 900} # Cost of one hour of downtime" in text
    assert "# 4. How much data may be lost?" in text
    result = assess_file(target)
    assert result.loaded.workload.app.name == "shopco"
    assert [d.name for d in result.loaded.workload.answers.data.datasets] == ["payments", "uploads"]


def test_interview_refuses_what_the_file_would_reject_at_the_prompt(tmp_path: Path) -> None:
    """Each wrong answer is refused where it is typed; the next keystrokes answer the same
    prompt again, so a wrong answer let through would shift every answer after it."""
    target = tmp_path / "devoops.yaml"
    keys = (
        typed("") + typed("shopco")  # a name is required
        + ENTER + ENTER
        + typed("euro") + typed("eur") + ENTER
        + typed("abc") + typed("-5") + typed("inf") + typed("") + typed("250") + typed("900")
        + ENTER + ENTER
        + ENTER + ENTER + typed("0.5") + typed("10") + ENTER + ENTER + ENTER + ENTER + ENTER
        + ENTER + ENTER
        + typed("payments") + ENTER + ENTER
        + typed("bad name!") + typed("payments") + typed("uploads") + ENTER + ENTER  # unique names
        + ENTER
        + ENTER + ENTER + ENTER + ENTER
        + typed("0") + typed("2.5") + typed("3") + ENTER  # team: 3 now and later
        + typed("4") + typed("3") + ENTER  # senior: no more than the team
        + ENTER + ENTER + ENTER + ENTER + ENTER + ENTER
        + typed("11") + typed("7") + ENTER
    )  # fmt: skip
    drive(keys, lambda: interview(target))

    answers = YAML(typ="safe").load(target.read_text())["answers"]
    assert answers["reliability"]["downtime_cost_per_hour"] == {"now": 250, "12mo": 900}
    assert answers["traffic"]["peak"]["multiplier"] == 10
    assert [d["name"] for d in answers["data"]["datasets"]] == ["payments", "uploads"]
    assert answers["engineering"]["team_size"] == 3
    assert answers["engineering"]["senior_engineers"] == 3
    assert answers["engineering"]["speed_vs_reliability"] == 7
    assess_file(target)


def test_interview_without_datasets_records_the_default_one(tmp_path: Path) -> None:
    target = tmp_path / "devoops.yaml"
    keys = APP + RELIABILITY + TRAFFIC + PERFORMANCE + ENTER + SECURITY + ENGINEERING
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


def test_quiz_counts_the_symptoms_answered_yes(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("COLUMNS", "120")  # whatever terminal the tests run under, no question wraps
    drive(
        "y" + "n" * 3 + "y" + "n" * 3,
        lambda: devoops.cli.quiz.run(answers=None, format="terminal", output=None),
    )
    out = re.sub(r"\x1b\[[0-9;]*m", "", capsys.readouterr().out)
    assert "DevOops score: 2/8" in out
    assert "Has your database failover never been practised?" in out


def test_quiz_ctrl_c_exits_130(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(sys, "argv", ["devoops", "quiz"])
    with pytest.raises(SystemExit) as exit_:
        drive("yn" + CTRL_C, devoops.cli.main)
    assert exit_.value.code == 130
    assert "DevOops score" not in capsys.readouterr().out
