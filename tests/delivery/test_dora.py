"""The DORA figures from generated histories, against figures the tests compute themselves."""

from __future__ import annotations

import datetime as dt
import random
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from devoops.delivery.dora import (
    CHANGE_FAILURE,
    FREQUENCY,
    LEAD_TIME,
    RECOVERY,
    Cluster,
    analyze,
    classify,
    deploy_fast,
)
from devoops.delivery.records import (
    Deployment,
    DeployStatus,
    Incident,
    ScaleOut,
    read_deployments,
    read_incidents,
)

from .history_data import T0, deployments, stamp, write_csv

H = dt.timedelta(hours=1)
ORDER = [Cluster.ELITE, Cluster.HIGH, Cluster.MEDIUM, Cluster.LOW]


def deploy(hours: float, status: str = "success", version: str = "", row: str = "") -> Deployment:
    return Deployment(
        row or f"r{hours}", T0 + hours * H, "production", DeployStatus(status), version=version or f"v{hours}"
    )


def test_a_generated_month_of_production_history(tmp_path: Path) -> None:
    rows = deployments(seed=11, n=80)
    rng = random.Random(5)
    prod = [r for r in rows if r.environment == "production"]
    # incidents one hour after some successful deploys followed by a quiet spell of three hours
    hit = [
        r
        for r, after in zip(prod, prod[1:], strict=False)
        if r.status == "success" and after.time - r.time > 3 * H and rng.random() < 0.3
    ]
    incidents = tmp_path / "incidents.csv"
    incidents.write_text(
        "start,end,title\n"
        + "".join(
            f"{stamp(r.time + H, rng)},{stamp(r.time + H + dt.timedelta(minutes=40), rng)},x\n" for r in hit
        )
    )
    since, until = T0 - dt.timedelta(days=1), T0 + dt.timedelta(days=31)
    d = analyze(
        read_deployments(write_csv(tmp_path / "d.csv", rows)).rows,
        read_incidents(incidents).rows,
        since=since,
        until=until,
        now=until,
    )
    ok = [r for r in prod if r.status == "success"]
    failed_status = [r for r in prod if r.status != "success"]
    assert d.deployments == len(prod) and d.successful == len(ok)
    assert d.deployment_frequency.value == pytest.approx(len(ok) / 32 * 7)
    assert d.change_failure_rate.value == pytest.approx((len(failed_status) + len(hit)) / len(prod))
    recoveries = [40 / 60] * len(hit)
    for r in failed_status:
        fix = min((o.time for o in ok if o.time > r.time), default=None)
        if fix is not None:
            recoveries.append((fix - r.time) / H)
    assert d.recovery_time.value == pytest.approx(float(np.median(recoveries)))
    assert d.recovery_time.count == len(recoveries)
    minutes = [r.minutes for r in prod]
    assert d.deploy_p50.value == pytest.approx(
        float(np.percentile(minutes, 50, method="inverted_cdf")), abs=1e-6
    )
    assert d.deploy_p95.value == pytest.approx(
        float(np.percentile(minutes, 95, method="inverted_cdf")), abs=1e-6
    )
    assert d.lead_time.value is None and d.lead_time.cluster is None


def test_the_failure_window_decides_whether_an_incident_counts() -> None:
    history = [deploy(0), deploy(48)]
    late = [Incident("i", T0 + 30 * H, T0 + 31 * H)]
    kw = {"since": T0, "until": T0 + 96 * H, "now": T0 + 96 * H}
    assert analyze(history, late, **kw).change_failure_rate.value == 0
    assert analyze(history, late, failure_hours=36, **kw).change_failure_rate.value == 0.5
    d = analyze(history, late, failure_hours=30, **kw)  # starts exactly 30 h after: inside
    assert d.change_failure_rate.value == 0.5 and d.recovery_time.value == 1
    named = [Incident("i", T0 + 60 * H, T0 + 62 * H, deployment="v0")]  # names the first deployment
    d = analyze(history, named, **kw)
    assert [f.row for f in d.failures] == ["r0"] and d.recovery_time.value == 2


def test_recovery_from_a_failed_deploy_and_a_rollback() -> None:
    history = [
        deploy(0, version="v1"),
        deploy(10, "rolled_back", version="v2"),
        deploy(10.5, version="v1"),  # the earlier version again: a rollback after 30 minutes
        deploy(20, "failed", version="v3"),
        deploy(23, version="v4"),  # fixed forward after 3 hours
        deploy(30, "failed", version="v5"),  # never recovered
    ]
    d = analyze(history, since=T0, until=T0 + 48 * H, now=T0 + 48 * H)
    assert d.change_failure_rate.value == pytest.approx(3 / 6)
    assert d.recovery_time.value == pytest.approx(np.median([0.5, 3]))
    assert "1 not recovered yet" in d.recovery_time.detail
    assert d.rollback_time.value == pytest.approx(30) and d.rollback_time.count == 1
    assert d.deployment_frequency.value == pytest.approx(3 / 2 * 7)


def test_an_open_incident_leaves_its_failure_unrecovered() -> None:
    d = analyze([deploy(0)], [Incident("i", T0 + H, None)], now=T0 + 10 * H)
    assert d.change_failure_rate.value == 1 and d.recovery_time.value is None
    assert d.failures[0].recovered_by == "incident still open"


def test_an_empty_history_is_unknown_not_zero() -> None:
    for d in (
        analyze([], now=T0),
        analyze([deploy(0)], since=T0 + H, until=T0 + 2 * H, now=T0 + 3 * H),
        analyze([Deployment("s", T0, "staging", DeployStatus.SUCCESS)], now=T0 + H),
    ):
        assert d.deployments == 0
        figures = (d.deployment_frequency, d.change_failure_rate, d.recovery_time, d.lead_time, d.deploy_p95)
        assert all(f.value is None and f.cluster is None for f in figures)
        assert d.deploy_fast is None


def test_deployments_without_an_environment_count_for_any() -> None:
    d = analyze([Deployment("a", T0, None, DeployStatus.SUCCESS)], environment="eu", now=T0 + 7 * 24 * H)
    assert d.deployments == 1 and d.deployment_frequency.value == pytest.approx(1)


@pytest.mark.parametrize(
    ("bands", "value", "cluster"),
    [
        (FREQUENCY, 1.01, Cluster.ELITE),
        (FREQUENCY, 1, Cluster.HIGH),  # once a day is "between once per day and once per week"
        (FREQUENCY, 1 / 7, Cluster.HIGH),
        (FREQUENCY, 1 / 7.01, Cluster.MEDIUM),
        (FREQUENCY, 1 / 30, Cluster.MEDIUM),
        (FREQUENCY, 1 / 31, Cluster.LOW),
        (FREQUENCY, 0, Cluster.LOW),
        (LEAD_TIME, 23.99, Cluster.ELITE),
        (LEAD_TIME, 24, Cluster.HIGH),
        (LEAD_TIME, 168, Cluster.HIGH),
        (LEAD_TIME, 168.01, Cluster.MEDIUM),
        (LEAD_TIME, 720, Cluster.MEDIUM),
        (LEAD_TIME, 720.01, Cluster.LOW),
        (CHANGE_FAILURE, 0.05, Cluster.ELITE),
        (CHANGE_FAILURE, 0.0501, Cluster.HIGH),
        (CHANGE_FAILURE, 0.20, Cluster.HIGH),
        (CHANGE_FAILURE, 0.2001, Cluster.LOW),
        (RECOVERY, 0.99, Cluster.ELITE),
        (RECOVERY, 1, Cluster.HIGH),
        (RECOVERY, 23.99, Cluster.HIGH),
        (RECOVERY, 24, Cluster.LOW),
    ],
)
def test_cluster_boundaries(bands: object, value: float, cluster: Cluster) -> None:
    assert classify(value, bands) == cluster  # type: ignore[arg-type]


@given(st.floats(0, 1e5), st.floats(0, 1e5), st.sampled_from([LEAD_TIME, CHANGE_FAILURE, RECOVERY]))
def test_a_worse_figure_never_lands_in_a_better_cluster(a: float, b: float, bands: object) -> None:
    low, high = sorted((a, b))  # for these figures, lower is better
    assert ORDER.index(classify(low, bands)) <= ORDER.index(classify(high, bands))  # type: ignore[arg-type]


@given(st.floats(0, 1e3), st.floats(0, 1e3))
def test_deploying_more_often_never_lands_in_a_worse_cluster(a: float, b: float) -> None:
    rare, often = sorted((a, b))
    assert ORDER.index(classify(often, FREQUENCY)) <= ORDER.index(classify(rare, FREQUENCY))


@given(st.floats(0, 1e4))
def test_deploy_fast_choice_follows_the_p95(p95: float) -> None:
    expected = "under-10" if p95 < 10 else "10-to-20" if p95 < 20 else "over-20"
    assert deploy_fast(p95) == expected
    assert deploy_fast(10) == "10-to-20" and deploy_fast(20) == "over-20" and deploy_fast(None) is None


def test_frequency_counts_from_the_first_deployment_not_earlier_scale_outs() -> None:
    deploys = [deploy(24 * day) for day in range(7)]  # one a day for a week
    scale_outs = [ScaleOut("s", T0 - 60 * 24 * H, T0 - 60 * 24 * H + 5 * dt.timedelta(minutes=1))]
    now = T0 + 7 * 24 * H
    d = analyze(deploys, scale_outs=scale_outs, now=now)
    assert d.since == T0
    assert d.deployment_frequency.value == pytest.approx(7 / ((now - T0) / dt.timedelta(days=1)) * 7)


def test_the_time_rule_blames_the_last_deployment_that_went_live() -> None:
    history = [deploy(0, version="v1"), deploy(2, "failed", version="v2")]
    incident = [Incident("i", T0 + 3 * H, T0 + 4 * H)]
    d = analyze(history, incident, since=T0, until=T0 + 10 * H, now=T0 + 10 * H)
    assert sorted(f.row for f in d.failures) == ["r0", "r2"]  # v1 by its incident, v2 by its status
    [live] = [f for f in d.failures if f.row == "r0"]
    assert live.started_at == T0 + 3 * H and live.recovered_at == T0 + 4 * H
    assert d.change_failure_rate.value == 1
    rolled = [deploy(0, version="v1"), deploy(2, "rolled_back", version="v2"), deploy(2.5, version="v1")]
    late = [Incident("j", T0 + 2.2 * H, T0 + 2.4 * H)]  # while v2 served, before the rollback
    d = analyze(rolled, late, since=T0, until=T0 + 10 * H, now=T0 + 10 * H)
    assert [f.row for f in d.failures] == ["r2"] and d.failures[0].recovered_at == T0 + 2.4 * H
