"""The DevOops quiz on a terminal, and its questions as the lens words them."""

from __future__ import annotations

import re

import pytest

import devoops.cli.quiz
from devoops.model.lens import Lens

from .test_init_founder import ENTER, drive

NEGATIONS = re.compile(r"\b(not|no|never|nobody|none|nothing|neither|nor|without)\b|n't\b", re.IGNORECASE)


@pytest.fixture(autouse=True)
def terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("devoops.cli.common.is_terminal", lambda: True)


def test_y_then_enter_records_each_answer_as_typed(
    lens: Lens, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """Before, `y` answered at once and its Enter answered the next question "No"."""
    recorded: list[bool] = []
    real = devoops.cli.quiz.yes_no

    def recording(question: str) -> bool:
        recorded.append(real(question))
        return recorded[-1]

    monkeypatch.setattr(devoops.cli.quiz, "yes_no", recording)
    typed = [True, True, False, True, False, False, True, True]
    assert len(typed) == len(lens.symptoms)
    drive(
        "".join(("y" if answer else "n") + ENTER for answer in typed),
        lambda: devoops.cli.quiz.run(answers=None),
    )
    assert recorded == typed
    out = capsys.readouterr().out
    assert f"DevOops score: {sum(typed)}/{len(typed)}" in out


def test_enter_alone_is_no_and_yes_typed_out_is_yes(lens: Lens, capsys: pytest.CaptureFixture[str]) -> None:
    keys = "yes" + ENTER + ENTER * (len(lens.symptoms) - 1)
    drive(keys, lambda: devoops.cli.quiz.run(answers=None, format="md"))
    out = capsys.readouterr().out
    assert f"DevOops score: 1/{len(lens.symptoms)}" in out
    first, second = lens.symptoms[:2]
    assert f"| {first.question} | yes |" in out and f"| {second.question} | no |" in out


def test_no_question_is_a_double_negative(lens: Lens) -> None:
    """Each question is asked so that yes means the symptom: none needs a negation at all."""
    for s in lens.symptoms:
        assert not NEGATIONS.search(s.question), s.question
        assert s.question.endswith("?")


def test_yes_still_means_the_symptom(lens: Lens) -> None:
    """A yes implies a weak practice state, never the best one: the meaning was kept when the
    questions were reworded (a flipped question would imply the healthy state)."""
    for s in lens.symptoms:
        assert s.implies, s.id
        for pid, choice in s.implies.items():
            practice = lens.practice(pid)
            assert practice is not None and (found := practice.choice(choice)) is not None
            assert found.score < practice.best.score, (s.id, pid, choice)
