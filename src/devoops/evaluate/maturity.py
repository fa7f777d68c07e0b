"""Maturity 0-10 per tenet: the mean score of the chosen practice choices serving it."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from ..model.common import Tenet
from ..model.findings import Maturity
from ..model.lens import Lens
from ..model.practices import PracticeState


def maturity(states: Mapping[str, PracticeState], lens: Lens, today: dt.date) -> list[Maturity]:
    """Not-applicable practices do not count; unanswered and exempted ones count as 0."""
    result = []
    for tenet in Tenet:
        scores, answered = [], 0
        for p in lens.practices:
            state = states.get(p.id)
            if tenet not in p.tenets or (state is not None and state.not_applicable):
                continue
            choice = p.choice(state.choice) if state is not None and state.choice else None
            answered += choice is not None
            exempt = state is not None and state.exempt_on(today)
            scores.append(choice.score if choice is not None and not exempt else 0.0)
        value = round(10 * sum(scores) / len(scores), 1) if scores else 0.0
        result.append(Maturity(tenet=tenet, value=value, practices=len(scores), answered=answered))
    return result
