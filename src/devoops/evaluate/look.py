"""The inventory as the rules that read practices off it see it: its datasets worth a backup,
their copies, its databases, its buildings; and what a rule returns."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from ..model.answers import Criticality
from ..model.inventory import Backup, Component, Kind
from ..model.lens import Lens
from ..model.workload import Workload

Path = tuple[str | int, ...]
COMPONENTS: Path = ("inventory", "components")


@dataclass(frozen=True)
class Shown:
    choices: tuple[str, ...]
    reason: str
    at: Path


@dataclass(frozen=True)
class Copy:
    holder: str
    index: int
    backup: Backup

    @property
    def at(self) -> Path:
        return (*COMPONENTS, self.holder, "backups", self.index)


class Look:
    """The inventory with the questions every rule asks of it."""

    def __init__(self, w: Workload, lens: Lens) -> None:
        from ..scenarios.topology import required  # networkx, only with an inventory

        assert w.inventory is not None
        self.w, self.lens, self.inv = w, lens, w.inventory
        self.needed = required(self.inv)

    def c(self, cid: str) -> Component:
        return self.inv.components[cid]

    def same_account(self, a: str, b: str) -> bool:
        pa, pb = self.inv.placed(a), self.inv.placed(b)
        return pa.provider == pb.provider and pa.account == pb.account

    def held(self) -> list[str]:
        """The answers' datasets worth a backup (lifeblood and important: expendable data is
        rebuilt) that the inventory holds somewhere, in answer order."""
        names = {d for c in self.inv.components.values() for d in c.datasets}
        return [
            d.name
            for d in self.w.answers.data.datasets
            if d.name in names and d.criticality != Criticality.EXPENDABLE
        ]

    def holders(self, dataset: str) -> list[str]:
        return [cid for cid, c in self.inv.components.items() if dataset in c.datasets]

    def copies(self, dataset: str, mirrors: bool = False) -> list[Copy]:
        return [
            Copy(h, n, b)
            for h in self.holders(dataset)
            for n, b in enumerate(self.c(h).backups)
            if mirrors or not b.mirror
        ]

    def databases(self) -> list[str]:
        """Databases holding data worth a backup live (not delayed copies)."""
        held = set(self.held())
        return [
            cid
            for cid, c in self.inv.components.items()
            if c.kind == Kind.DATABASE and held & set(c.datasets) and not c.delay_minutes
        ]

    def score(self, practice: str, choice: str) -> float:
        p = self.lens.practice(practice)
        found = p.choice(choice) if p is not None else None
        return found.score if found is not None else 0.0


def weakest(look: Look, practice: str, shown: Iterable[Shown]) -> Shown | None:
    """Of several parts (datasets, databases), the one in the weakest state speaks for all."""
    return min(shown, key=lambda s: look.score(practice, s.choices[0]), default=None)
