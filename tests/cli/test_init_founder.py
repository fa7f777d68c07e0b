"""`devoops init` as a founder meets it, driven by keystrokes on a fake terminal: every choice
in words (no raw ids on screen), traffic as visitors a day, business hours and RPO/RTO in
plain words, each answer followed by its consequence, the engineer's details skippable."""

from __future__ import annotations

import io
import re
import threading
from collections.abc import Callable
from pathlib import Path

import pytest
from prompt_toolkit.application.current import create_app_session
from prompt_toolkit.input import create_pipe_input
from prompt_toolkit.output.plain_text import PlainTextOutput
from ruamel.yaml import YAML

import devoops.cli.init
from devoops.api import assess_file
from devoops.derive.founder import rounded, rps_from_visitors

ENTER, DOWN, CLEAR = "\r", "\x1b[B", "\x15"  # \x15 is Ctrl-U: clear the line


def typed(text: str) -> str:
    """Replace what a text prompt shows (its default) with `text`, and press enter."""
    return CLEAR + text + ENTER


def drive(keys: str, command: Callable[[], object], timeout: float = 20) -> str:
    """Run `command` on a fake terminal that types `keys`; what the terminal showed, without
    styling. A prompt still waiting when the keys run out fails the test instead of hanging."""
    raised: list[BaseException] = []
    screen = io.StringIO()
    with create_pipe_input() as pipe:

        def run() -> None:
            with create_app_session(input=pipe, output=PlainTextOutput(screen)):
                try:
                    command()
                except BaseException as exc:  # handed over to the test's thread
                    raised.append(exc)

        pipe.send_text(keys)
        thread = threading.Thread(target=run, daemon=True)
        thread.start()
        thread.join(timeout)
        if thread.is_alive():
            pipe.close()
            thread.join(timeout)
            pytest.fail("a prompt is still waiting for input: a keystroke is missing")
    if raised:
        raise raised[0]
    return re.sub(r"\x1b\[[0-9;?]*[A-Za-z]", "", screen.getvalue())


@pytest.fixture(autouse=True)
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("devoops.cli.common.is_terminal", lambda: True)


def interview(target: Path) -> None:
    devoops.cli.init.run(output=target, answers=None, use_defaults=False, force=False)


APP = typed("shopco") + DOWN + ENTER + DOWN + ENTER  # growth (from the first customers), one continent
RELIABILITY = (
    typed("eur")
    + typed("400") + typed("900")  # an hour down: now, in 12 months
    + typed("2000")  # one outage on top
    + DOWN + ENTER  # business hours only
    + ENTER  # mon-fri
    + typed("8:00") + typed("20:00") + typed("Europe/Berlin")
    + DOWN + ENTER + typed("45")  # a nightly window of 45 minutes
)  # fmt: skip
TRAFFIC = (
    ENTER  # count visitors a day
    + typed("20000") + typed("60000")
    + typed("10")  # spike multiple
    + DOWN + ENTER  # certain (from probably)
    + typed("15")  # minutes to scale
)  # fmt: skip
PERFORMANCE = DOWN + ENTER  # instant
DATA = (
    typed("orders") + ENTER + DOWN + DOWN + ENTER  # lifeblood, financial
    + typed("10 min") + typed("2 h")
    + typed("")  # done
)  # fmt: skip
SECURITY = DOWN + ENTER + " " + DOWN + " " + ENTER + ENTER + DOWN + DOWN + DOWN + ENTER
ENGINEERING = typed("4") + typed("9") + "y" + ENTER + typed("10") + typed("7")
SKIP_ENGINEER = ENTER


def test_founder_interview_writes_the_model_fields_and_shows_no_ids(tmp_path: Path) -> None:
    target = tmp_path / "devoops.yaml"
    screen = drive(
        APP + RELIABILITY + TRAFFIC + PERFORMANCE + DATA + SECURITY + ENGINEERING + SKIP_ENGINEER,
        lambda: interview(target),
    )
    data = YAML(typ="safe").load(target.read_text())
    app, answers = data["app"], data["answers"]
    assert (app["name"], app["stage"], app["audience"], app["currency"]) == (
        "shopco",
        "growth",
        "continental",
        "EUR",
    )
    assert app["business_hours"] == {
        "days": ["mon", "tue", "wed", "thu", "fri"],
        "start": "08:00",
        "end": "20:00",
        "timezone": "Europe/Berlin",
    }
    assert answers["reliability"] == {
        "downtime_cost_per_hour": {"now": 400, "12mo": 900},
        "incident_cost": 2000,
        "maintenance_window": {"every": "night", "minutes": 45},
    }
    traffic = answers["traffic"]
    assert traffic["baseline_rps"] == {
        "now": rounded(rps_from_visitors(20000)),
        "12mo": rounded(rps_from_visitors(60000)),
    }
    assert traffic["peak"] == {"multiplier": 10, "likelihood": "certain"}
    assert traffic["scale_up_minutes"] == 15
    assert answers["performance"] == {"level": "outstanding"}
    assert answers["data"]["datasets"] == [
        {
            "name": "orders",
            "criticality": "lifeblood",
            "regulated": "financial",
            "rpo_minutes": 10,
            "rto_minutes": 120,
        }
    ]
    assert answers["security"]["breach_survival"] == "no"
    assert answers["security"]["sensitive_data"] == ["pii", "financial"]
    assert answers["security"]["root_credentials"] == "break_glass"
    assert answers["engineering"]["team_size"] == {"now": 4, "12mo": 9}
    assert answers["engineering"]["oncall_24x7_feasible"] is True
    assert answers["engineering"]["speed_vs_reliability"] == 7
    assert "ops_engineers" in answers["engineering"]  # the lens default, left for the engineer

    # what the founder saw: words, the converted traffic, consequences; never a raw id
    for raw in (
        "one_person",
        "break_glass",
        "trade_secrets",
        "24x7",
        "multi-zone",
        "baseline_rps",
        "rpo_minutes",
    ):
        assert raw not in screen, raw
    assert "Locked away" in screen and "Growing: revenue depends on it" in screen
    assert "20,000 visitors a day is about 11.1 requests a second" in screen
    assert "At 400 EUR an hour" in screen and "cheapest" in screen
    assert "orders: lose at most 10 min, back within 2 h" in screen
    assert "A payments app" in screen and "A bookmarking site" in screen
    assert "Lost sales, refunds, credits" in screen  # a field's help, from the lens
    assert assess_file(target).loaded.workload.app.name == "shopco"


def test_engineer_details_come_last_and_are_asked_when_wanted(tmp_path: Path) -> None:
    target = tmp_path / "devoops.yaml"
    engineer = "y" + ENTER + typed("ops@shop.co") + typed("5000") + typed("2") + typed("1")
    drive(
        APP + RELIABILITY + TRAFFIC + PERFORMANCE + DATA + SECURITY + ENGINEERING + engineer,
        lambda: interview(target),
    )
    data = YAML(typ="safe").load(target.read_text())
    assert data["app"]["owner"] == "ops@shop.co"
    assert data["answers"]["traffic"]["peak"]["downtime_cost_per_hour"] == 5000
    assert data["answers"]["engineering"]["senior_engineers"] == 2
    assert data["answers"]["engineering"]["ops_engineers"] == 1


def test_wrong_answers_are_refused_at_their_prompt(tmp_path: Path) -> None:
    """A refused answer leaves the prompt waiting: the next keys answer it again, so one let
    through would shift every answer after it and the recorded values would be wrong."""
    target = tmp_path / "devoops.yaml"
    reliability = (
        typed("euro") + typed("eur")
        + typed("-5") + typed("abc") + typed("400") + ENTER
        + ENTER
        + DOWN + ENTER + ENTER + typed("25:00") + typed("8:00") + typed("20:00")
        + typed("Mars/Olympus") + typed("Europe/Berlin")
        + ENTER  # no maintenance
    )  # fmt: skip
    data = typed("orders") + ENTER + ENTER + typed("soon") + typed("1 d") + typed("") + typed("")
    keys = APP + reliability + TRAFFIC + PERFORMANCE + data + SECURITY + ENGINEERING + SKIP_ENGINEER
    drive(keys, lambda: interview(target))
    doc = YAML(typ="safe").load(target.read_text())
    assert doc["app"]["currency"] == "EUR"
    assert doc["app"]["business_hours"]["start"] == "08:00"
    assert doc["app"]["business_hours"]["timezone"] == "Europe/Berlin"
    assert doc["answers"]["reliability"]["downtime_cost_per_hour"] == 400
    assert "maintenance_window" not in doc["answers"]["reliability"]
    assert doc["answers"]["data"]["datasets"] == [
        {"name": "orders", "criticality": "lifeblood", "regulated": "none", "rpo_minutes": 1440}
    ]
