"""The inventory as a dependency graph, and the one rule that says whether the application is up.

A component is up while at least `needs` of its instances are up and every dependency holds;
an `any_of` dependency holds while one of its alternatives is up. The application is up
while every entry component is. Scenarios, the availability model and the Monte Carlo all
ask this one function, so they cannot disagree about what "up" means.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import networkx as nx

from ..model.inventory import AnyOf, Inventory, Kind

Instance = tuple[str, int]  # (component id, instance index)


def instances(inv: Inventory) -> Iterator[Instance]:
    for cid, c in inv.components.items():
        for i in range(c.instances):
            yield cid, i


def graph(inv: Inventory) -> nx.DiGraph[str]:
    """An edge a -> b says a depends on b; an `any_of` edge carries the group it belongs to."""
    g: nx.DiGraph[str] = nx.DiGraph()
    g.add_nodes_from(inv.components)
    for cid, c in inv.components.items():
        for n, dep in enumerate(c.depends_on):
            targets = dep.any_of if isinstance(dep, AnyOf) else [dep]
            for target in targets:
                g.add_edge(cid, target, group=n if isinstance(dep, AnyOf) else None)
    return g


Step = tuple[str, int, list[tuple[str, ...]]]  # (component, needs, alternatives per dependency)


def _walk(inv: Inventory) -> list[Step]:
    """Every component the entries reach, each after everything it depends on (the loader
    refuses cycles), with its dependencies as groups of alternatives."""
    steps: list[Step] = []
    seen: set[str] = set()

    def visit(cid: str) -> None:
        if cid in seen:
            return
        seen.add(cid)
        c = inv.components[cid]
        groups = [tuple(dep.any_of) if isinstance(dep, AnyOf) else (dep,) for dep in c.depends_on]
        for group in groups:
            for other in group:
                visit(other)
        steps.append((cid, c.needs, groups))

    for entry in inv.entries():
        visit(entry)
    return steps


def required(inv: Inventory) -> set[str]:
    """Every component the application can need: the entries and all they depend on."""
    return {cid for cid, _, _ in _walk(inv)}


def app_up(inv: Inventory, down: Callable[[str, int], bool]) -> bool:
    """Whether the application serves while the instances for which `down(cid, i)` is true are down."""
    return serves(inv, lambda cid: sum(not down(cid, i) for i in range(inv.components[cid].instances)))


def serves(inv: Inventory, alive: Callable[[str], int]) -> bool:
    """The rule itself, on how many instances of each component are up: the instances of a
    component are interchangeable to it, so a count says all it needs."""
    return rule(inv)(alive)


def rule(inv: Inventory) -> Callable[[Callable[[str], int]], bool]:
    """`serves` with the inventory's walk laid out once, for callers that ask it of many counts
    of one inventory: a component is down when too few of its instances are up, a dependency
    is down, or every alternative of an `any_of` is."""
    steps = [
        (cid, needs, {g[0] for g in groups if len(g) == 1}, [g for g in groups if len(g) > 1])
        for cid, needs, groups in _walk(inv)
    ]
    entries = inv.entries()

    def up(alive: Callable[[str], int]) -> bool:
        down: set[str] = set()
        for cid, needs, single, groups in steps:
            # while nothing is down, only a component's own count can take it down
            if (
                alive(cid) < needs
                or down
                and (not down.isdisjoint(single) or any(down.issuperset(g) for g in groups))
            ):
                down.add(cid)
        return down.isdisjoint(entries)

    return up


def serving(inv: Inventory) -> Inventory:
    """The inventory as the availability model sees it. A registrar's own outages do not stop
    name resolution (the registry keeps the delegation), so registrars and dependencies on them
    are left out; a lapse or a hijack is a scenario, not a failure rate."""
    gone = {cid for cid, c in inv.components.items() if c.kind == Kind.REGISTRAR}
    if not gone:
        return inv
    kept = {}
    for cid, c in inv.components.items():
        if cid in gone:
            continue
        deps: list[str | AnyOf] = []
        for dep in c.depends_on:
            if isinstance(dep, str):
                deps += [] if dep in gone else [dep]
            elif not gone & set(dep.any_of):  # an alternative that never fails always holds
                deps.append(dep)
        kept[cid] = c if len(deps) == len(c.depends_on) else c.model_copy(update={"depends_on": deps})
    entry = [e for e in inv.entry if e not in gone]
    return inv.model_copy(update={"components": kept, "entry": entry})
