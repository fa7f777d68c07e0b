"""What-if changes that guard the data and prevent catastrophes: backups where they survive,
write-once, monitored and drilled; point-in-time recovery and a delayed copy; and the
practices that make a catastrophe rarer (MFA, scoped credentials, private datastores, a
registrar lock, soft delete, a way in that shares nothing with production)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from ..model.inventory import AnyOf, Backup, Component, Exposure, Inventory, Kind
from ..model.lens import Reliability
from ..model.workload import Workload
from .edit import choice, component, dumped, inventory, new_id, own, rebuilt, vault, with_practices
from .facts import AUTHENTICATION, DATASTORES, PRIVATE_DATASTORES

DATA_KINDS = frozenset({Kind.DATABASE, Kind.CACHE, Kind.QUEUE, Kind.OBJECT_STORAGE})
DELAY_MINUTES = 60.0
RESTORE_DRILLED = "backups.restore-drilled"
AUTOMATED = "backups.automated"

Applies = Callable[[Workload, str | None], bool]
Transform = Callable[[Workload, str | None, Reliability], Workload]


def shared_backups(inv: Inventory) -> list[tuple[str, int]]:
    """Versioned backups stored in the account or a building of the component they copy:
    (holder, backup index)."""
    found = []
    for cid, c in inv.components.items():
        account = inv.placed(cid).account
        sites = inv.sites(cid)
        for n, b in enumerate(c.backups):
            there = inv.sites(b.to)
            same_account = account is not None and inv.placed(b.to).account == account
            if not b.mirror and (same_account or sites & there):
                found.append((cid, n))
    return found


def separate_applies(w: Workload, arg: str | None) -> bool:
    return bool(shared_backups(inventory(w)))


def separate(w: Workload, arg: str | None, rel: Reliability) -> Workload:
    """Those backups move to a vault in a new account, outside their holder's building."""
    inv = inventory(w)
    components = dumped(inv)
    vaults: dict[str, str] = {}  # provider -> new backup target
    for cid, n in shared_backups(inv):
        to = inv.components[cid].backups[n].to
        provider = inv.placed(to).provider
        if provider not in vaults:
            vaults[provider] = vault(w, components, to)
        backups = list(own(components, cid)["backups"])
        backups[n] = {**backups[n], "to": vaults[provider]}
        own(components, cid)["backups"] = backups
    return rebuilt(w, components)


def unbacked(inv: Inventory) -> list[str]:
    """Components holding data with no versioned backup (none at all, or mirrors only)."""
    return [
        cid
        for cid, c in inv.components.items()
        if c.kind in DATA_KINDS and c.datasets and c.delay_minutes == 0 and all(b.mirror for b in c.backups)
    ]


def add_backups_applies(w: Workload, arg: str | None) -> bool:
    return arg in unbacked(inventory(w))


def add_backups(w: Workload, arg: str | None, rel: Reliability) -> Workload:
    """A daily backup to a vault in an account of its own, alerting on failure, restored once
    to prove it (its restore time still to be measured)."""
    assert arg is not None
    components = dumped(inventory(w))
    backup = Backup(to=vault(w, components, arg), monitored=True, restored=True).model_dump()
    own(components, arg)["backups"] = [*own(components, arg)["backups"], backup]
    return rebuilt(w, components)


def versioned(inv: Inventory) -> list[tuple[str, Backup]]:
    return [(cid, b) for cid, c in inv.components.items() for b in c.backups if not b.mirror]


def backups_with(w: Workload, update: Callable[[Component, Backup], dict[str, Any]]) -> Workload:
    """Every versioned backup with `update` applied (mirrors stay mirrors)."""
    inv = inventory(w)
    components = dumped(inv)
    for cid, c in inv.components.items():
        if c.backups:
            own(components, cid)["backups"] = [
                b.model_dump() if b.mirror else b.model_dump() | update(c, b) for b in c.backups
            ]
    return rebuilt(w, components)


def immutable_applies(w: Workload, arg: str | None) -> bool:
    return any(not b.immutable for _, b in versioned(inventory(w)))


def immutable(w: Workload, arg: str | None, rel: Reliability) -> Workload:
    return backups_with(w, lambda c, b: {"immutable": True})


def drills_applies(w: Workload, arg: str | None) -> bool:
    return bool(versioned(inventory(w))) and choice(w, RESTORE_DRILLED) != "automated"


def drills(w: Workload, arg: str | None, rel: Reliability) -> Workload:
    """Weekly restore drills: every backup restored and checked and its time measured, taken
    to be what the lens estimates until the first drill says otherwise."""
    drilled = backups_with(
        w,
        lambda c, b: {"restored": True, "restore_minutes": b.restore_minutes or rel.restore_minutes[c.kind]},
    )
    return with_practices(drilled, {RESTORE_DRILLED: "automated"})


def monitor_applies(w: Workload, arg: str | None) -> bool:
    alerting = choice(w, AUTOMATED) == "automated-monitored"
    return any(not (b.monitored if b.monitored is not None else alerting) for _, b in versioned(inventory(w)))


def monitor(w: Workload, arg: str | None, rel: Reliability) -> Workload:
    return backups_with(w, lambda c, b: {"monitored": True})


def pitr_applies(w: Workload, arg: str | None) -> bool:
    c = component(w, arg)
    return c.kind == Kind.DATABASE and any(not b.point_in_time and not b.mirror for b in c.backups)


def pitr(w: Workload, arg: str | None, rel: Reliability) -> Workload:
    assert arg is not None
    components = dumped(inventory(w))
    own(components, arg)["backups"] = [
        b.model_dump() | ({} if b.mirror else {"point_in_time": True}) for b in component(w, arg).backups
    ]
    return rebuilt(w, components)


def delayed_applies(w: Workload, arg: str | None) -> bool:
    c = component(w, arg)
    covered = {
        d for o in inventory(w).components.values() if o.delay_minutes >= DELAY_MINUTES for d in o.datasets
    }
    return c.kind == Kind.DATABASE and c.delay_minutes == 0 and bool(set(c.datasets) - covered)


def delayed(w: Workload, arg: str | None, rel: Reliability) -> Workload:
    assert arg is not None
    inv = inventory(w)
    components = dumped(inv)
    c = inv.components[arg]
    placed = inv.placed(arg)
    components[new_id(components, f"{arg}-delayed")] = Component(
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
    return rebuilt(w, components)


def best(choices: Mapping[str, str], *kinds: Kind) -> tuple[Applies, Transform]:
    """A change that puts practices at these choices: it applies while one is elsewhere and
    the inventory holds a component of one of `kinds` (any, when none is named)."""

    def applies(w: Workload, arg: str | None) -> bool:
        present = not kinds or any(c.kind in kinds for c in inventory(w).components.values())
        return present and any(choice(w, p) != c for p, c in choices.items())

    return applies, lambda w, arg, rel: with_practices(w, choices)


def as_code() -> tuple[Applies, Transform]:
    """Infrastructure in code rebuilds in hours: it matters only where the inventory does not
    give its own rebuild time."""
    applies, transform = best({"infra.as-code": "full-iac"})
    return (lambda w, arg: inventory(w).rebuild_hours is None and applies(w, arg)), transform


def private_applies(w: Workload, arg: str | None) -> bool:
    stores = [c for c in inventory(w).components.values() if c.kind in DATASTORES]
    declared = any(c.exposure not in (None, Exposure.PRIVATE) or c.authentication is False for c in stores)
    answered = choice(w, PRIVATE_DATASTORES) != "private" or choice(w, AUTHENTICATION) != "per-service"
    return bool(stores) and (declared or answered)


def private(w: Workload, arg: str | None, rel: Reliability) -> Workload:
    """Datastores off the internet, each client with its own credentials."""
    inv = inventory(w)
    components = dumped(inv)
    for cid, c in inv.components.items():
        if c.kind in DATASTORES:
            if c.exposure is not None:
                own(components, cid)["exposure"] = Exposure.PRIVATE
            if c.authentication is not None:
                own(components, cid)["authentication"] = True
    return with_practices(
        rebuilt(w, components), {PRIVATE_DATASTORES: "private", AUTHENTICATION: "per-service"}
    )


def out_of_band_applies(w: Workload, arg: str | None) -> bool:
    """The team reaches production through something that has no alternative."""
    return any(isinstance(d, str) for d in inventory(w).team_access)


def out_of_band(w: Workload, arg: str | None, rel: Reliability) -> Workload:
    """A break-glass way in on a provider of its own, depending on nothing of production's, as
    an alternative to each part of the usual way: (vpn and sso) or glass is (vpn or glass) and
    (sso or glass)."""
    inv = inventory(w)
    components = dumped(inv)
    used = {inv.placed(cid).provider for cid in inv.components}
    glass = new_id(components, "break-glass")
    components[glass] = Component(
        kind=Kind.ACCESS,
        description="break-glass access sharing no network, DNS or identity with production",
        provider=new_id(used, "out-of-band"),
    ).model_dump()
    access = [{"any_of": [*(d.any_of if isinstance(d, AnyOf) else [d]), glass]} for d in inv.team_access]
    return with_practices(rebuilt(w, components, team_access=access), {"access.out-of-band": "independent"})
