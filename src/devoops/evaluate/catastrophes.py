"""The catastrophes as findings: a scenario whose worst occurrence breaks a target or ends the
company is a risk like an unmet practice, so it is listed, counted and gated like one."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence

from ..model.common import Horizon, Risk, Tenet
from ..model.evidence import ProbeResult, Status
from ..model.findings import Finding
from ..model.lens import SCENARIO_PREFIX as PREFIX
from ..model.lens import Effect, Lens, ScenarioDef, Scope
from ..model.practices import PracticeState
from ..model.resilience import Resilience, ScenarioOutcome, Verdict
from ..model.targets import Targets
from ..model.workload import Workload

YEARS = 20_000
"""Simulated years of the Monte Carlo in an assessment, unless asked otherwise."""
RISKS = {Verdict.DAMAGED: Risk.MEDIUM, Verdict.COMPANY_ENDING: Risk.HIGH}
SECURITY_SCOPES = (Scope.ACCOUNT, Scope.CREDENTIALS, Scope.PRODUCTION)


def resilience(
    w: Workload, lens: Lens, targets: Mapping[Horizon, Targets], years: int = YEARS
) -> dict[Horizon, Resilience]:
    """Every horizon's resilience in one pass (the Monte Carlo runs once, `years` long; 0 leaves
    it out) of the workload as `seen` makes it; none without an inventory. The scenarios
    package loads only here, so commands that never assess stay fast."""
    if w.inventory is None:
        return {}
    from ..scenarios.resilience import assess

    return assess(w, lens, dict(targets), years)


RESTORE_DRILL = "restore_drill"
RESTORE_TIME = "restore time"


def seen(
    w: Workload, states: Mapping[str, PracticeState], evidence: Sequence[ProbeResult], targets: Targets
) -> Workload:
    """The workload as the scenarios must see it: every practice at the state the assessment
    resolved (evidence, then the inventory, then the answers); each backup of a dataset a
    restore drill restored marked restored with the drill's time (or not restored, when the
    drill failed); and each backup into a target a probe saw write-once, or saw not to be,
    marked so, whatever the inventory claims (of two probes, the one that saw it unlocked
    stands). A drill's dataset is its `dataset` option, else the one with the strictest RTO, as
    the drill itself chooses."""
    w = w.model_copy(update={"practices": dict(states)})
    if w.inventory is None:
        return w
    drilled, locked = _drilled(w, evidence, targets), _write_once(evidence)
    if not drilled and not locked:
        return w
    components = {}
    for cid, c in w.inventory.components.items():
        backups = [
            b.model_copy(update={"immutable": locked[b.to]}) if b.to in locked else b for b in c.backups
        ]
        proofs = [drilled[d] for d in c.datasets if d in drilled]
        if proofs:
            ok, took = min(proofs, key=lambda p: (p[0], -(p[1] or 0.0)))
            backups = [
                b
                if b.mirror
                else b.model_copy(update={"restored": ok, "restore_minutes": took or b.restore_minutes})
                for b in backups
            ]
        components[cid] = c.model_copy(update={"backups": backups}) if backups != c.backups else c
    return w.model_copy(update={"inventory": w.inventory.model_copy(update={"components": components})})


def _drilled(
    w: Workload, evidence: Sequence[ProbeResult], targets: Targets
) -> dict[str, tuple[bool, float | None]]:
    """Each dataset a restore drill judged: restored or not, and in how many minutes."""
    drilled: dict[str, tuple[bool, float | None]] = {}
    for r in evidence:
        if r.kind != RESTORE_DRILL or r.status not in (Status.PASS, Status.FAIL) or r.name not in w.probes:
            continue
        strictest = min(targets.data, key=lambda d: d.rto_minutes).name if targets.data else None
        dataset = w.probes[r.name].options.get("dataset") or strictest
        took = next((m.value for m in r.evidence.measurements if m.name == RESTORE_TIME), None)
        restored = any(
            v.choice != "never" for v in r.evidence.verdicts if v.practice == "backups.restore-drilled"
        )
        if dataset is not None:
            drilled[dataset] = (restored, took / 60 if restored and took is not None else None)
    return drilled


def _write_once(evidence: Sequence[ProbeResult]) -> dict[str, bool]:
    """Each backup target a probe saw write-once (True) or not (False); unlocked stands."""
    seen: dict[str, bool] = {}
    for r in evidence:
        if r.status == Status.ERROR:
            continue
        for proof in r.evidence.proofs:
            if proof.fact == "write-once":
                seen[proof.component] = seen.get(proof.component, True) and proof.holds
    return seen


def tenets(outcome: ScenarioOutcome, scenario: ScenarioDef | None) -> list[Tenet]:
    """What the catastrophe threatens: data when copies are lost, availability when the
    application stops, security when it comes through an account or its credentials."""
    effect = scenario.effect if scenario else None
    lost = any(d.lost_minutes is None or d.lost_minutes > 0 for d in outcome.datasets)
    found = set()
    if lost or effect in (Effect.DESTROY, Effect.CORRUPT):
        found.add(Tenet.DATA_INTEGRITY)
    if not outcome.app_up or outcome.downtime_minutes > 0 or effect == Effect.OUTAGE:
        found.add(Tenet.HIGH_AVAILABILITY)
    if scenario is not None and scenario.scope in SECURITY_SCOPES:
        found.add(Tenet.SECURITY)
    return [t for t in Tenet if t in found] or [Tenet.HIGH_AVAILABILITY]


def finding(
    outcome: ScenarioOutcome, scenario: ScenarioDef | None, importance: Mapping[Tenet, int], horizon: Horizon
) -> Finding:
    threatened = tenets(outcome, scenario)
    defended = outcome.practices or (scenario.practices if scenario else [])
    return Finding(
        practice=PREFIX + outcome.scenario,
        title=outcome.title,
        horizon=horizon,
        risk=RISKS[outcome.verdict],
        reason=f"{outcome.reason} ({outcome.scope})",
        source="scenario",
        tenets=threatened,
        # weighted like a practice's finding: the most important tenet it threatens
        weight=max(importance[t] for t in threatened) / 10,
        note=f"defended by {', '.join(defended)}" if defended else None,
    )


def findings(
    r: Resilience | None, lens: Lens, importance: Mapping[Tenet, int], horizon: Horizon
) -> list[Finding]:
    """One finding per scenario that leaves the application damaged or the company ended."""
    if r is None:
        return []
    scenarios = {s.id: s for s in lens.scenarios}
    return [
        finding(o, scenarios.get(o.scenario), importance, horizon) for o in r.scenarios if o.verdict in RISKS
    ]


def ordered(found: Iterable[Finding]) -> list[Finding]:
    """Worst first, then the most important, then by id: the order of the practices' findings."""
    return sorted(found, key=lambda f: (-f.risk.rank, -f.weight, f.practice))
