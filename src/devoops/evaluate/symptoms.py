"""The DevOops quiz: which symptoms are present, the practices they reveal, and the practice
states a 'yes' implies (ready to paste into devoops.yaml)."""

from __future__ import annotations

from collections.abc import Mapping

from ..model.lens import Lens, Symptom


def present(lens: Lens, answers: Mapping[str, bool]) -> list[Symptom]:
    return [s for s in lens.symptoms if answers.get(s.id, False)]


def revealed(lens: Lens, answers: Mapping[str, bool]) -> list[str]:
    """Practice ids to look at first, most-revealed first, then in lens order."""
    ids = [pid for s in present(lens, answers) for pid in s.practices]
    order = {p.id: n for n, p in enumerate(lens.practices)}
    return sorted(set(ids), key=lambda pid: (-ids.count(pid), order[pid]))


def implied(lens: Lens, answers: Mapping[str, bool]) -> dict[str, str]:
    states: dict[str, str] = {}
    for s in present(lens, answers):
        for pid, choice in s.implies.items():
            states.setdefault(pid, choice)
    return states
