"""What the inventory shows of the practices that keep the application reachable: its DNS,
its regions, zones and spares, its datastores' exposure and passwords, the team's way in."""

from __future__ import annotations

from collections.abc import Callable

from ..model.inventory import AnyOf, Exposure, Kind
from ..scenarios.facts import DATASTORES
from .look import COMPONENTS, Look, Shown


def dns(look: Look) -> Shown | None:
    """A DNS the application depends on alone decides; alternatives on two providers agree
    with a second provider, synced or not (the inventory cannot tell)."""
    inv = look.inv
    production = {cid for cid in look.needed if inv.components[cid].kind not in (Kind.DNS, Kind.REGISTRAR)}
    for cid in sorted(look.needed):
        for n, dep in enumerate(inv.components[cid].depends_on):
            if isinstance(dep, str) and inv.components[dep].kind == Kind.DNS:
                at = (*COMPONENTS, cid, "depends_on", n)
                if look.inv.sites(dep) & {s for p in production for s in look.inv.sites(p)}:
                    return Shown(
                        ("self-hosted",), f"{cid} depends on {dep} alone, in production's own building", at
                    )
                if inv.placed(dep).provider in {inv.placed(p).provider for p in production}:
                    return Shown(
                        ("cloud-vendor-only",),
                        f"{cid} depends on {dep} alone, at production's own provider",
                        at,
                    )
                return Shown(("single-independent",), f"{cid} depends on {dep} alone", at)
    for cid in sorted(look.needed):
        for n, dep in enumerate(inv.components[cid].depends_on):
            if isinstance(dep, AnyOf) and any(inv.components[a].kind == Kind.DNS for a in dep.any_of):
                names = ", ".join(dep.any_of)
                return Shown(
                    ("secondary-unsynced", "multi-provider"),
                    f"{cid} depends on any of {names}",
                    (*COMPONENTS, cid, "depends_on", n),
                )
    return None


def region(look: Look) -> Shown | None:
    """One region: backups elsewhere or not. Several: a second region only if the application
    survives the loss of each."""
    from ..scenarios.topology import app_up

    inv = look.inv
    regions = sorted(
        {(p.provider, p.region) for cid in look.needed if (p := inv.placed(cid)).region is not None}
    )

    def region_down(where: tuple[str, str | None]) -> Callable[[str, int], bool]:
        return lambda cid, i: (inv.placed(cid).provider, inv.placed(cid).region) == where

    if len(regions) > 1:
        if not all(app_up(inv, region_down(where)) for where in regions):
            return None
        return Shown(
            ("pilot-light", "active-active"),
            "the application survives the loss of any one region",
            COMPONENTS,
        )
    if not regions:
        return None
    ((provider, home),) = regions
    elsewhere = [
        c for d in look.held() for c in look.copies(d) if inv.placed(c.backup.to).region not in (home, None)
    ]
    if elsewhere:
        return Shown(
            ("backups-other-region",),
            f"the application runs in {provider}/{home} alone; backups go to another region",
            elsewhere[0].at,
        )
    return Shown(("none",), f"the application and its backups are in {provider}/{home} alone", COMPONENTS)


def zones(look: Look) -> Shown | None:
    """Apps and databases spread over buildings (two sites, or a regional service) or not."""
    inv = look.inv
    apps = [
        cid
        for cid in sorted(look.needed)
        if inv.components[cid].kind in (Kind.APP, Kind.WORKER, Kind.LOAD_BALANCER)
    ]
    dbs = [cid for cid in look.databases() if cid in look.needed]
    placed = [cid for cid in apps + dbs if inv.placed(cid).region is not None or inv.components[cid].site]
    if not placed:
        return None

    def spread(cid: str) -> bool:
        c = inv.components[cid]
        return len(look.inv.sites(cid)) >= 2 or (
            inv.placed(cid).region is not None and not c.zones and not c.site
        )

    narrow = [cid for cid in apps + dbs if not spread(cid)]
    if not narrow:
        return Shown(("multi-zone",), "the application and its databases span buildings", COMPONENTS)
    at = (*COMPONENTS, narrow[0])
    if all(spread(cid) for cid in apps):
        return Shown(("app-multi-zone",), f"{narrow[0]} sits in one building", at)
    return Shown(("single-zone", "single-host"), f"{narrow[0]} sits in one building", at)


def app_instances(look: Look) -> Shown | None:
    apps = [cid for cid in sorted(look.needed) if look.c(cid).kind == Kind.APP]
    for cid in apps:
        if look.c(cid).instances == look.c(cid).needs:
            return Shown(("single",), f"{cid} has no spare instance", (*COMPONENTS, cid))
    if apps:
        return Shown(
            ("multi-same-host", "multi-host", "multi-host-self-healing"),
            f"{', '.join(apps)} have spares",
            COMPONENTS,
        )
    return None


def exposure(look: Look) -> Shown | None:
    stores = {cid: c for cid, c in look.inv.components.items() if c.kind in DATASTORES}
    for level, choice in ((Exposure.INTERNET, "public-open"), (Exposure.ALLOWLISTED, "public-allowlisted")):
        for cid, c in stores.items():
            if c.exposure == level:
                return Shown(
                    (choice,),
                    f"{cid} is reachable from {'the internet' if level == Exposure.INTERNET else 'allowlisted addresses'}",
                    (*COMPONENTS, cid, "exposure"),
                )
    if stores and all(c.exposure == Exposure.PRIVATE for c in stores.values()):
        return Shown(("private",), "every datastore is private", COMPONENTS)
    return None


def authentication(look: Look) -> Shown | None:
    stores = {cid: c for cid, c in look.inv.components.items() if c.kind in DATASTORES}
    for cid, c in stores.items():
        if c.authentication is False:
            return Shown(
                ("none",), f"{cid} answers anyone who reaches it", (*COMPONENTS, cid, "authentication")
            )
    if stores and all(c.authentication for c in stores.values()):
        return Shown(("shared", "per-service"), "every datastore requires credentials", COMPONENTS)
    return None


def way_in(look: Look) -> Shown | None:
    access = look.inv.team_access
    if not access:
        return None
    single = [(n, d) for n, d in enumerate(access) if isinstance(d, str)]
    if single:
        n, d = single[0]
        return Shown(
            ("none",), f"the team reaches production only through {d}", ("inventory", "team_access", n)
        )
    return Shown(
        ("untested", "independent"),
        "the team has another way in for every part",
        ("inventory", "team_access"),
    )
