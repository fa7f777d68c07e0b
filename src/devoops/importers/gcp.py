"""Google Cloud resources as inventory components: instances and managed instance groups, Cloud
SQL, Cloud Storage, Cloud DNS, forwarding rules and Memorystore for Redis.

Its own module because Google Cloud places things its own way: the project as the account,
the region from a zone's name, settings as nested blocks.
"""

from __future__ import annotations

from .inventory import Builder, Mapper
from .tfstate import Resource, Skip, block, integer, need, nodes, string, strings


def _region(zone: str) -> str:
    return zone.rsplit("-", 1)[0]


def _instance(b: Builder, r: Resource) -> None:
    zone = need(string(r.values, "zone"), "zone")
    b.add_vm(r, "gcp", string(r.values, "project"), zone, _region(zone))


def _group(b: Builder, r: Resource) -> None:
    need(integer(r.values, "target_size"), "target_size")
    n = nodes(r.values, "target_size")
    zone = string(r.values, "zone")
    zones = strings(r.values, "distribution_policy_zones") or ([zone] if zone else [])
    region = need(string(r.values, "region") or (_region(zones[0]) if zones else None), "region or zone")
    zones = b.group_zones(r, zones, n)
    b.add(r, "app", "gcp", account=string(r.values, "project"), region=region, zones=zones, instances=n)


def _sql(b: Builder, r: Resource) -> None:
    region = need(string(r.values, "region"), "region")
    project = string(r.values, "project")
    settings = block(r.values, "settings")
    zone = string(block(settings, "location_preference"), "zone")
    master = string(r.values, "master_instance_name")
    if master is not None and b.fold_replica(r, "google_sql_database_instance", master, zone, region):
        return
    regional = settings.get("availability_type") == "REGIONAL"
    backup = block(settings, "backup_configuration")
    backups = []
    if backup.get("enabled") is True and master is None:
        pitr = (
            backup.get("point_in_time_recovery_enabled") is True or backup.get("binary_log_enabled") is True
        )
        target = b.backup_target("gcp", project, region, "cloudsql")
        backups.append({"to": target, "every_minutes": 1440, "point_in_time": pitr})
    cid = b.add_database(r, "gcp", project, region, zone, regional, backups)
    if name := string(r.values, "name"):
        b.by_key[("google_sql_database_instance", name)] = cid


def _bucket(b: Builder, r: Resource) -> None:
    location = need(string(r.values, "location"), "location").lower()
    region = location if "-" in location else None  # EU, US, ASIA: multi-region, out of one region's reach
    b.add(r, "object_storage", "gcp", account=string(r.values, "project"), region=region)


def _dns(b: Builder, r: Resource) -> None:
    b.add(r, "dns", "gcp", account=string(r.values, "project"))


def _forwarding(b: Builder, r: Resource) -> None:
    region = string(r.values, "region") if r.type == "google_compute_forwarding_rule" else None
    if r.type == "google_compute_forwarding_rule" and region is None:
        raise Skip("no region in the state")
    b.add(r, "load_balancer", "gcp", account=string(r.values, "project"), region=region)


def _redis(b: Builder, r: Resource) -> None:
    """Standard tier replicates asynchronously: the replica may lag, so replication stays async."""
    region = need(string(r.values, "region"), "region")
    ha = r.values.get("tier") == "STANDARD_HA"
    zones = [z for key in ("location_id", "alternative_location_id") if (z := string(r.values, key))]
    b.add(
        r,
        "cache",
        "gcp",
        account=string(r.values, "project"),
        region=region,
        zones=zones[: 2 if ha else 1],
        instances=2 if ha else 1,
        failover="automatic" if ha else None,
    )


MAPPERS: dict[str, Mapper] = {
    "google_compute_instance": _instance,
    "google_compute_instance_group_manager": _group,
    "google_compute_region_instance_group_manager": _group,
    "google_sql_database_instance": _sql,
    "google_storage_bucket": _bucket,
    "google_dns_managed_zone": _dns,
    "google_compute_forwarding_rule": _forwarding,
    "google_compute_global_forwarding_rule": _forwarding,
    "google_redis_instance": _redis,
}
