"""How one practice is judged: ordered risk rules, first match wins, else the default.

A practice's default speaks for its best choice ("backups run on schedule and someone is told
when they do not"). A lesser choice that no rule catches at this importance is accepted, and
its reason says so in its own words: which answer was accepted, and from which importance it
would become a risk, so a report never describes a weaker state with the best state's words."""

from __future__ import annotations

from collections.abc import Mapping

from ..model.common import Risk, Tenet
from ..model.lens import Choice, Condition, Outcome, Practice


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
    picked = practice.choice(choice)
    if picked is None or picked.score >= practice.best.score:
        return practice.default
    return Outcome(risk=Risk.NONE, reason=accepted(practice, picked))


def accepted(practice: Practice, choice: Choice) -> str:
    """Why a lesser choice is no risk here: accepted at this importance, and from where it is one."""
    rises = [
        f"{rule.risk} from "
        + " with ".join(
            f"{t.value.replace('_', ' ')} importance {n}" for t, n in rule.when.importance_at_least.items()
        )
        for rule in reversed(practice.risk_rules)
        if rule.risk != Risk.NONE
        and rule.when.importance_at_least
        and not rule.when.importance_below
        and (rule.when.choices is None or choice.id in rule.when.choices)
    ]
    if not rises:
        return f"“{choice.title}” is no risk at any importance, though short of the best: “{practice.best.title}”."
    return f"“{choice.title}” is accepted at this importance; it becomes {', '.join(rises)}."


def required(practice: Practice, importance: Mapping[Tenet, int]) -> bool:
    """A practice is required once any tenet it serves is at least as important as it says."""
    return any(importance[t] >= level for t, level in practice.required_from.items())
