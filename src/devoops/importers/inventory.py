"""The inventory as it is built from mapped resources: unique component ids, the shapes every
provider's mapping shares (virtual machines made with `count`, groups spread over zones,
databases with a standby, read replicas, the provider's snapshot store), and the finished
`Imported` with its defaults and notes.

Its own module so a provider's mapping says only what its resources are, and the rules for
turning them into components hold once for every provider.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from .tfstate import Resource

Comp = dict[str, Any]


@dataclass(frozen=True)
class Imported:
    """The inventory as plain data, ready to dump; what could not be mapped and why."""

    inventory: dict[str, Any]
    unmapped: list[str]
    reasons: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    mapped: dict[str, str] = field(default_factory=dict)  # resource address -> component id


class Builder:
    def __init__(self, resources: list[Resource]) -> None:
        self.resources = resources
        self.components: dict[str, Comp] = {}
        self.unmapped: list[str] = []
        self.reasons: dict[str, str] = {}
        self.mapped: dict[str, str] = {}
        self.notes: list[str] = []
        self.by_key: dict[tuple[str, str], str] = {}  # (type, identifier or arn) -> component id

    def skip(self, r: Resource, reason: str) -> None:
        self.unmapped.append(r.address)
        self.reasons[r.address] = reason

    def add(self, r: Resource, kind: str, provider: str, **fields: Any) -> str:
        cid = self._unique(_slug(r.name), _slug(f"{_module_name(r.address)}-{r.name}"))
        comp: Comp = {"kind": kind, "description": r.address, "provider": provider}
        comp.update(
            {k: v for k, v in fields.items() if v is not None and v != [] and (k, v) != ("instances", 1)}
        )
        self.components[cid] = comp
        self.mapped[r.address] = cid
        return cid

    def attach(self, r: Resource, cid: str) -> None:
        """A resource that is part of a component already mapped (a cluster's instance)."""
        self.mapped[r.address] = cid

    def backup_target(self, provider: str, account: str | None, region: str | None, label: str) -> str:
        """The provider's own snapshot store: same account, so an account takeover reaches it."""
        key = ("backup", f"{provider}/{account}/{region}/{label}")
        if key not in self.by_key:
            cid = self._unique(_slug(f"{label}-backups" + (f"-{region}" if region else "")))
            self.components[cid] = {
                "kind": "backup_target",
                "description": f"{label} automated backups (the provider's snapshot store)",
                "provider": provider,
                **({"account": account} if account else {}),
                **({"region": region} if region else {}),
            }
            self.by_key[key] = cid
        return self.by_key[key]

    def add_vm(self, r: Resource, provider: str, account: str | None, zone: str, region: str) -> None:
        """Copies made with `count` or `for_each` (`web[0]`, `web[1]`) are one component's instances."""
        group = re.sub(r"\[[^\]]*\]$", "", r.address)
        cid = self.by_key.get(("vm", group))
        c = self.components.get(cid or "")
        if cid is None or c is None or group == r.address or c.get("region") != region:
            cid = self.add(r, "app", provider, account=account, region=region, zones=[zone])
            self.by_key[("vm", group)] = cid
            return
        c["instances"] = c.get("instances", 1) + 1
        if zone not in c["zones"]:
            c["zones"].append(zone)
        c["description"] = group
        self.attach(r, cid)

    def group_zones(self, r: Resource, zones: list[str], instances: int) -> list[str]:
        """A group smaller than its zone list relaunches a lost instance in another zone within
        minutes, so pinning it to the first zones would make a zone outage take it down for
        hours: such a group is regional (no zones), which a zone outage does not reach."""
        if instances >= len(zones):
            return zones
        self.notes.append(
            f"{r.address} runs {instances} instance(s) over {len(zones)} zones and relaunches a lost "
            "one in another zone: imported as regional (no zones)"
        )
        return []

    def add_database(
        self,
        r: Resource,
        provider: str,
        account: str | None,
        region: str,
        zone: str | None,
        standby: bool,
        backups: list[dict[str, Any]],
    ) -> str:
        """One database instance in its zone, or with a standby in another zone (RDS Multi-AZ,
        Cloud SQL regional) that holds every write before its commit returns: failover
        automatic, replication sync, and no one zone."""
        return self.add(
            r,
            "database",
            provider,
            account=account,
            region=region,
            zones=[] if standby or zone is None else [zone],
            instances=2 if standby else 1,
            failover="automatic" if standby else None,
            replication="sync" if standby else None,
            backups=backups,
        )

    def fold_replica(self, r: Resource, kind: str, source: str, zone: str | None, region: str) -> bool:
        """A same-region read replica becomes a spare of its source (promoted by hand); one in
        another region, or of a source not in this state, stays its own component."""
        cid = self.by_key.get((kind, source)) or self.by_key.get((kind, source.rsplit(":", 1)[-1]))
        if cid is None:
            self.notes.append(
                f"{r.address} replicates {source}, which is not in this state: kept as its own database"
            )
            return False
        c = self.components[cid]
        if c.get("region") != region:
            self.notes.append(f"{r.address} is a cross-region replica of {cid}: kept as its own database")
            return False
        if c.get("replication") == "sync":
            self.notes.append(
                f"{r.address} is an asynchronous read replica of {cid}: counted as one more instance of it; "
                f"{cid} stays replication sync, which its standby is"
            )
        before = c.get("instances", 1)
        c["instances"] = before + 1
        c.setdefault("failover", "manual")
        if zone is not None and c.get("zones") and len(c["zones"]) == before and zone not in c["zones"]:
            c["zones"] = [*c["zones"], zone]
        elif c.get("zones"):
            c["zones"] = c["zones"][: c["instances"]]
        self.attach(r, cid)
        return True

    def _unique(self, base: str, qualified: str | None = None) -> str:
        if base in self.components and qualified:
            base = qualified
        cid, n = base, 2
        while cid in self.components:
            cid = f"{base[:60]}-{n}"
            n += 1
        return cid

    def finish(self) -> Imported:
        for r in self.resources:
            if r.address not in self.mapped and r.address not in self.reasons:
                self.skip(r, "part of a resource that is not mapped")
        defaults: dict[str, str] = {}
        placed = [(c["provider"], c.get("account")) for c in self.components.values()]
        if placed:
            (provider, account), _ = Counter(placed).most_common(1)[0]
            defaults["provider"] = provider
            if account:
                defaults["account"] = account
            for c in self.components.values():
                if c["provider"] == provider:
                    del c["provider"]
                    if c.get("account") == account and account:
                        del c["account"]
        notes = [
            "depends_on is empty: Terraform state does not say which component calls which; add the "
            "dependencies (and `entry`) before trusting the scenarios",
            "datasets are not in the state: list the datasets each database, cache and bucket holds",
            "virtual machines and instance groups are mapped as kind app: make background ones kind worker",
            *self.notes,
        ]
        if self.unmapped:
            notes.append(f"{len(self.unmapped)} resource(s) not mapped: add them by hand if they matter")
        inventory: dict[str, Any] = {}
        if defaults:
            inventory["defaults"] = defaults
        inventory["components"] = self.components
        return Imported(inventory, self.unmapped, self.reasons, notes, self.mapped)


Mapper = Callable[[Builder, Resource], None]
"""A resource type's mapping: adds the resource's component, attaches it to one, or raises Skip."""


def _module_name(address: str) -> str:
    """`module.app.module.db.aws_db_instance.this` -> `db`; the root module has none."""
    parts = address.split(".")
    names = [parts[i + 1] for i in range(len(parts) - 1) if parts[i] == "module"]
    return re.sub(r"\[.*$", "", names[-1]) if names else ""


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_")[:60]
    return slug if slug else "component"
