"""A plain audit counts each drill's newest saved result while it is fresh: a weekly restore
drill decides `backups.restore-drilled` in every daily audit until it is a week old."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path

import pytest

from devoops.api import CARRIED, assess_file, audit_file
from devoops.model.common import Horizon
from devoops.model.evidence import Evidence, ProbeResult, Status, Verdict
from devoops.store import Store
from devoops.store.engine import sqlite_url

from .conftest import document

PROBES = {"restore": {"type": "restore_drill", "target": "backups", "options": {"server": "${DRILL_URL}"}}}


@pytest.fixture
def saved(tmp_path: Path) -> tuple[Path, str]:
    """A workload with a restore drill, and a store beside it."""
    path = tmp_path / "devoops.yaml"
    path.write_text(json.dumps(document(probes=PROBES)))
    return path, sqlite_url(tmp_path / ".devoops" / "devoops.db")


def drilled(
    path: Path, url: str, days_ago: float, kind: str = "restore_drill", choice: str = "automated"
) -> None:
    """Save an assessment holding a restore drill's result from `days_ago` days back."""
    finished = dt.datetime.now(dt.UTC) - dt.timedelta(days=days_ago)
    result = ProbeResult(
        name="restore",
        kind=kind,
        target="backups",
        started_at=finished - dt.timedelta(minutes=3),
        finished_at=finished,
        evidence=Evidence(
            status={"automated": Status.PASS, "never": Status.FAIL, None: Status.ERROR}[choice],
            summary="restored shop-20261120T030000Z.dump.zst.age in 2.9 min",
            verdicts=[Verdict(practice="backups.restore-drilled", choice=choice, reason="drilled")]
            if choice
            else [],
        ),
    )
    result_path = assess_file(path, now=finished)
    with Store(url) as store:
        store.save(result_path.assessment.model_copy(update={"evidence": [result]}), result_path.loaded.text)


def restore_finding(path: Path, url: str) -> tuple[list[ProbeResult], str, str | None]:
    a = audit_file(path, db=url).assessment
    view = next(v for v in a.horizons if v.horizon == Horizon.NOW)
    f = next(f for f in view.findings if f.practice == "backups.restore-drilled")
    return a.evidence, f.source, f.choice


def test_a_fresh_drill_decides_the_practice_in_a_plain_audit(saved: tuple[Path, str]) -> None:
    path, url = saved
    drilled(path, url, days_ago=2)
    evidence, source, choice = restore_finding(path, url)
    assert [r.name for r in evidence] == ["restore"]
    assert evidence[0].evidence.summary.startswith(CARRIED)
    assert (source, choice) == ("evidence", "automated")


def test_a_failed_drill_is_carried_as_well(saved: tuple[Path, str]) -> None:
    path, url = saved
    drilled(path, url, days_ago=1, choice="never")
    evidence, source, choice = restore_finding(path, url)
    assert evidence[0].status == Status.FAIL
    assert (source, choice) == ("evidence", "never")


def test_a_stale_drill_no_longer_counts(saved: tuple[Path, str]) -> None:
    path, url = saved
    drilled(path, url, days_ago=8)  # restore drills count for 7 days
    evidence, source, _ = restore_finding(path, url)
    assert evidence == []
    assert source != "evidence"


def test_only_the_newest_result_of_the_same_kind_counts(saved: tuple[Path, str]) -> None:
    path, url = saved
    drilled(path, url, days_ago=3, choice="never")
    drilled(path, url, days_ago=2)
    drilled(path, url, days_ago=1, kind="backups")  # another kind under that name: not a drill of it
    _, _, choice = restore_finding(path, url)
    assert choice == "automated"


def test_a_drill_that_could_not_run_leaves_the_last_conclusion_standing(saved: tuple[Path, str]) -> None:
    path, url = saved
    drilled(path, url, days_ago=3)
    drilled(path, url, days_ago=1, choice=None)  # ERROR: the drill server was unreachable
    evidence, source, choice = restore_finding(path, url)
    assert [r.status for r in evidence] == [Status.PASS]
    assert (source, choice) == ("evidence", "automated")


def test_carrying_a_carried_result_keeps_its_origin(saved: tuple[Path, str]) -> None:
    path, url = saved
    drilled(path, url, days_ago=2)
    first = audit_file(path, db=url)
    with Store(url) as store:
        store.save(first.assessment, first.loaded.text)
    again = audit_file(path, db=url).assessment.evidence
    assert len(again) == 1
    assert again[0].evidence.summary == first.assessment.evidence[0].evidence.summary
    assert again[0].finished_at == first.assessment.evidence[0].finished_at


def test_without_a_store_nothing_is_carried_and_nothing_is_created(saved: tuple[Path, str]) -> None:
    path, url = saved
    assert audit_file(path, db=url).assessment.evidence == []
    assert not (path.parent / ".devoops").exists()
