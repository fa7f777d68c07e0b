"""How one practice is judged: ordered risk rules, first match wins, else the default."""

from __future__ import annotations

from collections.abc import Mapping

from ..model.common import Tenet
from ..model.lens import Condition, Outcome, Practice


def matches(condition: Condition, choice: str, importance: Mapping[Tenet, int]) -> bool:
    if condition.choices is not None and choice not in condition.choices:
        return False
    if any(importance[t] < level for t, level in condition.importance_at_least.items()):
        return False
    return all(importance[t] < level for t, level in condition.importance_below.items())


def judge(practice: Practice, choice: str, importance: Mapping[Tenet, int]) -> Outcome:
    """The risk of `choice` for a workload whose tenets have `importance` (0-10 each)."""
    for rule in practice.risk_rules:
        if matches(rule.when, choice, importance):
            return rule
    return practice.default


def required(practice: Practice, importance: Mapping[Tenet, int]) -> bool:
    """A practice is required once any tenet it serves is at least as important as it says."""
    return any(importance[t] >= level for t, level in practice.required_from.items())
