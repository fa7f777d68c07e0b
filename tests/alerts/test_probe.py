"""The `alerts` probe through the runner: verdicts for the alerting and on-call practices from
a generated export, business hours from the workload, and UNKNOWN and ERROR where it cannot tell."""

from __future__ import annotations

from pathlib import Path

import pytest

from devoops.alerts import Format, Kind
from devoops.model.evidence import ProbeResult, Status

from ..conftest import workload
from ..probes.support import probe
from . import exports as x
from .test_analysis import BERLIN, BERLIN_HOURS, EVENTS, business, write


def measured(result: ProbeResult, name: str) -> float | None:
    return next(m.value for m in result.evidence.measurements if m.name == name)


def test_a_noisy_pagerduty_history_is_cause_based_with_a_paged_rotation(tmp_path: Path) -> None:
    write(tmp_path, Format.PAGERDUTY, EVENTS)
    w = workload(**{"app.business_hours": BERLIN_HOURS})
    result = probe("alerts", str(tmp_path / "*.csv"), {"flap_minutes": 20}, workload=w)
    assert result.status == Status.FAIL, result.evidence.summary
    verdicts = {v.practice: v.choice for v in result.evidence.verdicts}
    assert verdicts == {"alerts.symptom-based": "cause-based", "oncall.rotation": "rotation-paged"}
    pages = [e for e in EVENTS if e.page]
    off = sum(not business(e.start, BERLIN) for e in pages)
    assert measured(result, "pages") == len(pages)
    assert measured(result, "pages outside business hours") == pytest.approx(off / len(pages))
    replaced = sum(e.page for e in EVENTS if e.rule.kind == Kind.CAUSE)
    assert measured(result, "pages an SLO burn-rate alert would replace") >= replaced  # type: ignore[operator]


def test_burn_rate_pages_pass(tmp_path: Path) -> None:
    burn = [e for e in EVENTS if e.rule.kind == Kind.SLO_BURN or not e.page]
    write(tmp_path, Format.ALERTMANAGER, burn)
    result = probe("alerts", str(tmp_path / "webhooks.jsonl"))
    assert result.status == Status.PASS, result.evidence.summary
    assert [(v.practice, v.choice) for v in result.evidence.verdicts] == [
        ("alerts.symptom-based", "slo-burn-rate")
    ]


def test_an_empty_history_is_unknown_and_bad_rows_an_error(tmp_path: Path) -> None:
    empty = tmp_path / "empty.csv"
    empty.write_text(",".join(x.OPSGENIE) + "\n")
    result = probe("alerts", str(empty))
    assert result.status == Status.UNKNOWN and result.evidence.verdicts == []
    bad = tmp_path / "bad.csv"
    bad.write_text("TinyId,Message,CreatedAt\n1,HostHighCpu,soon\n2,HostHighCpu,2026-09-07T10:00:00Z\n")
    result = probe("alerts", str(bad))
    assert result.status == Status.ERROR
    assert result.evidence.summary == f"{bad}:2: CreatedAt: 'soon' is not an ISO 8601 time"
    skipped = probe("alerts", str(bad), {"skip_bad_rows": True})
    assert skipped.status != Status.ERROR and measured(skipped, "bad records skipped") == 1
    missing = probe("alerts", str(tmp_path / "nothing-*.json"))
    assert missing.status == Status.ERROR and "no file matches" in missing.evidence.summary


def test_options_are_checked() -> None:
    from devoops.probes.alerts import AlertsProbe

    with pytest.raises(ValueError, match="unknown time zone"):
        AlertsProbe.validate("x.csv", {"assume_tz": "Nowhere/Town"})
    with pytest.raises(ValueError, match="path or glob"):
        AlertsProbe.validate(" ", {})
