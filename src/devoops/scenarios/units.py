"""The failure units of an inventory: what can fail on its own, how often, and who depends on it.

Every instance is a unit with its own rates (the component's override, else the lens's rates
for its kind); so is every zone, region and provider in use. An instance is up while its own
unit, its zone, its region and its provider are up. A component that fails over to a spare
stops service for the failover minutes each time a serving instance fails: one more unit, in
series with every instance of it. Only components the application can need are counted: the
rest cannot take it down.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..model.inventory import Inventory
from ..model.lens import Reliability
from .topology import required


@dataclass(frozen=True)
class Unit:
    """One independent thing that fails and is repaired: up times and repairs are exponential."""

    key: str
    mtbf_hours: float
    mttr_hours: float
    component: str | None = None  # the component whose instance or failover this is
    failover_chance: float = 0.0  # failover units: share of the component's instance failures that open one

    @property
    def availability(self) -> float:
        return self.mtbf_hours / (self.mtbf_hours + self.mttr_hours)

    @property
    def rate(self) -> float:
        """Failures per hour while up."""
        return 1.0 / self.mtbf_hours


@dataclass(frozen=True)
class Units:
    units: tuple[Unit, ...]
    depends: dict[tuple[str, int], tuple[int, ...]]  # instance -> the units it needs, its own first
    failover: dict[str, int]  # component -> its failover unit

    def index(self, key: str) -> int:
        return next(n for n, u in enumerate(self.units) if u.key == key)


def units(inv: Inventory, reliability: Reliability) -> Units:
    """The units of the components the application can need, in a stable order."""
    need = required(inv)
    needed = [cid for cid in inv.components if cid in need]
    table: list[Unit] = []
    index: dict[str, int] = {}

    def unit(
        key: str, mtbf: float, mttr_minutes: float, component: str | None = None, chance: float = 0.0
    ) -> int:
        if key not in index:
            index[key] = len(table)
            table.append(Unit(key, mtbf, mttr_minutes / 60.0, component, chance))
        return index[key]

    infra = reliability.infrastructure
    regional = {inv.placed(cid).provider for cid in needed if inv.placed(cid).region is not None}
    depends: dict[tuple[str, int], tuple[int, ...]] = {}
    failover: dict[str, int] = {}
    for cid in needed:
        c = inv.components[cid]
        where = inv.placed(cid)
        rates = reliability.kinds[c.kind]
        mtbf = c.mtbf_hours or rates.mtbf_hours
        mttr = c.mttr_minutes or rates.mttr_minutes
        shared: list[int] = []
        if where.provider in regional:
            p = infra["provider"]
            shared.append(unit(f"provider {where.provider}", p.mtbf_hours, p.mttr_minutes))
        if where.region is not None:
            r = infra["region"]
            shared.append(unit(f"region {where.provider}/{where.region}", r.mtbf_hours, r.mttr_minutes))
        fo: list[int] = []
        if c.failover is not None and c.instances > c.needs:
            minutes = c.failover.minutes
            if minutes is None:
                minutes = reliability.failover_minutes[c.failover.mode.value]
            if minutes > 0:
                fo.append(
                    unit(
                        f"failover {cid}",
                        mtbf / c.needs,
                        minutes,
                        component=cid,
                        chance=c.needs / c.instances,
                    )
                )
                failover[cid] = fo[0]
        for i in range(c.instances):
            own = unit(f"instance {cid}/{i}", mtbf, mttr, component=cid)
            zone = c.zone_of(i)
            z = infra["zone"]
            at = (
                [unit(f"zone {where.provider}/{where.region}/{zone}", z.mtbf_hours, z.mttr_minutes)]
                if zone
                else []
            )
            depends[(cid, i)] = (own, *at, *shared, *fo)
    return Units(tuple(table), depends, failover)
