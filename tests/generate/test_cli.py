"""`devoops slo generate` as a user runs it: files written together, bad input refused whole."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from ruamel.yaml import YAML

from ..conftest import document
from ..helpers import cli


def workload_file(folder: Path, **changes: Any) -> Path:
    path = folder / "devoops.yaml"
    YAML().dump(document(**changes), path)
    return path


def test_writes_every_file_into_the_folder(tmp_path: Path) -> None:
    path = workload_file(tmp_path, **{"slo.selector": 'job="web"'})
    result = cli("slo", "generate", path, "--horizon", "12mo", "-o", tmp_path / "out", "--sloth")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in (tmp_path / "out").iterdir()) == [
        "openslo.yaml",
        "rules.yaml",
        "rules_test.yaml",
        "sloth.yaml",
    ]
    assert "horizon 12mo" in (tmp_path / "out" / "rules.yaml").read_text()


def test_prints_one_document_without_a_folder(tmp_path: Path) -> None:
    path = workload_file(tmp_path)
    result = cli("slo", "generate", path, "--format", "openslo")
    assert result.returncode == 0, result.stderr
    kinds = [d["kind"] for d in YAML(typ="safe").load_all(result.stdout)]
    assert kinds[0] == "Service" and "SLO" in kinds
    assert list(tmp_path.iterdir()) == [path]


def test_a_far_bucket_is_warned_about_on_stderr(tmp_path: Path) -> None:
    path = workload_file(tmp_path, **{"answers.performance": {"p99_ms": 120}})
    result = cli("slo", "generate", path)
    assert result.returncode == 0, result.stderr
    assert "warning: latency p99: the nearest bucket, 0.25 s, is 2.1x the target 120 ms" in result.stderr
    assert "slo:sli_error:ratio_rate5m" in result.stdout


def test_a_period_that_pages_below_burn_rate_1_is_warned_about_on_stderr(tmp_path: Path) -> None:
    path = workload_file(tmp_path, **{"slo.period": "4d"})
    result = cli("slo", "generate", path)
    assert result.returncode == 0, result.stderr
    # 5% of the budget in 6h of a 96h period: burn rate 0.05 x 96 / 6 = 0.8
    assert "warning: period 4d: the page over 6h fires at burn rate 0.8, too slow" in result.stderr


def test_an_unknown_horizon_is_refused(tmp_path: Path) -> None:
    path = workload_file(tmp_path)
    result = cli("slo", "generate", path, "--horizon", "2y", "-o", tmp_path / "out")
    assert result.returncode == 2
    assert "2y" in result.stderr
    assert not (tmp_path / "out").exists()


def test_a_bad_period_names_the_line_and_writes_nothing(tmp_path: Path) -> None:
    path = workload_file(tmp_path, **{"slo.period": "a month"})
    result = cli("slo", "generate", path, "-o", tmp_path / "out")
    assert result.returncode == 2
    line = next(i for i, text in enumerate(path.read_text().splitlines(), 1) if "period" in text)
    assert f"devoops.yaml:{line}:" in result.stderr and "slo.period" in result.stderr
    assert "not a Prometheus duration" in result.stderr
    assert not (tmp_path / "out").exists()


def test_empty_buckets_are_refused(tmp_path: Path) -> None:
    path = workload_file(tmp_path, **{"slo.buckets": []})
    result = cli("slo", "generate", path, "-o", tmp_path / "out")
    assert result.returncode == 2 and "slo.buckets" in result.stderr
    assert not (tmp_path / "out").exists()


def test_an_unwritable_folder_exits_2(tmp_path: Path) -> None:
    path = workload_file(tmp_path)
    (tmp_path / "file").write_text("")
    result = cli("slo", "generate", path, "-o", tmp_path / "file" / "out")
    assert result.returncode == 2 and "cannot write" in result.stderr
