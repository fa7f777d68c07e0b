"""Tenet importance 0-10 per horizon, each with the answers that moved it.

The formulas are documented in docs/derivations.md; keep the two in step.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from ..base.fmt import money, number
from ..model.answers import Criticality, Level, Likelihood, Regulated, Survival
from ..model.app import Stage
from ..model.common import Horizon, Tenet
from ..model.lens import Lens
from ..model.targets import Importance, Reason
from ..model.workload import Workload
from .capacity import baseline_rps, peak_rps
from .economics import economics_defaults, tier_options
from .latency import latency_target

R = "answers.reliability"
T = "answers.traffic"
E = "answers.engineering"


def clamp(value: float) -> int:
    """Round half up into 0..10."""
    return max(0, min(10, math.floor(value + 0.5)))


def high_availability(w: Workload, lens: Lens, h: Horizon) -> list[Reason]:
    cost = w.answers.reliability.downtime_cost_per_hour.at(h)
    single = tier_options(w, lens, h)[0]
    yearly_spend = economics_defaults(w, lens)[0] * 12
    reasons = []
    if single.downtime_cost_per_year <= 0:
        reasons.append(Reason(source=f"{R}.downtime_cost_per_hour", text="downtime costs nothing", delta=0))
    else:
        ratio = single.downtime_cost_per_year / yearly_spend
        incidents = w.answers.reliability.incident_cost.at(h)
        priced = f"{money(cost, w.app.currency)}/h" + (
            f" and {money(incidents, w.app.currency)} an incident" if incidents else ""
        )
        reasons.append(
            Reason(
                source=f"{R}.downtime_cost_per_hour",
                text=(
                    f"at {priced}, a {single.title.lower()} setup's "
                    f"{number(single.downtime_hours_per_year)} h and {single.incidents_per_year:g} incidents "
                    f"a year would cost {money(single.downtime_cost_per_year, w.app.currency)}, "
                    f"{ratio:.2g}x the yearly infrastructure spend"
                ),
                # at a hundredth of the spend or less the points would be 0 or below
                delta=round(5 + 2.5 * math.log10(ratio), 2) if ratio > 0.01 else 0.0,
            )
        )
    preference = w.answers.engineering.speed_vs_reliability.at(h)
    if preference != 5:
        reasons.append(
            Reason(
                source=f"{E}.speed_vs_reliability",
                text=f"speed vs reliability preference {preference}/10",
                delta=round((preference - 5) * 0.4, 2),
            )
        )
    return reasons


def scalability(w: Workload, lens: Lens, h: Horizon) -> list[Reason]:
    traffic = w.answers.traffic
    base, peak = baseline_rps(w, h), peak_rps(w, h)
    reasons = [
        Reason(
            source=f"{T}.peak",
            text=f"peak {number(peak)} req/s is {peak / base:.3g}x the baseline {number(base)} req/s",
            delta=round(2 * math.log2(peak / base), 2),
        )
    ]
    likelihood = traffic.peak.likelihood.at(h) if traffic.peak is not None else Likelihood.LIKELY
    if likelihood != Likelihood.LIKELY:
        delta = {Likelihood.RARE: -1.0, Likelihood.CERTAIN: 1.0}[likelihood]
        reasons.append(
            Reason(
                source=f"{T}.peak.likelihood",
                text=f"the spike is {likelihood.value}",
                delta=delta,
            )
        )
    # The plan must absorb the year's growth at every horizon, not only before it happens.
    growth = baseline_rps(w, Horizon.TWELVE_MONTHS) / baseline_rps(w, Horizon.NOW)
    if growth > 1:
        reasons.append(
            Reason(
                source=f"{T}.baseline_rps",
                text=f"baseline grows {growth:.3g}x within the 12 months",
                delta=round(min(2.0, math.log2(growth)), 2),
            )
        )
    if traffic.peak is not None and traffic.peak.downtime_cost_per_hour is not None:
        during = traffic.peak.downtime_cost_per_hour.at(h)
        usual = w.answers.reliability.downtime_cost_per_hour.at(h)
        if during > 2 * usual:
            reasons.append(
                Reason(
                    source=f"{T}.peak.downtime_cost_per_hour",
                    text=f"being down during the spike costs {money(during, w.app.currency)}/h, over twice the usual",
                    delta=1.0,
                )
            )
    minutes = traffic.scale_up_minutes.at(h)
    delta = 1.5 if minutes < 5 else 1.0 if minutes < 15 else -1.0 if minutes >= 120 else 0.0
    if delta:
        reasons.append(
            Reason(
                source=f"{T}.scale_up_minutes", text=f"capacity must grow within {minutes:g} min", delta=delta
            )
        )
    return reasons


def performance(w: Workload, lens: Lens, h: Horizon) -> list[Reason]:
    target = latency_target(w, h)
    reasons = [
        Reason(
            source="answers.performance",
            text=f"average latency target {target.avg_ms:g} ms",
            delta=round(5 + 3 * math.log10(300 / target.avg_ms), 2),
        )
    ]
    if target.p99_ms <= 200:
        reasons.append(
            Reason(source="answers.performance", text=f"p99 target {target.p99_ms:g} ms is tight", delta=1.0)
        )
    return reasons


CRITICALITY_BASE = {Criticality.LIFEBLOOD: 7.0, Criticality.IMPORTANT: 5.0, Criticality.EXPENDABLE: 2.0}
REGULATED_BONUS = {Regulated.FINANCIAL: 2.0, Regulated.HEALTH: 2.0, Regulated.PII: 1.0, Regulated.NONE: 0.0}


def data_integrity(w: Workload, lens: Lens, h: Horizon) -> list[Reason]:
    datasets = w.answers.data.datasets
    source = "answers.data.datasets"
    if not datasets:
        return [Reason(source=source, text="no datasets named; some data is assumed to matter", delta=3.0)]
    top = max(datasets, key=lambda d: CRITICALITY_BASE[d.criticality])
    reasons = [
        Reason(
            source=source,
            text=f"dataset {top.name} is {top.criticality.value}",
            delta=CRITICALITY_BASE[top.criticality],
        )
    ]
    regulated = max(datasets, key=lambda d: REGULATED_BONUS[d.regulated])
    if regulated.regulated != Regulated.NONE:
        reasons.append(
            Reason(
                source=source,
                text=f"dataset {regulated.name} holds {regulated.regulated.value} data",
                delta=REGULATED_BONUS[regulated.regulated],
            )
        )
    if any(d.rpo_minutes is not None and d.rpo_minutes <= 1 for d in datasets):
        reasons.append(Reason(source=source, text="a dataset may lose at most a minute of data", delta=1.0))
    return reasons


SURVIVAL_BASE = {Survival.NO: 7.0, Survival.DAMAGED: 5.0, Survival.YES: 2.0}
SURVIVAL_TEXT = {
    Survival.NO: "would not survive a breach",
    Survival.DAMAGED: "would be damaged by a breach",
    Survival.YES: "would survive a breach",
}


def security(w: Workload, lens: Lens, h: Horizon) -> list[Reason]:
    s = w.answers.security
    survival, sensitive, insider = s.breach_survival.at(h), s.sensitive_data.at(h), s.insider_risk.at(h)
    source = "answers.security"
    reasons = [
        Reason(
            source=f"{source}.breach_survival",
            text=f"the business {SURVIVAL_TEXT[survival]}",
            delta=SURVIVAL_BASE[survival],
        )
    ]
    if sensitive:
        reasons.append(
            Reason(
                source=f"{source}.sensitive_data",
                text=f"holds {', '.join(k.value for k in sensitive)}",
                delta=min(2.0, 0.75 * len(sensitive)),
            )
        )
    if insider != Level.LOW:
        reasons.append(
            Reason(
                source=f"{source}.insider_risk",
                text=f"insider risk is {insider.value}",
                delta=0.5 if insider == Level.MEDIUM else 1.0,
            )
        )
    if w.app.stage in (Stage.GROWTH, Stage.SCALE):
        reasons.append(
            Reason(
                source="app.stage",
                text=f"a {w.app.stage.value}-stage company is a bigger target",
                delta=0.5 if w.app.stage == Stage.GROWTH else 1.0,
            )
        )
    return reasons


def productivity(w: Workload, lens: Lens, h: Horizon) -> list[Reason]:
    e = w.answers.engineering
    releases, team, preference = e.releases_per_week.at(h), e.team_size.at(h), e.speed_vs_reliability.at(h)
    reasons = [
        Reason(
            source=f"{E}.releases_per_week",
            text=f"{releases:g} releases per week wanted",
            delta=round(0.5 + 1.25 * math.log2(1 + releases), 2),
        ),
        Reason(source=f"{E}.team_size", text=f"a team of {team}", delta=round(0.5 * math.log2(team), 2)),
    ]
    if preference != 5:
        reasons.append(
            Reason(
                source=f"{E}.speed_vs_reliability",
                text=f"speed vs reliability preference {preference}/10",
                delta=round((5 - preference) * 0.4, 2),
            )
        )
    return reasons


RULES: dict[Tenet, Callable[[Workload, Lens, Horizon], list[Reason]]] = {
    Tenet.HIGH_AVAILABILITY: high_availability,
    Tenet.SCALABILITY: scalability,
    Tenet.PERFORMANCE: performance,
    Tenet.DATA_INTEGRITY: data_integrity,
    Tenet.SECURITY: security,
    Tenet.PRODUCTIVITY: productivity,
}


def importance(w: Workload, lens: Lens, h: Horizon) -> list[Importance]:
    result = []
    for tenet, rule in RULES.items():
        reasons = rule(w, lens, h)
        derived = clamp(sum(r.delta for r in reasons))
        override = w.tenets[tenet].at(h) if tenet in w.tenets else None
        result.append(
            Importance(
                tenet=tenet,
                value=derived if override is None else override,
                derived=derived,
                override=override,
                rationale=reasons,
            )
        )
    return result
