"""Maturity 0-10 per tenet: the mean score of the chosen practice choices serving it."""

from __future__ import annotations

import datetime as dt

from ..model.common import Tenet
from ..model.findings import Maturity
from ..model.lens import Lens
from ..model.workload import Workload


def maturity(w: Workload, lens: Lens, today: dt.date) -> list[Maturity]:
    """Not-applicable practices do not count; unanswered ones and exemptions count as 0."""
    result = []
    for tenet in Tenet:
        scores = []
        for p in lens.practices:
            state = w.practices.get(p.id)
            if tenet not in p.tenets or (state is not None and state.not_applicable):
                continue
            choice = p.choice(state.choice) if state is not None and state.choice else None
            exempt = state is not None and state.exemption is not None and state.exemption.expires >= today
            scores.append(choice.score if choice is not None and not exempt else 0.0)
        answered = sum(1 for s in scores if s > 0)
        value = round(10 * sum(scores) / len(scores), 1) if scores else 0.0
        result.append(Maturity(tenet=tenet, value=value, practices=len(scores), answered=answered))
    return result
