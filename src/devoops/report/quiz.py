"""The quiz result as report sections."""

from __future__ import annotations

from collections.abc import Mapping

from ..evaluate.symptoms import implied, present, revealed
from ..model.lens import Lens
from .sections import Section, Table


def quiz(lens: Lens, answers: Mapping[str, bool]) -> list[Section]:
    found = present(lens, answers)
    total = len(lens.symptoms)
    verdict = (
        "No DevOops symptoms. Run `devoops init` to check the targets behind that."
        if not found
        else f"{len(found)} of {total} DevOops symptoms. Each one is a company-sized risk waiting for a bad day."
    )
    rows = [
        [s.question, "yes" if answers.get(s.id, False) else "no", ", ".join(s.practices)]
        for s in lens.symptoms
    ]
    sections = [
        Section(
            f"DevOops score: {len(found)}/{total}",
            paragraphs=[verdict],
            tables=[Table(["symptom", "answer", "reveals"], rows)],
        )
    ]
    if found:
        titles = {p.id: p.title for p in lens.practices}
        sections.append(
            Section(
                "Look at these practices first",
                bullets=[
                    f"{pid}: {titles[pid]} (`devoops lens show {pid}`)" for pid in revealed(lens, answers)
                ],
            )
        )
        states = implied(lens, answers)
        sections.append(
            Section(
                "For your devoops.yaml",
                paragraphs=["Your answers already say this about the current state:"],
                bullets=[f"practices.{pid}: {choice}" for pid, choice in states.items()],
            )
        )
    return sections
