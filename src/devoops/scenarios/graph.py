"""Single points of failure and shared-fate groups, read off the dependency graph.

Both questions are asked of the one rule for when the application is up (`topology.serves`,
which `app_up` asks too), so what this module calls a single point of failure is exactly what
the scenarios and the availability model see fail. The rule only counts a component's
instances, so each question is a count of instances lost per component: one check per
component or group, however many instances they have.
"""

from __future__ import annotations

from collections import Counter

from ..model.inventory import Inventory
from ..model.resilience import SharedFate
from .topology import required, serves

BY = ("account", "region", "zone", "provider")


def spofs(inv: Inventory) -> list[str]:
    """Components the application needs (the entries and everything they reach in the
    dependency graph) whose loss of any one instance takes it down: no spare, or not enough
    of them (k of n with k = n). Sorted by id."""
    return sorted(cid for cid in required(inv) if not up_without(inv, Counter({cid: 1})))


def up_without(inv: Inventory, lost: Counter[str]) -> bool:
    """Whether the application serves with `lost[cid]` instances of each component down."""
    return serves(inv, lambda cid: inv.components[cid].instances - lost[cid])


def shared_fate(inv: Inventory) -> list[SharedFate]:
    """For each account, region, zone and provider in use, the components placed there (when
    two or more share it) and whether losing them all at once takes the application down."""
    groups: dict[tuple[str, str], Counter[str]] = {}
    for cid, c in inv.components.items():
        p = inv.placed(cid)
        whole = {
            "account": f"{p.provider}/{p.account}" if p.account is not None else None,
            "region": f"{p.provider}/{p.region}" if p.region is not None else None,
            "provider": p.provider,
        }
        for by, value in whole.items():
            if value is not None:
                groups.setdefault((by, value), Counter())[cid] = c.instances
        zones = Counter(c.zone_of(i) for i in range(c.instances)) if c.zones else Counter()
        for zone, count in zones.items():
            groups.setdefault(("zone", f"{p.provider}/{p.region}/{zone}"), Counter())[cid] = count
    fates = []
    for (by, value), lost in sorted(groups.items(), key=lambda kv: (BY.index(kv[0][0]), kv[0][1])):
        if len(lost) >= 2:
            fates.append(
                SharedFate(
                    by=by, value=value, components=sorted(lost), takes_app_down=not up_without(inv, lost)
                )
            )
    return fates
