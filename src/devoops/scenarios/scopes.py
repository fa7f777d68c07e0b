"""What one occurrence of a scenario hits, for every value of its scope in the inventory, and
how often it happens there.

This module knows scopes and odds, never a scenario by name, so a scenario added in a user's
lens file runs like a shipped one.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..model.inventory import Kind
from ..model.lens import ScenarioDef, Scope
from .context import Context
from .facts import component_choice
from .topology import Instance


@dataclass(frozen=True)
class Hit:
    """One occurrence: the scope value it names, the instances (or the dataset) it hits, the
    component it is about when it is about one, and how often it happens a year."""

    scope: str
    down: frozenset[Instance]
    dataset: str | None = None
    component: str | None = None
    rate: float = 0.0
    vault: bool = False


def occurrences(s: ScenarioDef, ctx: Context) -> list[Hit]:
    """Every value of the scenario's scope in the inventory, each with what it hits and its rate."""
    return [
        Hit(
            h.scope,
            h.down,
            h.dataset,
            h.component,
            s.per_year * odds(s, ctx, h.component) * (s.vault_odds if h.vault else 1.0),
        )
        for h in _hits(s, ctx)
    ]


def odds(s: ScenarioDef, ctx: Context, component: str | None = None) -> float:
    """The product of the factors of the preventing practices' choices; a practice without a
    known choice counts 1 (the base rate is that of a company nothing is known about). For an
    occurrence about one component, what its inventory entry declares settles the choice."""
    factor = 1.0
    for practice, factors in s.odds.items():
        answered = ctx.choice(practice)
        choice = answered
        if component is not None:
            choice = component_choice(ctx.inv.components[component], practice, answered) or answered
        factor *= factors.get(choice or "", 1.0)
    return factor


def _hits(s: ScenarioDef, ctx: Context) -> list[Hit]:
    inv = ctx.inv
    # a registrar being down does not stop resolution (the delegation stays): only a scenario
    # naming the kind (a lapse, a hijack) reaches it
    comps = {
        cid: c for cid, c in inv.components.items() if c.kind != Kind.REGISTRAR or Kind.REGISTRAR in s.kinds
    }
    placed = {cid: ctx.placement[cid] for cid in comps}

    def whole(cids: Iterable[str]) -> frozenset[Instance]:
        return frozenset(x for cid in cids for x in ctx.instances_of[cid])

    def grouped(label: Callable[[str, str | None], str | None]) -> list[Hit]:
        """The instances by the label of the zone each sits in (none: left out)."""
        keys: dict[str, list[Instance]] = {}
        for cid in comps:
            for zone, xs in ctx.zoned[cid].items():
                if (key := label(cid, zone)) is not None:
                    keys.setdefault(key, []).extend(xs)
        return [Hit(key, frozenset(keys[key])) for key in sorted(keys)]

    if s.scope == Scope.ZONE:
        return grouped(
            lambda cid, z: None if z is None else f"zone {placed[cid].provider}/{placed[cid].region}/{z}"
        )
    if s.scope == Scope.SITE:
        return grouped(inv.site)
    if s.scope == Scope.REGION:
        regions = sorted({(p.provider, p.region) for p in placed.values() if p.region is not None})
        return [
            Hit(f"region {p}/{r}", whole(c for c, pl in placed.items() if (pl.provider, pl.region) == (p, r)))
            for p, r in regions
        ]
    if s.scope == Scope.PROVIDER:
        providers = sorted({p.provider for p in placed.values()})
        return [
            Hit(f"provider {p}", whole(c for c, pl in placed.items() if pl.provider == p)) for p in providers
        ]
    if s.scope == Scope.ACCOUNT:
        accounts = sorted({a for cid in comps if (a := ctx.account(cid)) is not None})
        targets = {b.to for c in inv.components.values() for b in c.backups}
        within = {a: [c for c in comps if ctx.account(c) == a] for a in accounts}
        return [
            Hit(f"account {p}/{a}", whole(within[p, a]), vault=all(c in targets for c in within[p, a]))
            for p, a in accounts
        ]
    if s.scope == Scope.CERTIFICATE:
        names = sorted({c.certificate for c in comps.values() if c.certificate is not None})
        return [
            Hit(f"certificate {n}", whole(cid for cid, c in comps.items() if c.certificate == n))
            for n in names
        ]
    kinds = [cid for cid, c in comps.items() if c.kind in s.kinds]
    if s.scope == Scope.KIND and s.per == "component":
        return [Hit(f"component {cid}", whole([cid]), component=cid) for cid in kinds]
    if s.scope == Scope.KIND and s.per == "service":
        # a regional service: placed in a region, spread over its zones by the provider
        services = sorted(
            {
                (placed[cid].provider, region, comps[cid].kind.value)
                for cid in kinds
                if (region := placed[cid].region) is not None and not comps[cid].zones
            }
        )
        return [
            Hit(
                f"service {p}/{r} {k}",
                whole(
                    c
                    for c in kinds
                    if (placed[c].provider, placed[c].region, comps[c].kind.value) == (p, r, k)
                    and not comps[c].zones
                ),
            )
            for p, r, k in services
        ]
    if s.scope == Scope.KIND:
        providers = sorted({placed[cid].provider for cid in kinds})
        return [Hit(f"provider {p}", whole(c for c in kinds if placed[c].provider == p)) for p in providers]
    if s.scope == Scope.DATASET:
        held = {d for c in inv.components.values() for d in c.datasets}
        return [
            Hit(f"dataset {d.name}", frozenset(), d.name)
            for d in ctx.w.answers.data.datasets
            if d.name in held
        ]
    if s.scope == Scope.CREDENTIALS:
        everywhere = {p.account for p in placed.values() if p.account is not None}
        hits = []
        for cid in kinds:
            access = comps[cid].access
            reach = set(access) if access is not None else everywhere
            hits.append(
                Hit(f"credentials of {cid}", whole(c for c, pl in placed.items() if pl.account in reach))
            )
        return hits
    # production: every account the application's components live in
    production = {a for cid in ctx.needed & comps.keys() if (a := ctx.account(cid)) is not None}
    if not production:
        return []
    named = ", ".join(f"{p}/{a}" for p, a in sorted(production))
    return [Hit(f"accounts {named}", whole(c for c in comps if ctx.account(c) in production))]
