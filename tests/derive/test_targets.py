"""Latency, data, capacity and delivery targets."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from devoops.derive.capacity import capacity_target
from devoops.derive.data import dataset_target
from devoops.derive.economics import availability_target
from devoops.derive.latency import latency_target
from devoops.derive.team import delivery_target
from devoops.model.answers import Dataset
from devoops.model.common import Horizon
from devoops.model.lens import Lens

from ..conftest import workload

NOW, LATER = Horizon.NOW, Horizon.TWELVE_MONTHS


def test_latency_levels() -> None:
    good = latency_target(workload(), NOW)
    assert (good.avg_ms, good.p50_ms, good.p95_ms, good.p99_ms, good.source) == (300, 250, 700, 1200, "level")
    fast = latency_target(
        workload(**{"answers.performance": {"level": {"now": "good", "12mo": "outstanding"}}}), LATER
    )
    assert fast.p99_ms == 250


def test_latency_figures_fill_in_the_missing_percentiles() -> None:
    t = latency_target(workload(**{"answers.performance": {"p95_ms": 200}}), NOW)
    # mean = 200 / 2.5 = 80; p50 = 64; p99 = 320
    assert (t.avg_ms, t.p50_ms, t.p95_ms, t.p99_ms, t.source) == (80, 64, 200, 320, "figures")


@given(
    st.floats(1, 5000),
    st.floats(1, 4),
    st.floats(1, 4),
    st.sampled_from(["avg", "p95", "p99", "avg+p99", "p95+p99"]),
)
def test_latency_percentiles_are_ordered_and_keep_given_figures(
    avg: float, k95: float, k99: float, which: str
) -> None:
    figures = {"avg_ms": avg, "p95_ms": avg * k95, "p99_ms": avg * k95 * k99}
    given_keys = {
        "avg": ["avg_ms"],
        "p95": ["p95_ms"],
        "p99": ["p99_ms"],
        "avg+p99": ["avg_ms", "p99_ms"],
        "p95+p99": ["p95_ms", "p99_ms"],
    }[which]
    t = latency_target(workload(**{"answers.performance": {k: figures[k] for k in given_keys}}), NOW)
    assert t.p50_ms <= t.p95_ms <= t.p99_ms
    for k in given_keys:
        assert getattr(t, k) == pytest.approx(round(figures[k], 1), abs=0.06)


def test_rpo_rto_from_criticality_unless_given() -> None:
    ledger = Dataset(name="ledger", criticality="lifeblood", regulated="financial")
    lifeblood = dataset_target(ledger, 3, error_budget_minutes=216)  # 99.5 %: a 60 min restore fits
    assert (lifeblood.rpo_minutes, lifeblood.rto_minutes, lifeblood.rpo_given) == (5, 60, False)
    # at 99.95 % (21.6 min a month) lifeblood data must be back within the budget: 21 whole
    # minutes, never the 22 that rounding would give and the budget would not hold
    assert dataset_target(ledger, 3, error_budget_minutes=21.6).rto_minutes == 21
    assert (
        lifeblood.backup.continuous
        and lifeblood.backup.encrypted
        and lifeblood.backup.offsite_separate_account
    )
    assert lifeblood.backup.retention_days == 90 and lifeblood.backup.restore_drill_every_days == 30
    cache = dataset_target(Dataset(name="thumbs", criticality="expendable"), 3, 21.6)
    assert (cache.rpo_minutes, cache.backup.every_minutes, cache.backup.continuous) == (1440, 1440, False)
    assert not cache.backup.offsite_separate_account and not cache.backup.encrypted
    given_ = dataset_target(
        Dataset(name="events", criticality="important", rpo_minutes=240, rto_minutes=30), 6, 21.6
    )
    assert (given_.rpo_minutes, given_.rto_minutes, given_.rpo_given, given_.rto_given) == (
        240,
        30,
        True,
        True,
    )
    assert given_.backup.every_minutes == 240 and given_.backup.encrypted  # security importance 6


def test_capacity_from_users_and_peak() -> None:
    w = workload(
        **{
            "answers.traffic": {
                "concurrent_users": 2000,
                "peak": {"multiplier": 10, "likelihood": "certain"},
                "scale_up_minutes": 5,
            }
        }
    )
    c = capacity_target(w, NOW)
    assert (c.baseline_rps, c.peak_rps, c.headroom, c.capacity_rps) == (200, 2000, 2.0, 4000)
    assert c.pre_provision
    absolute = capacity_target(workload(**{"answers.traffic.peak": {"rps": 50, "likelihood": "rare"}}), NOW)
    assert (absolute.peak_rps, absolute.capacity_rps, absolute.pre_provision) == (50, 60, False)


def test_delivery_targets_follow_release_cadence(lens: Lens) -> None:
    for releases, deploy in ((1, 15), (5, 10), (30, 5)):
        w = workload(**{"answers.engineering.releases_per_week": releases})
        d = delivery_target(w, NOW, availability_target(w, lens, NOW))
        assert d.deploy_minutes_max == deploy
        assert 1 <= d.rollback_minutes_max <= deploy
