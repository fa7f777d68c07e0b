"""What every occurrence of every scenario reads: the inventory, the lens's figures, the
dataset targets, the money, and the state of the practices the scenarios depend on."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cached_property

from ..model.answers import Criticality
from ..model.common import Horizon
from ..model.inventory import Component, Inventory, Kind, Placement
from ..model.lens import Lens
from ..model.targets import DatasetTarget, Targets
from ..model.workload import Workload
from .topology import Instance, required, rule

AS_CODE = "infra.as-code"
TEAM = "team access"  # a space: no component id can take it

Account = tuple[str, str]  # (provider, account)


def judged_by(targets: Targets) -> str:
    """What of the targets a context reads (the datasets' targets and the error budget): two
    horizons alike in it see the same occurrences, only priced at their own money."""
    return targets.model_dump_json(include={"data": True, "availability": {"error_budget_minutes_per_month"}})


@dataclass(frozen=True)
class Context:
    """`w.practices` holds every practice's state as the assessment resolved it (evidence, then
    the inventory, then the answers): the scenarios read the odds and the trust from it."""

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
    def serves(self) -> Callable[[Callable[[str], int]], bool]:
        """`topology.serves` for this inventory: every occurrence asks it."""
        return rule(self.inv)

    @cached_property
    def way_in(self) -> Callable[[Callable[[str], int]], bool]:
        """Whether the team can still reach production: the one rule of `topology.serves`,
        asked of a stand-in entry that depends on what the team reaches production through."""
        team = Component(kind=Kind.ACCESS, depends_on=self.inv.team_access)
        stand_in = self.inv.model_copy(
            update={"components": {**self.inv.components, TEAM: team}, "entry": [TEAM]}
        )
        reaches = rule(stand_in)
        return lambda alive: reaches(lambda cid: 1 if cid == TEAM else alive(cid))

    @cached_property
    def sizes(self) -> dict[str, int]:
        """Each component's instances: all alive until an occurrence hits some."""
        return {cid: c.instances for cid, c in self.inv.components.items()}

    @cached_property
    def instances_of(self) -> dict[str, tuple[Instance, ...]]:
        return {cid: tuple((cid, i) for i in range(c.instances)) for cid, c in self.inv.components.items()}

    @cached_property
    def zoned(self) -> dict[str, dict[str | None, list[Instance]]]:
        """Each component's instances by the zone they sit in (None: it names no zone); they
        fill the zones in turn (`Component.zone_of`), so each zone holds every n-th."""
        found: dict[str, dict[str | None, list[Instance]]] = {}
        for cid, c in self.inv.components.items():
            xs, n = self.instances_of[cid], len(c.zones) or 1
            found[cid] = {c.zone_of(j): list(xs[j::n]) for j in range(min(n, c.instances))}
        return found

    def choice(self, practice: str) -> str | None:
        state = self.w.practices.get(practice)
        return state.choice if state is not None else None

    @cached_property
    def rebuild_minutes(self) -> float:
        """Recreating lost infrastructure: the inventory's figure, else fast only with
        infrastructure as code at its best choice."""
        if self.inv.rebuild_hours is not None:
            return self.inv.rebuild_hours * 60
        practice = self.lens.practice(AS_CODE)
        as_code = practice is not None and self.choice(AS_CODE) == practice.best.id
        return self.lens.reliability.rebuild_hours["as_code" if as_code else "by_hand"] * 60

    @cached_property
    def recovery_target(self) -> float:
        """The application is back when its lifeblood data is: the tightest lifeblood RTO,
        else the month's error budget."""
        rtos = [d.rto_minutes for d in self.targets.data if d.criticality == Criticality.LIFEBLOOD]
        return min(rtos) if rtos else self.targets.availability.error_budget_minutes_per_month

    @cached_property
    def per_hour(self) -> float:
        return self.w.answers.reliability.downtime_cost_per_hour.at(self.horizon)

    @cached_property
    def per_incident(self) -> float:
        return self.w.answers.reliability.incident_cost.at(self.horizon)

    @cached_property
    def placement(self) -> dict[str, Placement]:
        """Where each component runs, worked out once: every occurrence asks."""
        return {cid: self.inv.placed(cid) for cid in self.inv.components}

    def account(self, cid: str) -> Account | None:
        p = self.placement[cid]
        return (p.provider, p.account) if p.account is not None else None

    def holders(self, dataset: str) -> list[str]:
        return self._holders.get(dataset, [])

    @cached_property
    def _holders(self) -> dict[str, list[str]]:
        found: dict[str, list[str]] = {}
        for cid, c in self.inv.components.items():
            for d in c.datasets:
                found.setdefault(d, []).append(cid)
        return found

    def failover_minutes(self, c: Component) -> float:
        if c.failover is None:
            return 0.0
        if c.failover.minutes is not None:
            return c.failover.minutes
        return self.lens.reliability.failover_minutes[c.failover.mode.value]
