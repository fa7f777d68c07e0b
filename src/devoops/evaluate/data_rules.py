"""What the inventory shows of the practices that keep data: where each dataset's copies sit
against its holder (account, building, provider), whether they are versioned, locked and
alerting, and what the databases hold in reserve (a replica, failover, point-in-time, a delayed
copy). Per dataset or database, the weakest speaks for all."""

from __future__ import annotations

from .look import COMPONENTS, Copy, Look, Shown, weakest


def offsite(look: Look) -> Shown | None:
    """Per dataset, the copy that survives most: its account against its holder's, its
    building, its provider; the weakest dataset decides."""

    def where(c: Copy) -> str:
        same_account = look.same_account(c.holder, c.backup.to)
        same_site = bool(look.inv.sites(c.holder) & look.inv.sites(c.backup.to))
        if same_account and same_site:
            return "same-site"
        if same_account:
            return "same-account"
        if same_site:
            return "separate-account-same-site"
        if look.inv.placed(c.holder).provider != look.inv.placed(c.backup.to).provider:
            return "separate-account-and-provider"
        return "separate-account"

    said = {
        "same-site": "shares the account and a building with {holder}",
        "same-account": "sits in the same account as {holder}",
        "separate-account-same-site": "sits in another account but in a building of {holder}",
        "separate-account": "sits in another account, outside {holder}'s buildings",
        "separate-account-and-provider": "sits with another provider, outside {holder}'s buildings",
    }
    found = []
    for d in look.held():
        copies = look.copies(d)
        if not copies:
            found.append(Shown(("none",), f"{d} has no backup", (*COMPONENTS, look.holders(d)[0])))
            continue
        best = max(copies, key=lambda c: look.score("backups.offsite", where(c)))
        choice = where(best)
        also = ("same-server",) if choice == "same-site" else ()
        reason = f"{d}: its best backup, on {best.backup.to}, " + said[choice].format(holder=best.holder)
        found.append(Shown((choice, *also), reason, best.at))
    return weakest(look, "backups.offsite", found)


def automated(look: Look) -> Shown | None:
    """No copy at all, mirrors only, or versioned backups whose alerting the inventory states."""
    found = []
    for d in look.held():
        every = look.copies(d, mirrors=True)
        versioned = [c for c in every if not c.backup.mirror]
        at = (*COMPONENTS, look.holders(d)[0])
        if not every:
            found.append(Shown(("none",), f"{d} has no backup", at))
        elif not versioned:
            found.append(
                Shown(("mirror-only",), f"{d}'s only copy, on {every[0].backup.to}, is a mirror", every[0].at)
            )
        elif any(c.backup.monitored is False for c in versioned):
            silent = next(c for c in versioned if c.backup.monitored is False)
            reason = f"{d}'s backup on {silent.backup.to} alerts nobody when it fails"
            found.append(Shown(("provider-snapshots", "manual"), reason, silent.at))
        elif all(c.backup.monitored for c in versioned):
            found.append(Shown(("automated-monitored",), f"{d}'s backups alert on failure", versioned[0].at))
        else:
            return None
    return weakest(look, "backups.automated", found)


def vendor(look: Look) -> Shown | None:
    found = []
    for d in look.held():
        providers = {look.inv.placed(h).provider for h in look.holders(d)}
        away = [c for c in look.copies(d) if look.inv.placed(c.backup.to).provider not in providers]
        if away:
            reason = f"{d} has a backup with {look.inv.placed(away[0].backup.to).provider}, another provider"
            found.append(
                Shown(("second-provider", "second-provider-tested", "manual-export"), reason, away[0].at)
            )
        else:
            reason = f"every copy of {d} is with {', '.join(sorted(providers))}"
            found.append(Shown(("vendor-only",), reason, (*COMPONENTS, look.holders(d)[0])))
    return weakest(look, "backups.vendor-independent", found)


def immutable(look: Look) -> Shown | None:
    datasets = look.held()
    locked = [d for d in datasets if any(c.backup.immutable for c in look.copies(d))]
    if not datasets:
        return None
    at = (*COMPONENTS, look.holders(datasets[0])[0])
    if len(locked) == len(datasets):
        return Shown(("all",), "every dataset has a write-once backup", at)
    open_ = [d for d in datasets if d not in locked]
    reason = f"{', '.join(open_)} {'has' if len(open_) == 1 else 'have'} no write-once backup"
    at = (*COMPONENTS, look.holders(open_[0])[0])
    return Shown(("some",) if locked else ("none",), reason, at)


def replica(look: Look) -> Shown | None:
    found = []
    for cid in look.databases():
        c, at = look.c(cid), (*COMPONENTS, cid)
        if c.instances >= 2 and len(look.inv.sites(cid)) >= 2:
            found.append(Shown(("replica-other-zone",), f"{cid} has a standby in another zone", at))
        elif c.instances >= 2 and look.inv.sites(cid):
            found.append(Shown(("async-same-zone",), f"{cid}'s standby shares its zone", at))
        elif c.instances >= 2:
            found.append(Shown(("async-same-zone", "replica-other-zone"), f"{cid} has a standby", at))
        elif any(not b.mirror for b in c.backups):
            found.append(Shown(("backup-only",), f"{cid} has no replica, only backups", at))
        else:
            found.append(Shown(("none",), f"{cid} has no replica and no backup", at))
    return weakest(look, "db.replica", found)


def failover(look: Look) -> Shown | None:
    found = []
    for cid in look.databases():
        c, at = look.c(cid), (*COMPONENTS, cid)
        if c.instances < 2:
            found.append(Shown(("none",), f"{cid} has no standby to fail over to", at))
        elif c.failover is not None and c.failover.mode == "automatic":
            found.append(Shown(("automatic",), f"{cid} fails over automatically", at))
        elif c.failover is not None:
            found.append(Shown(("manual-runbook", "manual-one-command"), f"{cid} fails over by hand", at))
    return weakest(look, "db.failover-automatic", found)


def pitr(look: Look) -> Shown | None:
    found = []
    for cid in look.databases():
        backups, at = [b for b in look.c(cid).backups if not b.mirror], (*COMPONENTS, cid)
        if any(b.point_in_time for b in backups):
            found.append(Shown(("pitr", "pitr-short"), f"{cid} is archived continuously", at))
        elif backups:
            found.append(Shown(("daily",), f"{cid}'s backups are snapshots, not point-in-time", at))
        else:
            found.append(Shown(("none",), f"{cid} has no backup", at))
    return weakest(look, "db.pitr", found)


def delayed(look: Look) -> Shown | None:
    late = look.lens.reliability.drop_noticed_minutes
    found = []
    for cid in look.databases():
        at = (*COMPONENTS, cid)
        copies = [
            o
            for o, c in look.inv.components.items()
            if c.delay_minutes >= late and set(c.datasets) & set(look.c(cid).datasets)
        ]
        if copies:
            found.append(
                Shown(
                    ("delayed-replica",), f"{copies[0]} is a delayed copy of {cid}", (*COMPONENTS, copies[0])
                )
            )
        elif any(b.point_in_time and not b.mirror for b in look.c(cid).backups):
            found.append(Shown(("pitr-only",), f"{cid} has no delayed copy, only point-in-time backups", at))
        else:
            found.append(Shown(("none",), f"{cid} has no delayed copy and no point-in-time backup", at))
    return weakest(look, "db.delayed-replica", found)
