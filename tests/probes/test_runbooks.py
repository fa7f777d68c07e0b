"""The sample.runbooks probe: docs/architecture.md's example of adding a probe, installed from
tests/fixtures/plugin and run as devoops runs any probe."""

from __future__ import annotations

from pathlib import Path

from devoops.model.evidence import Status

from .support import probe

RULES = """
groups:
  - name: api
    rules:
      - record: job:errors:rate5m
        expr: sum(rate(http_requests_total{{code=~"5.."}}[5m]))
      - alert: HighErrorRate
        expr: job:errors:rate5m > 1
        annotations:
          summary: errors
          {first}
      - alert: DiskFull
        expr: node_filesystem_avail_bytes < 1e9
        annotations:
          {second}
"""


def test_alerts_without_runbooks_fail_and_decide_some(plugin: Path, tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(RULES.format(first="runbook_url: https://wiki/errors", second=""))
    result = probe("sample.runbooks", str(tmp_path / "*.yaml"))
    assert result.status == Status.FAIL
    assert (
        result.evidence.summary == "1 of 2 alerts link no runbook: DiskFull. (1 of 2 alerts link a runbook)"
    )
    (m,) = result.evidence.measurements
    assert (m.name, m.value, m.ok) == ("alerts with a runbook", 0.5, False)
    assert [(v.practice, v.choice) for v in result.evidence.verdicts] == [("oncall.runbooks", "some")]
    assert result.evidence.tables[0].rows == [["DiskFull"]]


def test_every_alert_with_a_runbook_passes(plugin: Path, tmp_path: Path) -> None:
    (tmp_path / "rules.yaml").write_text(RULES.format(first="wiki: a", second="wiki: b"))
    result = probe("sample.runbooks", str(tmp_path / "rules.yaml"), {"annotation": "wiki"})
    assert result.status == Status.PASS and result.evidence.summary == "2 of 2 alerts link a runbook"
    assert result.evidence.verdicts[0].choice == "per-alert"
    none = probe("sample.runbooks", str(tmp_path / "rules.yaml"))
    assert none.status == Status.FAIL and none.evidence.verdicts[0].choice == "none"


def test_no_alert_is_unknown_and_no_file_an_error(plugin: Path, tmp_path: Path) -> None:
    (tmp_path / "empty.yaml").write_text("groups: []\n")
    empty = probe("sample.runbooks", str(tmp_path / "empty.yaml"))
    assert empty.status == Status.UNKNOWN and empty.evidence.verdicts == []
    missing = probe("sample.runbooks", str(tmp_path / "none-*.yaml"))
    assert missing.status == Status.ERROR and missing.evidence.summary.startswith("no rule file matches")
    blank = probe("sample.runbooks", " ")
    assert blank.status == Status.ERROR and "give a rule file's path or glob" in blank.evidence.summary
