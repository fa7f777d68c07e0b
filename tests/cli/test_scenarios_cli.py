"""`devoops scenarios run` as a user runs it: formats, the verdict gate, and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ..conftest import document
from ..helpers import cli
from ..scenarios.test_whatif import ORDERS, components

INVENTORY = {"defaults": {"provider": "aws", "account": "111", "region": "eu-west-1"}}


def write(tmp_path: Path, comps: dict[str, Any] | None = None, datasets: bool = True, **changes: Any) -> Path:
    """The what-if tests' shop (web -> dns, db; daily backups to a vault in the same account)."""
    inventory = {**INVENTORY, "components": components() if comps is None else comps}
    extra = {"answers.data.datasets": [ORDERS]} if datasets else {}
    path = tmp_path / "devoops.yaml"
    path.write_text(json.dumps(document(inventory=inventory, **extra, **changes)))
    return path


def one_app(tmp_path: Path) -> Path:
    """No data at all: nothing can be lost for good, but a zone outage breaks the time budget."""
    return write(tmp_path, {"web": {"kind": "app", "zones": ["eu-west-1a"]}}, datasets=False)


def test_json_is_the_horizons_resilience(tmp_path: Path) -> None:
    result = cli("scenarios", "run", write(tmp_path), "-f", "json", "--years", "200", "--seed", "3")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert set(data) == {
        "spofs",
        "shared_fate",
        "availability",
        "scenarios",
        "improvements",
        "changes",
        "notes",
    }
    verdicts = {o["scenario"]: o["verdict"] for o in data["scenarios"]}
    assert verdicts["account-takeover"] == "company-ending"
    assert verdicts["dns-provider-outage"] == "damaged"
    assert "web" in data["spofs"] and "db" in data["spofs"]
    mc = data["availability"]["monte_carlo"]
    assert (mc["years"], mc["seed"]) == (200, 3)
    # free changes first, then by money saved per money spent
    free = [c["cost_per_year"] == 0 for c in data["improvements"]]
    assert free == sorted(free, reverse=True)
    spent = [c["saved_per_spent"] for c in data["improvements"] if c["cost_per_year"] > 0]
    assert spent == sorted(spent, reverse=True)
    assert {c["change"] for c in data["improvements"]} <= {c["change"] for c in data["changes"]}


def test_years_zero_skips_the_simulation_and_horizon_prices(tmp_path: Path) -> None:
    path = write(tmp_path, **{"answers.reliability.downtime_cost_per_hour": {"now": 100, "12mo": 300}})
    now = json.loads(cli("scenarios", "run", path, "-f", "json", "--years", "0").stdout)
    later = json.loads(
        cli("scenarios", "run", path, "-f", "json", "--years", "0", "--horizon", "12mo").stdout
    )
    assert now["availability"]["monte_carlo"] is None
    assert now["availability"]["availability"] == pytest.approx(
        later["availability"]["availability"], rel=1e-12
    )
    # the downtime part of the cost triples; the incident cost (0 here) does not move
    assert later["availability"]["cost_per_year"] == pytest.approx(now["availability"]["cost_per_year"] * 3)


def test_terminal_and_markdown_show_every_part(tmp_path: Path) -> None:
    path = write(tmp_path)
    terminal = cli("scenarios", "run", path, "--years", "100")
    assert terminal.returncode == 0, terminal.stderr
    for part in (
        "Scenarios",
        "Cloud account takeover",
        "company-ending",
        "Single points of failure",
        "Availability model",
        "simulated",
        "Improvements",
        "restore-drills",
    ):
        assert part in terminal.stdout, part
    markdown = cli("scenarios", "run", path, "-f", "md", "--years", "0")
    assert (
        markdown.returncode == 0 and "## Scenarios" in markdown.stdout and "| scenario |" in markdown.stdout
    )


def test_fail_on_gates_on_the_worst_verdict(tmp_path: Path) -> None:
    shop = write(tmp_path)
    ending = cli("scenarios", "run", shop, "--years", "0", "--fail-on", "company-ending")
    assert ending.returncode == 1 and "account-takeover" in ending.stderr
    app = one_app(tmp_path)
    assert cli("scenarios", "run", app, "--years", "0", "--fail-on", "company-ending").returncode == 0
    damaged = cli("scenarios", "run", app, "--years", "0", "--fail-on", "damaged")
    assert damaged.returncode == 1 and "zone-outage" in damaged.stderr


def test_no_inventory_says_how_to_add_one(tmp_path: Path) -> None:
    path = tmp_path / "devoops.yaml"
    path.write_text(json.dumps(document()))
    result = cli("scenarios", "run", path)
    assert result.returncode == 2 and "docs/inventory.md" in result.stderr and not result.stdout


def test_bad_input_exits_2(tmp_path: Path) -> None:
    broken = write(tmp_path, components(web={"depends_on": ["dsn", "db"]}))
    result = cli("scenarios", "run", broken)
    assert result.returncode == 2 and "devoops.yaml:" in result.stderr and "'dns'" in result.stderr
    assert cli("scenarios", "run", write(tmp_path), "--horizon", "3mo").returncode == 2
    assert cli("scenarios", "run", write(tmp_path), "--fail-on", "bad").returncode == 2
