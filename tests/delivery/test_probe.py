"""The `delivery` probe: the same figures as evidence, held against the workload's targets."""

from __future__ import annotations

import asyncio
import datetime as dt
from pathlib import Path
from typing import Any

import aiohttp
import pytest

from devoops.delivery.dora import analyze
from devoops.delivery.records import Deployment, DeployStatus
from devoops.evaluate import assess
from devoops.lens import load_lens
from devoops.model.evidence import Evidence, Status
from devoops.probes.base import Context
from devoops.probes.delivery import DeliveryProbe, evidence

from ..conftest import NOW, workload

H = dt.timedelta(hours=1)


def collect(tmp_path: Path, target: str, **options: Any) -> Evidence:
    w = workload()
    targets = {v.horizon: v.targets for v in assess(w, load_lens(), NOW, "test").horizons}
    probe = DeliveryProbe.validate(target, options)

    async def run() -> Evidence:
        async with aiohttp.ClientSession() as http:
            return await probe.collect(Context("delivery", NOW, 60, w, targets, http, root=tmp_path))

    return asyncio.run(run())


def write(path: Path, minutes: list[float], statuses: list[str] | None = None) -> None:
    statuses = statuses or ["success"] * len(minutes)
    rows = [
        f"{(NOW - (len(minutes) - k) * 24 * H).isoformat()},production,{s},{m * 60:g}"
        for k, (m, s) in enumerate(zip(minutes, statuses, strict=True))
    ]
    path.write_text("time,environment,status,duration\n" + "\n".join(rows) + "\n")


def test_fast_deploys_pass_and_say_so(tmp_path: Path) -> None:
    write(tmp_path / "d.csv", [4, 5, 6, 7, 8] * 6)
    e = collect(tmp_path, "d.csv", window_days=45)
    lens = load_lens()
    for v in e.verdicts:  # every verdict names a real practice and choice
        assert v.choice in {c.id for c in next(p for p in lens.practices if p.id == v.practice).choices}
    assert [(v.practice, v.choice) for v in e.verdicts] == [("deploy.fast", "under-10")]
    p95 = next(m for m in e.measurements if m.name == "deploy duration p95")
    assert p95.value == 8 and p95.ok is True


def test_slow_deploys_fail(tmp_path: Path) -> None:
    write(tmp_path / "d.csv", [25, 22, 30, 21])
    e = collect(tmp_path, "d.csv")
    assert e.status == Status.FAIL
    assert ("deploy.fast", "over-20") in [(v.practice, v.choice) for v in e.verdicts]


def test_a_slow_rollback_is_a_manual_rebuild_and_a_fast_one_says_nothing() -> None:
    targets = assess(workload(), load_lens(), NOW, "test").horizons[0].targets
    limit = targets.delivery.rollback_minutes_max

    def history(rollback_minutes: float) -> list[Deployment]:
        t = NOW - 48 * H
        back = t + H + dt.timedelta(minutes=rollback_minutes)
        return [
            Deployment("a", t, "production", DeployStatus.SUCCESS, version="v1"),
            Deployment("b", t + H, "production", DeployStatus.ROLLED_BACK, version="v2"),
            Deployment("c", back, "production", DeployStatus.SUCCESS, version="v1"),
        ]

    slow = evidence(analyze(history(limit * 3), now=NOW), targets)
    assert ("deploy.rollback", "manual-rebuild") in [(v.practice, v.choice) for v in slow.verdicts]
    rollback = next(m for m in slow.measurements if m.name == "rollback time")
    assert rollback.value == pytest.approx(limit * 3) and rollback.ok is False
    fast = evidence(analyze(history(limit / 2), now=NOW), targets)
    assert "deploy.rollback" not in [v.practice for v in fast.verdicts]
    untargeted = evidence(analyze(history(limit / 2), now=NOW))
    assert untargeted.status == Status.UNKNOWN and "no figure was held" in untargeted.summary


def test_nothing_in_the_window_is_unknown_and_bad_rows_break_the_probe(tmp_path: Path) -> None:
    write(tmp_path / "d.csv", [5, 5])
    assert collect(tmp_path, "d.csv", window_days=0.5).status == Status.UNKNOWN
    (tmp_path / "bad.csv").write_text("time\nnot a time\n")
    with pytest.raises(Exception, match=r"bad.csv:2: time"):
        collect(tmp_path, "bad.csv")
    with pytest.raises(ValueError, match="unknown time zone"):
        DeliveryProbe.validate("d.csv", {"assume_tz": "Nowhere/Land"})
