"""The pure SLO model: objectives, bucket choice, burn-rate factors scaled by the period."""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from devoops.generate.slo import POLICY, equalities, latency_slo, le_matcher, outage_minutes, plan, sli_config
from devoops.model.slo import DEFAULT_BUCKETS, SloConfig, duration_ms
from devoops.model.targets import Targets

from ..conftest import NOW, workload


@pytest.fixture(scope="module")
def targets(lens) -> Targets:  # type: ignore[no-untyped-def]
    from devoops.evaluate import assess
    from devoops.model.common import Horizon

    return assess(workload(), lens, NOW, "devoops.yaml").at(Horizon.NOW).targets


def with_targets(targets: Targets, slo: float = 0.999, p95: float = 300, p99: float = 800) -> Targets:
    return targets.model_copy(
        update={
            "availability": targets.availability.model_copy(update={"slo": slo}),
            "latency": targets.latency.model_copy(update={"p95_ms": p95, "p99_ms": p99}),
        }
    )


def test_thirty_days_gives_the_workbook_factors(targets: Targets) -> None:
    factors = [
        (c.alert.severity, c.alert.long, c.alert.short, c.factor)
        for c in plan("Shop", SloConfig(), targets).conditions
    ]
    assert factors == [
        ("page", "1h", "5m", 14.4),
        ("page", "6h", "30m", 6.0),
        ("ticket", "1d", "2h", 3.0),
        ("ticket", "3d", "6h", 1.0),
    ]


def test_seven_days_scales_the_factors(targets: Targets) -> None:
    factors = [c.factor for c in plan("Shop", SloConfig(period="7d"), targets).conditions]
    hours = 7 * 24
    expected = [0.02 * hours / 1, 0.05 * hours / 6, 0.10 * hours / 24, 0.10 * hours / 72]
    assert factors == pytest.approx(expected, rel=1e-6)


@given(st.integers(min_value=4, max_value=400))
def test_factor_is_the_budget_share_spent_over_the_long_window(days: int) -> None:
    for alert in POLICY:
        hours = {"1h": 1, "6h": 6, "1d": 24, "3d": 72}[alert.long]
        assert alert.factor(days * 86_400_000) == pytest.approx(
            alert.budget_share * days * 24 / hours, rel=1e-6
        )


@given(st.integers(min_value=73, max_value=24 * 60))
def test_a_period_whose_pages_burn_at_rate_1_or_less_is_warned_about(targets: Targets, hours: int) -> None:
    # the slowest page spends 5% of the budget in 6h: burn rate 0.05 x hours / 6, at most 1
    # up to 120 hours (5d); the 1h page (0.02 x hours) is above 1 for every period over 3d
    p = plan("shop", SloConfig(period=f"{hours}h", latency_histogram=None), targets)
    slow = [w for w in p.warnings if "too slow to spend the budget" in w]
    if hours * 5 <= 6 * 100:
        assert slow == [
            f"period {hours}h: the page over 6h fires at burn rate {0.05 * hours / 6:.3g}, too slow to "
            "spend the budget within the period; use a period longer than 5d"
        ]
    else:
        assert slow == []


def test_objectives_and_names_come_from_the_targets(targets: Targets) -> None:
    p = plan("My Shop!", SloConfig(latency=["p95", "p99"]), with_targets(targets, 0.9995, 300, 800))
    assert p.service == "my-shop"
    assert [(s.name, s.objective) for s in p.slos] == [
        ("availability", 0.9995),
        ("latency-p95", 0.95),
        ("latency-p99", 0.99),
    ]
    assert p.slos[0].budget == pytest.approx(0.0005)
    # 300 ms -> the 0.5 s bucket (1.7x: a warning), 800 ms -> 1 s (1.25x: none)
    assert 'le="0.5"' in p.slos[1].sli.error_ratio
    assert 'le=~"1|1\\\\.0"' in p.slos[2].sli.error_ratio
    assert len(p.warnings) == 1 and "0.5 s" in p.warnings[0] and "p95" in p.warnings[0]


def test_an_exact_bucket_is_chosen_without_warning(targets: Targets) -> None:
    p = plan("shop", SloConfig(), with_targets(targets, p99=250))
    assert 'le="0.25"' in p.slos[1].sli.error_ratio and not p.warnings


def test_no_bucket_above_the_target_skips_the_latency_slo_with_a_warning(targets: Targets) -> None:
    p = plan("shop", SloConfig(buckets=[0.1, 0.5]), with_targets(targets, p99=800))
    assert [s.name for s in p.slos] == ["availability"]
    assert "no histogram bucket at or above 800 ms" in p.warnings[0]


@given(
    st.lists(st.sampled_from(DEFAULT_BUCKETS + [0.2, 0.3, 0.75, 20.0]), min_size=1, unique=True),
    st.floats(min_value=1, max_value=30_000),
)
def test_the_bucket_is_the_smallest_at_or_above_the_target(buckets: list[float], target_ms: float) -> None:
    slo, warning = latency_slo(SloConfig(buckets=buckets), "h", "p99", target_ms)
    above = [b for b in sorted(buckets) if b * 1000 >= target_ms * (1 - 1e-9)]
    if not above:
        assert slo is None and warning is not None
    else:
        assert slo is not None and le_matcher(above[0]) in slo.sli.error_ratio
        assert (warning is not None) == (above[0] * 1000 > 1.5 * target_ms)


def test_user_queries_are_used_and_have_no_synthetic_series(targets: Targets) -> None:
    config = SloConfig(good_query="sum(increase(ok[$window]))", total_query="sum(increase(all[$window]))")
    sli = plan("shop", config, targets).slos[0].sli
    assert sli.error_ratio == "1 - (sum(increase(ok[$window]))) / ((sum(increase(all[$window]))) > 0)"
    assert sli.synthetic == ()


def test_an_error_ratio_query_records_nothing_without_requests_when_they_are_counted(
    targets: Targets,
) -> None:
    counted = SloConfig(error_ratio_query="errors($window)", total_query="all($window)")
    assert plan("shop", counted, targets).slos[0].sli.error_ratio == (
        "(errors($window)) and on () ((all($window)) > 0)"
    )
    alone = SloConfig(error_ratio_query="errors($window)")
    assert plan("shop", alone, targets).slos[0].sli.error_ratio == "errors($window)"


def test_hard_outage_detection_minutes(targets: Targets) -> None:
    p = plan("shop", SloConfig(), with_targets(targets, 0.999))
    # the 1h window passes 14.4 x 0.1% after 14.4 x 0.001 x 60 minutes
    assert outage_minutes(p.slos[0], p.conditions) == pytest.approx(14.4 * 0.001 * 60)
    # p99 (1% budget): 14.4 x 0.01 x 60 = 8.64
    assert outage_minutes(p.slos[1], p.conditions) == pytest.approx(8.64)


@pytest.mark.parametrize(
    ("selector", "expected"),
    [
        ("", ()),
        ('job="web"', (("job", "web"),)),
        ('job="web", env="prod"', (("job", "web"), ("env", "prod"))),
        ('job=~"web.*"', None),
        ('job="web",env!="dev"', None),
        ("job=web", None),
    ],
)
def test_test_series_need_equality_matchers(selector: str, expected: object) -> None:
    assert equalities(selector) == expected


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("period", "a month", "not a Prometheus duration"),
        ("period", "3d", "longer than 3d"),
        ("buckets", [], "at least 1"),
        ("labels", {"severity": "x"}, "not a label name"),
        ("good_query", "sum(x)", "together"),
        ("latency_histogram", "bad name", "not a metric name"),
    ],
)
def test_bad_config_is_refused(field: str, value: object, message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        SloConfig.model_validate({field: value})


def test_min_requests_needs_a_request_count() -> None:
    with pytest.raises(ValidationError, match="needs total_query"):
        SloConfig(error_ratio_query="x", min_requests=10)
    assert SloConfig(error_ratio_query="x", total_query="y", min_requests=10).min_requests == 10


@given(st.integers(0, 50), st.integers(0, 23), st.integers(0, 59))
def test_duration_parser(days: int, hours: int, minutes: int) -> None:
    text = "".join(f"{n}{u}" for n, u in ((days, "d"), (hours, "h"), (minutes, "m")) if n) or "0s"
    assert duration_ms(text) == ((days * 24 + hours) * 60 + minutes) * 60_000
    assert math.isfinite(duration_ms(text))


def test_without_slis_of_its_own_the_section_takes_the_prometheus_probes() -> None:
    probe = {
        "type": "prometheus",
        "target": "http://127.0.0.1:9090",
        "options": {"selector": 'job="api"', "requests_metric": "api_requests_total", "window": "7d"},
    }
    w = workload(probes={"tls": {"type": "tls", "target": "example.test"}, "metrics": probe})
    config = sli_config(w)
    assert (config.selector, config.requests_metric) == ('job="api"', "api_requests_total")
    assert config.latency_histogram == "http_request_duration_seconds"  # the probe left it as is
    own = workload(probes={"metrics": probe}, slo={"selector": 'job="web"', "labels": {"team": "core"}})
    assert (
        sli_config(own).selector == 'job="web"' and sli_config(own).requests_metric == "http_requests_total"
    )
    labelled = workload(probes={"metrics": probe}, slo={"labels": {"team": "core"}})
    assert sli_config(labelled).selector == 'job="api"' and sli_config(labelled).labels == {"team": "core"}
    assert sli_config(workload()) == workload().slo
