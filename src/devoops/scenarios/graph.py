"""Single points of failure and shared-fate groups, read off the dependency graph.

Both questions are asked of `topology.app_up`, the one rule for when the application is up,
so what this module calls a single point of failure is exactly what the scenarios and the
availability model see fail.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable

from ..model.inventory import Inventory
from ..model.resilience import SharedFate
from .topology import Instance, app_up, instances, required

BY = ("account", "region", "zone", "provider")


def spofs(inv: Inventory) -> list[str]:
    """Components the application needs (the entries and everything they reach in the
    dependency graph) whose loss of any one instance takes it down: no spare, or not enough
    of them (k of n with k = n). Sorted by id."""
    return sorted(
        cid
        for cid in required(inv)
        if any(not app_up(inv, only(cid, i)) for i in range(inv.components[cid].instances))
    )


def only(cid: str, i: int) -> Callable[[str, int], bool]:
    return lambda c, j: (c, j) == (cid, i)


def shared_fate(inv: Inventory) -> list[SharedFate]:
    """For each account, region, zone and provider in use, the components placed there (when
    two or more share it) and whether losing them all at once takes the application down."""
    groups: dict[tuple[str, str], set[Instance]] = {}
    for cid, i in instances(inv):
        p, c = inv.placed(cid), inv.components[cid]
        zone = c.zone_of(i)
        keys = {
            "account": f"{p.provider}/{p.account}" if p.account is not None else None,
            "region": f"{p.provider}/{p.region}" if p.region is not None else None,
            "zone": f"{p.provider}/{p.region}/{zone}" if zone is not None else None,
            "provider": p.provider,
        }
        for by, value in keys.items():
            if value is not None:
                groups.setdefault((by, value), set()).add((cid, i))
    fates = []
    for (by, value), down in sorted(groups.items(), key=lambda kv: (BY.index(kv[0][0]), kv[0][1])):
        components = sorted(components_of(down))
        if len(components) >= 2:
            fates.append(
                SharedFate(
                    by=by,
                    value=value,
                    components=components,
                    takes_app_down=not app_up(inv, within(down)),
                )
            )
    return fates


def within(down: set[Instance]) -> Callable[[str, int], bool]:
    return lambda c, j: (c, j) in down


def components_of(down: Iterable[Instance]) -> set[str]:
    return {cid for cid, _ in down}
