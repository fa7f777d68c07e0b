"""`devoops whatif` as a user runs it: changes before and after, the plan, and bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..helpers import devoops
from .test_scenarios_cli import write


def test_changes_alone_and_together(tmp_path: Path) -> None:
    path = write(tmp_path)
    result = devoops("whatif", path, "second-dns-provider", "backups-to-separate-account", "-f", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    dns, backups = data["changes"]
    assert dns["change"] == "second-dns-provider" and dns["practice"] == "dns.vendor-independent"
    assert dns["verdicts"]["dns-provider-outage"][0] == "damaged"
    assert backups["verdicts"]["account-takeover"][0] == "company-ending"
    together = data["together"]
    assert together["change"] == "second-dns-provider + backups-to-separate-account"
    assert together["cost_per_year"] == pytest.approx((0 + 50) / 2 * 12 + (5 + 100) / 2 * 12)
    assert set(together["verdicts"]) >= {"dns-provider-outage", "account-takeover"}
    assert data["improvements"] == []


def test_without_changes_the_plan_ranks_by_saved_per_spent(tmp_path: Path) -> None:
    data = json.loads(devoops("whatif", write(tmp_path), "-f", "json").stdout)
    plan = data["improvements"]
    assert plan and data["changes"] == [] and data["together"] is None
    spent = [c["saved_per_spent"] for c in plan]
    assert spent == sorted(spent, reverse=True) and all(c["saved_per_year"] > 0 for c in plan)
    assert plan[0]["change"] == "backups-to-separate-account"


def test_terminal_and_markdown(tmp_path: Path) -> None:
    path = write(tmp_path)
    plan = devoops("whatif", path)
    assert plan.returncode == 0 and "saved per spent" in plan.stdout and "delayed-replica db" in plan.stdout
    change = devoops("whatif", path, "add-replica", "db", "-f", "md")
    assert change.returncode == 0 and "| add-replica db |" in change.stdout


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add-replika", "db"], "did you mean 'add-replica'"),
        (["add-replica", "dbb"], "did you mean 'db'"),
        (["automatic-failover", "db"], "does not apply to db"),
        (["add-replica"], "needs a component"),
    ],
)
def test_bad_changes_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = devoops("whatif", write(tmp_path), *args)
    assert result.returncode == 2 and message in result.stderr and not result.stdout


def test_no_inventory_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "devoops.yaml"
    path.write_text(
        '{"app": {"name": "x", "stage": "mvp"}, "answers": {"reliability": {"downtime_cost_per_hour": 1},'
        ' "traffic": {"baseline_rps": 1}, "security": {"breach_survival": "damaged"},'
        ' "engineering": {"team_size": 1}}}'
    )
    result = devoops("whatif", path, "second-dns-provider")
    assert result.returncode == 2 and "docs/inventory.md" in result.stderr
