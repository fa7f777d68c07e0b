"""The plan: each practice at risk once, at the earliest horizon it matters, ordered by the
risk it removes per unit of effort. Scenario findings are no practices: the resilience's
improvements (inventory changes priced by what they save) are their plan."""

from __future__ import annotations

from ..model.common import HORIZONS, Risk
from ..model.findings import Finding, PlanItem
from ..model.lens import Lens

EFFORT_POINTS = {"S": 1.0, "M": 2.0, "L": 4.0}
AT_RISK = (Risk.HIGH, Risk.MEDIUM, Risk.UNKNOWN)


def plan(findings: list[Finding], lens: Lens) -> list[PlanItem]:
    first: dict[str, Finding] = {}
    practices = [f for f in findings if f.source != "scenario"]
    for horizon in HORIZONS:
        for f in practices:
            if f.horizon == horizon and f.risk in AT_RISK and f.practice not in first:
                first[f.practice] = f
    items = []
    for f in first.values():
        p = lens.practice(f.practice)
        assert p is not None  # findings come from the lens
        steps = list(p.plan) if f.risk != Risk.UNKNOWN else [f"Find out: {p.question}", *p.plan]
        items.append((f, p, round(f.risk.points * f.weight / EFFORT_POINTS[p.effort], 3), steps))
    items.sort(key=lambda i: (HORIZONS.index(i[0].horizon), -i[2], -i[0].risk.rank, i[0].practice))
    return [
        PlanItem(
            rank=rank,
            practice=f.practice,
            title=f.title,
            horizon=f.horizon,
            risk=f.risk,
            reason=f.reason,
            tenets=f.tenets,
            effort=p.effort,
            value_per_effort=value,
            monthly_cost=p.monthly_cost,
            steps=steps,
        )
        for rank, (f, p, value, steps) in enumerate(items, 1)
    ]
