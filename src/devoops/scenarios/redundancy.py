"""What-if changes that add redundancy: a replica, a second zone, automatic failover, a second
DNS provider, a second region. Each reshapes the inventory and so what a catastrophe does."""

from __future__ import annotations

import string

from ..model.inventory import AnyOf, Component, Failover, FailoverMode, Inventory, Kind, Replication
from ..model.lens import Reliability
from ..model.workload import Workload
from .edit import Dependency, component, dumped, either, inventory, new_id, own, rebuilt, with_failover
from .topology import required

ZONED = frozenset({Kind.APP, Kind.WORKER, Kind.DATABASE, Kind.CACHE, Kind.QUEUE, Kind.LOAD_BALANCER})
DNS_HOSTS = ("ns1", "cloudflare", "route53", "gcp-dns", "dnsimple")
SECOND = "dr"  # what a second region holds is named `<id>-dr`, in `<region>-dr`

# Only kinds whose instances a team runs or sizes: a managed load balancer, CDN, DNS, object
# store, backup vault, CI/CD, secrets store or identity service is replicated by its provider,
# and one more "instance" of it is nothing anyone can buy. Stateful stores (database, cache,
# queue) are priced as a database replica, processes as another application instance.
REPLICA_PRACTICE: dict[Kind | None, tuple[str, ...]] = {
    Kind.DATABASE: ("db.replica",),
    Kind.CACHE: ("db.replica",),
    Kind.QUEUE: ("db.replica",),
    Kind.APP: ("redundancy.app-instances",),
    Kind.WORKER: ("redundancy.app-instances",),
}


def replica_applies(w: Workload, arg: str | None) -> bool:
    c = component(w, arg)
    return c.kind in REPLICA_PRACTICE and c.delay_minutes == 0 and c.instances < 10_000


def add_replica(w: Workload, arg: str | None, rel: Reliability) -> Workload:
    assert arg is not None
    components = dumped(inventory(w))
    components[arg] = with_failover(own(components, arg), component(w, arg).instances + 1)
    return rebuilt(w, components)


def multi_zone_applies(w: Workload, arg: str | None) -> bool:
    """Only a zoned component in one zone: a regional one (a region, no zones) is already out
    of a zone outage's reach, and a global one has no zones to spread over."""
    c = component(w, arg)
    return (
        c.kind in ZONED
        and len(c.zones) == 1
        and c.delay_minutes == 0
        and inventory(w).placed(arg or "").region is not None
    )


def zones_for(inv: Inventory, cid: str) -> list[str]:
    """Two zones for `cid`: its own first, then zones other components use in the same region,
    then new names in the style the region's zones already have (`eu-west-1b`), else
    `<region>-b`."""
    here = inv.placed(cid)
    region = here.region or ""
    chosen = list(inv.components[cid].zones)
    for other, c in inv.components.items():
        placed = inv.placed(other)
        if (placed.provider, placed.region) == (here.provider, here.region):
            chosen += [z for z in c.zones if z not in chosen]
    glued = any(len(z) == len(region) + 1 and z.startswith(region) for z in chosen)
    letters = (f"{region}{'' if glued else '-'}{letter}" for letter in string.ascii_lowercase)
    while len(chosen) < 2:
        chosen += [next(z for z in letters if z not in chosen)]
    return chosen[:2]


def multi_zone(w: Workload, arg: str | None, rel: Reliability) -> Workload:
    assert arg is not None
    inv = inventory(w)
    components = dumped(inv)
    c = inv.components[arg]
    components[arg] = {
        **with_failover(own(components, arg), max(c.instances, 2)),
        "zones": zones_for(inv, arg),
    }
    return rebuilt(w, components)


def automatic_applies(w: Workload, arg: str | None) -> bool:
    c = component(w, arg)
    return c.failover is not None and c.failover.mode == FailoverMode.MANUAL


def automatic(w: Workload, arg: str | None, rel: Reliability) -> Workload:
    assert arg is not None
    components = dumped(inventory(w))
    components[arg] = {**own(components, arg), "failover": Failover(mode=FailoverMode.AUTOMATIC).model_dump()}
    return rebuilt(w, components)


def single_dns(inv: Inventory) -> list[str]:
    """DNS components something depends on directly, not as one of alternatives."""
    dns = {cid for cid, c in inv.components.items() if c.kind == Kind.DNS}
    return [
        cid
        for cid in inv.components
        if cid in dns and any(dep == cid for c in inv.components.values() for dep in c.depends_on)
    ]


def second_dns_applies(w: Workload, arg: str | None) -> bool:
    return bool(single_dns(inventory(w)))


def second_dns(w: Workload, arg: str | None, rel: Reliability) -> Workload:
    inv = inventory(w)
    components = dumped(inv)
    used = {inv.placed(cid).provider for cid in inv.components}
    seconds: dict[str, str] = {}
    for cid in single_dns(inv):
        provider = next((p for p in DNS_HOSTS if p not in used), None) or new_id(used, "dns-host")
        used.add(provider)
        new = new_id(components, f"{cid}-second")
        original = inv.components[cid]
        components[new] = Component(
            kind=Kind.DNS,
            description=f"second DNS provider beside {cid}",
            provider=provider,
            depends_on=original.depends_on,
            mtbf_hours=original.mtbf_hours,
            mttr_minutes=original.mttr_minutes,
        ).model_dump()
        seconds[cid] = new
    for cid, c in inv.components.items():
        own(components, cid)["depends_on"] = either(c.depends_on, seconds)
    return rebuilt(w, components)


def home(inv: Inventory) -> tuple[str, str] | None:
    """The one (provider, region) every regional part of the application runs in; None when
    the application already spans regions, or has no regional part."""
    places = {(p.provider, p.region) for cid in required(inv) if (p := inv.placed(cid)).region is not None}
    return next(iter(places)) if len(places) == 1 else None


def second_region_applies(w: Workload, arg: str | None) -> bool:
    return home(inventory(w)) is not None


def second_region(w: Workload, arg: str | None, rel: Reliability) -> Workload:
    """A warm copy of every part of the application placed in its home region, in a second
    region of the same provider and account (its data replicated asynchronously, its backups
    left to the originals), and a global, health-checked traffic steering in front of the
    entries that moved, so either region serves."""
    inv = inventory(w)
    where = home(inv)
    assert where is not None
    provider, region = where
    components = dumped(inv)
    needed = required(inv)
    copied = [
        cid
        for cid in inv.components
        if cid in needed and (inv.placed(cid).provider, inv.placed(cid).region) == where
    ]
    names: dict[str, str] = {}
    for cid in copied:
        names[cid] = new_id({*components, *names.values()}, f"{cid}-{SECOND}")

    def renamed(dep: str | AnyOf) -> Dependency:
        if isinstance(dep, AnyOf):
            return {"any_of": [names.get(a, a) for a in dep.any_of]}
        return names.get(dep, dep)

    for cid in copied:
        c = inv.components[cid]
        components[names[cid]] = c.model_dump() | {
            "description": f"{cid} in a second region, kept warm",
            "provider": provider,
            "account": inv.placed(cid).account,
            "region": f"{region}-{SECOND}",
            "zones": [f"{z}-{SECOND}" for z in c.zones],
            "site": None,
            "backups": [],
            "depends_on": [renamed(d) for d in c.depends_on],
            "replication": Replication.ASYNC if c.datasets else c.replication,
        }
    for cid, c in inv.components.items():
        if cid not in copied:
            own(components, cid)["depends_on"] = either(c.depends_on, names)
    entries = inv.entries()
    moved = [e for e in entries if e in names]
    if moved:
        used = {inv.placed(cid).provider for cid in inv.components}
        front = new_id(components, "traffic-steering")
        components[front] = Component(
            kind=Kind.LOAD_BALANCER,
            description="global, health-checked steering between the two regions",
            provider=new_id(used, "global-steering"),
            depends_on=[AnyOf(any_of=[e, names[e]]) for e in moved],
        ).model_dump()
        entries = [front, *(e for e in entries if e not in names)]
    return rebuilt(w, components, entry=entries)
