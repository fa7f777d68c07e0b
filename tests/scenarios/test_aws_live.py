"""`devoops inventory import aws`: the live account, here an account of its own in moto's
standalone server on loopback with resources made through boto3, mapped by the Terraform
importer's own rules into the same shape, and loaded by the real workload loader."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from devoops.api.workload import load_workload
from devoops.importers.terraform import import_state
from devoops.model.lens import Lens

from ..helpers import cli
from ..probes.moto_accounts import REGION, MotoAccount, aws, enforced, use
from ..probes.support import free_port

__all__ = ["aws"]  # the fixture, used by name

HEAD = """app: {name: shop, stage: mvp}
answers:
  reliability: {downtime_cost_per_hour: 100}
  traffic: {baseline_rps: 10}
  security: {breach_survival: damaged}
  engineering: {team_size: 3}
"""
AMI = "ami-12c6146b"  # an image moto knows


def build(a: MotoAccount) -> None:
    """Machines, a group, databases, storage, DNS, balancers and a queue, in eu-west-1 (and a
    bucket in us-east-1, which a read of eu-west-1 leaves out)."""
    ec2 = a.client("ec2")
    web = [{"ResourceType": "instance", "Tags": [{"Key": "Name", "Value": "web"}]}]
    ec2.run_instances(
        ImageId=AMI,
        MinCount=2,
        MaxCount=2,
        Placement={"AvailabilityZone": f"{REGION}b"},
        TagSpecifications=web,
    )
    ec2.run_instances(ImageId=AMI, MinCount=1, MaxCount=1, Placement={"AvailabilityZone": f"{REGION}a"})
    asg = a.client("autoscaling")
    asg.create_launch_configuration(LaunchConfigurationName="api", ImageId=AMI, InstanceType="t3.micro")
    asg.create_auto_scaling_group(
        AutoScalingGroupName="api",
        LaunchConfigurationName="api",
        MinSize=3,
        MaxSize=3,
        DesiredCapacity=3,
        AvailabilityZones=[f"{REGION}a", f"{REGION}b", f"{REGION}c"],
    )
    rds = a.client("rds")
    common = {
        "Engine": "postgres",
        "DBInstanceClass": "db.t3.micro",
        "MasterUsername": "owner",
        "AllocatedStorage": 20,
    }
    rds.create_db_instance(
        DBInstanceIdentifier="orders",
        MasterUserPassword="not-a-secret-1",
        MultiAZ=True,
        BackupRetentionPeriod=7,
        **common,
    )
    rds.create_db_instance_read_replica(DBInstanceIdentifier="orders-ro", SourceDBInstanceIdentifier="orders")
    rds.create_db_instance(
        DBInstanceIdentifier="reports",
        MasterUserPassword="not-a-secret-2",
        BackupRetentionPeriod=0,
        AvailabilityZone=f"{REGION}c",
        **common,
    )
    rds.create_db_cluster(
        DBClusterIdentifier="ledger",
        Engine="aurora-postgresql",
        MasterUsername="owner",
        MasterUserPassword="not-a-secret-3",
    )
    for n in (1, 2):
        rds.create_db_instance(
            DBInstanceIdentifier=f"ledger-{n}",
            DBClusterIdentifier="ledger",
            Engine="aurora-postgresql",
            DBInstanceClass="db.r5.large",
        )
    a.bucket(f"uploads-{a.id}")
    a.bucket(f"far-{a.id}", region="us-east-1")
    a.client("route53", "us-east-1").create_hosted_zone(Name="shop.example", CallerReference="shop")
    subnets = [s["SubnetId"] for s in ec2.describe_subnets()["Subnets"]][:2]
    a.client("elbv2").create_load_balancer(Name="front", Subnets=subnets)
    a.client("elb").create_load_balancer(
        LoadBalancerName="legacy",
        Listeners=[{"Protocol": "HTTP", "LoadBalancerPort": 80, "InstancePort": 80}],
        AvailabilityZones=[f"{REGION}a"],
    )
    a.client("sqs").create_queue(QueueName="jobs")


def imported(tmp_path: Path, *args: str) -> tuple[Any, dict[str, Any]]:
    out = tmp_path / "inventory.yaml"
    done = cli("inventory", "import", "aws", *args, "-o", out)
    assert done.returncode == 0, done.stderr
    return done, YAML(typ="safe").load(out.read_text())["inventory"]


def test_the_live_account_maps_like_its_terraform_state(
    aws: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, lens: Lens
) -> None:
    a = MotoAccount(aws)
    use(monkeypatch, a.credentials())
    build(a)
    _, inv = imported(tmp_path, "--region", REGION, "--endpoint-url", aws)
    c = inv["components"]
    assert inv["defaults"] == {"provider": "aws", "account": a.id}
    assert c["web"] == {
        "kind": "app",
        "description": "aws_instance.web",
        "region": REGION,
        "zones": [f"{REGION}b"],
        "instances": 2,
    }
    (solo,) = [cid for cid in c if cid.startswith("i-")]
    assert c[solo]["zones"] == [f"{REGION}a"] and "instances" not in c[solo]
    # the group's own instances are its instances, not machines of their own
    assert c["api"] == {
        "kind": "app",
        "description": "aws_autoscaling_group.api",
        "region": REGION,
        "zones": [f"{REGION}a", f"{REGION}b", f"{REGION}c"],
        "instances": 3,
    }
    # Multi-AZ: a standby in another zone (no one zone), synchronous, automatic failover; its
    # same-region read replica one more instance of it; daily point-in-time backups to the
    # account's own snapshot store
    orders = c["orders"]
    assert (orders["kind"], orders["instances"], orders["failover"], orders["replication"]) == (
        "database",
        3,
        "automatic",
        "sync",
    )
    assert "zones" not in orders
    (backup,) = orders["backups"]
    assert backup == {"to": f"rds-backups-{REGION}", "every_minutes": 1440, "point_in_time": True}
    assert c[backup["to"]]["kind"] == "backup_target" and "account" not in c[backup["to"]]
    assert c["reports"] == {
        "kind": "database",
        "description": "aws_db_instance.reports",
        "region": REGION,
        "zones": [f"{REGION}c"],
    }
    ledger = c["ledger"]
    assert (ledger["kind"], ledger["instances"], ledger["failover"], ledger["replication"]) == (
        "database",
        2,
        "automatic",
        "sync",
    )
    assert "ledger-1" not in c and "orders-ro" not in c
    assert c[f"uploads-{a.id}"] == {
        "kind": "object_storage",
        "description": f"aws_s3_bucket.uploads-{a.id}",
        "region": REGION,
    }
    assert f"far-{a.id}" not in c  # in us-east-1, not asked
    assert c["shop-example"] == {"kind": "dns", "description": "aws_route53_zone.shop.example"}
    assert (c["front"]["kind"], c["legacy"]["kind"], c["jobs"]["kind"]) == (
        "load_balancer",
        "load_balancer",
        "queue",
    )
    assert all(c[x]["region"] == REGION for x in ("front", "legacy", "jobs"))
    # the output is an inventory the loader takes as it is
    path = tmp_path / "devoops.yaml"
    path.write_text(HEAD + (tmp_path / "inventory.yaml").read_text())
    loaded = load_workload(path, lens).workload.inventory
    assert loaded is not None and loaded.components["orders"].instances == 3
    # the same databases described by a Terraform state map to the same components
    state = {
        "format_version": "1.0",
        "values": {
            "root_module": {
                "resources": [
                    tf(
                        "aws_db_instance",
                        "orders",
                        {
                            "identifier": "orders",
                            "arn": f"arn:aws:rds:{REGION}:{a.id}:db:orders",
                            "multi_az": True,
                            "backup_retention_period": 7,
                        },
                    ),
                    tf(
                        "aws_db_instance",
                        "orders-ro",
                        {
                            "identifier": "orders-ro",
                            "arn": f"arn:aws:rds:{REGION}:{a.id}:db:orders-ro",
                            "availability_zone": f"{REGION}a",
                            "replicate_source_db": "orders",
                        },
                    ),
                    tf(
                        "aws_db_instance",
                        "reports",
                        {
                            "identifier": "reports",
                            "arn": f"arn:aws:rds:{REGION}:{a.id}:db:reports",
                            "availability_zone": f"{REGION}c",
                            "backup_retention_period": 0,
                        },
                    ),
                ]
            }
        },
    }
    terraform = import_state(state).inventory["components"]
    for cid in ("orders", "reports", f"rds-backups-{REGION}"):
        assert strip(terraform[cid]) == strip(c[cid]), cid


def tf(kind: str, name: str, values: dict[str, Any]) -> dict[str, Any]:
    return {"address": f"{kind}.{name}", "mode": "managed", "type": kind, "name": name, "values": values}


def strip(component: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in component.items() if k != "description"}


def test_a_part_the_credentials_may_not_read_is_named_and_the_rest_imported(
    aws: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    a = MotoAccount(aws)
    policy = {
        "Version": "2012-10-17",
        "Statement": [
            {
                "Effect": "Allow",
                "Action": ["ec2:*", "autoscaling:*", "s3:*", "elasticloadbalancing:*", "sqs:*", "route53:*"],
                "Resource": "*",
            },
            {"Effect": "Deny", "Action": "rds:*", "Resource": "*"},
        ],
    }
    use(monkeypatch, a.credentials(policy=policy))
    a.client("sqs").create_queue(QueueName="jobs")
    a.client("rds").create_db_instance(
        DBInstanceIdentifier="hidden",
        Engine="postgres",
        DBInstanceClass="db.t3.micro",
        MasterUsername="o",
        MasterUserPassword="not-a-secret-4",
        AllocatedStorage=20,
    )
    with enforced():
        done, inv = imported(tmp_path, "--region", REGION, "--endpoint-url", aws)
    assert "jobs" in inv["components"] and "hidden" not in inv["components"]
    note = f"not read: RDS in {REGION} (rds:DescribeDBClusters was denied)"
    assert f"  {note}\n" in done.stderr
    assert f"# {note}" in (tmp_path / "inventory.yaml").read_text()


def test_an_unreachable_account_exits_3_with_the_cause(monkeypatch: pytest.MonkeyPatch) -> None:
    use(
        monkeypatch,
        {"AWS_ACCESS_KEY_ID": "AKIAUNREACHABLE00001", "AWS_SECRET_ACCESS_KEY": "unreachable-secret-0"},
    )
    done = cli(
        "inventory", "import", "aws", "--region", REGION, "--endpoint-url", f"http://127.0.0.1:{free_port()}"
    )
    assert done.returncode == 3 and done.stdout == ""
    assert done.stderr.startswith(
        "error: cannot read the AWS account: sts:GetCallerIdentity failed: Could not connect"
    )
    assert "unreachable-secret-0" not in done.stderr


def test_every_enabled_region_is_read_by_default(
    aws: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    a = MotoAccount(aws)
    use(monkeypatch, a.credentials())
    a.client("sqs", "ap-southeast-2").create_queue(QueueName="sydney")
    a.client("sqs").create_queue(QueueName="dublin")
    _, inv = imported(tmp_path, "--endpoint-url", aws)
    assert {cid: c["region"] for cid, c in inv["components"].items()} == {
        "sydney": "ap-southeast-2",
        "dublin": REGION,
    }
    assert json.dumps(inv).count(a.id) == 1  # once, as the default account
