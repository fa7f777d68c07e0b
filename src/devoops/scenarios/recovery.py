"""Where a dataset comes back from after a catastrophe, how much of it is lost and how long it
takes, counting each copy only as far as it is proven.

A live copy comes back by itself. A delayed copy is promoted by hand. A backup counts as far
as it is trusted: one that has never been restored, or whose failures alert nobody and no
drill would catch, may not restore at all, and for lifeblood or important data the scenario
judges that worst credible case; one whose failures alert nobody is as old as the time
until someone would notice; one whose restore was never timed comes back in an estimated,
unknown time. A mirror copies what the scenario does when the scenario reaches mirrors.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model.answers import Criticality
from ..model.inventory import Backup, Component, Granularity, Replication
from ..model.lens import Effect, ScenarioDef, Scope
from .context import Context
from .scopes import Hit

RESTORE_DRILLED = "backups.restore-drilled"
AUTOMATED = "backups.automated"
CRITICAL = (Criticality.LIFEBLOOD, Criticality.IMPORTANT)

# Scopes that take the place itself away: the account is gone (or cannot be trusted), so what
# was in it is recreated elsewhere and pays the rebuild time. Everywhere else a destroyed
# component is replaced where it stood.
REBUILT = frozenset({Scope.ACCOUNT, Scope.CREDENTIALS, Scope.PRODUCTION})


@dataclass(frozen=True)
class Recovery:
    """`lost` None: no copy survives; `known` False: the time is an estimate (a restore never
    timed); `doubt` says why copies that exist were not counted or are older than scheduled."""

    lost: float | None
    minutes: float | None
    source: str | None
    known: bool = True
    doubt: str | None = None


@dataclass(frozen=True)
class Trust:
    """How far one backup is counted on: whether it may restore at all, how much older than its
    schedule it may be, and how long a restore takes (measured, or estimated)."""

    restores: bool
    stale_minutes: float
    restore_minutes: float
    known: bool
    doubt: str | None


def trust(ctx: Context, holder: Component, b: Backup, critical: bool) -> Trust:
    """Restored before (the backup's own `restored`, else the practice) and alerting on failure:
    trusted. Silent: found at the next drill, else after `unnoticed_days`, and for critical
    data not counted at all without a regular drill. Never restored: critical data does not
    count it. The restore time is known only when a restore has been done and its time
    recorded (`restore_minutes`, or a drill's measurement)."""
    t = ctx.lens.reliability.trust
    drilled = ctx.choice(RESTORE_DRILLED)
    restored = b.restored if b.restored is not None else drilled in t.restored
    period = t.drill_days.get(drilled or "")
    monitored = b.monitored if b.monitored is not None else ctx.choice(AUTOMATED) in t.monitored
    minutes = b.restore_minutes or ctx.lens.reliability.restore_minutes[holder.kind]
    known = restored and b.restore_minutes is not None
    if critical and not restored:
        return Trust(False, 0.0, minutes, known, "has never been restored, so it may not restore")
    if critical and not monitored and period is None:
        return Trust(
            False,
            0.0,
            minutes,
            known,
            "fails without alerting anyone and no drill would notice: it may not restore",
        )
    if monitored:
        return Trust(True, 0.0, minutes, known, None)
    days = period if period is not None else t.unnoticed_days
    return Trust(True, days * 1440, minutes, known, f"fails without alerting anyone: up to {days:g} days old")


def recover(
    s: ScenarioDef, hit: Hit, dataset: str, alive: dict[str, int], ctx: Context, delay: float = 0.0
) -> Recovery:
    """Where one dataset comes back from, how much of it is lost and how long that takes;
    `delay` is added to every repair done by hand (the team's way in is down too)."""
    inv, rel = ctx.inv, ctx.lens.reliability
    holders = ctx.holders(dataset)
    manual = rel.failover_minutes["manual"] + delay
    partial = rel.partial_restore_hours * 60 if s.share < 1 else 0.0
    if s.effect == Effect.CORRUPT:
        # a delayed copy is stopped before it applies the damage, if it is noticed in time
        late = [
            Recovery(0.0, manual + partial, f"delayed copy {h}")
            for h in holders
            if (delay_of := inv.components[h].delay_minutes) > 0 and delay_of >= rel.drop_noticed_minutes
        ]
        found, doubts = backups(s, holders, hit, alive, ctx, dataset, delay)
        return best([*late, *found], doubts)
    live = [
        Recovery(
            rel.async_lag_minutes if c.replication == Replication.ASYNC and alive[h] < c.instances else 0.0,
            ctx.failover_minutes(c) if alive[h] < c.instances else 0.0,
            h,
        )
        for h in holders
        if (c := inv.components[h]).delay_minutes == 0 and alive[h] > 0
    ]
    # live copies replicate from the primary (the first holder listed): a deletion or an
    # encryption that reaches it reaches them all
    primary = next((h for h in holders if inv.components[h].delay_minutes == 0), None)
    if s.reaches_mirrors and primary is not None and alive[primary] < inv.components[primary].instances:
        live = []
    if live:
        return best(live, [])
    if s.effect == Effect.OUTAGE:
        return Recovery(
            0.0,
            (s.hours or 0.0) * 60 + (delay if s.team_repairs else 0.0),
            f"{holders[0]} once the outage ends",
        )
    delayed = [
        Recovery(rel.async_lag_minutes, manual, f"delayed copy {h}")
        for h in holders
        if inv.components[h].delay_minutes > 0 and alive[h] > 0
    ]
    found, doubts = backups(s, holders, hit, alive, ctx, dataset, delay)
    return best([*delayed, *found], doubts)


def best(candidates: list[Recovery], doubts: list[str]) -> Recovery:
    """The copy that loses least, then comes back soonest; none: the data is gone. The doubts
    about copies not counted stay with a gone dataset, and a counted copy keeps its own."""
    if not candidates:
        return Recovery(None, None, None, doubt="; ".join(doubts) or None)
    return min(candidates, key=lambda r: (r.lost or 0.0, r.minutes or 0.0))


def backups(
    s: ScenarioDef,
    holders: list[str],
    hit: Hit,
    alive: dict[str, int],
    ctx: Context,
    dataset: str,
    delay: float,
) -> tuple[list[Recovery], list[str]]:
    """Every surviving backup the scenario may count on, and why others were not counted.
    Point-in-time undoes a corruption with nothing lost and loses only the archive lag
    otherwise; a plain backup loses its interval; a silent one loses more. Restored (after a
    rebuild when the scenario took the holder's account with it, or tenant by tenant out of a
    whole restore when it reached only some tenants)."""
    inv, rel, corrupt = ctx.inv, ctx.lens.reliability, s.effect == Effect.CORRUPT
    target = ctx.data[dataset]
    critical = target.criticality in CRITICAL
    candidates, doubts = [], []
    for h in holders:
        c = inv.components[h]
        for b in c.backups:
            where = f"{'mirror' if b.mirror else 'backup'} on {b.to} (every {span(b.every_minutes)})"
            if b.mirror and s.reaches_mirrors:
                doubts.append(f"the {where} copies the damage at once")
                continue
            if not corrupt and not backup_survives(s, b, hit, ctx):
                continue
            t = trust(ctx, c, b, critical)
            if not t.restores:
                doubts.append(f"the {where} {t.doubt}")
                continue
            minutes = t.restore_minutes + delay
            if s.share < 1 and b.granularity == Granularity.WHOLE:
                minutes += rel.partial_restore_hours * 60
            if not corrupt and alive[h] == 0 and s.scope in REBUILT:
                minutes += ctx.rebuild_minutes
            # continuous archiving loses only what was not yet archived, none of a corruption
            base = (0.0 if corrupt else rel.async_lag_minutes) if b.point_in_time else b.every_minutes
            source = f"{'point-in-time ' if b.point_in_time else ''}{where.split(' (')[0]}"
            stale = f"the {where} {t.doubt}" if t.doubt else None
            candidates.append(Recovery(base + t.stale_minutes, minutes, source, t.known, stale))
    return candidates, doubts


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


def span(minutes: float | None) -> str:
    """Minutes as a reader says them: 45 min, 4 h, 3 days."""
    if minutes is None:
        return "forever"
    if minutes < 120:
        return f"{minutes:g} min"
    if minutes < 48 * 60:
        return f"{minutes / 60:.3g} h"
    return f"{minutes / 1440:.3g} days"
