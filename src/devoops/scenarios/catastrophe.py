"""Catastrophes run against the inventory: what each one takes, whether the application stays
up, which data survives, and what one occurrence costs.

Everything about a scenario comes from its definition in the lens: this module knows the
effects, never a scenario by name (`scopes` knows the scopes, `recovery` the copies), so a
scenario added in a user's lens file runs like a shipped one. Each scenario is run once for
every value of its scope (each zone, each account ...) and the worst occurrence is reported,
because that is the one to fear.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from ..base.errors import UsageError
from ..model.answers import Criticality
from ..model.common import Horizon
from ..model.lens import Effect, Lens, ScenarioDef
from ..model.resilience import DatasetLoss, ScenarioOutcome, Verdict
from ..model.targets import DatasetTarget, Targets
from ..model.workload import Workload
from .context import Context
from .recovery import REBUILT, Recovery, recover, span
from .scopes import Hit, occurrences, odds


def run(w: Workload, lens: Lens, targets: Targets, horizon: Horizon) -> list[ScenarioOutcome]:
    """One outcome per scenario that has a scope value in the inventory, in lens order: its
    worst occurrence, with the rate and expected yearly cost of all of them."""
    return [summary(each) for each in every(w, lens, targets, horizon).values()]


def every(w: Workload, lens: Lens, targets: Targets, horizon: Horizon) -> dict[str, list[ScenarioOutcome]]:
    """Every occurrence of every scenario that has a scope value, by scenario id in lens order;
    each outcome's `per_year` and `cost_per_year` are that occurrence's own."""
    if w.inventory is None:
        raise UsageError("the workload has no inventory: the scenarios need one")
    ctx = Context(w, w.inventory, lens, targets, horizon)
    found = {}
    for s in lens.scenarios:
        hits = occurrences(s, ctx)
        if hits:
            found[s.id] = [assess(s, hit, ctx) for hit in hits]
    return found


def repriced(
    found: dict[str, list[ScenarioOutcome]],
    w: Workload,
    lens: Lens,
    targets: Targets,
    horizon: Horizon,
    rates: bool = True,
) -> dict[str, list[ScenarioOutcome]]:
    """The same occurrences at the horizon's money and, with `rates`, at the rates the
    workload's practices give them now: what a change that only prevents (MFA, a registrar
    lock) alters, or a horizon judged by the same targets, at a fraction of running them again."""
    return {
        sid: [
            o.model_copy(update={"cost": cost, "per_year": rate, "cost_per_year": rate * cost})
            for o, (rate, cost) in zip(found[sid], each, strict=True)
        ]
        for sid, each in prices(found, w, lens, targets, horizon, rates).items()
    }


def prices(
    found: dict[str, list[ScenarioOutcome]],
    w: Workload,
    lens: Lens,
    targets: Targets,
    horizon: Horizon,
    rates: bool = True,
) -> dict[str, list[tuple[float, float]]]:
    """`repriced`'s figures alone, (per_year, cost) per occurrence: a plan weighing dozens of
    changes needs their sum, not the outcomes copied. The odds are worked out once per
    component an occurrence is about (they depend on nothing else)."""
    assert w.inventory is not None
    ctx = Context(w, w.inventory, lens, targets, horizon)
    scenarios = {s.id: s for s in lens.scenarios}
    again: dict[str, list[tuple[float, float]]] = {}
    for sid, each in found.items():
        s = scenarios[sid]
        rate_of: dict[str | None, float] = {}
        again[sid] = []
        for o in each:
            if rates and o.component not in rate_of:
                rate_of[o.component] = s.per_year * odds(s, ctx, o.component)
            rate = rate_of[o.component] if rates else o.per_year
            again[sid].append((rate, price(o.share, o.downtime_minutes, ctx)))
    return again


def price(share: float, downtime_minutes: float, ctx: Context) -> float:
    """One occurrence's cost at the horizon: the downtime of the share of tenants it reaches,
    and the incident."""
    if downtime_minutes <= 0:
        return 0.0
    return share * downtime_minutes / 60 * ctx.per_hour + ctx.per_incident


def summary(each: list[ScenarioOutcome]) -> ScenarioOutcome:
    """The worst occurrence (highest verdict, then longest downtime, then cost; the first on a
    tie), with the rates and expected costs of every occurrence added up."""
    worst = max(each, key=lambda o: (o.verdict.rank, o.downtime_minutes, o.cost))
    return worst.model_copy(
        update={
            "per_year": sum(o.per_year for o in each),
            "cost_per_year": sum(o.cost_per_year for o in each),
        }
    )


def assess(s: ScenarioDef, hit: Hit, ctx: Context) -> ScenarioOutcome:
    """One occurrence: the components lost, the data per dataset, the downtime and the verdict."""
    inv, rel = ctx.inv, ctx.lens.reliability
    hit_count = Counter(cid for cid, _ in hit.down)
    alive = dict(ctx.sizes)
    for cid, n in hit_count.items():
        alive[cid] -= n
    # only a component hit can fall below what it needs (none needs more than it has), and
    # with none below it, the rule has nothing to walk: the application and the way in serve
    lost = sorted(cid for cid in hit_count if alive[cid] < inv.components[cid].needs)
    if hit.dataset is not None:
        touched = [hit.dataset] if hit.dataset in ctx.data else []
    else:
        hit_components = {cid for cid, _ in hit.down}
        touched = [d for d in ctx.data if any(h in hit_components for h in ctx.holders(d))]
    # the team repairs by hand what the scenario destroys, and the outages it must fix itself
    repaired = s.effect != Effect.OUTAGE or s.team_repairs
    cut = repaired and bool(inv.team_access) and bool(lost) and not ctx.way_in(alive.__getitem__)
    delay = rel.access_lost_hours * 60 if cut else 0.0
    recoveries = {d: recover(s, hit, d, alive, ctx, delay) for d in touched}
    losses = [loss(ctx.data[d], r) for d, r in recoveries.items()]

    lifeblood = {d for d, t in ctx.data.items() if t.criticality == Criticality.LIFEBLOOD}
    # a corrupted lifeblood dataset stops the application, unless only some tenants lost theirs
    up = (
        not lost or ctx.serves(alive.__getitem__)
        if s.effect != Effect.CORRUPT
        else hit.dataset not in lifeblood or s.share < 1
    )

    gone = [d for d, r in recoveries.items() if r.lost is None and d in lifeblood]
    if gone:
        downtime = rel.unrecoverable_hours * 60
    elif s.effect == Effect.CORRUPT and (hit.dataset in lifeblood or not up):
        downtime = max(r.minutes or 0.0 for r in recoveries.values())
    elif up:
        # still up, but a needed component whose serving instance was hit stops while its spare
        # takes over
        downtime = max(
            (
                ctx.failover_minutes(c)
                for cid in hit_count
                if cid in ctx.needed and (c := inv.components[cid]).needs <= alive[cid] < c.instances
            ),
            default=0.0,
        )
    elif s.effect == Effect.OUTAGE:
        downtime = (s.hours or 0.0) * 60 + delay
    else:
        serving = [
            r.minutes
            for d, r in recoveries.items()
            if r.minutes is not None and set(ctx.holders(d)) & ctx.needed
        ]
        replaced = [replace_minutes(s, cid, recoveries, ctx) + delay for cid in ctx.needed if cid in lost]
        downtime = max([0.0, *serving, *replaced])

    verdict, reason = judge(losses, lifeblood, lost, downtime, ctx.recovery_target, bool(hit.down), s.share)
    if cut and downtime > 0:
        reason += (
            f" The team's way into production is down too: every repair by hand waits {span(delay)} longer."
        )
    cost = price(s.share, downtime, ctx)
    return ScenarioOutcome(
        scenario=s.id,
        title=s.title,
        scope=hit.scope,
        component=hit.component,
        lost=lost,
        app_up=up,
        downtime_minutes=downtime,
        share=s.share,
        recovery_target_minutes=ctx.recovery_target,
        datasets=losses,
        verdict=verdict,
        reason=reason,
        cost=cost,
        per_year=hit.rate,
        cost_per_year=hit.rate * cost,
        practices=list(s.practices),
    )


def replace_minutes(s: ScenarioDef, cid: str, recoveries: dict[str, Recovery], ctx: Context) -> float:
    """How long a lost component the application needs keeps it down: recreated elsewhere when
    the scenario takes its account; else replaced in place, a data holder as fast as its data
    comes back (counted with the data), any other in its kind's restore time."""
    if s.scope in REBUILT:
        return ctx.rebuild_minutes
    c = ctx.inv.components[cid]
    if any(d in recoveries for d in c.datasets):
        return 0.0
    return ctx.lens.reliability.restore_minutes[c.kind]


def loss(t: DatasetTarget, r: Recovery) -> DatasetLoss:
    return DatasetLoss(
        dataset=t.name,
        rpo_minutes=t.rpo_minutes,
        rto_minutes=t.rto_minutes,
        lost_minutes=r.lost,
        recovery_minutes=r.minutes,
        recovery_known=r.known,
        recovered_from=r.source,
        doubt=r.doubt,
        rpo_met=r.lost is not None and r.lost <= t.rpo_minutes,
        rto_met=r.minutes is not None and r.known and r.minutes <= t.rto_minutes,
    )


@dataclass(frozen=True)
class Miss:
    """A target overshot: by how much (actual / target), said alone or beside another miss."""

    ratio: float
    alone: str
    joined: str  # after "and": without the subject when it repeats the data miss's
    subject: str = ""


def overshoot(actual: float, target: float) -> float:
    return actual / target if target > 0 else float("inf")


def judge(
    losses: list[DatasetLoss],
    lifeblood: set[str],
    lost: list[str],
    downtime: float,
    target: float,
    hit: bool,
    share: float = 1.0,
) -> tuple[Verdict, str]:
    """The verdict and what decided it: a gone dataset first, else the largest overshoot of a
    data target and of a time target (both, when both are missed). A restore never timed meets
    no RTO: its estimate is no measurement. A share of the tenants losing their data for good
    is damage, not the end: the company keeps the rest."""
    part = f"{share:.0%} of " if share < 1 else ""
    for d in losses:
        if d.lost_minutes is None and d.dataset in lifeblood and share >= 1:
            if d.doubt:
                return (
                    Verdict.COMPANY_ENDING,
                    f"Lifeblood dataset {d.dataset} may be gone for good: {d.doubt}.",
                )
            return (
                Verdict.COMPANY_ENDING,
                f"Lifeblood dataset {d.dataset} is gone for good: no copy of it survives.",
            )
    for d in losses:
        if d.lost_minutes is None:
            why = d.doubt or "no copy of it survives"
            return (
                Verdict.DAMAGED,
                f"{part.capitalize() or ''}{'dataset' if part else 'Dataset'} {d.dataset} {'may be' if d.doubt else 'is'} gone: {why}.",
            )
    data = [
        Miss(
            overshoot(d.lost_minutes, d.rpo_minutes),
            f"{d.dataset} loses {span(d.lost_minutes)} of data, more than its RPO of {span(d.rpo_minutes)}"
            + (f" ({d.doubt})" if d.doubt else ""),
            f"{d.dataset} loses {span(d.lost_minutes)} of data (RPO {span(d.rpo_minutes)})",
            d.dataset,
        )
        for d in losses
        if not d.rpo_met and d.lost_minutes is not None
    ]
    time = [time_miss(d) for d in losses if not d.rto_met and d.recovery_minutes is not None]
    if downtime > target:
        who = f"{part}the tenants are" if part else "the application is"
        time.append(
            Miss(
                overshoot(downtime, target),
                f"{who.capitalize()} down {span(downtime)}, longer than {'their' if part else 'its'} recovery target of {span(target)}",
                f"{who} down {span(downtime)}, against a recovery target of {span(target)}",
            )
        )
    worst = [max(misses, key=lambda m: m.ratio) for misses in (data, time) if misses]
    if len(worst) == 2:
        first, then = worst
        said = then.joined if then.subject in ("", first.subject) else f"{then.subject} {then.joined}"
        return Verdict.DAMAGED, f"{first.joined} and {said}."
    if worst:
        return Verdict.DAMAGED, f"{worst[0].alone}."
    if downtime > 0:
        who = f"{part.capitalize()}the tenants are" if part else "The application is"
        return (
            Verdict.DEGRADED,
            f"{who} down {span(downtime)}, within {'their' if part else 'its'} recovery target of {span(target)}.",
        )
    for d in losses:
        if d.lost_minutes:
            return (
                Verdict.DEGRADED,
                f"{d.dataset} loses {span(d.lost_minutes)} of data and is back after "
                f"{span(d.recovery_minutes)}, within its RPO and RTO.",
            )
    for d in losses:
        if d.recovery_minutes:
            return (
                Verdict.DEGRADED,
                f"{d.dataset} is back after {span(d.recovery_minutes)} with nothing lost, within its RTO.",
            )
    if lost:
        return Verdict.DEGRADED, f"{', '.join(lost)} lost, but the application stays up and no data is lost."
    if hit:
        return Verdict.SURVIVES, "Redundancy absorbs it: the application stays up and no data is lost."
    return Verdict.SURVIVES, "It reaches nothing the application or its data rely on."


def time_miss(d: DatasetLoss) -> Miss:
    """A dataset back later than its RTO, or back in a time never measured: an estimate within
    the RTO counts as a miss at the target itself, so a real overshoot outranks it."""
    assert d.recovery_minutes is not None
    took, rto = span(d.recovery_minutes), span(d.rto_minutes)
    if d.recovery_known:
        return Miss(
            overshoot(d.recovery_minutes, d.rto_minutes),
            f"{d.dataset} is back after {took}, later than its RTO of {rto}",
            f"is back after {took}, against its RTO of {rto}",
            d.dataset,
        )
    if d.recovery_minutes > d.rto_minutes:
        return Miss(
            overshoot(d.recovery_minutes, d.rto_minutes),
            f"{d.dataset} is back after an estimated {took} (a restore never timed), later than its RTO of {rto}",
            f"is back after an estimated {took} (a restore never timed), against its RTO of {rto}",
            d.dataset,
        )
    return Miss(
        1.0,
        f"{d.dataset} comes back from a restore never timed (estimated {took}), so its RTO of {rto} "
        "cannot be called met",
        f"comes back from a restore never timed (estimated {took}), so its RTO of {rto} cannot be called met",
        d.dataset,
    )
