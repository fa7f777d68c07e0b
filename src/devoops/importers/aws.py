"""AWS resources as inventory components: instances and auto-scaling groups, RDS instances and
Aurora clusters, ElastiCache, S3, Route 53, load balancers, CloudFront and SQS.

Its own module because AWS places things its own way: region and account from the ARN (and
from the zone's name when the ARN has none), a cluster's members as resources of their own.
"""

from __future__ import annotations

import re
from typing import Any

from .inventory import Builder, Mapper
from .tfstate import Resource, Skip, integer, need, nodes, string, strings


def _arn(values: dict[str, Any]) -> tuple[str | None, str | None]:
    """(region, account) from an ARN: arn:partition:service:region:account:resource."""
    parts = (string(values, "arn") or "").split(":")
    if len(parts) < 6 or parts[0] != "arn":
        return None, None
    account = parts[4] if re.fullmatch(r"\d{12}", parts[4]) else None
    return parts[3] or None, account


def _region(zone: str) -> str:
    return re.sub(r"(?<=\d)[a-z]$", "", zone)


def _placed(r: Resource, zones: list[str]) -> tuple[str, str | None]:
    """(region, account) from the ARN, the region else from the first zone's name."""
    region, account = _arn(r.values)
    return need(region or (_region(zones[0]) if zones else None), "region (arn or zones)"), account


def _account_of(b: Builder, r: Resource) -> str | None:
    """Buckets' and zones' ARNs carry no account: the one AWS account of the state, if one."""
    accounts = {a for x in b.resources if x.type.startswith("aws_") and (a := _arn(x.values)[1])}
    return _arn(r.values)[1] or (accounts.pop() if len(accounts) == 1 else None)


def _capped(zones: list[str], instances: int) -> list[str]:
    return zones[:instances]


def _instance(b: Builder, r: Resource) -> None:
    zone = need(string(r.values, "availability_zone"), "availability_zone")
    b.add_vm(r, "aws", _arn(r.values)[1], zone, _region(zone))


def _asg(b: Builder, r: Resource) -> None:
    need(integer(r.values, "desired_capacity"), "desired_capacity")
    n = nodes(r.values, "desired_capacity")
    zones = strings(r.values, "availability_zones")
    region, account = _placed(r, zones)
    b.add(r, "app", "aws", account=account, region=region, zones=b.group_zones(r, zones, n), instances=n)


def _rds_backup(b: Builder, r: Resource, account: str | None, region: str | None) -> list[dict[str, Any]]:
    days = integer(r.values, "backup_retention_period") or 0
    if days <= 0:
        return []
    return [
        {"to": b.backup_target("aws", account, region, "rds"), "every_minutes": 1440, "point_in_time": True}
    ]


def _db_instance(b: Builder, r: Resource) -> None:
    region, account = _arn(r.values)
    zone = string(r.values, "availability_zone")
    region = need(region or (zone and _region(zone)), "region (arn or availability_zone)")
    source = string(r.values, "replicate_source_db")
    if source is not None and b.fold_replica(r, "aws_db_instance", source, zone, region):
        return
    backups = _rds_backup(b, r, account, region) if source is None else []
    cid = b.add_database(r, "aws", account, region, zone, r.values.get("multi_az") is True, backups)
    for key in ("identifier", "arn"):
        if value := string(r.values, key):
            b.by_key[("aws_db_instance", value)] = cid


def _rds_cluster(b: Builder, r: Resource) -> None:
    name = need(string(r.values, "cluster_identifier"), "cluster_identifier")
    members = [
        m
        for m in b.resources
        if m.type == "aws_rds_cluster_instance" and m.values.get("cluster_identifier") == name
    ]
    if not members:
        raise Skip("no aws_rds_cluster_instance of this cluster in the state")
    zones = [z for m in members if (z := string(m.values, "availability_zone"))]
    region, account = _placed(r, zones)
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


def _member(cluster_type: str, key: str) -> Mapper:
    """A member of a cluster is mapped by its cluster; alone it cannot be placed."""

    def check(b: Builder, r: Resource) -> None:
        if not any(x.type == cluster_type and x.values.get(key) == r.values.get(key) for x in b.resources):
            raise Skip(f"its {cluster_type} is not in the state")

    return check


def _elasticache_group(b: Builder, r: Resource) -> None:
    n = nodes(r.values, "num_cache_clusters", "number_cache_clusters")
    zones = _capped(strings(r.values, "preferred_cache_cluster_azs"), n)
    region, account = _placed(r, zones)
    failover = "automatic" if r.values.get("automatic_failover_enabled") is True and n > 1 else None
    cid = b.add(
        r, "cache", "aws", account=account, region=region, zones=zones, instances=n, failover=failover
    )
    group = string(r.values, "replication_group_id")
    for m in b.resources:
        if group and m.type == "aws_elasticache_cluster" and m.values.get("replication_group_id") == group:
            b.attach(m, cid)


def _elasticache_cluster(b: Builder, r: Resource) -> None:
    if string(r.values, "replication_group_id"):
        _member("aws_elasticache_replication_group", "replication_group_id")(b, r)
        return
    n = nodes(r.values, "num_cache_nodes")
    zone = string(r.values, "availability_zone")
    zones = _capped(strings(r.values, "preferred_availability_zones") or ([zone] if zone else []), n)
    region, account = _placed(r, zones)
    b.add(r, "cache", "aws", account=account, region=region, zones=zones, instances=n)


def _s3_bucket(b: Builder, r: Resource) -> None:
    region = need(string(r.values, "region") or _arn(r.values)[0], "region")
    b.add(r, "object_storage", "aws", account=_account_of(b, r), region=region)


def _regional(kind: str) -> Mapper:
    """A regional service (load balancers, queues): region and account from its ARN."""

    def mapper(b: Builder, r: Resource) -> None:
        region, account = _arn(r.values)
        b.add(r, kind, "aws", account=account, region=need(region, "arn"))

    return mapper


def _global(kind: str) -> Mapper:
    """A global service (DNS zones, CDN distributions): no region, the account as `_account_of`."""

    def mapper(b: Builder, r: Resource) -> None:
        b.add(r, kind, "aws", account=_account_of(b, r))

    return mapper


MAPPERS: dict[str, Mapper] = {
    "aws_instance": _instance,
    "aws_autoscaling_group": _asg,
    "aws_db_instance": _db_instance,
    "aws_rds_cluster": _rds_cluster,
    "aws_rds_cluster_instance": _member("aws_rds_cluster", "cluster_identifier"),
    "aws_elasticache_replication_group": _elasticache_group,
    "aws_elasticache_cluster": _elasticache_cluster,
    "aws_s3_bucket": _s3_bucket,
    "aws_route53_zone": _global("dns"),
    "aws_lb": _regional("load_balancer"),
    "aws_alb": _regional("load_balancer"),
    "aws_elb": _regional("load_balancer"),
    "aws_cloudfront_distribution": _global("cdn"),
    "aws_sqs_queue": _regional("queue"),
}
