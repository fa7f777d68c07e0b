"""The prometheus probe against a real Prometheus (basic auth on) scraping small apps on loopback
whose traffic per scrape is known, so every figure is computed here from that traffic."""

from __future__ import annotations

import base64
import socket
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from devoops.evaluate import assess
from devoops.lens import load_lens
from devoops.model.common import Horizon
from devoops.model.evidence import Measurement, ProbeResult, Status
from devoops.model.slo import duration_ms
from devoops.probes.prometheus import PrometheusProbe, duration

from ..conftest import NOW, workload
from ..promserver import PrometheusServer, job
from .metricsapp import BUCKETS, MetricsApp
from .support import free_port, probe

USER, PASSWORD = "auditor", "correct-horse-battery"
FAST = [(0.01, 95), (0.04, 5)]
APPS: dict[str, dict[str, Any]] = {
    "healthy": {"requests": {"200": 97, "404": 3}, "latencies": FAST},
    "failing": {"requests": {"200": 90, "500": 8, "503": 2}, "latencies": FAST},
    "slow": {"requests": {"200": 100}, "latencies": [(0.01, 50), (0.3, 50)]},
    "legacy": {"requests": {"200": 98, "502": 2}, "latencies": FAST, "label": "status"},
    "idle": {"requests": {"200": 0}},
}
WORKLOAD = workload(
    **{
        "answers.performance.p95_ms": 100,
        "answers.performance.p99_ms": 300,
        "answers.traffic.baseline_rps": 1000,
    }
)
TARGETS = {v.horizon: v.targets for v in assess(WORKLOAD, load_lens(), NOW, "test").horizons}[Horizon.NOW]
# The whole short life of the test server, in steps spanning three scrapes.
WINDOW = {"window": "1h", "step": "3s"}
AUTH = {"username": USER, "password": PASSWORD}
# Prometheus's duration units, largest first, in milliseconds (a year is 365 days).
UNITS = [("y", 365 * 86_400_000), ("w", 7 * 86_400_000), ("d", 86_400_000), ("h", 3_600_000)]
UNITS += [("m", 60_000), ("s", 1000), ("ms", 1)]


@pytest.fixture(scope="module")
def prometheus() -> Iterator[str]:
    apps = {name: MetricsApp(**spec) for name, spec in APPS.items()}
    try:
        with PrometheusServer(
            [job(n, a.address) for n, a in apps.items()], basic_auth=(USER, PASSWORD)
        ) as server:
            server.wait_until(f"count(count_over_time(up[1m]) >= 6) == {len(apps)}")
            yield server.url
    finally:
        for app in apps.values():
            app.stop()


def run(url: str, **options: Any) -> ProbeResult:
    return probe("prometheus", url, WINDOW | AUTH | options, workload=WORKLOAD, timeout=20)


def availability(requests: Mapping[str, int]) -> float:
    return sum(n for code, n in requests.items() if not code.startswith("5")) / sum(requests.values())


def quantile(q: float, latencies: Sequence[tuple[float, int]]) -> float:
    """Prometheus's histogram_quantile: linear interpolation inside the bucket holding rank q·n."""
    rank = q * sum(n for _, n in latencies)
    lower, below = 0.0, 0
    for le in BUCKETS:
        count = sum(n for v, n in latencies if v <= le)
        if count >= rank:
            return lower + (le - lower) * (rank - below) / (count - below)
        lower, below = le, count
    raise AssertionError("rank beyond the last finite bucket")


def figures(result: ProbeResult) -> dict[str, Measurement]:
    return {m.name: m for m in result.evidence.measurements}


def verdicts(result: ProbeResult) -> dict[str, str]:
    return {v.practice: v.choice for v in result.evidence.verdicts}


def test_healthy_service_passes_with_every_figure(prometheus: str) -> None:
    result = run(prometheus, selector='job="healthy"')
    found = figures(result)
    assert result.status == Status.PASS, result.evidence.summary
    assert found["availability"].value == pytest.approx(availability(APPS["healthy"]["requests"]))
    assert found["availability"].target == TARGETS.availability.slo
    assert found["error budget consumed"].value == pytest.approx(0.0)
    for p, q in (("p50", 0.5), ("p95", 0.95), ("p99", 0.99)):
        assert found[f"latency {p}"].value == pytest.approx(quantile(q, FAST) * 1000)
        assert found[f"latency {p}"].target == getattr(TARGETS.latency, f"{p}_ms")
    # 100 requests each scrape, one scrape a second (scrape timing is only nearly regular).
    assert found["request rate peak"].value == pytest.approx(100, rel=0.35)
    assert found["request rate peak"].target == TARGETS.capacity.peak_rps
    assert found["requests"].value is not None and found["requests"].value > 0
    assert found["data span"].value is not None and 0 < found["data span"].value < 1 / 24
    assert verdicts(result) == {"slo.availability-met": "met", "perf.latency-met": "met"}
    assert result.evidence.tables == []  # no window had a failed request


def test_too_many_server_errors_fail_availability(prometheus: str) -> None:
    result = run(prometheus, selector='{job="failing"}')
    found = figures(result)
    expected = availability(APPS["failing"]["requests"])
    assert result.status == Status.FAIL
    assert found["availability"].value == pytest.approx(expected)
    assert found["availability"].ok is False
    assert found["error budget consumed"].value == pytest.approx(
        (1 - expected) / (1 - TARGETS.availability.slo)
    )
    assert verdicts(result) == {"slo.availability-met": "missed", "perf.latency-met": "met"}
    assert "availability" in result.evidence.summary
    [table] = result.evidence.tables
    assert 0 < len(table.rows) <= 10
    for start, end, ratio, failed, total in table.rows:
        assert isinstance(start, str) and isinstance(end, str) and start < end
        assert ratio == pytest.approx(1 - expected, rel=1e-4)
        assert isinstance(failed, float) and isinstance(total, float)
        assert failed / total == pytest.approx(1 - expected, rel=1e-2)


def test_slow_tail_fails_latency(prometheus: str) -> None:
    latencies = APPS["slow"]["latencies"]
    result = run(prometheus, selector='job="slow"')
    found = figures(result)
    assert result.status == Status.FAIL
    assert found["latency p95"].value == pytest.approx(quantile(0.95, latencies) * 1000)
    assert found["latency p99"].value == pytest.approx(quantile(0.99, latencies) * 1000)
    assert found["latency p95"].ok is False and found["latency p99"].ok is False
    assert verdicts(result) == {"slo.availability-met": "met", "perf.latency-met": "missed"}
    assert "latency p95" in result.evidence.summary


def test_status_label_counts_like_code(prometheus: str) -> None:
    result = run(prometheus, selector='job="legacy"')
    expected = availability(APPS["legacy"]["requests"])
    assert figures(result)["availability"].value == pytest.approx(expected)
    assert verdicts(result)["slo.availability-met"] == (
        "met" if expected >= TARGETS.availability.slo else "missed"
    )


@pytest.mark.parametrize(
    "queries",
    [
        {
            "good_query": 'sum(increase(http_requests_total{job="failing",code!~"5.."}[$window]))',
            "total_query": 'sum(increase(http_requests_total{job="failing"}[$window]))',
        },
        {
            "error_ratio_query": 'sum(rate(http_requests_total{job="failing",code=~"5.."}[$window]))'
            ' / sum(rate(http_requests_total{job="failing"}[$window]))',
        },
    ],
    ids=["good-total", "error-ratio"],
)
def test_user_promql(prometheus: str, queries: dict[str, str]) -> None:
    latency = {
        "p95": 'histogram_quantile(0.95, sum by (le) (rate(http_request_duration_seconds_bucket{job="slow"}[$window])))',
        "p99": 'histogram_quantile(0.99, sum by (le) (rate(http_request_duration_seconds_bucket{job="slow"}[$window])))',
    }
    result = run(prometheus, latency_queries=latency, **queries)
    found = figures(result)
    expected = availability(APPS["failing"]["requests"])
    assert found["availability"].value == pytest.approx(expected)
    assert found["latency p95"].value == pytest.approx(quantile(0.95, APPS["slow"]["latencies"]) * 1000)
    assert "latency p50" not in found
    assert verdicts(result) == {"slo.availability-met": "missed", "perf.latency-met": "missed"}
    [table] = result.evidence.tables
    assert all(row[2] == pytest.approx(1 - expected, rel=1e-4) for row in table.rows)


def test_bearer_style_header_from_the_environment(prometheus: str) -> None:
    token = base64.b64encode(f"{USER}:{PASSWORD}".encode()).decode()
    result = probe(
        "prometheus",
        prometheus,
        WINDOW | {"selector": 'job="healthy"', "headers": {"Authorization": "Basic ${PROM_TOKEN}"}},
        workload=WORKLOAD,
        env={"PROM_TOKEN": token},
    )
    assert result.status == Status.PASS, result.evidence.summary
    assert token not in result.model_dump_json()


def test_no_series_is_unknown_and_names_the_query(prometheus: str) -> None:
    result = run(prometheus, selector='job="absent"')
    assert result.status == Status.UNKNOWN
    assert "no series" in result.evidence.summary
    assert 'http_requests_total{job="absent"}' in result.evidence.summary
    assert result.evidence.verdicts == []


def test_no_requests_in_the_window_is_unknown(prometheus: str) -> None:
    result = run(prometheus, selector='job="idle"')
    assert result.status == Status.UNKNOWN
    assert "no requests in the window" in result.evidence.summary
    assert "p95" in result.evidence.summary  # histogram_quantile of nothing is NaN
    assert result.evidence.verdicts == []


def test_unreachable_server_is_an_error() -> None:
    result = probe("prometheus", f"http://127.0.0.1:{free_port()}", WINDOW, workload=WORKLOAD)
    assert result.status == Status.ERROR
    assert "cannot reach Prometheus" in result.evidence.summary


def test_bad_promql_reports_prometheus_error(prometheus: str) -> None:
    result = run(prometheus, good_query="sum(rate(http_requests_total[5m]", total_query="vector(1)")
    assert result.status == Status.ERROR
    assert "bad_data" in result.evidence.summary and "parse error" in result.evidence.summary


def test_query_with_several_series_is_an_error(prometheus: str) -> None:
    result = run(
        prometheus,
        good_query='increase(http_requests_total{job="failing"}[$window])',
        total_query='sum(increase(http_requests_total{job="failing"}[$window]))',
    )
    assert result.status == Status.ERROR
    assert "3 series" in result.evidence.summary


@pytest.mark.parametrize("credentials", [{"username": USER, "password": "wrong-password-123"}, {}])
def test_refused_credentials_are_an_error_that_echoes_nothing(
    prometheus: str, credentials: dict[str, str]
) -> None:
    result = probe("prometheus", prometheus, WINDOW | credentials, workload=WORKLOAD)
    assert result.status == Status.ERROR
    assert "HTTP 401" in result.evidence.summary
    text = result.model_dump_json()
    assert "wrong-password-123" not in text and PASSWORD not in text


def test_a_hanging_server_stops_at_the_timeout() -> None:
    with socket.socket() as listener:  # accepts connections into its backlog, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        url = f"http://127.0.0.1:{listener.getsockname()[1]}"
        result = probe("prometheus", url, WINDOW, workload=WORKLOAD, timeout=1)
    assert result.status == Status.ERROR
    assert "timed out" in result.evidence.summary


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"window": "30 days"}, "not a Prometheus duration"),
        ({"window": "0s"}, "longer than zero"),
        ({"window": "1h", "step": "2h"}, "must not exceed window"),
        ({"window": "30d", "step": "1s"}, "11,000"),
        ({"good_query": "vector(1)"}, "together"),
        (
            {"good_query": "vector(1)", "total_query": "vector(1)", "error_ratio_query": "vector(0)"},
            "not both",
        ),
        ({"username": "a"}, "together"),
        ({"username": "a", "password": "b", "headers": {"authorization": "x"}}, "not both"),
        ({"requests_metric": None, "latency_histogram": None}, "nothing to measure"),
        ({"requests_metric": "http-requests"}, "metric name"),
        ({"latency_queries": {"p90": "vector(1)"}}, "p50"),
        ({"windw": "1h"}, "Extra inputs"),
        ({"max_response_mb": 0}, "greater than or equal to 1"),
    ],
)
def test_invalid_options_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        PrometheusProbe.validate("http://127.0.0.1:9090", options)


@pytest.mark.parametrize(
    ("target", "message"),
    [
        ("127.0.0.1:9090", "base URL"),
        ("ftp://127.0.0.1", "base URL"),
        ("http://user:pw@127.0.0.1:9090", "username/password options"),
        ("http://127.0.0.1:9090/?x=1", "without query"),
    ],
)
def test_invalid_targets_are_refused(target: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        PrometheusProbe.validate(target, {})


def test_defaults_follow_the_conventions() -> None:
    configured = PrometheusProbe.validate("http://127.0.0.1:9090/prom/", {"selector": '{job="web"}'})
    assert configured.target == "http://127.0.0.1:9090/prom"
    options = configured.options
    assert options.window == "30d" and options.step_ms == 3_600_000  # 30 days / 720
    assert PrometheusProbe.Options(window="1h").step_ms == 60_000  # never below a minute
    queries = options.queries().filled("30d")
    assert queries["total"] == 'sum(increase(http_requests_total{job="web"}[30d]))'
    assert 'job="web",code!~"5.."' in queries["good"]
    assert queries["p99"].startswith("histogram_quantile(0.99, ")


@given(st.integers(min_value=1, max_value=10**13))
def test_duration_round_trips(ms: int) -> None:
    assert duration_ms(duration(ms)) == ms


@given(st.lists(st.integers(min_value=0, max_value=10**4), min_size=len(UNITS), max_size=len(UNITS)))
def test_duration_parses_every_unit_in_order(counts: list[int]) -> None:
    text = "".join(f"{n}{name}" for n, (name, _) in zip(counts, UNITS, strict=True) if n)
    expected = sum(n * unit for n, (_, unit) in zip(counts, UNITS, strict=True))
    if text:
        assert duration_ms(text) == expected
    else:
        with pytest.raises(ValueError):
            duration_ms(text)


@pytest.mark.hostile
@given(st.text(max_size=12))
def test_duration_parser_accepts_or_refuses_cleanly(text: str) -> None:
    try:
        assert duration_ms(text) >= 0
    except ValueError as exc:
        assert "Prometheus duration" in str(exc)
