"""`devoops whatif` as a user runs it: changes before and after, the plan, and bad input."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from ..helpers import cli
from ..scenarios.test_whatif import PROVEN
from .test_scenarios_cli import write as plain


def write(tmp_path: Path, **changes: Any) -> Path:
    """The shop, its backups proven by weekly drills: they count, and where they sit decides."""
    return plain(tmp_path, practices=PROVEN, **changes)


def test_changes_alone_and_together(tmp_path: Path) -> None:
    path = write(tmp_path)
    result = cli("whatif", path, "second-dns-provider", "backups-to-separate-account", "-f", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    dns, backups = data["changes"]
    assert dns["change"] == "second-dns-provider" and dns["practices"] == ["dns.vendor-independent"]

    def moved(change: dict[str, Any]) -> dict[str, tuple[str, str]]:
        return {m["scenario"]: (m["verdict_before"], m["verdict_after"]) for m in change["moves"]}

    assert moved(dns)["dns-provider-outage"][0] == "damaged"
    assert moved(backups)["account-takeover"][0] == "company-ending"
    together = data["together"]
    assert together["change"] == "second-dns-provider + backups-to-separate-account"
    assert together["cost_per_year"] == pytest.approx((0 + 50) / 2 * 12 + (5 + 300) / 2 * 12)
    assert set(moved(together)) >= {"dns-provider-outage", "account-takeover"}
    assert data["improvements"] == [] and data["saving"] == []


def test_without_changes_every_saving_change_is_listed_alone_and_the_plan_is_greedy(tmp_path: Path) -> None:
    """The shop's backups share the account they copy: locking them (630 a year) saves a
    takeover's lost `orders` (0.02 a year x a year down at 100 an hour) many times over. Moving
    them to a separate account saves as much for more (1,830), and a delayed copy of db pays
    alone too (ransomware on db would lose `orders`), but once the backups are locked neither
    adds enough: `saving` lists them alone, the plan leaves them out. A second DNS provider
    (300 a year) saves the DNS outage (0.1 x 6 h x 100 = 60) and little more: listed, never
    paying."""
    path = write(tmp_path)
    data = json.loads(cli("whatif", path, "-f", "json").stdout)
    every, plan = data["saving"], data["improvements"]
    assert every and data["changes"] == [] and data["together"] is None
    spent = [c["saved_per_spent"] for c in every]
    assert spent == sorted(spent, reverse=True) and all(c["saved_per_year"] >= 1 for c in every)
    assert every[0]["change"] == "immutable-backups" and plan[0] == every[0]
    alone = {c["change"]: c for c in every}
    for name in ("delayed-replica db", "backups-to-separate-account"):
        assert alone[name]["saved_per_year"] >= alone[name]["cost_per_year"]
    names = {c["change"] for c in plan}
    assert not names & {"delayed-replica db", "backups-to-separate-account", "second-dns-provider"}
    assert "second-dns-provider" in alone
    # the same plan as `scenarios run`
    run = json.loads(cli("scenarios", "run", path, "-f", "json", "--years", "0").stdout)
    assert run["improvements"] == plan


def test_terminal_and_markdown(tmp_path: Path) -> None:
    path = write(tmp_path)
    plan = cli("whatif", path)
    assert plan.returncode == 0 and "saved per spent" in plan.stdout and "delayed-replica db" in plan.stdout
    text = " ".join(plan.stdout.split())
    assert "each alone on the inventory as it is" in text
    chosen, dropped = text.split("The plan of `scenarios run`")[1].split("Pay alone, but not once")[:2]
    assert "immutable-backups" in chosen and "delayed-replica db" not in chosen
    for name in ("delayed-replica db", "backups-to-separate-account"):
        assert name in dropped.split("Save less than they cost")[0]
    assert "second-dns-provider" in dropped.split("Save less than they cost")[1]
    change = cli("whatif", path, "add-replica", "db", "-f", "md")
    assert change.returncode == 0 and "| add-replica db |" in change.stdout


def test_costs_are_converted_into_the_apps_currency(tmp_path: Path) -> None:
    """At 0.5 EUR a dollar, the second DNS provider's 300 USD a year costs 150 EUR."""
    euro: dict[str, Any] = {"app.currency": "EUR", "economics.usd_rate": 0.5}
    path = write(tmp_path, **euro)
    result = cli("whatif", path, "second-dns-provider", "-f", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["currency"] == "EUR"
    assert data["changes"][0]["cost_per_year"] == pytest.approx((0 + 50) / 2 * 12 * 0.5)


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["add-replika", "db"], "did you mean 'add-replica'"),
        (["add-replica", "dbb"], "did you mean 'db'"),
        (["automatic-failover", "db"], "does not apply to db"),
        (["add-replica"], "needs a component, e.g. add-replica web"),
        (["add-replica", "vault"], "its kind is backup target;"),
        (["add-replica", "db", "add-replica", "db"], "add-replica to db is asked twice"),
    ],
)
def test_bad_changes_exit_2(tmp_path: Path, args: list[str], message: str) -> None:
    result = cli("whatif", write(tmp_path), *args)
    assert result.returncode == 2 and message in result.stderr and not result.stdout


def test_no_inventory_exits_2(tmp_path: Path) -> None:
    path = tmp_path / "devoops.yaml"
    path.write_text(
        '{"app": {"name": "x", "stage": "mvp"}, "answers": {"reliability": {"downtime_cost_per_hour": 1},'
        ' "traffic": {"baseline_rps": 1}, "security": {"breach_survival": "damaged"},'
        ' "engineering": {"team_size": 1}}}'
    )
    result = cli("whatif", path, "second-dns-provider")
    assert result.returncode == 2 and "docs/inventory.md" in result.stderr


def test_the_help_names_every_change_of_the_catalogue() -> None:
    """The help lists the changes by hand (importing the catalogue would slow `--help`)."""
    from devoops.cli.whatif import EXAMPLE
    from devoops.scenarios.changes import CHANGES

    listed = EXAMPLE.split("(changes: ")[1].rstrip(")").split(", ")
    assert [name.split()[0] for name in listed] == list(CHANGES)
