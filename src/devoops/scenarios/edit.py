"""Editing a workload for a what-if change: the inventory rebuilt through the model's own
validation, new names that are not taken, practices set to a choice.

A change edits a few components of many: the ones it touches become data again (`own`) and are
validated anew; the rest stay the validated components they were, so a plan that tries dozens
of changes on a large inventory does not dump and validate every component each time."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from typing import Any

from ..model.inventory import AnyOf, Component, FailoverMode, Inventory, Kind
from ..model.practices import PracticeState
from ..model.workload import Workload

Components = dict[str, Component | dict[str, Any]]  # as it is, or data to validate
Dependency = str | dict[str, list[str]]  # a dependency as data: an id, or {"any_of": ids}


def inventory(w: Workload) -> Inventory:
    assert w.inventory is not None
    return w.inventory


def component(w: Workload, arg: str | None) -> Component:
    assert arg is not None
    return inventory(w).components[arg]


def dumped(inv: Inventory) -> Components:
    """The components for a change to edit: each as it is until `own` makes it data."""
    return dict(inv.components)


def own(components: Components, cid: str) -> dict[str, Any]:
    """Component `cid` as data to edit in place (it is validated again when rebuilt)."""
    c = components[cid]
    if isinstance(c, Component):
        c = components[cid] = c.model_dump()
    return c


def rebuilt(w: Workload, components: Components, **top: Any) -> Workload:
    """A new inventory through the model's own validation, so a change cannot make it invalid:
    what is data is validated, what is still a component was already."""
    inv = inventory(w)
    data = {name: getattr(inv, name) for name in Inventory.model_fields} | top
    data["components"] = components
    return w.model_copy(update={"inventory": Inventory.model_validate(data)})


def new_id(taken: Collection[str], base: str) -> str:
    """A name not yet taken: `base`, else `base-2`, `base-3` ..."""
    if base not in taken:
        return base
    n = 2
    while f"{base}-{n}" in taken:
        n += 1
    return f"{base}-{n}"


def choice(w: Workload, practice: str) -> str | None:
    state = w.practices.get(practice)
    return state.choice if state is not None else None


def with_practices(w: Workload, choices: Mapping[str, str]) -> Workload:
    practices = {**w.practices, **{p: PracticeState(choice=c) for p, c in choices.items()}}
    return w.model_copy(update={"practices": practices})


def with_failover(c: dict[str, Any], instances: int) -> dict[str, Any]:
    """A database that gains a spare gains automatic failover with it: two databases without a
    way to promote one are not a standby."""
    updated = {**c, "instances": instances}
    if c["kind"] == Kind.DATABASE and c.get("failover") is None:
        updated["failover"] = {"mode": FailoverMode.AUTOMATIC}
    return updated


def vault(w: Workload, components: Components, near: str) -> str:
    """A new backup target in a new account of the provider of `near`, in its region but in no
    building of its own (a regional store spread over the region's zones)."""
    inv = inventory(w)
    accounts = {p.account for p in (inv.placed(cid) for cid in inv.components) if p.account}
    placed = inv.placed(near)
    account = new_id(accounts, f"{placed.account}-backups" if placed.account else "backups")
    name = new_id(components, "backup-vault")
    components[name] = Component(
        kind=Kind.BACKUP_TARGET,
        description="backups kept in an account of their own",
        provider=placed.provider,
        account=account,
        region=placed.region,
    ).model_dump()
    return name


def either(deps: list[str | AnyOf], alternatives: Mapping[str, str]) -> list[Dependency]:
    """Each dependency on a component that gained an alternative becomes `any_of` both."""
    out: list[Dependency] = []
    for dep in deps:
        if isinstance(dep, AnyOf):
            extra = [
                alternatives[a] for a in dep.any_of if a in alternatives and alternatives[a] not in dep.any_of
            ]
            out.append({"any_of": [*dep.any_of, *extra]})
        elif dep in alternatives:
            out.append({"any_of": [dep, alternatives[dep]]})
        else:
            out.append(dep)
    return out
