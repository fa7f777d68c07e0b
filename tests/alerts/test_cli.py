"""`devoops alerts analyze` as a user runs it: reports, the workload's business hours, and bad
input located by file, line and field, exiting 2 with nothing written unless --skip-bad-rows."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pytest

from devoops.alerts import Format

from ..conftest import document
from ..helpers import cli
from . import exports as x
from .test_analysis import BERLIN, BERLIN_HOURS, EVENTS, business, write


def test_json_report_uses_the_workloads_business_hours(tmp_path: Path) -> None:
    export = write(tmp_path, Format.PAGERDUTY, EVENTS)
    workload = tmp_path / "devoops.yaml"
    workload.write_text(json.dumps(document(**{"app.business_hours": BERLIN_HOURS})))
    out = tmp_path / "report.json"
    done = cli("alerts", "analyze", export, "--workload", workload, "-f", "json", "-o", out)
    assert done.returncode == 0, done.stderr
    report = json.loads(out.read_text())
    assert report["overall"]["firings"] == len(EVENTS)
    assert report["overall"]["off_hours_pages"] == sum(
        e.page and not business(e.start, BERLIN) for e in EVENTS
    )
    assert report["business_hours"] == "mon,tue,wed,thu,fri 09:00-17:00 Europe/Berlin"


def test_markdown_report_names_the_noisiest_alert_and_the_verdicts(tmp_path: Path) -> None:
    export = write(tmp_path, Format.ALERTMANAGER, EVENTS)
    done = cli("alerts", "analyze", export, "-f", "md", "--top", "3")
    assert done.returncode == 0, done.stderr
    counts: dict[str, int] = {}
    for e in EVENTS:
        counts[e.name] = counts.get(e.name, 0) + 1
    noisiest = max(counts, key=lambda n: (counts[n], n))
    table = done.stdout.split("**noisiest 3 of")[1]
    assert table.split("\n| ")[2].startswith(f"{noisiest} | ")
    assert "Evidence for alerts.symptom-based: **cause-based**" in done.stdout
    assert "oncall.rotation" not in done.stdout  # Alertmanager does not say who responded


def test_an_empty_history_is_unknown(tmp_path: Path) -> None:
    empty = tmp_path / "incidents.csv"
    empty.write_text(",".join(x.PAGERDUTY) + "\n")
    done = cli("alerts", "analyze", empty, "-f", "md")
    assert done.returncode == 0, done.stderr
    assert "UNKNOWN: the history holds no alert." in done.stdout
    report = json.loads(cli("alerts", "analyze", empty, "-f", "json").stdout)
    assert report["overall"] is None and report["records"] == 0


def spoil(path: Path, row: int, column: str, value: str) -> None:
    """Set one cell of a CSV export (row 1 is the first record)."""
    with path.open(newline="") as f:
        rows = list(csv.reader(f))
    rows[row][rows[0].index(column)] = value
    with path.open("w", newline="") as f:
        csv.writer(f).writerows(rows)


def test_bad_rows_are_located_and_nothing_is_written(tmp_path: Path) -> None:
    export = write(tmp_path, Format.PAGERDUTY, EVENTS)
    spoil(export, 3, "created_on", "yesterday")
    spoil(export, 7, "resolved_on", "2026-09-07T10:00:00")  # no offset
    spoil(export, 9, "auto_resolved", "maybe")
    out = tmp_path / "report.md"
    done = cli("alerts", "analyze", export, "-f", "md", "-o", out)
    assert done.returncode == 2
    assert not out.exists()
    lines = done.stderr.splitlines()
    assert lines == [
        f"error: {export}:4: created_on: 'yesterday' is not an ISO 8601 time",
        f"error: {export}:8: resolved_on: '2026-09-07T10:00:00' has no UTC offset; add one, or pass --assume-tz ZONE",
        f"error: {export}:10: auto_resolved: 'maybe' is neither true nor false",
    ]
    skipped = cli("alerts", "analyze", export, "-f", "json", "--skip-bad-rows", "-o", out)
    assert skipped.returncode == 0, skipped.stderr
    report = json.loads(out.read_text())
    assert report["skipped"] == 3 and report["overall"]["firings"] == len(EVENTS) - 3
    assert report["skipped_samples"][0] == f"{export}:4: created_on: 'yesterday' is not an ISO 8601 time"


def test_a_time_beyond_the_calendar_in_utc_is_a_located_bad_value(tmp_path: Path) -> None:
    export = write(tmp_path, Format.PAGERDUTY, EVENTS)
    spoil(export, 5, "created_on", "9999-12-31T23:00:00-05:00")  # 10000-01-01 in UTC
    spoil(export, 5, "resolved_on", "")
    done = cli("alerts", "analyze", export)
    assert done.returncode == 2
    assert done.stderr.splitlines() == [
        f"error: {export}:6: created_on: '9999-12-31T23:00:00-05:00' is out of range "
        "(in UTC, 0001-01-02 until 9999-12-31)"
    ]


def test_naive_times_are_read_in_the_assumed_zone(tmp_path: Path) -> None:
    export = tmp_path / "incidents.csv"
    export.write_text(
        "incident_number,description,created_on,resolved_on\n1,ApiErrors,2026-09-07 10:00:00,\n"
    )
    assert cli("alerts", "analyze", export).returncode == 2
    done = cli("alerts", "analyze", export, "--assume-tz", "America/New_York", "-f", "json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["first"] == "2026-09-07T14:00:00Z"
    assert "unknown time zone" in cli("alerts", "analyze", export, "--assume-tz", "Mars/Base").stderr


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"alerts": [{"labels": {"alertname": "A"}, "status": "firing"}]}', ": alerts[0].startsAt: missing"),
        (
            '{"alerts": []}\n{"alerts": [{"labels": {"alertname": "A"}, "status": "resolved", '
            '"startsAt": "2026-09-07T10:00:00Z"}]}',
            ":2: alerts[0].endsAt: a resolved alert needs endsAt",
        ),
        (
            '[{"labels": {"severity": "page"}, "status": "firing", "startsAt": "x"}]',
            ": [0].labels.alertname: missing",
        ),
        ('{"alerts": [', ":1:13: not JSON: Expecting value"),
        ('{"alerts": []}\n{"alerts": [}', ":2:13: not JSON: Expecting value"),
    ],
)
def test_bad_alertmanager_records_are_located(tmp_path: Path, text: str, message: str) -> None:
    export = tmp_path / "alerts.json"
    export.write_text(text)
    done = cli("alerts", "analyze", export)
    assert done.returncode == 2
    assert done.stderr.strip() == f"error: {export}{message}"


def test_unknown_formats_and_missing_files_are_usage_errors(tmp_path: Path) -> None:
    other = tmp_path / "other.csv"
    other.write_text("when,what\n2026-09-07T10:00:00Z,x\n")
    done = cli("alerts", "analyze", other)
    assert done.returncode == 2 and "cannot tell the export's format" in done.stderr
    forced = cli("alerts", "analyze", other, "--input-format", "pagerduty")
    assert (
        forced.returncode == 2 and "the header lacks the column(s): description, createdon" in forced.stderr
    )
    missing = cli("alerts", "analyze", tmp_path / "none-*.csv")
    assert missing.returncode == 2 and "no file matches" in missing.stderr
