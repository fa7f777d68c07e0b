"""Catastrophes run against the inventory: what each one takes, whether the application stays
up, which data survives, and what one occurrence costs.

Everything about a scenario comes from its definition in the lens: this module knows the
scopes and the effects, never a scenario by name, so a scenario added in a user's lens file
runs like a shipped one. Each scenario is run once for every value of its scope (each zone,
each account ...) and the worst occurrence is reported, because that is the one to fear.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

from ..errors import UsageError
from ..model.common import Horizon
from ..model.inventory import Backup, Component, Inventory, Kind, Replication
from ..model.lens import Effect, Lens, ScenarioDef, Scope
from ..model.resilience import DatasetLoss, ScenarioOutcome, Verdict
from ..model.targets import DatasetTarget, Targets
from ..model.workload import Criticality, Workload
from .topology import Instance, app_up, instances, required

AS_CODE = "infra.as-code"

Account = tuple[str, str]  # (provider, account)

# Scopes that take the place itself away: the account is gone (or cannot be trusted), so what
# was in it is recreated elsewhere and pays the rebuild time. Everywhere else a destroyed
# component is replaced where it stood.
REBUILT = frozenset({Scope.ACCOUNT, Scope.CREDENTIALS, Scope.PRODUCTION})


@dataclass(frozen=True)
class Hit:
    """One occurrence: the scope value it names and the instances (or the dataset) it hits."""

    scope: str
    down: frozenset[Instance]
    dataset: str | None = None


@dataclass(frozen=True)
class Recovery:
    lost: float | None
    minutes: float | None
    source: str | None


GONE = Recovery(None, None, None)


@dataclass(frozen=True)
class Context:
    """What every occurrence of every scenario reads: the inventory, the lens's figures, the
    dataset targets and the money."""

    w: Workload
    inv: Inventory
    lens: Lens
    targets: Targets
    horizon: Horizon

    @cached_property
    def data(self) -> dict[str, DatasetTarget]:
        return {d.name: d for d in self.targets.data}

    @cached_property
    def needed(self) -> set[str]:
        return required(self.inv)

    @cached_property
    def rebuild_minutes(self) -> float:
        """Recreating lost infrastructure: the inventory's figure, else fast only with
        infrastructure as code at its best choice."""
        if self.inv.rebuild_hours is not None:
            return self.inv.rebuild_hours * 60
        practice, state = self.lens.practice(AS_CODE), self.w.practices.get(AS_CODE)
        as_code = practice is not None and state is not None and state.choice == practice.best.id
        return self.lens.reliability.rebuild_hours["as_code" if as_code else "by_hand"] * 60

    @cached_property
    def recovery_target(self) -> float:
        """The application is back when its lifeblood data is: the tightest lifeblood RTO,
        else the month's error budget."""
        rtos = [d.rto_minutes for d in self.targets.data if d.criticality == Criticality.LIFEBLOOD]
        return min(rtos) if rtos else self.targets.availability.error_budget_minutes_per_month

    def account(self, cid: str) -> Account | None:
        p = self.inv.placed(cid)
        return (p.provider, p.account) if p.account is not None else None

    def holders(self, dataset: str) -> list[str]:
        return [cid for cid, c in self.inv.components.items() if dataset in c.datasets]

    def failover_minutes(self, c: Component) -> float:
        if c.failover is None:
            return 0.0
        if c.failover.minutes is not None:
            return c.failover.minutes
        return self.lens.reliability.failover_minutes[c.failover.mode.value]

    def restore_minutes(self, holder: Component, b: Backup) -> float:
        if b.restore_minutes is not None:
            return b.restore_minutes
        return self.lens.reliability.restore_minutes[holder.kind]


def run(w: Workload, lens: Lens, targets: Targets, horizon: Horizon) -> list[ScenarioOutcome]:
    """One outcome per scenario that has a scope value in the inventory, in lens order."""
    if w.inventory is None:
        raise UsageError("the workload has no inventory: the scenarios need one")
    ctx = Context(w, w.inventory, lens, targets, horizon)
    outcomes = []
    for s in lens.scenarios:
        hits = occurrences(s, ctx)
        if not hits:
            continue
        each = [assess(s, hit, ctx) for hit in hits]
        worst = max(each, key=lambda o: (o.verdict.rank, o.downtime_minutes, o.cost))
        yearly = {"per_year": s.per_year * len(hits), "cost_per_year": s.per_year * sum(o.cost for o in each)}
        outcomes.append(worst.model_copy(update=yearly))
    return outcomes


def occurrences(s: ScenarioDef, ctx: Context) -> list[Hit]:
    """Every value of the scenario's scope in the inventory, each with what it hits."""
    inv = ctx.inv
    # a registrar being down does not stop resolution (the delegation stays): only a scenario
    # naming the kind (a lapse, a hijack) reaches it
    comps = {
        cid: c for cid, c in inv.components.items() if c.kind != Kind.REGISTRAR or Kind.REGISTRAR in s.kinds
    }
    every = [x for x in instances(inv) if x[0] in comps]
    placed = {cid: inv.placed(cid) for cid in comps}

    def whole(cids: Iterable[str]) -> frozenset[Instance]:
        chosen = set(cids)
        return frozenset(x for x in every if x[0] in chosen)

    if s.scope == Scope.ZONE:
        zone = {
            (cid, i): (placed[cid].provider, placed[cid].region, z)
            for cid, i in every
            if (z := inv.components[cid].zone_of(i)) is not None
        }
        return [
            Hit(f"zone {p}/{r}/{z}", frozenset(x for x, key in zone.items() if key == (p, r, z)))
            for p, r, z in sorted(set(zone.values()), key=str)
        ]
    if s.scope == Scope.REGION:
        regions = sorted({(p.provider, p.region) for p in placed.values() if p.region is not None})
        return [
            Hit(f"region {p}/{r}", whole(c for c, pl in placed.items() if (pl.provider, pl.region) == (p, r)))
            for p, r in regions
        ]
    if s.scope == Scope.PROVIDER:
        providers = sorted({p.provider for p in placed.values()})
        return [
            Hit(f"provider {p}", whole(c for c, pl in placed.items() if pl.provider == p)) for p in providers
        ]
    if s.scope == Scope.ACCOUNT:
        accounts = sorted({a for cid in comps if (a := ctx.account(cid)) is not None})
        return [
            Hit(f"account {p}/{a}", whole(c for c in comps if ctx.account(c) == (p, a))) for p, a in accounts
        ]
    kinds = [cid for cid, c in comps.items() if c.kind in s.kinds]
    if s.scope == Scope.KIND and s.per == "component":
        return [Hit(f"component {cid}", whole([cid])) for cid in kinds]
    if s.scope == Scope.KIND:
        providers = sorted({placed[cid].provider for cid in kinds})
        return [Hit(f"provider {p}", whole(c for c in kinds if placed[c].provider == p)) for p in providers]
    if s.scope == Scope.DATASET:
        held = {d for c in inv.components.values() for d in c.datasets}
        return [
            Hit(f"dataset {d.name}", frozenset(), d.name)
            for d in ctx.w.answers.data.datasets
            if d.name in held
        ]
    if s.scope == Scope.CREDENTIALS:
        everywhere = {p.account for p in placed.values() if p.account is not None}
        hits = []
        for cid in kinds:
            access = comps[cid].access
            reach = set(access) if access is not None else everywhere
            hits.append(
                Hit(f"credentials of {cid}", whole(c for c, pl in placed.items() if pl.account in reach))
            )
        return hits
    # production: every account the application's components live in
    production = {a for cid in ctx.needed & comps.keys() if (a := ctx.account(cid)) is not None}
    if not production:
        return []
    names = ", ".join(f"{p}/{a}" for p, a in sorted(production))
    return [Hit(f"accounts {names}", whole(c for c in comps if ctx.account(c) in production))]


def assess(s: ScenarioDef, hit: Hit, ctx: Context) -> ScenarioOutcome:
    """One occurrence: the components lost, the data per dataset, the downtime and the verdict."""
    inv, rel = ctx.inv, ctx.lens.reliability
    alive = {
        cid: sum((cid, i) not in hit.down for i in range(c.instances)) for cid, c in inv.components.items()
    }
    lost = sorted(cid for cid, c in inv.components.items() if alive[cid] < c.needs)
    if hit.dataset is not None:
        touched = [hit.dataset] if hit.dataset in ctx.data else []
    else:
        hit_components = {cid for cid, _ in hit.down}
        touched = [d for d in ctx.data if any(h in hit_components for h in ctx.holders(d))]
    recoveries = {d: recover(s, hit, d, alive, ctx) for d in touched}
    losses = [loss(ctx.data[d], r) for d, r in recoveries.items()]

    lifeblood = {d for d, t in ctx.data.items() if t.criticality == Criticality.LIFEBLOOD}
    if s.effect == Effect.CORRUPT:
        up = hit.dataset not in lifeblood
    else:
        up = app_up(inv, lambda cid, i: (cid, i) in hit.down)

    if any(r.lost is None and d in lifeblood for d, r in recoveries.items()):
        downtime = rel.unrecoverable_hours * 60
    elif up:
        # still up, but a needed component whose serving instance was hit stops while its spare
        # takes over
        downtime = max(
            (
                ctx.failover_minutes(c)
                for cid in ctx.needed
                if (c := inv.components[cid]).needs <= alive[cid] < c.instances
            ),
            default=0.0,
        )
    elif s.effect == Effect.CORRUPT:
        downtime = max(r.minutes or 0.0 for r in recoveries.values())
    elif s.effect == Effect.OUTAGE:
        downtime = (s.hours or 0.0) * 60
    else:
        serving = [
            r.minutes
            for d, r in recoveries.items()
            if r.minutes is not None and set(ctx.holders(d)) & ctx.needed
        ]
        replaced = [replace_minutes(s, cid, recoveries, ctx) for cid in ctx.needed if cid in lost]
        downtime = max([0.0, *serving, *replaced])

    verdict, reason = judge(losses, lifeblood, lost, downtime, ctx.recovery_target, bool(hit.down))
    money = ctx.w.answers.reliability
    per_hour, per_incident = money.downtime_cost_per_hour.at(ctx.horizon), money.incident_cost.at(ctx.horizon)
    cost = downtime / 60 * per_hour + per_incident if downtime > 0 else 0.0
    return ScenarioOutcome(
        scenario=s.id,
        title=s.title,
        scope=hit.scope,
        lost=lost,
        app_up=up,
        downtime_minutes=downtime,
        recovery_target_minutes=ctx.recovery_target,
        datasets=losses,
        verdict=verdict,
        reason=reason,
        cost=cost,
        per_year=s.per_year,
        cost_per_year=s.per_year * cost,
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


def recover(s: ScenarioDef, hit: Hit, dataset: str, alive: dict[str, int], ctx: Context) -> Recovery:
    """Where one dataset comes back from, how much of it is lost and how long that takes."""
    inv, rel = ctx.inv, ctx.lens.reliability
    holders = ctx.holders(dataset)
    manual = rel.failover_minutes["manual"]
    if s.effect == Effect.CORRUPT:
        # a delayed copy is stopped before it applies the drop, if the drop is noticed in time
        late = [
            Recovery(0.0, manual, f"delayed copy {h}")
            for h in holders
            if (delay := inv.components[h].delay_minutes) > 0 and delay >= rel.drop_noticed_minutes
        ]
        return best([*late, *backups(s, holders, hit, alive, ctx)])

    live = [
        Recovery(
            rel.async_lag_minutes if c.replication == Replication.ASYNC and alive[h] < c.instances else 0.0,
            ctx.failover_minutes(c) if alive[h] < c.instances else 0.0,
            h,
        )
        for h in holders
        if (c := inv.components[h]).delay_minutes == 0 and alive[h] > 0
    ]
    if live:
        return best(live)
    if s.effect == Effect.OUTAGE:
        return Recovery(0.0, (s.hours or 0.0) * 60, f"{holders[0]} once the outage ends")
    delayed = [
        Recovery(rel.async_lag_minutes, manual, f"delayed copy {h}")
        for h in holders
        if inv.components[h].delay_minutes > 0 and alive[h] > 0
    ]
    return best([*delayed, *backups(s, holders, hit, alive, ctx)])


def best(candidates: list[Recovery]) -> Recovery:
    """The copy that loses least, then comes back soonest; none: the data is gone."""
    return min(candidates, key=lambda r: (r.lost or 0.0, r.minutes or 0.0), default=GONE)


def backups(
    s: ScenarioDef, holders: list[str], hit: Hit, alive: dict[str, int], ctx: Context
) -> list[Recovery]:
    """Every surviving backup: point-in-time undoes a drop with nothing lost and loses only the
    archive lag otherwise; a plain backup loses its interval. Restored (after a rebuild when the
    scenario took the holder's account with it)."""
    inv, corrupt = ctx.inv, s.effect == Effect.CORRUPT
    candidates = []
    for h in holders:
        c = inv.components[h]
        for b in c.backups:
            if not corrupt and not backup_survives(s, b, hit, ctx):
                continue
            minutes = ctx.restore_minutes(c, b)
            if corrupt and b.point_in_time:
                candidates.append(Recovery(0.0, minutes, f"point-in-time backup on {b.to}"))
                continue
            if not corrupt and alive[h] == 0 and s.scope in REBUILT:
                minutes += ctx.rebuild_minutes
            # continuous archiving loses only what was not yet archived, not a base-backup interval
            lost = ctx.lens.reliability.async_lag_minutes if b.point_in_time else b.every_minutes
            candidates.append(Recovery(lost, minutes, f"backup on {b.to}"))
    return candidates


def backup_survives(s: ScenarioDef, b: Backup, hit: Hit, ctx: Context) -> bool:
    """A destroyed target takes its copies unless they are write-once and the scenario cannot
    reach those; a scenario with backups in reach deletes mutable copies in the accounts it hits."""
    target = ctx.inv.components.get(b.to)
    if target is None:
        return True
    destroyed = all((b.to, i) in hit.down for i in range(target.instances))
    if destroyed and (not b.immutable or s.reaches_immutable):
        return False
    if s.backups_in_reach and not b.immutable:
        accounts = {a for cid, _ in hit.down if (a := ctx.account(cid)) is not None}
        return ctx.account(b.to) not in accounts
    return True


def loss(t: DatasetTarget, r: Recovery) -> DatasetLoss:
    return DatasetLoss(
        dataset=t.name,
        rpo_minutes=t.rpo_minutes,
        rto_minutes=t.rto_minutes,
        lost_minutes=r.lost,
        recovery_minutes=r.minutes,
        recovered_from=r.source,
        rpo_met=r.lost is not None and r.lost <= t.rpo_minutes,
        rto_met=r.minutes is not None and r.minutes <= t.rto_minutes,
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
    losses: list[DatasetLoss], lifeblood: set[str], lost: list[str], downtime: float, target: float, hit: bool
) -> tuple[Verdict, str]:
    """The verdict and what decided it: a gone dataset first, else the largest overshoot of a
    data target and of a time target (both, when both are missed)."""
    for d in losses:
        if d.lost_minutes is None and d.dataset in lifeblood:
            return (
                Verdict.COMPANY_ENDING,
                f"Lifeblood dataset {d.dataset} is gone for good: no copy of it survives.",
            )
    for d in losses:
        if d.lost_minutes is None:
            return Verdict.DAMAGED, f"Dataset {d.dataset} is gone: no copy of it survives."
    data = [
        Miss(
            overshoot(d.lost_minutes, d.rpo_minutes),
            f"{d.dataset} loses {span(d.lost_minutes)} of data, more than its RPO of {span(d.rpo_minutes)}",
            f"{d.dataset} loses {span(d.lost_minutes)} of data (RPO {span(d.rpo_minutes)})",
            d.dataset,
        )
        for d in losses
        if not d.rpo_met and d.lost_minutes is not None
    ]
    time = [
        Miss(
            overshoot(d.recovery_minutes, d.rto_minutes),
            f"{d.dataset} is back after {span(d.recovery_minutes)}, later than its RTO of {span(d.rto_minutes)}",
            f"is back after {span(d.recovery_minutes)}, against its RTO of {span(d.rto_minutes)}",
            d.dataset,
        )
        for d in losses
        if not d.rto_met and d.recovery_minutes is not None
    ]
    if downtime > target:
        time.append(
            Miss(
                overshoot(downtime, target),
                f"The application is down {span(downtime)}, longer than its recovery target of {span(target)}",
                f"the application is down {span(downtime)}, against a recovery target of {span(target)}",
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
        return (
            Verdict.DEGRADED,
            f"The application is down {span(downtime)}, within its recovery target of {span(target)}.",
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


def span(minutes: float | None) -> str:
    """Minutes as a reader says them: 45 min, 4 h, 3 days."""
    if minutes is None:
        return "forever"
    if minutes < 120:
        return f"{minutes:g} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.3g} h"
    return f"{minutes / 1440:.3g} days"
