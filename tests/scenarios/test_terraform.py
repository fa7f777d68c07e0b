"""`terraform show -json` state to an inventory: the documented format, mapped by hand-read rules."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from devoops.api.workload import load_workload
from devoops.base.errors import InputError
from devoops.cli.inventory import app
from devoops.importers.terraform import _MAPPERS, import_state
from devoops.importers.tfstate import StateError
from devoops.model.inventory import Inventory, Replication
from devoops.model.lens import Lens

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "terraform"
HEAD = """app: {name: shop, stage: mvp}
answers:
  reliability: {downtime_cost_per_hour: 100}
  traffic: {baseline_rps: 10}
  security: {breach_survival: damaged}
  engineering: {team_size: 3}
"""


def state(name: str) -> dict[str, Any]:
    return json.loads((FIXTURES / f"{name}.json").read_text())  # type: ignore[no-any-return]


def managed(module: dict[str, Any]) -> list[str]:
    """Every managed resource address in a module tree, read straight from the document."""
    own = [r["address"] for r in module.get("resources", []) if r.get("mode") != "data"]
    return own + [a for child in module.get("child_modules", []) for a in managed(child)]


def invoke(*args: str | Path) -> Any:
    root = typer.Typer()
    root.add_typer(app, name="inventory")
    return CliRunner().invoke(root, ["inventory", *map(str, args)])


def test_aws_resources_map_to_components() -> None:
    imported = import_state(state("aws"))
    inv = imported.inventory
    c = inv["components"]
    assert inv["defaults"] == {"provider": "aws", "account": "123456789012"}
    assert c["web"] == {
        "kind": "app",
        "description": "aws_instance.web",
        "region": "eu-west-1",
        "zones": ["eu-west-1a"],
    }
    assert (c["api"]["instances"], c["api"]["zones"]) == (3, ["eu-west-1a", "eu-west-1b", "eu-west-1c"])
    # multi_az: primary + standby; the same-region read replica `reports` is a third, manual, copy
    assert c["main"]["instances"] == 3 and c["main"]["failover"] == "automatic"
    assert imported.mapped["aws_db_instance.reports"] == "main"
    backup = c["main"]["backups"][0]
    assert backup["point_in_time"] is True and c[backup["to"]]["kind"] == "backup_target"
    assert "account" not in c[backup["to"]]  # the default account: same account as the database
    ledger = c["ledger"]
    assert (ledger["instances"], ledger["zones"], ledger["failover"]) == (
        2,
        ["eu-west-1a", "eu-west-1b"],
        "automatic",
    )
    assert imported.mapped["aws_rds_cluster_instance.ledger[1]"] == "ledger"
    assert (c["sessions"]["kind"], c["sessions"]["instances"]) == ("cache", 2)
    assert c["uploads"] == {
        "kind": "object_storage",
        "description": "aws_s3_bucket.uploads",
        "region": "eu-west-1",
    }
    assert c["primary"]["kind"] == "dns" and "region" not in c["primary"]  # Route 53 is global
    assert c["assets"]["kind"] == "cdn" and "region" not in c["assets"]
    assert (c["front"]["kind"], c["jobs"]["kind"]) == ("load_balancer", "queue")
    assert imported.unmapped == ["aws_iam_role.deploy"]
    assert "aws_iam_role" in imported.reasons["aws_iam_role.deploy"]
    assert any("depends_on" in note for note in imported.notes)


def test_gcp_resources_map_to_components() -> None:
    imported = import_state(state("gcp"))
    c = imported.inventory["components"]
    assert imported.inventory["defaults"] == {"provider": "gcp", "account": "crafty-prod"}
    assert c["bastion"]["region"] == "europe-west2" and c["bastion"]["zones"] == ["europe-west2-a"]
    assert (c["web"]["instances"], len(c["web"]["zones"])) == (3, 3)
    assert (c["workers"]["instances"], c["workers"]["zones"]) == (2, ["europe-west2-b"])
    # REGIONAL: primary + standby with automatic failover, plus the read replica
    assert (c["main"]["instances"], c["main"]["failover"]) == (3, "automatic")
    assert c["main"]["backups"][0]["point_in_time"] is True
    assert c["images"]["region"] == "europe-west2" and "region" not in c["archive"]  # EU is multi-region
    assert c["crafty"]["kind"] == "dns"
    assert "region" not in c["https"] and c["internal"]["region"] == "europe-west2"
    assert (c["cache"]["instances"], c["cache"]["failover"]) == (2, "automatic")
    assert imported.unmapped == ["google_pubsub_topic.orders"]


def test_child_modules_count_and_data_sources() -> None:
    doc = state("modules")
    imported = import_state(doc)
    c = imported.inventory["components"]
    assert imported.inventory["defaults"]["account"] == "210987654321"
    assert (c["this"]["instances"], c["this"]["zones"]) == (2, ["us-east-1a", "us-east-1b"])
    assert c["db-this"]["kind"] == "database"  # a second `this`: named after its module
    assert imported.reasons["module.app.aws_instance.pending"] == "no availability_zone in the state"
    assert not any("data." in a for a in [*imported.mapped, *imported.unmapped])


def test_synchronous_standbys_are_imported_as_sync() -> None:
    """Multi-AZ RDS, Aurora and REGIONAL Cloud SQL commit on both copies; read replicas,
    ElastiCache and Memorystore replicate asynchronously and keep the default (async)."""
    aws = import_state(state("aws"))
    c = aws.inventory["components"]
    assert (c["main"]["replication"], c["main"]["instances"]) == ("sync", 3)
    assert any("aws_db_instance.reports" in note and "asynchronous" in note for note in aws.notes)
    assert c["ledger"]["replication"] == "sync"
    # single-AZ source plus a same-region read replica: a manual, asynchronous pair
    assert aws.mapped["aws_db_instance.orders_replica"] == "orders"
    orders = c["orders"]
    assert (orders["instances"], orders["zones"], orders["failover"]) == (
        2,
        ["eu-west-1a", "eu-west-1b"],
        "manual",
    )
    assert "replication" not in orders and "replication" not in c["sessions"]
    gcp = import_state(state("gcp")).inventory["components"]
    assert gcp["main"]["replication"] == "sync"
    assert (gcp["cache"]["instances"], gcp["cache"]["zones"]) == (2, ["europe-west2-a", "europe-west2-b"])
    assert "replication" not in gcp["cache"]  # Memorystore standard tier: asynchronous
    loaded = Inventory.model_validate(aws.inventory).components
    assert (loaded["main"].replication, loaded["orders"].replication) == (Replication.SYNC, Replication.ASYNC)


def test_groups_smaller_than_their_zone_list_are_regional() -> None:
    aws = import_state(state("aws"))
    batch = aws.inventory["components"]["batch"]
    assert batch["region"] == "eu-west-1" and "zones" not in batch and "instances" not in batch
    assert any(
        note.startswith("aws_autoscaling_group.batch runs 1 instance(s) over 3 zones") for note in aws.notes
    )
    assert Inventory.model_validate(aws.inventory).components["batch"].zone_of(0) is None
    gcp = import_state(state("gcp"))
    c = gcp.inventory["components"]
    assert (c["jobs"]["instances"], c["jobs"]["region"], "zones" in c["jobs"]) == (2, "europe-west2", False)
    assert c["web"]["zones"] == ["europe-west2-a", "europe-west2-b", "europe-west2-c"]  # 3 over 3: kept
    assert c["workers"]["zones"] == ["europe-west2-b"]  # a zonal group cannot move: kept


ZONES = ["eu-west-1a", "eu-west-1b", "eu-west-1c"]


@given(st.integers(1, 7), st.integers(0, 3), st.booleans())
def test_group_zones_are_kept_only_when_every_zone_holds_an_instance(
    size: int, spread: int, gcp: bool
) -> None:
    zones = [z.replace("eu-west-1", "europe-west1-") for z in ZONES[:spread]] if gcp else ZONES[:spread]
    values: dict[str, Any] = (
        {"target_size": size, "distribution_policy_zones": zones, "region": "europe-west1", "project": "p"}
        if gcp
        else {
            "desired_capacity": size,
            "availability_zones": zones,
            "arn": "arn:aws:autoscaling:eu-west-1:123456789012:autoScalingGroup:x",
        }
    )
    kind = "google_compute_region_instance_group_manager" if gcp else "aws_autoscaling_group"
    resource = {"address": f"{kind}.g", "type": kind, "name": "g", "values": values}
    imported = import_state({"format_version": "1.0", "values": {"root_module": {"resources": [resource]}}})
    group = Inventory.model_validate(imported.inventory).components["g"]
    assert group.instances == size
    assert group.zones == (zones if size >= spread else [])
    assert any("relaunches" in note for note in imported.notes) == (size < spread)


@pytest.mark.parametrize("name", ["aws", "gcp", "modules"])
def test_every_managed_resource_is_mapped_or_listed(name: str) -> None:
    doc = state(name)
    imported = import_state(doc)
    assert set(imported.mapped).isdisjoint(imported.unmapped)
    assert set(imported.mapped) | set(imported.unmapped) == set(managed(doc["values"]["root_module"]))
    assert set(imported.reasons) == set(imported.unmapped)


@pytest.mark.parametrize("name", ["aws", "gcp", "modules"])
def test_the_printed_section_loads_in_a_workload(name: str, tmp_path: Path, lens: Lens) -> None:
    result = invoke("import", "terraform", FIXTURES / f"{name}.json")
    assert result.exit_code == 0, result.output
    assert "# not mapped:" in result.stdout and "inventory:" in result.stdout
    path = tmp_path / "devoops.yaml"
    path.write_text(HEAD + result.stdout)
    inventory = load_workload(path, lens).workload.inventory
    assert inventory is not None
    assert set(inventory.components) == set(import_state(state(name)).inventory["components"])


def test_output_file_is_written_and_unmapped_go_to_stderr(tmp_path: Path) -> None:
    out = tmp_path / "inventory.yaml"
    result = invoke("import", "terraform", FIXTURES / "aws.json", "-o", out)
    assert result.exit_code == 0
    assert result.stdout == ""
    assert "aws_iam_role.deploy: type aws_iam_role is not mapped" in result.stderr
    assert out.read_text().count("\ninventory:\n") == 1


def test_bad_json_is_located_and_nothing_written(tmp_path: Path) -> None:
    path = FIXTURES / "bad-json.json"
    lines = path.read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.rstrip().endswith(",}"))
    column = lines[line - 1].rindex("}") + 1  # json stops at the brace after the trailing comma
    out = tmp_path / "inventory.yaml"
    result = invoke("import", "terraform", path, "-o", out)
    assert isinstance(result.exception, InputError) and result.exception.exit_code == 2
    assert str(result.exception).startswith(f"{path}:{line}:{column}: not JSON")
    assert not out.exists()


def test_wrong_shape_is_located() -> None:
    path = FIXTURES / "bad-shape.json"
    line = next(n for n, text in enumerate(path.read_text().splitlines(), 1) if '"resources"' in text)
    result = invoke("import", "terraform", path)
    assert isinstance(result.exception, InputError)
    assert str(result.exception).startswith(f"{path}:{line}:"), str(result.exception)
    assert "resources should be a list" in str(result.exception)


def test_a_state_with_nothing_to_map_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "empty.json"
    path.write_text('{"format_version": "1.0", "terraform_version": "1.9.5"}')
    result = invoke("import", "terraform", path)
    assert isinstance(result.exception, InputError)
    assert "no resource" in str(result.exception)


@pytest.mark.parametrize(
    ("document", "loc"),
    [
        ([], ()),
        ({"values": {}}, ("format_version",)),
        ({"format_version": "1.0", "values": []}, ("values",)),
        (
            {"format_version": "1.0", "values": {"root_module": {"resources": [{"type": "x"}]}}},
            ("values", "root_module", "resources", 0, "address"),
        ),
        (
            {"format_version": "1.0", "values": {"root_module": {"child_modules": [3]}}},
            ("values", "root_module", "child_modules", 0),
        ),
    ],
)
def test_wrong_shapes_are_state_errors(document: Any, loc: tuple[Any, ...]) -> None:
    with pytest.raises(StateError) as caught:
        import_state(document)
    assert caught.value.loc == loc


POOL = st.sampled_from(
    [
        "eu-west-1a",
        "eu-west-1b",
        "europe-west2-a",
        "x",
        "main",
        "ledger",
        "EU",
        "EUROPE-WEST2",
        "REGIONAL",
        "STANDARD_HA",
        "arn:aws:rds:eu-west-1:123456789012:db:main",
        "arn:aws:ec2:us-east-1:210987654321:instance/i-1",
        "arn:aws:s3:::bucket",
        "arn:bad",
        "",
    ]
)
SCALAR = st.one_of(POOL, st.integers(-2, 12), st.booleans(), st.none(), st.text(max_size=8))
KEYS = [
    "arn",
    "availability_zone",
    "availability_zones",
    "desired_capacity",
    "multi_az",
    "backup_retention_period",
    "identifier",
    "replicate_source_db",
    "cluster_identifier",
    "num_cache_clusters",
    "num_cache_nodes",
    "replication_group_id",
    "automatic_failover_enabled",
    "preferred_cache_cluster_azs",
    "region",
    "zone",
    "project",
    "target_size",
    "distribution_policy_zones",
    "master_instance_name",
    "name",
    "location",
    "tier",
    "location_id",
    "alternative_location_id",
]
VALUE = st.one_of(SCALAR, st.lists(SCALAR, max_size=4))
SETTINGS = st.fixed_dictionaries(
    {},
    optional={
        "availability_type": st.sampled_from(["REGIONAL", "ZONAL", 3]),
        "backup_configuration": st.lists(
            st.dictionaries(st.sampled_from(["enabled", "point_in_time_recovery_enabled"]), st.booleans()),
            max_size=1,
        ),
        "location_preference": st.lists(st.fixed_dictionaries({"zone": POOL}), max_size=1),
    },
)
RESOURCE = st.fixed_dictionaries(
    {
        "type": st.sampled_from([*_MAPPERS, "aws_iam_role", "null_resource"]),
        "name": st.sampled_from(["web", "main", "this", "ledger", "a_b", "X"]),
        "mode": st.sampled_from(["managed", "managed", "data"]),
        "index": st.none() | st.integers(0, 2),
        "values": st.one_of(
            st.none(),
            st.dictionaries(st.sampled_from(KEYS), VALUE, max_size=8),
            st.fixed_dictionaries({"settings": st.lists(SETTINGS, max_size=1)}),
        ),
    }
)


@pytest.mark.hostile
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(RESOURCE, max_size=12), st.integers(0, 3))
def test_generated_states_never_raise_and_account_for_every_resource(
    resources: list[dict[str, Any]], split: int
) -> None:
    seen: dict[str, dict[str, Any]] = {}
    for r in resources:
        index = "" if r["index"] is None else f"[{r['index']}]"
        r["address"] = f"{'data.' if r['mode'] == 'data' else ''}{r['type']}.{r['name']}{index}"
        seen.setdefault(r["address"], r)
    unique = list(seen.values())
    doc = {
        "format_version": "1.0",
        "values": {
            "root_module": {
                "resources": unique[split:],
                "child_modules": [{"address": "module.m", "resources": unique[:split]}],
            }
        },
    }
    imported = import_state(doc)
    expected = {r["address"] for r in unique if r["mode"] != "data"}
    assert set(imported.mapped) | set(imported.unmapped) == expected
    assert set(imported.mapped).isdisjoint(imported.unmapped)
    if imported.inventory["components"]:
        Inventory.model_validate(imported.inventory)
