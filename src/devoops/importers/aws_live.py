"""An `inventory:` section from the live AWS account, for when no Terraform state describes it
(or to check the state against what runs).

Each live resource is described in the values Terraform's state would hold for it (an RDS
instance's `multi_az`, `replicate_source_db`, `backup_retention_period`; an autoscaling group's
`desired_capacity` and zones), and the Terraform importer's own AWS mapping (`aws.MAPPERS`,
`inventory.Builder`) turns those into components: one set of rules for both, so an account
imported live and its Terraform state give the same inventory.

Read in every region asked: EC2 instances (those of an autoscaling group are its instances),
autoscaling groups, RDS instances and Aurora clusters, load balancers (v2 and classic), SQS
queues, S3 buckets in those regions; Route 53 zones (global). A part the credentials may not
read is named in the notes, never dropped quietly.
"""

from __future__ import annotations

import dataclasses
from collections import Counter
from collections.abc import Callable, Iterator
from functools import partial
from typing import Any

from ..base.errors import DevoopsError
from . import aws
from .aws_session import Denied, Failed, Identity, Session
from .inventory import Builder, Imported
from .tfstate import Resource, Skip

ASG_TAG = "aws:autoscaling:groupName"
GONE = ("shutting-down", "terminated")
# what the live account, unlike a Terraform state, says nothing about
NOTES = [
    "depends_on is empty: the account does not say which component calls which; add the "
    "dependencies (and `entry`) before trusting the scenarios",
    "datasets are not in the account's description: list the datasets each database, cache and bucket holds",
    "virtual machines and instance groups are mapped as kind app: make background ones kind worker",
    "EC2 instances sharing a Name tag in one region are one component's instances",
]


class Unreadable(DevoopsError):
    """The account could not be read at all: the credentials or the endpoint do not work."""

    exit_code = 3


def import_account(session: Session, regions: list[str] | None = None) -> Imported:
    """The account's resources in `regions` (default: every enabled region) as an inventory;
    raises Unreadable when the credentials or the endpoint do not work."""
    try:
        who = session.identity()
        unread: list[str] = []
        if not regions:
            try:
                regions = session.regions()
            except Denied as exc:
                regions = [session.home]
                unread.append(f"the enabled regions ({exc}): only {session.home} was read")
        resources = list(_described(session, who, regions, unread))
    except Failed as exc:
        raise Unreadable(f"cannot read the AWS account: {exc}") from None
    return _mapped(resources, who.account, [f"not read: {u}" for u in unread])


def _mapped(resources: list[Resource], account: str, unread: list[str]) -> Imported:
    """Terraform's AWS mappers over the live resources, sources before their replicas."""
    builder = Builder(resources)
    for r in sorted(resources, key=lambda r: "replicate_source_db" in r.values):
        try:
            aws.MAPPERS[r.type](builder, r)
        except Skip as exc:
            builder.skip(r, str(exc))
    imported = builder.finish()
    general = set(Builder([]).finish().notes)  # the builder's words for a Terraform state
    notes = [*NOTES, *unread, *(n for n in imported.notes if n not in general)]
    inventory = imported.inventory
    defaults = inventory.setdefault("defaults", {"provider": "aws"})
    if defaults.get("provider") == "aws" and "account" not in defaults:
        # buckets and zones carry no account in their ARN; every live resource is the caller's
        defaults["account"] = account
        inventory = {"defaults": defaults, **inventory}
    return dataclasses.replace(imported, inventory=inventory, notes=notes)


def _described(session: Session, who: Identity, regions: list[str], unread: list[str]) -> Iterator[Resource]:
    """Every resource as Terraform's state would describe it; parts denied are added to `unread`."""
    parts: list[tuple[str, Callable[[], list[Resource]]]] = []
    for region in regions:
        parts += [
            (f"{what} in {region}", partial(read, session, who, region))
            for what, read in (
                ("EC2 instances", _instances),
                ("autoscaling groups", _groups),
                ("RDS", _rds),
                ("load balancers", _balancers),
                ("SQS queues", _queues),
            )
        ]
    parts += [
        ("S3 buckets", partial(_buckets, session, who, regions)),
        ("Route 53 zones", partial(_zones, session, who)),
    ]
    found: list[Resource] = []
    for what, read in parts:
        try:
            found += read()
        except (Denied, Failed) as exc:  # the credentials work (identity said so): this part only
            unread.append(f"{what} ({exc})")
    named = Counter(r.address for r in found)
    for r in found:
        if named[r.address] > 1:  # the same name in several regions: each says which
            r = dataclasses.replace(r, address=f"{r.address}[{r.values.get('region', '')}]")
        yield r


def _arn(who: Identity, service: str, region: str, resource: str) -> str:
    return f"arn:{who.partition}:{service}:{region}:{who.account}:{resource}"


def _tags(tags: Any) -> dict[str, str]:
    return {t["Key"]: t.get("Value", "") for t in tags or [] if isinstance(t, dict) and "Key" in t}


def _instances(session: Session, who: Identity, region: str) -> list[Resource]:
    """Running and stopped instances; those an autoscaling group launched are its instances."""
    found = []
    for reservation in session.pages("ec2", "describe_instances", "Reservations", region=region) or []:
        for i in reservation.get("Instances", []):
            tags = _tags(i.get("Tags"))
            if i.get("State", {}).get("Name") in GONE or ASG_TAG in tags:
                continue
            iid = i["InstanceId"]
            values = {
                "arn": _arn(who, "ec2", region, f"instance/{iid}"),
                "availability_zone": i.get("Placement", {}).get("AvailabilityZone"),
                "region": region,
            }
            name = tags.get("Name") or iid
            found.append(Resource(f"aws_instance.{name}[{iid}]", "aws_instance", name, values))
    return found


def _groups(session: Session, who: Identity, region: str) -> list[Resource]:
    groups = session.pages("autoscaling", "describe_auto_scaling_groups", "AutoScalingGroups", region=region)
    return [
        Resource(
            f"aws_autoscaling_group.{g['AutoScalingGroupName']}",
            "aws_autoscaling_group",
            g["AutoScalingGroupName"],
            {
                "arn": g.get("AutoScalingGroupARN"),
                "desired_capacity": g.get("DesiredCapacity"),
                "availability_zones": g.get("AvailabilityZones", []),
                "region": region,
            },
        )
        for g in groups or []
    ]


def _rds(session: Session, who: Identity, region: str) -> list[Resource]:
    """DB instances, Aurora (and Multi-AZ DB) clusters with their member instances. A replica's
    source and a member's cluster are named by their ARNs, so a same-named database in another
    region is never taken for them."""
    found = []
    for c in session.pages("rds", "describe_db_clusters", "DBClusters", region=region) or []:
        name = c["DBClusterIdentifier"]
        values = {
            "cluster_identifier": _arn(who, "rds", region, f"cluster:{name}"),
            "arn": c.get("DBClusterArn"),
            "backup_retention_period": c.get("BackupRetentionPeriod"),
            "region": region,
        }
        found.append(Resource(f"aws_rds_cluster.{name}", "aws_rds_cluster", name, values))
    for d in session.pages("rds", "describe_db_instances", "DBInstances", region=region) or []:
        name = d["DBInstanceIdentifier"]
        common = {
            "arn": d.get("DBInstanceArn"),
            "availability_zone": d.get("AvailabilityZone"),
            "region": region,
        }
        if d.get("DBClusterIdentifier"):
            cluster = _arn(who, "rds", region, f"cluster:{d['DBClusterIdentifier']}")
            values = {**common, "cluster_identifier": cluster}
            found.append(
                Resource(f"aws_rds_cluster_instance.{name}", "aws_rds_cluster_instance", name, values)
            )
            continue
        source = d.get("ReadReplicaSourceDBInstanceIdentifier")
        if source and not source.startswith("arn:"):  # same region: the identifier alone
            source = _arn(who, "rds", region, f"db:{source}")
        values = {
            **common,
            "identifier": name,
            "multi_az": d.get("MultiAZ") is True,
            "backup_retention_period": d.get("BackupRetentionPeriod"),
            **({"replicate_source_db": source} if source else {}),
        }
        found.append(Resource(f"aws_db_instance.{name}", "aws_db_instance", name, values))
    return found


def _balancers(session: Session, who: Identity, region: str) -> list[Resource]:
    found = [
        Resource(
            f"aws_lb.{b['LoadBalancerName']}",
            "aws_lb",
            b["LoadBalancerName"],
            {"arn": b["LoadBalancerArn"], "region": region},
        )
        for b in session.pages("elbv2", "describe_load_balancers", "LoadBalancers", region=region) or []
    ]
    for b in session.pages("elb", "describe_load_balancers", "LoadBalancerDescriptions", region=region) or []:
        name = b["LoadBalancerName"]
        arn = _arn(who, "elasticloadbalancing", region, f"loadbalancer/{name}")
        found.append(Resource(f"aws_elb.{name}", "aws_elb", name, {"arn": arn, "region": region}))
    return found


def _queues(session: Session, who: Identity, region: str) -> list[Resource]:
    found = []
    for url in session.pages("sqs", "list_queues", "QueueUrls", region=region) or []:
        name = str(url).rstrip("/").rsplit("/", 1)[-1]
        arn = _arn(who, "sqs", region, name)
        found.append(Resource(f"aws_sqs_queue.{name}", "aws_sqs_queue", name, {"arn": arn, "region": region}))
    return found


def _buckets(session: Session, who: Identity, regions: list[str]) -> list[Resource]:
    """Buckets whose region is one of `regions`."""
    found = []
    for b in session.pages("s3", "list_buckets", "Buckets") or []:
        name = b["Name"]
        region = b.get("BucketRegion")  # listed since 2024; else asked of the bucket
        if not region:
            where = session.call("s3", "get_bucket_location", Bucket=name) or {}
            region = where.get("LocationConstraint") or "us-east-1"  # us-east-1 answers none
        region = "eu-west-1" if region == "EU" else region  # the oldest buckets' name for it
        if region in regions:
            values = {"region": region, "arn": f"arn:{who.partition}:s3:::{name}"}
            found.append(Resource(f"aws_s3_bucket.{name}", "aws_s3_bucket", name, values))
    return found


def _zones(session: Session, who: Identity) -> list[Resource]:
    found = []
    for z in session.pages("route53", "list_hosted_zones", "HostedZones") or []:
        name = str(z["Name"]).rstrip(".")
        zid = str(z["Id"]).rsplit("/", 1)[-1]
        values = {"arn": f"arn:{who.partition}:route53:::hostedzone/{zid}", "name": name}
        found.append(Resource(f"aws_route53_zone.{name}", "aws_route53_zone", name, values))
    return found
