"""`devoops delivery analyze` as a user runs it: reports, targets, bad input."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ..conftest import EXAMPLES
from ..helpers import cli
from .history_data import deployments, write_csv, write_json

UNTIL = "2026-04-02T09:00:00Z"


def test_json_markdown_and_terminal_reports(tmp_path: Path) -> None:
    rows = deployments(seed=3)
    prod = [r for r in rows if r.environment == "production"]
    path = write_json(tmp_path / "d.json", rows)
    out = tmp_path / "delivery.json"
    args = (
        "delivery",
        "analyze",
        "--deployments",
        path,
        "--since",
        "2026-03-01T09:00:00+00:00",
        "--until",
        UNTIL,
    )
    result = cli(*args, "--workload", EXAMPLES[0], "-f", "json", "-o", out)
    assert result.returncode == 0, result.stderr
    document = json.loads(out.read_text())
    assert document["delivery"]["deployments"] == len(prod)
    ok = sum(r.status == "success" for r in prod)
    assert document["delivery"]["deployment_frequency"]["value"] == pytest.approx(ok / 32 * 7)
    held = {m["name"]: m for m in document["evidence"]["measurements"]}
    assert held["deploy duration p95"]["bound"] == "max" and held["deploy duration p95"]["target"] > 0
    [verdict] = [v for v in document["evidence"]["verdicts"] if v["practice"] == "deploy.fast"]
    assert verdict["choice"] == "over-20"  # the generated deploys take 3 to 30 minutes
    md = cli(*args, "-f", "md", "--environment", "Staging")
    assert md.returncode == 0 and md.stdout.startswith("# devoops delivery · staging")
    assert "| deployment frequency |" in md.stdout
    assert "deployment frequency" in cli(*args).stdout


def test_bad_rows_exit_2_and_write_nothing_unless_skipped(tmp_path: Path) -> None:
    rows = deployments(seed=4, n=10)
    path = write_csv(tmp_path / "d.csv", rows)
    lines = path.read_text().splitlines()
    lines[3] = "yesterday" + lines[3][lines[3].index(",") :]  # a time no one can read
    lines[6] = "2026-03-04 10:00:00,,v9,production,success,60"  # no offset
    path.write_text("\n".join(lines) + "\n")
    out = tmp_path / "report.md"
    result = cli("delivery", "analyze", "--deployments", path, "-f", "md", "-o", out)
    assert result.returncode == 2 and not out.exists()
    assert f"{path}:4: time:" in result.stderr and f"{path}:7: time:" in result.stderr
    skipped = cli("delivery", "analyze", "--deployments", path, "--skip-bad-rows", "-f", "md", "-o", out)
    assert skipped.returncode == 0, skipped.stderr
    assert "2 malformed rows skipped" in out.read_text()
    assumed = cli(
        "delivery",
        "analyze",
        "--deployments",
        path,
        "--skip-bad-rows",
        "--assume-tz",
        "Europe/Paris",
        "-f",
        "json",
    )
    assert json.loads(assumed.stdout)["delivery"]["skipped_rows"] == 1


def test_usage_errors(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "d.csv", deployments(n=3))
    for extra, message in (
        (("--assume-tz", "Nowhere/Land"), "unknown time zone"),
        (("--since", "last tuesday"), "--since"),
        (("--since", "1d", "--until", "2d"), "--since must be before --until"),
    ):
        result = cli("delivery", "analyze", "--deployments", path, *extra)
        assert result.returncode == 2 and message in result.stderr, result.stderr
    missing = cli("delivery", "analyze", "--deployments", tmp_path / "nope.csv")
    assert missing.returncode == 2 and "cannot read" in missing.stderr


def test_an_empty_history_reports_unknown(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("time,status\n")
    result = cli("delivery", "analyze", "--deployments", path, "-f", "json")
    assert result.returncode == 0, result.stderr
    document = json.loads(result.stdout)
    assert document["evidence"]["status"] == "UNKNOWN"
    assert all(m["value"] is None for m in document["evidence"]["measurements"])


def test_pages_in_an_alert_export_count_as_incidents(tmp_path: Path) -> None:
    deploys = tmp_path / "d.csv"
    deploys.write_text(
        "time,version,environment,status,duration\n"
        "2026-03-02T10:00:00Z,v1,production,success,300\n"
        "2026-03-03T10:00:00Z,v2,production,success,300\n"
        "2026-03-04T10:00:00Z,v3,production,success,300\n"
        "2026-03-05T10:00:00Z,v4,production,success,300\n"
    )
    pagerduty = tmp_path / "incidents.csv"  # PagerDuty's incidents export: high urgency pages
    pagerduty.write_text(
        "id,incident_number,description,service_name,urgency,created_on,resolved_on\n"
        "P1,1,Checkout errors,web,high,2026-03-03T12:00:00Z,2026-03-03T13:00:00Z\n"
        "P2,2,Disk 80% full,db,low,2026-03-04T11:00:00Z,2026-03-04T11:30:00Z\n"
    )
    args = ("delivery", "analyze", "--deployments", deploys, "--until", "2026-03-06T00:00:00Z", "-f", "json")
    without = json.loads(cli(*args).stdout)["delivery"]
    result = cli(*args, "--alerts", pagerduty)
    assert result.returncode == 0, result.stderr
    with_pages = json.loads(result.stdout)["delivery"]
    assert without["change_failure_rate"]["value"] == 0
    assert with_pages["change_failure_rate"]["value"] == pytest.approx(1 / 4)  # v2, paged 2 h later
    broken = tmp_path / "broken.csv"
    broken.write_text(pagerduty.read_text() + "P3,3,Latency,web,high,yesterday,\n")
    refused = cli(*args, "--alerts", broken)
    assert refused.returncode == 2 and f"{broken}:4" in refused.stderr


def test_input_the_readers_cannot_take_exits_2_naming_the_row(tmp_path: Path) -> None:
    path = tmp_path / "d.csv"
    path.write_text("time,version\n2026-03-01T10:00:00Z,v1\n9999-12-31T23:00:00-05:00,v2\n")
    result = cli("delivery", "analyze", "--deployments", path)
    assert result.returncode == 2 and f"{path}:3: time:" in result.stderr
    path.write_text(f"time,version\n2026-03-01T10:00:00Z,{'v' * 140_000}\n")
    result = cli("delivery", "analyze", "--deployments", path, "--skip-bad-rows")
    assert result.returncode == 2 and f"{path}:2:" in result.stderr
