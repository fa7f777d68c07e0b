"""Practices x answers x importance -> one finding per practice for a horizon."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping

from ..model.common import Horizon, Risk, Tenet
from ..model.findings import Finding
from ..model.lens import Lens, Practice
from ..model.workload import PracticeState, Workload
from .rules import judge, required


def finding(
    p: Practice,
    state: PracticeState | None,
    importance: Mapping[Tenet, int],
    horizon: Horizon,
    today: dt.date,
) -> Finding:
    def make(risk: Risk, reason: str, source: str, **extra: object) -> Finding:
        return Finding.model_validate(
            {
                "practice": p.id,
                "title": p.title,
                "horizon": horizon,
                "risk": risk,
                "reason": reason,
                "source": source,
                "choice": state.choice if state else None,
                "tenets": p.tenets,
                "weight": max(importance[t] for t in p.tenets) / 10,
                **extra,
            }
        )

    if state is not None and state.not_applicable:
        return make(Risk.NOT_APPLICABLE, state.reason or "", "not_applicable")
    if not required(p, importance):
        levels = ", ".join(f"{t.value} {importance[t]} < {n}" for t, n in p.required_from.items())
        return make(Risk.NOT_APPLICABLE, f"not required at this importance ({levels})", "not_required")
    if state is None:
        return make(Risk.UNKNOWN, "not answered", "unanswered")
    exemption = state.exemption
    if exemption is not None and exemption.expires >= today:
        return make(
            Risk.NONE,
            f"exempt until {exemption.expires} (owner {exemption.owner}): {exemption.reason}",
            "exemption",
            exemption=exemption,
        )
    expired = {"exemption": exemption, "exemption_expired": True} if exemption is not None else {}
    if state.choice is None:
        return make(
            Risk.UNKNOWN,
            f"exemption expired on {exemption.expires if exemption else ''}; not answered",
            "unanswered",
            **expired,
        )
    outcome = judge(p, state.choice, importance)
    return make(Risk(outcome.risk), outcome.reason, "answer", **expired)


def findings(
    w: Workload, lens: Lens, importance: Mapping[Tenet, int], horizon: Horizon, today: dt.date
) -> list[Finding]:
    result = [finding(p, w.practices.get(p.id), importance, horizon, today) for p in lens.practices]
    return sorted(result, key=lambda f: (-f.risk.rank, -f.weight, f.practice))
