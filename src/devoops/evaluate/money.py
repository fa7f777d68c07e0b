"""Severity follows the money: with an inventory, a practice's finding also comes from what its
absence costs in the catastrophes and the what-if economics; the lens's rules are the floor.

A practice is tied to a catastrophe when the lens names it among the scenario's defences and
a change of the what-if catalogue that puts it in place leaves an occurrence of the scenario
physically better off (less data gone or lost, less downtime, a restore time measured): its
absence is then part of what that occurrence did, and the occurrence's verdict sets the floor
(damaged: MEDIUM, company-ending: HIGH). Where the change saves many times its yearly cost, by recovery or by
prevention (a rarer catastrophe), the ratio sets it (lens `money:`). A practice at its best
choice is not absent, and a risk the workload accepts in writing (not applicable with a
reason, an exemption) stays accepted: the money is said beside it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from ..base.fmt import minutes, money, number
from ..model.common import Risk
from ..model.findings import Finding, Raised, Source
from ..model.lens import Lens
from ..model.resilience import Change, Move, Resilience, ScenarioOutcome, Verdict
from ..model.workload import Workload
from .findings import Known

RISK_OF = {Verdict.DAMAGED: Risk.MEDIUM, Verdict.COMPANY_ENDING: Risk.HIGH}
ACCEPTED = ("not_applicable", "exemption", "unanswered", "scenario")


@dataclass(frozen=True)
class Cost:
    """The strongest reason the money gives to raise one practice: the risk, the sentence, and
    the money at stake (to choose between two reasons of the same risk)."""

    risk: Risk
    reason: str
    stake: float


def costs(r: Resilience, lens: Lens, currency: str, usd_rate: float) -> dict[str, Cost]:
    """Per practice priced by a change, the strongest reason the money gives to raise it."""
    floor = lens.money.least_cost_usd_per_year * usd_rate
    outcomes = {o.scenario: o for o in r.scenarios}
    defences = {s.id: set(s.practices) for s in lens.scenarios}
    modelled = {s.id for s in lens.scenarios if s.in_availability_model}
    found: dict[str, Cost] = {}

    def offer(pid: str, candidate: Cost) -> None:
        held = found.get(pid)
        if held is None or (candidate.risk.rank, candidate.stake) > (held.risk.rank, held.stake):
            found[pid] = candidate

    for c in r.changes:
        for m in c.moves:
            if m.improved in RISK_OF and m.scenario in outcomes:
                cost = Cost(
                    RISK_OF[m.improved], broken(c, m, outcomes[m.scenario], currency), m.cost_per_year_before
                )
                for pid in c.practices:
                    if pid in defences.get(m.scenario, ()):
                        offer(pid, cost)
        gains = gained(c, modelled)
        ratio = sum(gains.values()) / max(c.cost_per_year, floor)
        if ratio >= lens.money.medium_saved_per_spent:
            risk = Risk.HIGH if ratio >= lens.money.high_saved_per_spent else Risk.MEDIUM
            for pid in c.practices:
                offer(
                    pid, Cost(risk, paying(c, gains, ratio, floor, outcomes, currency), sum(gains.values()))
                )
    return found


MODEL = ""  # the availability model's downtime, among the gains by scenario


def gained(c: Change, modelled: set[str]) -> dict[str, float]:
    """What the change saves a year on each scenario it makes cheaper, and on the availability
    model's downtime (`MODEL`), counting only what it improves: what a practice's absence costs
    is what putting it in place saves, whatever else the what-if's way of doing it changes."""
    gains = {
        m.scenario: m.cost_per_year_before - m.cost_per_year_after
        for m in c.moves
        if m.scenario not in modelled
    }
    gains[MODEL] = (c.downtime_cost_before - c.downtime_cost_after) - sum(gains.values())
    return {sid: g for sid, g in gains.items() if g > 0}


def effect(o: ScenarioOutcome) -> str:
    """What the scenario does, in a few words: data gone, else the downtime, else data lost."""
    share = f" for {o.share:.0%} of tenants" if o.share < 1 else ""
    gone = [d.dataset for d in o.datasets if d.lost_minutes is None]
    if gone:
        return f"{', '.join(gone)} {'may be ' if any(d.doubt for d in o.datasets) else ''}gone{share}"
    if o.downtime_minutes > 0:
        return f"down {minutes(o.downtime_minutes)}{share}"
    lost = [d for d in o.datasets if d.lost_minutes]
    if lost:
        return f"{lost[0].dataset} loses {minutes(lost[0].lost_minutes or 0.0)}"
    return "a target missed"


def broken(c: Change, m: Move, o: ScenarioOutcome, currency: str) -> str:
    """ "DNS provider outage: damaged, down 6 h, 41k EUR a year expected; second-dns-provider
    (…) costs 600 EUR a year and saves 40k EUR." """
    return (
        f"{o.title}: {(m.improved or o.verdict).value}, {effect(o)}, {money(m.cost_per_year_before, currency)} "
        f"a year expected; {c.change} ({c.title}) costs {money(c.cost_per_year, currency)} a year "
        f"and saves {money(max(c.saved_per_year, 0.0), currency)}."
    )


def paying(
    c: Change,
    gains: Mapping[str, float],
    ratio: float,
    floor: float,
    outcomes: Mapping[str, ScenarioOutcome],
    currency: str,
) -> str:
    """ "mfa-and-locked-root (…) saves 12k EUR a year for 331 EUR, 36 times its cost, most of
    it on Cloud account takeover with ransom (12k to 350 EUR a year; 0.028 to 0.0006 times a
    year)." A change cheaper than an engineer's day a year is held to that day."""
    spent = money(c.cost_per_year, currency) if c.cost_per_year > 0 else "nothing"
    held = "its cost" if c.cost_per_year >= floor else f"an engineer's day a year ({money(floor, currency)})"
    said = (
        f"{c.change} ({c.title}) saves {money(sum(gains.values()), currency)} a year for {spent}, "
        f"{number(ratio)} times {held}"
    )
    top = max(gains, key=lambda sid: gains[sid])
    if top == MODEL or top not in outcomes:
        return f"{said}, most of it on the downtime of everyday failures."
    m = next(m for m in c.moves if m.scenario == top)
    how = f"{money(m.cost_per_year_before, currency)} to {money(m.cost_per_year_after, currency)} a year"
    if m.per_year_after < m.per_year_before:
        how += f"; {m.per_year_before:.2g} to {m.per_year_after:.2g} times a year"
    return f"{said}, most of it on {outcomes[top].title} ({how})."


def priced(
    found: list[Finding], r: Resilience | None, w: Workload, lens: Lens, states: Mapping[str, Known]
) -> list[Finding]:
    """The practices' findings raised to what their absence costs; without an inventory, as
    the rules judged them."""
    if r is None:
        return found
    costs_of = costs(r, lens, w.app.currency, w.usd_rate)
    out = []
    for f in found:
        practice = lens.practice(f.practice)
        best = practice is not None and f.choice == practice.best.id
        decided = states[f.practice].source if f.practice in states else "answer"
        out.append(raised(f, costs_of.get(f.practice), best, decided))
    return out


def raised(f: Finding, cost: Cost | None, best: bool, decided: Source) -> Finding:
    """The finding at the risk the money gives, when that is higher and the practice is not at
    its best choice; an accepted or unanswered one keeps its risk and says the money beside
    it. A practice the importance alone does not require is judged again on what decided its
    state (`decided`), or is unanswered."""
    if cost is None or best:
        return f
    note = f"what its absence costs: {cost.risk.value}, {cost.reason}"
    noted = f"{f.note}; {note}" if f.note else note
    if f.source == "not_required" and f.choice is None:
        return f.model_copy(
            update={"risk": Risk.UNKNOWN, "reason": "not answered", "source": "unanswered", "note": noted}
        )
    if f.source in ACCEPTED or f.risk == Risk.UNKNOWN:
        return f.model_copy(update={"note": noted})
    if cost.risk.rank <= f.risk.rank:
        return f
    source = decided if f.source == "not_required" else f.source
    return f.model_copy(
        update={
            "risk": cost.risk,
            "reason": cost.reason,
            "source": source,
            "raised": Raised(risk=f.risk, reason=f.reason),
        }
    )
