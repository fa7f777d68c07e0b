"""The founder's words are lens data: every choice the wizard offers has a label, no text it
shows holds an id, and a lens whose words do not fit its questions is refused, located."""

from __future__ import annotations

import re
from importlib import resources
from pathlib import Path

import pytest

from devoops.base.errors import InputError
from devoops.base.located import Source
from devoops.derive.founder import consequence, steps
from devoops.lens import LensCore
from devoops.model.lens import Lens

from ..conftest import workload

LENS_YAML = Path(str(resources.files("devoops.lens") / "data" / "lens.yaml"))
SNAKE = re.compile(r"\b[a-z0-9]+(?:_[a-z0-9]+)+\b")
JARGON = re.compile(r"\b(24x7|pii|rps|mvp|rpo|rto|slo|p\d\d)\b", re.IGNORECASE)


def asked(lens: Lens) -> list[tuple[str, list[str], dict[str, str]]]:
    """Every field and input the wizard asks: its key, choices and labels."""
    out = []
    for q in lens.questions:
        out += [(i.key, i.choices, i.labels) for i in [*q.before, *q.after]]
        out += [(f"{q.id}.{f.key}", f.choices, f.labels) for f in q.fields if f.replaced_by is None]
    return out


def test_every_choice_the_wizard_asks_has_a_label(lens: Lens) -> None:
    choosing = [(key, choices, labels) for key, choices, labels in asked(lens) if choices]
    assert len(choosing) >= 12
    for key, choices, labels in choosing:
        assert sorted(labels) == sorted(choices), key
    for s in steps(lens):
        for a in s.asks:
            assert all(o.label != o.value for o in a.options), (s.id, a.key)


def shown(lens: Lens) -> list[str]:
    """Every text the wizard shows: the steps' words and each step's consequence."""
    texts = []
    for s in steps(lens):
        texts += [s.title, s.explanation, *(f"{e.who}: {e.answer}" for e in s.examples)]
        for a in s.asks:
            texts += [a.prompt, a.help, *(o.label for o in a.options)]
    w = workload(
        **{
            "answers.data": {"datasets": [{"name": "orders", "criticality": "lifeblood"}]},
            "answers.security.root_credentials": "break_glass",
            "app.business_hours": {"start": "08:00", "end": "20:00", "timezone": "UTC"},
        }
    )
    for s in steps(lens):
        texts += consequence(w, lens, s.id).lines
    return texts


def test_no_text_the_wizard_shows_holds_an_id(lens: Lens) -> None:
    ids = [p.id for p in lens.practices] + [t.id for t in lens.tiers if not t.id.isalpha()]
    texts = shown(lens)
    assert any("Locked away" in t for t in texts)  # the labels are among them
    for text in texts:
        assert not SNAKE.search(text), text
        assert not JARGON.search(text), text
        assert not [i for i in ids if i in text], text


def broken(tmp_path: Path, old: str, new: str) -> Path:
    text = LENS_YAML.read_text()
    assert text.count(old) == 1, old
    path = tmp_path / "lens.yaml"
    path.write_text(text.replace(old, new))
    return path


def refusal(path: Path) -> str:
    with pytest.raises(InputError) as raised:
        Source.parse(path, path.read_text()).validate(LensCore)
    return str(raised.value)


def test_a_label_for_no_choice_is_refused_where_it_stands(tmp_path: Path) -> None:
    path = broken(tmp_path, "one_person: One person keeps it", "one_persn: One person keeps it")
    message = refusal(path)
    assert message.startswith(f"{path}:")
    assert "questions.4.fields.3.labels: labels for values that are not choices: one_persn" in message


def test_a_condition_on_an_input_not_asked_before_is_refused(tmp_path: Path) -> None:
    path = broken(
        tmp_path,
        "        when: {answers.reliability.maintenance_window.every: [night, week]}",
        "        when: {answers.reliability.maintenance_window.evry: [night, week]}",
    )
    assert "maintenance_window.evry, which is not asked before it" in refusal(path)


def test_a_field_replaced_by_no_input_is_refused(tmp_path: Path) -> None:
    path = broken(tmp_path, "replaced_by: traffic.figure", "replaced_by: traffic.visitors")
    assert "baseline_rps is replaced by traffic.visitors" in refusal(path)


def test_at_most_two_examples(tmp_path: Path) -> None:
    extra = "      - who: A third company\n        answer: A third answer.\n"
    anchor = "        answer: 2,000 visitors a day; a mention on a news site brings 10 times that, rarely.\n"
    path = broken(tmp_path, anchor, anchor + extra)
    assert "examples" in refusal(path)
