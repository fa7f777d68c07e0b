"""After an audit the report tells what production's traffic measured, not what the model or
the answers suppose; an answered load far from the measured one is a tension to settle."""

from __future__ import annotations

import datetime as dt

import pytest

from devoops.evaluate import assess
from devoops.evaluate.measured import measured
from devoops.model.common import Horizon
from devoops.model.evidence import Evidence, Measurement, ProbeResult, Status
from devoops.model.lens import Lens
from devoops.model.workload import Workload
from devoops.report.assessment import targets, verdict

from ..conftest import NOW, document

WHEN = dt.datetime(2026, 11, 29, tzinfo=dt.UTC)
INVENTORY = {
    "defaults": {"provider": "aws", "account": "prod", "region": "eu-west-1"},
    "components": {"web": {"kind": "app", "instances": 2, "zones": ["eu-west-1a", "eu-west-1b"]}},
}


def traffic(kind: str, status: Status = Status.PASS, **figures: float) -> ProbeResult:
    names = {
        "access_log": {"availability": "availability", "p95": "p95", "p99": "p99", "peak": "peak rps"},
        "prometheus": {
            "availability": "availability",
            "p95": "latency p95",
            "p99": "latency p99",
            "peak": "request rate peak",
        },
        "http": {"p95": "p95", "p99": "p99"},
    }[kind]
    evidence = Evidence(
        status=status,
        summary="",
        measurements=[Measurement(name=names[k], value=v, unit="x") for k, v in figures.items()],
    )
    return ProbeResult(name=kind, kind=kind, target="t", started_at=WHEN, finished_at=WHEN, evidence=evidence)


def test_each_figure_at_its_worst_across_the_traffic_probes() -> None:
    found = measured(
        [
            traffic("access_log", availability=0.998, p95=420, p99=900, peak=50),
            traffic("prometheus", availability=0.9991, p95=510, p99=800, peak=65),
            traffic("http", p95=5000, p99=9000),  # a load test measures staging, not users
            traffic("access_log", Status.ERROR, availability=0.5),  # a probe that broke proves nothing
        ]
    )
    assert {k: (f.value, f.probe) for k, f in found.items()} == {
        "availability": (0.998, "access_log"),
        "p95": (510, "prometheus"),
        "p99": (900, "access_log"),
        "peak": (65, "prometheus"),
    }


def tensions(lens: Lens, peak: float, baseline: float = 10) -> set[str]:
    doc = document(**{"answers.traffic": {"baseline_rps": baseline, "peak": {"multiplier": 3}}})
    a = assess(Workload.model_validate(doc), lens, NOW, "x", [traffic("access_log", peak=peak)], years=0)
    return {t.id for t in a.at(Horizon.NOW).tensions}


@pytest.mark.parametrize(
    ("peak", "flagged"),
    [(61, True), (60, False), (30, False), (3.4, False), (3.3, True)],
)
def test_an_answered_load_far_from_the_measured_one_is_flagged(
    lens: Lens, peak: float, flagged: bool
) -> None:
    """The answers plan a usual 10 req/s and a peak of 30: a busiest rate over twice the peak
    (60), or under a third of the usual load (3.33), is far from what they say."""
    assert ("load-vs-measured" in tensions(lens, peak)) == flagged


def test_the_verdict_and_targets_show_the_measured_figures(lens: Lens) -> None:
    doc = document(inventory=INVENTORY)
    probe = traffic("access_log", availability=0.992, p95=820, p99=1500, peak=12)
    a = assess(Workload.model_validate(doc), lens, NOW, "x", [probe], years=0)
    said = " ".join(verdict(a).paragraphs)
    assert "Measured now: availability 99.2 % against 99.5 % (access_log)" in said
    assert "p95 820 ms against 700 ms (access_log)" in said
    assert "availability measured 99.2 % against 99.5 %" in said and "(modelled)" not in said
    table = targets(a).tables[0]
    assert table.columns[-1] == "measured now"
    rows = {row[0]: row[-1] for row in table.rows}
    assert rows["availability SLO"] == "99.2 %"
    assert rows["latency p50 / p95 / p99"] == "- / 820 / 1,500 ms"
    assert rows["peak load (with headroom)"] == "12 req/s"


def test_without_an_audit_the_model_speaks_and_says_so(lens: Lens) -> None:
    a = assess(Workload.model_validate(document(inventory=INVENTORY)), lens, NOW, "x", years=0)
    said = " ".join(verdict(a).paragraphs)
    assert "Measured now" not in said and "(modelled)" in said
    assert targets(a).tables[0].columns == ["target", "now", "6mo", "12mo"]
