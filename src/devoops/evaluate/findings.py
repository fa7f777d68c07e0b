"""Practices x answers x importance -> one finding per practice for a horizon."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from enum import Enum

from ..model.common import ByHorizon, Horizon, Risk, Tenet
from ..model.evidence import ProbeResult, Verdict
from ..model.findings import Conflict, Finding, Source
from ..model.lens import Choice, Lens, Practice
from ..model.practices import PracticeState
from ..model.workload import Workload
from .inventory import shown
from .look import Path
from .rules import judge, required


def answer(w: Workload, question: str, key: str, horizon: Horizon) -> str | None:
    """The value of `answers.<question>.<key>` at a horizon, as the text the lens uses."""
    node: object = getattr(w.answers, question)
    for part in key.split("."):
        node = getattr(node, part, None)
        if node is None:
            return None
    value = node.at(horizon) if isinstance(node, ByHorizon) else node
    return str(value.value if isinstance(value, Enum) else value)


@dataclass(frozen=True)
class Known:
    """A practice's state, what decided it, where the answer sits in the workload file, and the
    answer the inventory overruled."""

    state: PracticeState
    source: Source
    at: Path = ()
    conflict: Conflict | None = None


def known(
    w: Workload, lens: Lens, horizon: Horizon, evidence: Sequence[ProbeResult] = ()
) -> dict[str, Known]:
    """Every practice state the workload tells, by rank: what the probes showed, then what
    the inventory shows (where it can tell), then the recorded answer, then what the other
    answers imply (who holds the cloud root credentials says how locked they are)."""
    found: dict[str, Known] = {}
    for q in lens.questions:
        for f in q.fields:
            value = answer(w, q.id, f.key, horizon) if f.implies else None
            for pid, choice in f.implies.get(value or "", {}).items():
                state = PracticeState(choice=choice, note=f"answers.{q.id}.{f.key} is {value}")
                found[pid] = Known(state, "implied", ("answers", q.id, *f.key.split(".")))
    for pid, state in w.practices.items():
        found[pid] = Known(state, "answer", ("practices", pid))
    for pid, seen in shown(w, lens).items():
        given = found.get(pid)
        if given is not None and (given.state.choice in seen.choices or given.state.choice is None):
            continue  # the answer says what the inventory shows, or more; an exemption or N/A stands
        if given is not None and (given.state.not_applicable or given.state.exemption is not None):
            continue  # a risk the workload accepts in writing stays accepted
        conflict = None
        if given is not None and given.state.choice is not None:
            conflict = Conflict(
                answer=given.state.choice, answer_path=list(given.at), inventory_path=list(seen.at)
            )
        state = PracticeState(choice=seen.choices[0], evidence=seen.reason)
        found[pid] = Known(state, "inventory", given.at if given else (), conflict)
    for pid, state in proven(evidence, lens, w.practices).items():
        found[pid] = Known(state, "evidence", found[pid].at if pid in found else ())
    return found


def practice_states(
    w: Workload, lens: Lens, horizon: Horizon, evidence: Sequence[ProbeResult] = ()
) -> dict[str, PracticeState]:
    """The state of each practice as `known` ranks them."""
    return {pid: k.state for pid, k in known(w, lens, horizon, evidence).items()}


def proven(
    evidence: Sequence[ProbeResult], lens: Lens, recorded: Mapping[str, PracticeState]
) -> dict[str, PracticeState]:
    """One state per practice the probes spoke about. Where probes disagree the weakest choice
    stands: one failing measurement is enough to know the practice does not hold."""
    verdicts: dict[str, list[tuple[ProbeResult, Verdict, Choice]]] = {}
    for result in evidence:
        for v in result.evidence.verdicts:
            p = lens.practice(v.practice)
            choice = p.choice(v.choice) if p is not None else None
            if choice is not None:
                verdicts.setdefault(v.practice, []).append((result, v, choice))
    states = {}
    for pid, found in verdicts.items():
        weakest = min(found, key=lambda item: item[2].score)[1].choice
        answered = recorded[pid].choice if pid in recorded else None
        states[pid] = PracticeState(
            choice=weakest,
            evidence="; ".join(f"{r.name} ({r.kind}): {v.reason}" for r, v, _ in found),
            note=f"the answer was {answered}" if answered not in (None, weakest) else None,
        )
    return states


def finding(
    p: Practice,
    state: PracticeState | None,
    importance: Mapping[Tenet, int],
    horizon: Horizon,
    today: dt.date,
    decided: Source = "answer",
    conflict: Conflict | None = None,
) -> Finding:
    """`today` is the assessment's date; exemptions are judged on the horizon's own date."""

    def make(risk: Risk, reason: str, source: Source, expired: bool = False) -> Finding:
        return Finding(
            practice=p.id,
            title=p.title,
            horizon=horizon,
            risk=risk,
            reason=reason,
            source=source,
            choice=state.choice if state else None,
            tenets=p.tenets,
            weight=max(importance[t] for t in p.tenets) / 10,
            exemption=state.exemption if state else None,
            exemption_expired=expired,
            evidence=state.evidence if state else None,
            note=state.note if state else None,
            conflict=conflict,
        )

    if state is not None and state.not_applicable:
        return make(Risk.NOT_APPLICABLE, state.reason or "", "not_applicable")
    if not required(p, importance):
        levels = ", ".join(f"{t.value} {importance[t]} < {n}" for t, n in p.required_from.items())
        return make(Risk.NOT_APPLICABLE, f"not required at this importance ({levels})", "not_required")
    if state is None:
        return make(Risk.UNKNOWN, "not answered", "unanswered")
    if (exemption := state.exemption) is not None:
        if state.exempt_on(today + dt.timedelta(days=horizon.days)):
            reason = f"exempt until {exemption.expires} (owner {exemption.owner}): {exemption.reason}"
            return make(Risk.NONE, reason, "exemption")
        return make(Risk.UNKNOWN, f"the exemption expires on {exemption.expires}", "unanswered", expired=True)
    assert state.choice is not None  # the model requires a choice without exemption or N/A
    outcome = judge(p, state.choice, importance)
    return make(Risk(outcome.risk), outcome.reason, decided)


def findings(
    w: Workload,
    lens: Lens,
    importance: Mapping[Tenet, int],
    horizon: Horizon,
    today: dt.date,
    evidence: Sequence[ProbeResult] = (),
) -> list[Finding]:
    states = known(w, lens, horizon, evidence)
    result = []
    for p in lens.practices:
        k = states.get(p.id)
        if k is None:
            result.append(finding(p, None, importance, horizon, today))
        else:
            result.append(finding(p, k.state, importance, horizon, today, k.source, k.conflict))
    return sorted(result, key=lambda f: (-f.risk.rank, -f.weight, f.practice))
