"""An `inventory:` section from `terraform show -json` state, so nobody types out what
Terraform already knows.

The state says where things run and how many of them there are; it does not say what
depends on what or which dataset lives where, so those are left for the user and named in
the notes. A resource that cannot be mapped is listed with the reason, never dropped quietly.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

Loc = tuple[str | int, ...]
Comp = dict[str, Any]


class StateError(ValueError):
    """The document is not `terraform show -json` output; `loc` is where it goes wrong."""

    def __init__(self, loc: Loc, message: str) -> None:
        super().__init__(message)
        self.loc = loc


@dataclass(frozen=True)
class Imported:
    """The inventory as plain data, ready to dump; what could not be mapped and why."""

    inventory: dict[str, Any]
    unmapped: list[str]
    reasons: dict[str, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)
    mapped: dict[str, str] = field(default_factory=dict)  # resource address -> component id


class _Skip(Exception):
    """A known resource type without the values the mapping needs."""


@dataclass
class _Resource:
    address: str
    type: str
    name: str
    values: dict[str, Any]


def import_state(document: Any) -> Imported:
    """Map the managed resources of a state document to components; raises StateError when
    the document does not have the documented shape."""
    resources = list(_resources(document))
    builder = _Builder(resources)
    for r in sorted(resources, key=_is_replica):  # a replica joins its source, mapped first
        mapper = _MAPPERS.get(r.type)
        if mapper is None:
            builder.skip(r, f"type {r.type} is not mapped")
            continue
        try:
            mapper(builder, r)
        except _Skip as exc:
            builder.skip(r, str(exc))
    return builder.finish()


def _is_replica(r: _Resource) -> bool:
    return any(_str(r.values, key) for key in ("replicate_source_db", "master_instance_name"))


def _resources(document: Any) -> Iterator[_Resource]:
    if not isinstance(document, dict):
        raise StateError((), "expected a JSON object from `terraform show -json`")
    if not isinstance(document.get("format_version"), str):
        raise StateError(("format_version",), "missing format_version: not `terraform show -json` output")
    values = document.get("values", {})
    if not isinstance(values, dict):
        raise StateError(("values",), "values should be an object")
    if "root_module" in values:
        yield from _module(values["root_module"], ("values", "root_module"))


def _module(module: Any, loc: Loc) -> Iterator[_Resource]:
    if not isinstance(module, dict):
        raise StateError(loc, "a module should be an object")
    for key in ("resources", "child_modules"):
        if not isinstance(module.get(key, []), list):
            raise StateError((*loc, key), f"{key} should be a list")
    for n, r in enumerate(module.get("resources", [])):
        at = (*loc, "resources", n)
        if not isinstance(r, dict):
            raise StateError(at, "a resource should be an object")
        for key in ("address", "type", "name"):
            if not isinstance(r.get(key), str) or not r[key]:
                raise StateError((*at, key), f"a resource needs a string {key}")
        if r.get("mode", "managed") == "data":
            continue
        values = r.get("values")
        yield _Resource(r["address"], r["type"], r["name"], values if isinstance(values, dict) else {})
    for n, child in enumerate(module.get("child_modules", [])):
        yield from _module(child, (*loc, "child_modules", n))


class _Builder:
    def __init__(self, resources: list[_Resource]) -> None:
        self.resources = resources
        self.components: dict[str, Comp] = {}
        self.unmapped: list[str] = []
        self.reasons: dict[str, str] = {}
        self.mapped: dict[str, str] = {}
        self.notes: list[str] = []
        self.by_key: dict[tuple[str, str], str] = {}  # (type, identifier or arn) -> component id

    def skip(self, r: _Resource, reason: str) -> None:
        self.unmapped.append(r.address)
        self.reasons[r.address] = reason

    def add(self, r: _Resource, kind: str, provider: str, **fields: Any) -> str:
        cid = self._unique(_slug(r.name), _slug(f"{_module_name(r.address)}-{r.name}"))
        comp: Comp = {"kind": kind, "description": r.address, "provider": provider}
        comp.update(
            {k: v for k, v in fields.items() if v is not None and v != [] and (k, v) != ("instances", 1)}
        )
        self.components[cid] = comp
        self.mapped[r.address] = cid
        return cid

    def attach(self, r: _Resource, cid: str) -> None:
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

    def add_vm(self, r: _Resource, provider: str, account: str | None, zone: str, region: str) -> None:
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


def _module_name(address: str) -> str:
    """`module.app.module.db.aws_db_instance.this` -> `db`; the root module has none."""
    parts = address.split(".")
    names = [parts[i + 1] for i in range(len(parts) - 1) if parts[i] == "module"]
    return re.sub(r"\[.*$", "", names[-1]) if names else ""


def _slug(name: str) -> str:
    slug = re.sub(r"[^a-z0-9_-]+", "-", name.lower()).strip("-_")[:60]
    return slug if slug else "component"


def _str(values: dict[str, Any], key: str) -> str | None:
    value = values.get(key)
    return value if isinstance(value, str) and value else None


def _int(values: dict[str, Any], key: str) -> int | None:
    value = values.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _count(values: dict[str, Any], *keys: str) -> int:
    """How many nodes a cluster runs: the first count present, which must be 1 or more."""
    n = next((v for key in keys if (v := _int(values, key)) is not None), 1)
    if not 1 <= n <= 10_000:
        raise _Skip(f"{n} nodes: expected 1 to 10000")
    return n


def _strs(values: dict[str, Any], key: str) -> list[str]:
    value = values.get(key)
    if not isinstance(value, list):
        return []
    return list(dict.fromkeys(v for v in value if isinstance(v, str) and v))


def _block(values: dict[str, Any], key: str) -> dict[str, Any]:
    """A nested block: state stores it as a list of one object."""
    value = values.get(key)
    if isinstance(value, list) and value and isinstance(value[0], dict):
        return value[0]
    return value if isinstance(value, dict) else {}


def _need(value: Any, what: str) -> Any:
    if value is None:
        raise _Skip(f"no {what} in the state")
    return value


def _arn(values: dict[str, Any]) -> tuple[str | None, str | None]:
    """(region, account) from an ARN: arn:partition:service:region:account:resource."""
    parts = (_str(values, "arn") or "").split(":")
    if len(parts) < 6 or parts[0] != "arn":
        return None, None
    account = parts[4] if re.fullmatch(r"\d{12}", parts[4]) else None
    return parts[3] or None, account


def _aws_region(zone: str) -> str:
    return re.sub(r"(?<=\d)[a-z]$", "", zone)


def _gcp_region(zone: str) -> str:
    return zone.rsplit("-", 1)[0]


def _capped(zones: list[str], instances: int) -> list[str]:
    return zones[:instances]


def _group_zones(b: _Builder, r: _Resource, zones: list[str], instances: int) -> list[str]:
    """A group smaller than its zone list relaunches a lost instance in another zone within
    minutes, so pinning it to the first zones would make a zone outage take it down for
    hours: such a group is regional (no zones), which a zone outage does not reach."""
    if instances >= len(zones):
        return zones
    b.notes.append(
        f"{r.address} runs {instances} instance(s) over {len(zones)} zones and relaunches a lost "
        "one in another zone: imported as regional (no zones)"
    )
    return []


def _aws_instance(b: _Builder, r: _Resource) -> None:
    zone = _need(_str(r.values, "availability_zone"), "availability_zone")
    b.add_vm(r, "aws", _arn(r.values)[1], zone, _aws_region(zone))


def _aws_asg(b: _Builder, r: _Resource) -> None:
    _need(_int(r.values, "desired_capacity"), "desired_capacity")
    n = _count(r.values, "desired_capacity")
    zones = _strs(r.values, "availability_zones")
    region, account = _arn(r.values)
    region = _need(region or (_aws_region(zones[0]) if zones else None), "region (arn or zones)")
    b.add(r, "app", "aws", account=account, region=region, zones=_group_zones(b, r, zones, n), instances=n)


def _rds_backup(b: _Builder, r: _Resource, account: str | None, region: str | None) -> list[dict[str, Any]]:
    days = _int(r.values, "backup_retention_period") or 0
    if days <= 0:
        return []
    return [
        {"to": b.backup_target("aws", account, region, "rds"), "every_minutes": 1440, "point_in_time": True}
    ]


def _aws_db_instance(b: _Builder, r: _Resource) -> None:
    region, account = _arn(r.values)
    zone = _str(r.values, "availability_zone")
    region = _need(region or (zone and _aws_region(zone)), "region (arn or availability_zone)")
    source = _str(r.values, "replicate_source_db")
    if source is not None and _fold_replica(b, r, "aws_db_instance", source, zone, region):
        return
    multi = r.values.get("multi_az") is True
    backups = _rds_backup(b, r, account, region) if source is None else []
    cid = b.add(
        r,
        "database",
        "aws",
        account=account,
        region=region,
        zones=[] if multi or zone is None else [zone],
        instances=2 if multi else 1,
        failover="automatic" if multi else None,
        replication="sync" if multi else None,  # the standby is written before a commit returns
        backups=backups,
    )
    for key in ("identifier", "arn"):
        if value := _str(r.values, key):
            b.by_key[("aws_db_instance", value)] = cid


def _fold_replica(b: _Builder, r: _Resource, kind: str, source: str, zone: str | None, region: str) -> bool:
    """A same-region read replica becomes a spare of its source (promoted by hand); one in
    another region, or of a source not in this state, stays its own component."""
    cid = b.by_key.get((kind, source)) or b.by_key.get((kind, source.rsplit(":", 1)[-1]))
    if cid is None:
        b.notes.append(
            f"{r.address} replicates {source}, which is not in this state: kept as its own database"
        )
        return False
    c = b.components[cid]
    if c.get("region") != region:
        b.notes.append(f"{r.address} is a cross-region replica of {cid}: kept as its own database")
        return False
    if c.get("replication") == "sync":
        b.notes.append(
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
    b.attach(r, cid)
    return True


def _aws_rds_cluster(b: _Builder, r: _Resource) -> None:
    name = _need(_str(r.values, "cluster_identifier"), "cluster_identifier")
    members = [
        m
        for m in b.resources
        if m.type == "aws_rds_cluster_instance" and m.values.get("cluster_identifier") == name
    ]
    if not members:
        raise _Skip("no aws_rds_cluster_instance of this cluster in the state")
    region, account = _arn(r.values)
    zones = [z for m in members if (z := _str(m.values, "availability_zone"))]
    region = _need(region or (_aws_region(zones[0]) if zones else None), "region (arn or zones)")
    n = len(members)
    cid = b.add(
        r,
        "database",
        "aws",
        account=account,
        region=region,
        zones=zones if len(set(zones)) == n else [],
        instances=n,
        failover="automatic" if n > 1 else None,
        replication="sync" if n > 1 else None,  # every instance reads the one storage volume
        backups=_rds_backup(b, r, account, region),
    )
    b.by_key[("aws_rds_cluster", name)] = cid
    for m in members:
        b.attach(m, cid)


def _member(cluster_type: str, key: str) -> Callable[[_Builder, _Resource], None]:
    """A member of a cluster is mapped by its cluster; alone it cannot be placed."""

    def check(b: _Builder, r: _Resource) -> None:
        if not any(x.type == cluster_type and x.values.get(key) == r.values.get(key) for x in b.resources):
            raise _Skip(f"its {cluster_type} is not in the state")

    return check


def _aws_elasticache_group(b: _Builder, r: _Resource) -> None:
    region, account = _arn(r.values)
    n = _count(r.values, "num_cache_clusters", "number_cache_clusters")
    zones = _capped(_strs(r.values, "preferred_cache_cluster_azs"), n)
    region = _need(region or (_aws_region(zones[0]) if zones else None), "region (arn or zones)")
    failover = "automatic" if r.values.get("automatic_failover_enabled") is True and n > 1 else None
    cid = b.add(
        r, "cache", "aws", account=account, region=region, zones=zones, instances=n, failover=failover
    )
    group = _str(r.values, "replication_group_id")
    for m in b.resources:
        if group and m.type == "aws_elasticache_cluster" and m.values.get("replication_group_id") == group:
            b.attach(m, cid)


def _aws_elasticache_cluster(b: _Builder, r: _Resource) -> None:
    if _str(r.values, "replication_group_id"):
        _member("aws_elasticache_replication_group", "replication_group_id")(b, r)
        return
    region, account = _arn(r.values)
    n = _count(r.values, "num_cache_nodes")
    zone = _str(r.values, "availability_zone")
    zones = _capped(_strs(r.values, "preferred_availability_zones") or ([zone] if zone else []), n)
    region = _need(region or (_aws_region(zones[0]) if zones else None), "region (arn or zones)")
    b.add(r, "cache", "aws", account=account, region=region, zones=zones, instances=n)


def _aws_s3_bucket(b: _Builder, r: _Resource) -> None:
    region = _need(_str(r.values, "region") or _arn(r.values)[0], "region")
    b.add(r, "object_storage", "aws", account=_account_of(b, r), region=region)


def _account_of(b: _Builder, r: _Resource) -> str | None:
    """Buckets' and zones' ARNs carry no account: the one AWS account of the state, if one."""
    accounts = {a for x in b.resources if x.type.startswith("aws_") and (a := _arn(x.values)[1])}
    return _arn(r.values)[1] or (accounts.pop() if len(accounts) == 1 else None)


def _aws_route53(b: _Builder, r: _Resource) -> None:
    b.add(r, "dns", "aws", account=_account_of(b, r))


def _aws_lb(b: _Builder, r: _Resource) -> None:
    region, account = _arn(r.values)
    b.add(r, "load_balancer", "aws", account=account, region=_need(region, "arn"))


def _aws_cloudfront(b: _Builder, r: _Resource) -> None:
    b.add(r, "cdn", "aws", account=_account_of(b, r))


def _aws_sqs(b: _Builder, r: _Resource) -> None:
    region, account = _arn(r.values)
    b.add(r, "queue", "aws", account=account, region=_need(region, "arn"))


def _gcp_instance(b: _Builder, r: _Resource) -> None:
    zone = _need(_str(r.values, "zone"), "zone")
    b.add_vm(r, "gcp", _str(r.values, "project"), zone, _gcp_region(zone))


def _gcp_group(b: _Builder, r: _Resource) -> None:
    _need(_int(r.values, "target_size"), "target_size")
    n = _count(r.values, "target_size")
    zone = _str(r.values, "zone")
    zones = _strs(r.values, "distribution_policy_zones") or ([zone] if zone else [])
    region = _need(_str(r.values, "region") or (_gcp_region(zones[0]) if zones else None), "region or zone")
    zones = _group_zones(b, r, zones, n)
    b.add(r, "app", "gcp", account=_str(r.values, "project"), region=region, zones=zones, instances=n)


def _gcp_sql(b: _Builder, r: _Resource) -> None:
    region = _need(_str(r.values, "region"), "region")
    project = _str(r.values, "project")
    settings = _block(r.values, "settings")
    zone = _str(_block(settings, "location_preference"), "zone")
    master = _str(r.values, "master_instance_name")
    if master is not None and _fold_replica(b, r, "google_sql_database_instance", master, zone, region):
        return
    regional = settings.get("availability_type") == "REGIONAL"
    backup = _block(settings, "backup_configuration")
    backups = []
    if backup.get("enabled") is True and master is None:
        pitr = (
            backup.get("point_in_time_recovery_enabled") is True or backup.get("binary_log_enabled") is True
        )
        target = b.backup_target("gcp", project, region, "cloudsql")
        backups.append({"to": target, "every_minutes": 1440, "point_in_time": pitr})
    cid = b.add(
        r,
        "database",
        "gcp",
        account=project,
        region=region,
        zones=[] if regional or zone is None else [zone],
        instances=2 if regional else 1,
        failover="automatic" if regional else None,
        replication="sync" if regional else None,  # both zones' disks hold a write before commit
        backups=backups,
    )
    if name := _str(r.values, "name"):
        b.by_key[("google_sql_database_instance", name)] = cid


def _gcp_bucket(b: _Builder, r: _Resource) -> None:
    location = _need(_str(r.values, "location"), "location").lower()
    region = location if "-" in location else None  # EU, US, ASIA: multi-region, out of one region's reach
    b.add(r, "object_storage", "gcp", account=_str(r.values, "project"), region=region)


def _gcp_dns(b: _Builder, r: _Resource) -> None:
    b.add(r, "dns", "gcp", account=_str(r.values, "project"))


def _gcp_forwarding(b: _Builder, r: _Resource) -> None:
    region = _str(r.values, "region") if r.type == "google_compute_forwarding_rule" else None
    if r.type == "google_compute_forwarding_rule" and region is None:
        raise _Skip("no region in the state")
    b.add(r, "load_balancer", "gcp", account=_str(r.values, "project"), region=region)


def _gcp_redis(b: _Builder, r: _Resource) -> None:
    """Standard tier replicates asynchronously: the replica may lag, so replication stays async."""
    region = _need(_str(r.values, "region"), "region")
    ha = r.values.get("tier") == "STANDARD_HA"
    zones = [z for key in ("location_id", "alternative_location_id") if (z := _str(r.values, key))]
    b.add(
        r,
        "cache",
        "gcp",
        account=_str(r.values, "project"),
        region=region,
        zones=zones[: 2 if ha else 1],
        instances=2 if ha else 1,
        failover="automatic" if ha else None,
    )


_MAPPERS: dict[str, Callable[[_Builder, _Resource], None]] = {
    "aws_instance": _aws_instance,
    "aws_autoscaling_group": _aws_asg,
    "aws_db_instance": _aws_db_instance,
    "aws_rds_cluster": _aws_rds_cluster,
    "aws_rds_cluster_instance": _member("aws_rds_cluster", "cluster_identifier"),
    "aws_elasticache_replication_group": _aws_elasticache_group,
    "aws_elasticache_cluster": _aws_elasticache_cluster,
    "aws_s3_bucket": _aws_s3_bucket,
    "aws_route53_zone": _aws_route53,
    "aws_lb": _aws_lb,
    "aws_alb": _aws_lb,
    "aws_elb": _aws_lb,
    "aws_cloudfront_distribution": _aws_cloudfront,
    "aws_sqs_queue": _aws_sqs,
    "google_compute_instance": _gcp_instance,
    "google_compute_instance_group_manager": _gcp_group,
    "google_compute_region_instance_group_manager": _gcp_group,
    "google_sql_database_instance": _gcp_sql,
    "google_storage_bucket": _gcp_bucket,
    "google_dns_managed_zone": _gcp_dns,
    "google_compute_forwarding_rule": _gcp_forwarding,
    "google_compute_global_forwarding_rule": _gcp_forwarding,
    "google_redis_instance": _gcp_redis,
}
