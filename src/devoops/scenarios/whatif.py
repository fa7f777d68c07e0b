"""What-if: small changes to the inventory, what each costs and what it saves.

Each change is data: a name, whether it names a component, the lens practice whose monthly
cost band (its midpoint, times twelve, converted from USD into the app's currency) is its
yearly cost, where it applies, and a pure transform of the inventory. A change is worth making
when the expected yearly cost of downtime and catastrophes falls by at least what the change
costs. Two changes often fix the same catastrophe, so the plan is built greedily: the best
change is taken, applied, and the rest are scored again on top of it, so each row of the plan
is what it adds to the rows above.
"""

from __future__ import annotations

import string
from collections.abc import Callable, Collection, Mapping
from dataclasses import dataclass
from typing import Any

from ..derive.economics import HOURS_PER_YEAR, counted_hours_per_year
from ..errors import UsageError
from ..model.common import Horizon
from ..model.inventory import AnyOf, Backup, Component, Failover, FailoverMode, Inventory, Kind
from ..model.lens import Lens, Reliability
from ..model.resilience import Change, ScenarioOutcome
from ..model.targets import Targets
from ..model.workload import Workload
from ..source import did_you_mean
from .availability import Analytic, analytic
from .catastrophe import run

ZONED = frozenset({Kind.APP, Kind.WORKER, Kind.DATABASE, Kind.CACHE, Kind.QUEUE, Kind.LOAD_BALANCER})
MIN_SAVING = 1.0  # a change saving less than one unit of the app's currency a year saves nothing
DNS_HOSTS = ("ns1", "cloudflare", "route53", "gcp-dns", "dnsimple")


@dataclass(frozen=True)
class ChangeDef:
    """One kind of change. `practice` maps a component's kind to the practice that prices it
    (`None` key: the practice of a change that names no component)."""

    name: str
    title: str
    takes_component: bool
    practice: Mapping[Kind | None, str]
    applies: Callable[[Inventory, str | None], bool]
    transform: Callable[[Inventory, str | None], Inventory]

    def practice_for(self, inv: Inventory, arg: str | None) -> str:
        kind = inv.components[arg].kind if arg is not None else None
        return self.practice[kind] if kind in self.practice else self.practice[None]


def _rebuilt(inv: Inventory, components: dict[str, dict[str, Any]]) -> Inventory:
    """A new inventory through the model's own validation, so a change cannot make it invalid."""
    data = inv.model_dump()
    data["components"] = components
    return Inventory.model_validate(data)


def _dumped(inv: Inventory) -> dict[str, dict[str, Any]]:
    return {cid: c.model_dump() for cid, c in inv.components.items()}


def _new_id(taken: Collection[str], base: str) -> str:
    """A name not yet taken: `base`, else `base-2`, `base-3` ..."""
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def _component(inv: Inventory, arg: str | None) -> Component:
    assert arg is not None
    return inv.components[arg]


def _with_failover(c: dict[str, Any], instances: int) -> dict[str, Any]:
    """A database that gains a spare gains automatic failover with it: two databases without a
    way to promote one are not a standby."""
    updated = {**c, "instances": instances}
    if c["kind"] == Kind.DATABASE and c.get("failover") is None:
        updated["failover"] = {"mode": FailoverMode.AUTOMATIC}
    return updated


# add-replica -----------------------------------------------------------------------------

# Only kinds whose instances a team runs or sizes: a managed load balancer, CDN, DNS, object
# store, backup vault, CI/CD, secrets store or identity service is replicated by its provider,
# and one more "instance" of it is nothing anyone can buy. Stateful stores (database, cache,
# queue) are priced as a database replica, processes as another application instance.
REPLICA_PRACTICE: dict[Kind | None, str] = {
    Kind.DATABASE: "db.replica",
    Kind.CACHE: "db.replica",
    Kind.QUEUE: "db.replica",
    Kind.APP: "redundancy.app-instances",
    Kind.WORKER: "redundancy.app-instances",
}


def _replica_applies(inv: Inventory, arg: str | None) -> bool:
    c = _component(inv, arg)
    return c.kind in REPLICA_PRACTICE and c.delay_minutes == 0 and c.instances < 10_000


def _add_replica(inv: Inventory, arg: str | None) -> Inventory:
    assert arg is not None
    components = _dumped(inv)
    components[arg] = _with_failover(components[arg], inv.components[arg].instances + 1)
    return _rebuilt(inv, components)


# multi-zone ------------------------------------------------------------------------------


def _multi_zone_applies(inv: Inventory, arg: str | None) -> bool:
    """Only a zoned component in one zone: a regional one (a region, no zones) is already out
    of a zone outage's reach, and a global one has no zones to spread over."""
    c = _component(inv, arg)
    return (
        c.kind in ZONED
        and len(c.zones) == 1
        and c.delay_minutes == 0
        and inv.placed(arg or "").region is not None
    )


def _zones_for(inv: Inventory, cid: str) -> list[str]:
    """Two zones for `cid`: its own first, then zones other components use in the same region,
    then new names in the style the region's zones already have (`eu-west-1b`), else
    `<region>-b`."""
    here = inv.placed(cid)
    region = here.region or ""
    chosen = list(inv.components[cid].zones)
    for other, c in inv.components.items():
        placed = inv.placed(other)
        if (placed.provider, placed.region) == (here.provider, here.region):
            chosen += [z for z in c.zones if z not in chosen]
    glued = any(len(z) == len(region) + 1 and z.startswith(region) for z in chosen)
    letters = (f"{region}{'' if glued else '-'}{letter}" for letter in string.ascii_lowercase)
    while len(chosen) < 2:
        chosen += [next(z for z in letters if z not in chosen)]
    return chosen[:2]


def _multi_zone(inv: Inventory, arg: str | None) -> Inventory:
    assert arg is not None
    components = _dumped(inv)
    c = inv.components[arg]
    zones = _zones_for(inv, arg)
    components[arg] = {**_with_failover(components[arg], max(c.instances, 2)), "zones": zones}
    return _rebuilt(inv, components)


# automatic-failover ----------------------------------------------------------------------


def _automatic_applies(inv: Inventory, arg: str | None) -> bool:
    c = _component(inv, arg)
    return c.failover is not None and c.failover.mode == FailoverMode.MANUAL


def _automatic(inv: Inventory, arg: str | None) -> Inventory:
    assert arg is not None
    components = _dumped(inv)
    components[arg] = {**components[arg], "failover": Failover(mode=FailoverMode.AUTOMATIC).model_dump()}
    return _rebuilt(inv, components)


# second-dns-provider ---------------------------------------------------------------------


def _single_dns(inv: Inventory) -> list[str]:
    """DNS components something depends on directly, not as one of alternatives."""
    dns = {cid for cid, c in inv.components.items() if c.kind == Kind.DNS}
    return [
        cid
        for cid in inv.components
        if cid in dns and any(dep == cid for c in inv.components.values() for dep in c.depends_on)
    ]


def _second_dns_applies(inv: Inventory, arg: str | None) -> bool:
    return bool(_single_dns(inv))


def _second_dns(inv: Inventory, arg: str | None) -> Inventory:
    components = _dumped(inv)
    used = {inv.placed(cid).provider for cid in inv.components}
    seconds: dict[str, str] = {}
    for cid in _single_dns(inv):
        provider = next((p for p in DNS_HOSTS if p not in used), None) or _new_id(used, "dns-host")
        used.add(provider)
        new = _new_id(components, f"{cid}-second")
        original = inv.components[cid]
        components[new] = Component(
            kind=Kind.DNS,
            description=f"second DNS provider beside {cid}",
            provider=provider,
            depends_on=original.depends_on,
            mtbf_hours=original.mtbf_hours,
            mttr_minutes=original.mttr_minutes,
        ).model_dump()
        seconds[cid] = new
    for cid, c in inv.components.items():
        deps: list[Any] = []
        for dep in c.depends_on:
            if isinstance(dep, AnyOf):
                extra = [seconds[a] for a in dep.any_of if a in seconds and seconds[a] not in dep.any_of]
                deps.append({"any_of": [*dep.any_of, *extra]})
            elif dep in seconds:
                deps.append({"any_of": [dep, seconds[dep]]})
            else:
                deps.append(dep)
        components[cid]["depends_on"] = deps
    return _rebuilt(inv, components)


# backups-to-separate-account -------------------------------------------------------------


def _shared_backups(inv: Inventory) -> list[tuple[str, int]]:
    """Backups stored in the same account as the component they copy: (holder, backup index)."""
    found = []
    for cid, c in inv.components.items():
        account = inv.placed(cid).account
        for n, b in enumerate(c.backups):
            if account is not None and inv.placed(b.to).account == account:
                found.append((cid, n))
    return found


def _separate_applies(inv: Inventory, arg: str | None) -> bool:
    return bool(_shared_backups(inv))


def _separate(inv: Inventory, arg: str | None) -> Inventory:
    components = _dumped(inv)
    accounts = {p.account for p in (inv.placed(cid) for cid in inv.components) if p.account}
    vaults: dict[str, str] = {}  # provider -> new backup target
    for cid, n in _shared_backups(inv):
        target = inv.placed(inv.components[cid].backups[n].to)
        if target.provider not in vaults:
            account = _new_id(accounts, f"{target.account}-backups")
            accounts.add(account)
            vault = _new_id(components, "backup-vault")
            components[vault] = Component(
                kind=Kind.BACKUP_TARGET,
                description="backups kept in an account of their own",
                provider=target.provider,
                account=account,
                region=target.region,
            ).model_dump()
            vaults[target.provider] = vault
        backups = list(components[cid]["backups"])
        backups[n] = {**backups[n], "to": vaults[target.provider]}
        components[cid]["backups"] = backups
    return _rebuilt(inv, components)


# point-in-time-recovery ------------------------------------------------------------------


def _pitr_applies(inv: Inventory, arg: str | None) -> bool:
    c = _component(inv, arg)
    return c.kind == Kind.DATABASE and any(not b.point_in_time for b in c.backups)


def _pitr(inv: Inventory, arg: str | None) -> Inventory:
    assert arg is not None
    components = _dumped(inv)
    components[arg]["backups"] = [
        Backup.model_validate({**b.model_dump(), "point_in_time": True}).model_dump()
        for b in inv.components[arg].backups
    ]
    return _rebuilt(inv, components)


# delayed-replica -------------------------------------------------------------------------

DELAY_MINUTES = 60.0


def _delayed_applies(inv: Inventory, arg: str | None) -> bool:
    c = _component(inv, arg)
    covered = {
        d for other in inv.components.values() if other.delay_minutes >= DELAY_MINUTES for d in other.datasets
    }
    return c.kind == Kind.DATABASE and c.delay_minutes == 0 and bool(set(c.datasets) - covered)


def _delayed(inv: Inventory, arg: str | None) -> Inventory:
    assert arg is not None
    components = _dumped(inv)
    c = inv.components[arg]
    placed = inv.placed(arg)
    components[_new_id(components, f"{arg}-delayed")] = Component(
        kind=Kind.DATABASE,
        description=f"a copy of {arg} applying changes {DELAY_MINUTES:g} minutes late",
        provider=placed.provider,
        account=placed.account,
        region=placed.region,
        zones=c.zones[-1:],
        delay_minutes=DELAY_MINUTES,
        datasets=c.datasets,
        mtbf_hours=c.mtbf_hours,
        mttr_minutes=c.mttr_minutes,
    ).model_dump()
    return _rebuilt(inv, components)


CHANGES: dict[str, ChangeDef] = {
    d.name: d
    for d in (
        ChangeDef(
            "add-replica",
            "one more instance (a database also gets automatic failover)",
            True,
            REPLICA_PRACTICE,
            _replica_applies,
            _add_replica,
        ),
        ChangeDef(
            "multi-zone",
            "spread the instances over two zones of the region",
            True,
            {None: "infra.multi-zone"},
            _multi_zone_applies,
            _multi_zone,
        ),
        ChangeDef(
            "automatic-failover",
            "promote the spare automatically instead of by hand",
            True,
            {None: "db.failover-automatic"},
            _automatic_applies,
            _automatic,
        ),
        ChangeDef(
            "second-dns-provider",
            "serve the domain from a second DNS provider too",
            False,
            {None: "dns.vendor-independent"},
            _second_dns_applies,
            _second_dns,
        ),
        ChangeDef(
            "backups-to-separate-account",
            "store backups in an account of their own",
            False,
            {None: "backups.vendor-independent"},
            _separate_applies,
            _separate,
        ),
        ChangeDef(
            "point-in-time-recovery",
            "archive the database continuously: restore to just before a mistake",
            True,
            {None: "db.pitr"},
            _pitr_applies,
            _pitr,
        ),
        ChangeDef(
            "delayed-replica",
            f"a copy of the database applying changes {DELAY_MINUTES:g} minutes late",
            True,
            {None: "db.delayed-replica"},
            _delayed_applies,
            _delayed,
        ),
    )
}

Step = tuple[str, str | None]


def parse(tokens: list[str], inv: Inventory) -> list[Step]:
    """`add-replica db second-dns-provider` -> [("add-replica", "db"), ("second-dns-provider", None)];
    each change must exist, name an existing component when it takes one, appear once, and apply
    both to the inventory as the changes before it left it (the together row) and to the
    inventory as it is (its own row shows it alone)."""
    original = inv
    steps: list[Step] = []
    rest = list(tokens)
    while rest:
        name = rest.pop(0)
        if name not in CHANGES:
            raise UsageError(
                f"unknown change {name!r}" + did_you_mean(name, CHANGES) + f"; known: {', '.join(CHANGES)}"
            )
        d = CHANGES[name]
        arg: str | None = None
        if d.takes_component:
            if not rest:
                fits = next((cid for cid in inv.components if d.applies(inv, cid)), None)
                example = (
                    f", e.g. {name} {fits}" if fits else "; it applies to no component of this inventory"
                )
                raise UsageError(f"{name} needs a component{example}")
            arg = rest.pop(0)
            if arg not in inv.components:
                raise UsageError(f"{name}: unknown component {arg!r}" + did_you_mean(arg, inv.components))
        where = f" to {arg}" if arg else ""
        if (name, arg) in steps:
            raise UsageError(f"{name}{where} is asked twice; each change can be tried once")
        if not d.applies(inv, arg):
            before = " after the changes before it" if steps else ""
            raise UsageError(f"{name} does not apply{where}{before}: {_why_not(name, inv, arg)}")
        if not (arg is None or arg in original.components) or not d.applies(original, arg):
            raise UsageError(
                f"{name}{where} applies only after the changes before it, but each change's row "
                "shows it alone on the inventory as it is; apply those changes to the inventory "
                "first, then try this one"
            )
        steps.append((name, arg))
        inv = d.transform(inv, arg)
    return steps


def _why_not(name: str, inv: Inventory, arg: str | None) -> str:
    kind = inv.components[arg].kind.value.replace("_", " ") if arg is not None else ""
    return {
        "add-replica": f"its kind is {kind}; replicas are for what a team runs or sizes: apps, workers, "
        "databases, caches and queues (not a delayed copy); managed services are replicated by their provider",
        "multi-zone": "it needs a region and exactly one zone, and a zoned kind (app, worker, database, cache, "
        "queue, load balancer); a regional component (a region, no zones) is already out of a zone's reach",
        "automatic-failover": "it has no manual failover",
        "second-dns-provider": "nothing depends on a single DNS component",
        "backups-to-separate-account": "no backup is stored in the account of the component it copies",
        "point-in-time-recovery": f"its kind is {kind}, or it has no backups that are not point-in-time already",
        "delayed-replica": f"its kind is {kind}, or its datasets already have a delayed copy",
    }[name]


def applicable(inv: Inventory) -> list[Step]:
    """Every single change that applies to the inventory, in catalogue then component order."""
    return [
        (name, arg)
        for name, d in CHANGES.items()
        for arg in (list(inv.components) if d.takes_component else [None])
        if d.applies(inv, arg)
    ]


def apply(w: Workload, name: str, arg: str | None) -> Workload:
    assert w.inventory is not None
    return w.model_copy(update={"inventory": CHANGES[name].transform(w.inventory, arg)})


def usd_rate(w: Workload) -> float:
    """Units of the app's currency one USD buys: 1 for USD, else `economics.usd_rate` (the
    loader requires it for another currency; 1 stands in when a workload built in code has
    none)."""
    if w.app.currency == "USD":
        return 1.0
    return w.economics.usd_rate or 1.0


def cost_per_year(lens: Lens, inv: Inventory, steps: list[Step], rate: float = 1.0) -> float:
    """Midpoint of each practice's monthly cost band (USD), times twelve, times `rate` (units of
    the app's currency per USD), so it compares with the app's own money figures."""
    total = 0.0
    for name, arg in steps:
        practice = lens.practice(CHANGES[name].practice_for(inv, arg))
        if practice is not None:
            total += (practice.monthly_cost.low + practice.monthly_cost.high) / 2 * 12 * rate
    return total


@dataclass(frozen=True)
class Evaluation:
    """What one inventory costs a year: its availability and scenario outcomes, priced."""

    availability: float
    expected_cost: float
    scenarios: list[ScenarioOutcome]


def model_cost(w: Workload, model: Analytic, horizon: Horizon) -> tuple[float, float, float]:
    """(downtime hours, incidents, cost) a year, over the hours in which downtime costs money."""
    counted = counted_hours_per_year(w)
    reliability = w.answers.reliability
    hours = (1 - model.availability) * counted
    incidents = model.incidents_per_year * counted / HOURS_PER_YEAR
    cost = hours * reliability.downtime_cost_per_hour.at(horizon) + incidents * reliability.incident_cost.at(
        horizon
    )
    return hours, incidents, cost


def evaluate(
    w: Workload,
    lens: Lens,
    targets: Targets,
    horizon: Horizon,
    model: Analytic | None = None,
) -> Evaluation:
    """Availability-model cost plus each catastrophe the model does not count, per year x cost."""
    assert w.inventory is not None
    model = model or analytic(w.inventory, lens.reliability)
    outcomes = run(w, lens, targets, horizon)
    counted = {s.id for s in lens.scenarios if s.in_availability_model}
    cost = model_cost(w, model, horizon)[2] + sum(
        o.cost_per_year for o in outcomes if o.scenario not in counted
    )
    return Evaluation(model.availability, cost, outcomes)


def expected_cost(w: Workload, lens: Lens, targets: Targets, horizon: Horizon) -> float:
    return evaluate(w, lens, targets, horizon).expected_cost


def compare(w: Workload, lens: Lens, targets: Targets, horizon: Horizon, changes: list[Step]) -> Change:
    """Before and after the changes, applied in order."""
    return _compare(w, lens, targets, horizon, changes, evaluate(w, lens, targets, horizon), analytic)[0]


def compare_each(
    w: Workload, lens: Lens, targets: Targets, horizon: Horizon, changes: list[Step]
) -> tuple[list[Change], Change | None]:
    """Each change alone on the inventory as it is, and all of them together, in order, when
    there are several; `before` once. `parse` guarantees each step applies alone and appears
    once, so the rows mean what they say."""
    before = evaluate(w, lens, targets, horizon)
    each = [_compare(w, lens, targets, horizon, [step], before, analytic)[0] for step in changes]
    together = _compare(w, lens, targets, horizon, changes, before, analytic)[0] if len(changes) > 1 else None
    return each, together


def _compare(
    w: Workload,
    lens: Lens,
    targets: Targets,
    horizon: Horizon,
    changes: list[Step],
    before: Evaluation,
    solve: Callable[[Inventory, Reliability], Analytic],
) -> tuple[Change, Workload, Evaluation]:
    """The change row, and the changed workload with its evaluation (the plan builds on them)."""
    assert w.inventory is not None
    after_w = w
    for name, arg in changes:
        after_w = apply(after_w, name, arg)
    assert after_w.inventory is not None
    after = evaluate(after_w, lens, targets, horizon, solve(after_w.inventory, lens.reliability))
    spent = cost_per_year(lens, w.inventory, changes, usd_rate(w))
    saved = before.expected_cost - after.expected_cost
    practices = [CHANGES[name].practice_for(w.inventory, arg) for name, arg in changes]
    row = Change(
        change=" + ".join(" ".join(p for p in (name, arg) if p) for name, arg in changes),
        title="; ".join(CHANGES[name].title for name, _ in changes),
        practice=practices[0] if len(practices) == 1 else None,
        cost_per_year=spent,
        availability_before=before.availability,
        availability_after=after.availability,
        downtime_cost_before=before.expected_cost,
        downtime_cost_after=after.expected_cost,
        saved_per_year=saved,
        saved_per_spent=saved / spent if spent > 0 else 0.0,
        verdicts=_moved(before.scenarios, after.scenarios),
    )
    return row, after_w, after


def _moved(before: list[ScenarioOutcome], after: list[ScenarioOutcome]) -> dict[str, tuple[str, str]]:
    was = {o.scenario: o.verdict.value for o in before}
    now = {o.scenario: o.verdict.value for o in after}
    return {
        sid: (was.get(sid, "not run"), now.get(sid, "not run"))
        for sid in [*was, *(s for s in now if s not in was)]
        if was.get(sid) != now.get(sid)
    }


def saves(c: Change) -> bool:
    """It saves at least one unit of the app's currency a year: a rounding-sized gain (a tenth of
    a euro) is no saving to rank, let alone a ratio to compare."""
    return c.saved_per_year >= MIN_SAVING


def pays_for_itself(c: Change) -> bool:
    """It saves money, and at least what it costs a year (a free change that saves does)."""
    return saves(c) and c.saved_per_year >= c.cost_per_year


def _key(c: Change) -> tuple[int, float, str]:
    """Free changes first, by money saved (their saved per spent is 0, not a ratio); then by
    money saved per money spent; ties by name."""
    if c.cost_per_year == 0:
        return (0, -c.saved_per_year, c.change)
    return (1, -round(c.saved_per_spent, 6), c.change)


def rank(changes: list[Change]) -> list[Change]:
    """The changes that save money, best first (see `_key`)."""
    return sorted((c for c in changes if saves(c)), key=_key)


def improvements(w: Workload, lens: Lens, targets: Targets, horizon: Horizon) -> list[Change]:
    """The plan of the assessment and `scenarios run`, built greedily (see `plan`)."""
    return plan(w, lens, targets, horizon, analytic)


def saving_and_plan(
    w: Workload, lens: Lens, targets: Targets, horizon: Horizon
) -> tuple[list[Change], list[Change]]:
    """Every applicable single change that saves money, each scored alone on the inventory as it
    is and ranked, whether or not it pays for itself (what `devoops whatif` lists without
    changes); and the plan built from the same scores. Two changes may fix the same catastrophe,
    so their savings alone do not add up; the plan's rows do."""
    rows, left = _alone(w, lens, targets, horizon, analytic)
    return rank(rows), _greedy(w, lens, targets, horizon, analytic, rows, left)


def _alone(
    w: Workload,
    lens: Lens,
    targets: Targets,
    horizon: Horizon,
    solve: Callable[[Inventory, Reliability], Analytic],
) -> tuple[list[Change], dict[str, tuple[Step, Workload, Evaluation]]]:
    """Each applicable change alone on the inventory as it is: its row, and by row name its step
    with the workload it leaves and that workload's evaluation."""
    assert w.inventory is not None
    before = evaluate(w, lens, targets, horizon, solve(w.inventory, lens.reliability))
    rows: list[Change] = []
    left: dict[str, tuple[Step, Workload, Evaluation]] = {}
    for step in applicable(w.inventory):
        row, after_w, after = _compare(w, lens, targets, horizon, [step], before, solve)
        rows.append(row)
        left[row.change] = (step, after_w, after)
    return rows, left


def plan(
    w: Workload,
    lens: Lens,
    targets: Targets,
    horizon: Horizon,
    solve: Callable[[Inventory, Reliability], Analytic],
) -> list[Change]:
    """The changes worth making, in order, each row what it adds on top of the rows above.

    Scored alone, two changes that fix the same catastrophe would both claim its saving. So:
    take the best change that pays for itself (free savers first, then by saved per spent),
    apply it, score the remaining candidates again on the changed inventory, and repeat while
    the best of them still saves at least its cost. Each row's before and after figures and its
    saving are its increment over the inventory the rows above left. The candidates after the
    first round are the changes that paid for themselves alone: a change that does not pay on
    the inventory as it is is assumed not to pay after other changes either (changes fix risks,
    and fixing some leaves less for the rest to fix), which keeps the plan to a few scorings
    per candidate. `solve` lets callers reuse the availability model across horizons."""
    return _greedy(w, lens, targets, horizon, solve, *_alone(w, lens, targets, horizon, solve))


def _greedy(
    w: Workload,
    lens: Lens,
    targets: Targets,
    horizon: Horizon,
    solve: Callable[[Inventory, Reliability], Analytic],
    rows: list[Change],
    left: dict[str, tuple[Step, Workload, Evaluation]],
) -> list[Change]:
    scored = [c for c in rows if pays_for_itself(c)]
    chosen: list[Change] = []
    while paying := [c for c in scored if pays_for_itself(c)]:
        # a free change that saves under one unit ranks first but pays nothing: choose among payers
        best = min(paying, key=_key)
        chosen.append(best)
        _, w, before = left.pop(best.change)
        assert w.inventory is not None
        rest = [left[c.change][0] for c in scored if c is not best]
        rest = [(name, arg) for name, arg in rest if _still_applies(w.inventory, name, arg)]
        scored = []
        for s in rest:
            row, after_w, after = _compare(w, lens, targets, horizon, [s], before, solve)
            scored.append(row)
            left[row.change] = (s, after_w, after)
    return chosen


def _still_applies(inv: Inventory, name: str, arg: str | None) -> bool:
    return (arg is None or arg in inv.components) and CHANGES[name].applies(inv, arg)
