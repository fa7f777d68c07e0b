"""What the inventory shows of a practice's state, where it shows anything: backups in the
production account, no backups at all, a replica or none, a single DNS provider.

Each rule returns the choices the inventory is consistent with (the first is the one it
decides), why, in words that name the components, and where in the workload file. Where the
answer is one of those choices it stands (it may say more than the inventory can); where it
is not, or where there is none, the inventory decides. A rule that cannot tell says nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from ..model.lens import Lens
from ..model.workload import Workload
from ..scenarios.facts import AUTHENTICATION, PRIVATE_DATASTORES
from . import data_rules as d
from . import infra_rules as i
from .look import Look, Shown

RULES: dict[str, Callable[[Look], Shown | None]] = {
    "backups.offsite": d.offsite,
    "backups.automated": d.automated,
    "backups.vendor-independent": d.vendor,
    "backups.immutable": d.immutable,
    "db.replica": d.replica,
    "db.failover-automatic": d.failover,
    "db.pitr": d.pitr,
    "db.delayed-replica": d.delayed,
    "dns.vendor-independent": i.dns,
    "infra.multi-region": i.region,
    "infra.multi-zone": i.zones,
    "redundancy.app-instances": i.app_instances,
    PRIVATE_DATASTORES: i.exposure,
    AUTHENTICATION: i.authentication,
    "access.out-of-band": i.way_in,
}


def shown(w: Workload, lens: Lens) -> dict[str, Shown]:
    """What the inventory shows of each practice it can speak for (none without an inventory,
    nor for a practice a user's lens replaced with other choices)."""
    if w.inventory is None:
        return {}
    look = Look(w, lens)
    found = {}
    for pid, rule in RULES.items():
        practice = lens.practice(pid)
        result = rule(look)
        if practice is not None and result is not None and all(practice.choice(c) for c in result.choices):
            found[pid] = result
    return found
