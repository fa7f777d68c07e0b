"""The generated files against the real promtool: rules that load, unit tests that pass (and
fail when the rules are wrong), OpenSLO documents of the right kinds."""

from __future__ import annotations

import shutil
import subprocess
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

import pytest
from ruamel.yaml import YAML

from devoops.generate import generate
from devoops.model.slo import SloConfig
from devoops.model.targets import Targets

from ..conftest import NOW, workload

PROMTOOL = shutil.which("promtool") or "/usr/bin/promtool"
pytestmark = pytest.mark.skipif(not Path(PROMTOOL).exists(), reason="promtool is not installed")

CASES: dict[str, tuple[float, dict[str, Any]]] = {
    "99.5% 30d": (0.995, {}),
    "99.9% 30d, p95 and p99": (0.999, {"selector": 'job="web", env="prod"', "latency": ["p95", "p99"]}),
    "99.95% 30d, low traffic": (0.9995, {"min_requests": 100_000, "labels": {"team": "core"}}),
    "99.9% 7d": (0.999, {"period": "7d", "runbook_url": "https://runbooks.example/shop"}),
}


@pytest.fixture(scope="module")
def targets(lens) -> Targets:  # type: ignore[no-untyped-def]
    from devoops.evaluate import assess
    from devoops.model.common import Horizon

    return assess(workload(), lens, NOW, "devoops.yaml").at(Horizon.NOW).targets


def promtool(*args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([PROMTOOL, *map(str, args)], cwd=cwd, capture_output=True, text=True, timeout=120)


def write(folder: Path, targets: Targets, slo: float, config: dict[str, Any]) -> dict[str, str]:
    t = targets.model_copy(update={"availability": targets.availability.model_copy(update={"slo": slo})})
    files = generate("shop", SloConfig.model_validate(config), t, "devoops.yaml", with_sloth=True).files
    folder.mkdir()
    for name, text in files.items():
        (folder / name).write_text(text)
    return files


@pytest.fixture(scope="module")
def runs(targets: Targets, tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    """Every case generated and run through promtool once, concurrently."""
    root = tmp_path_factory.mktemp("slo")
    folders = {name: root / f"case{i}" for i, name in enumerate(CASES)}
    files = {name: write(folders[name], targets, *CASES[name]) for name in CASES}

    def run(name: str) -> tuple[subprocess.CompletedProcess[str], subprocess.CompletedProcess[str]]:
        folder = folders[name]
        return promtool("check", "rules", "rules.yaml", cwd=folder), promtool(
            "test", "rules", "rules_test.yaml", cwd=folder
        )

    with ThreadPoolExecutor(len(CASES)) as pool:
        results = dict(zip(CASES, pool.map(run, CASES), strict=True))
    return {"files": files, "results": results, "folders": folders}


def load(text: str) -> list[Any]:
    return list(YAML(typ="safe").load_all(text))


@pytest.mark.parametrize("case", CASES)
def test_rules_pass_promtool_check(runs: dict[str, Any], case: str) -> None:
    check, _ = runs["results"][case]
    assert check.returncode == 0, check.stdout + check.stderr
    assert "SUCCESS" in check.stdout


@pytest.mark.parametrize("case", CASES)
def test_generated_unit_tests_pass(runs: dict[str, Any], case: str) -> None:
    _, test = runs["results"][case]
    assert test.returncode == 0, test.stdout + test.stderr


@pytest.mark.parametrize("case", CASES)
def test_every_slo_has_its_three_scenarios(runs: dict[str, Any], case: str) -> None:
    tests = load(runs["files"][case]["rules_test.yaml"])[0]["tests"]
    slos = [
        g["name"].removeprefix("sloth-slo-alerts-shop-")
        for g in load(runs["files"][case]["rules.yaml"])[0]["groups"]
        if "alerts" in g["name"]
    ]
    for slo in slos:
        kinds = [t["name"].split(": ", 1)[1].split(" ")[0] for t in tests if t["name"].startswith(f"{slo}:")]
        assert kinds == ["healthy", "slow", "hard"]


def test_hard_outage_pages_within_the_workbook_minutes(runs: dict[str, Any]) -> None:
    # 99.9% over 30d: the 1h window passes 14.4 x 0.1% after 0.864 min; with 3 minutes of
    # sampling margin the page must be firing 4 minutes into the outage (which starts at 60m)
    tests = load(runs["files"]["99.9% 30d, p95 and p99"]["rules_test.yaml"])[0]["tests"]
    outage = next(t for t in tests if t["name"].startswith("availability: hard outage"))
    last = outage["alert_rule_test"][-1]
    assert last["eval_time"] == "64m"
    assert {a["exp_labels"]["severity"] for a in last["exp_alerts"]} == {"page", "ticket"}
    assert outage["alert_rule_test"][0] == {
        "eval_time": "60m",
        "alertname": "ShopAvailabilityBudgetBurn",
        "exp_alerts": [],
    }


def test_unit_tests_fail_when_the_page_factor_is_wrong(runs: dict[str, Any], tmp_path: Path) -> None:
    folder = runs["folders"]["99.5% 30d"]
    for name in ("rules.yaml", "rules_test.yaml"):
        shutil.copy(folder / name, tmp_path / name)
    rules = (tmp_path / "rules.yaml").read_text()
    broken = rules.replace("(14.4 * 0.005)", "(144 * 0.005)").replace("(6 * 0.005)", "(60 * 0.005)")
    assert broken != rules
    (tmp_path / "rules.yaml").write_text(broken)
    result = promtool("test", "rules", "rules_test.yaml", cwd=tmp_path)
    assert result.returncode != 0 and "hard outage" in result.stdout + result.stderr


def test_budget_remaining_is_a_number_after_an_idle_spell(runs: dict[str, Any], tmp_path: Path) -> None:
    # 20 minutes at 1000 requests a minute, 0.25% failing; 20 idle; 20 more as before. Every
    # window with requests sees 0.25%, idle ones record nothing (not 0/0), so the period's
    # error ratio stays 0.0025 and half of the 0.5% budget remains
    shutil.copy(runs["folders"]["99.5% 30d"] / "rules.yaml", tmp_path / "rules.yaml")
    good, bad = 997.5, 2.5
    series = {
        "200": f"0+{good}x20 {20 * good}+0x19 {21 * good}+{good}x19",
        "500": f"0+{bad}x20 {20 * bad}+0x19 {21 * bad}+{bad}x19",
    }
    selector = 'sloth_id="shop-availability"'
    tests = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [
                    {"series": f'http_requests_total{{code="{code}"}}', "values": values}
                    for code, values in series.items()
                ],
                "promql_expr_test": [
                    {
                        "expr": f"slo:sli_error:ratio_rate5m{{{selector}}}",
                        "eval_time": "30m",
                        "exp_samples": [],
                    },
                    {
                        "expr": f"round(1000 * slo:period_error_budget_remaining:ratio{{{selector}}})",
                        "eval_time": "60m",
                        "exp_samples": [
                            {
                                "labels": '{sloth_id="shop-availability", sloth_service="shop", '
                                'sloth_slo="availability", sloth_window="30d"}',
                                "value": round(1000 * (1 - 0.0025 / 0.005)),
                            }
                        ],
                    },
                ],
            }
        ],
    }
    YAML().dump(tests, tmp_path / "idle_test.yaml")
    result = promtool("test", "rules", "idle_test.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


def test_recording_rules_follow_sloth(runs: dict[str, Any]) -> None:
    groups = load(runs["files"]["99.9% 7d"]["rules.yaml"])[0]["groups"]
    records = [
        r["record"]
        for g in groups
        if g["name"].endswith("-shop-availability")
        for r in g["rules"]
        if "record" in r
    ]
    windows = ["5m", "30m", "1h", "2h", "6h", "1d", "3d", "7d"]
    assert records == [f"slo:sli_error:ratio_rate{w}" for w in windows] + [
        "slo:objective:ratio",
        "slo:error_budget:ratio",
        "slo:time_period:days",
        "slo:current_burn_rate:ratio",
        "slo:period_burn_rate:ratio",
        "slo:period_error_budget_remaining:ratio",
        "sloth_slo_info",
    ]
    sli = next(g for g in groups if g["name"] == "sloth-slo-sli-recordings-shop-availability")["rules"]
    assert [r["labels"]["sloth_window"] for r in sli] == windows
    assert all(
        r["labels"]["sloth_service"] == "shop" and r["labels"]["sloth_slo"] == "availability" for r in sli
    )
    meta = {
        r["record"]: r["expr"]
        for r in next(g for g in groups if "meta" in g["name"] and "availability" in g["name"])["rules"]
    }
    assert meta["slo:objective:ratio"] == "vector(0.999)"
    assert meta["sloth_slo_info"] == "vector(1)"
    (info,) = [r["labels"] for g in groups for r in g["rules"] if r.get("record") == "sloth_slo_info"][:1]
    assert info["sloth_objective"] == "99.9" and info["sloth_id"] == "shop-availability"
    assert (info["sloth_mode"], info["sloth_spec"]) == ("cli-gen-prom", "prometheus/v1")
    assert meta["slo:time_period:days"] == "vector(7)"


def test_alerts_carry_severity_runbook_and_scaled_factors(runs: dict[str, Any]) -> None:
    groups = load(runs["files"]["99.9% 7d"]["rules.yaml"])[0]["groups"]
    page, ticket = next(g for g in groups if g["name"] == "sloth-slo-alerts-shop-availability")["rules"]
    assert (page["labels"], ticket["labels"]) == (
        {"severity": "page", "sloth_severity": "page"},
        {"severity": "ticket", "sloth_severity": "ticket"},
    )
    assert page["annotations"]["runbook_url"] == "https://runbooks.example/shop"
    hours = 7 * 24
    # budget share x period / long window
    assert f"({0.02 * hours:g} * 0.001)" in page["expr"] and f"({0.05 * hours / 6:g} * 0.001)" in page["expr"]
    assert f"({0.1 * hours / 24:g} * 0.001)" in ticket["expr"]
    assert "(0.233333333333 * 0.001)" in ticket["expr"]


def test_rules_use_the_configured_queries_and_low_traffic_guard(runs: dict[str, Any]) -> None:
    text = runs["files"]["99.9% 30d, p95 and p99"]["rules.yaml"]
    assert 'http_requests_total{job="web", env="prod",code!~"5..",status!~"5.."}[1h]' in text
    assert 'http_request_duration_seconds_count{job="web", env="prod"}[5m]' in text
    assert 'http_request_duration_seconds_bucket{job="web", env="prod",le=' in text
    guarded = runs["files"]["99.95% 30d, low traffic"]["rules.yaml"]
    assert "on () ((sum(increase(http_requests_total{}[1h]))) >= 100000)" in guarded
    assert "on () ((sum(increase(http_requests_total{}[3d]))) >= 100000)" in guarded
    assert "100000" not in text


def test_custom_queries_reach_every_format(targets: Targets) -> None:
    config = SloConfig(
        good_query='sum(increase(app_ok_total{svc="a"}[$window]))',
        total_query='sum(increase(app_all_total{svc="a"}[$window]))',
        latency_histogram=None,
    )
    generated = generate("shop", config, targets, "devoops.yaml", with_sloth=True)
    assert 'app_ok_total{svc="a"}[30m]' in generated.files["rules.yaml"]
    assert 'app_ok_total{svc="a"}[5m]' in generated.files["openslo.yaml"]
    assert 'app_ok_total{svc="a"}[{{.window}}]' in generated.files["sloth.yaml"]
    assert any("no unit tests for availability" in w for w in generated.warnings)


def test_openslo_documents(runs: dict[str, Any]) -> None:
    docs = load(runs["files"]["99.9% 30d, p95 and p99"]["openslo.yaml"])
    assert {d["apiVersion"] for d in docs} == {"openslo/v1"}
    kinds = [d["kind"] for d in docs]
    assert kinds.count("Service") == 1 and kinds.count("SLI") == 3 and kinds.count("SLO") == 3
    assert kinds.count("AlertCondition") == 4 and kinds.count("AlertPolicy") == 4
    names = {(d["kind"], d["metadata"]["name"]) for d in docs}
    for slo in (d for d in docs if d["kind"] == "SLO"):
        spec = slo["spec"]
        assert ("SLI", spec["indicatorRef"]) in names and ("Service", spec["service"]) in names
        assert spec["timeWindow"] == [{"duration": "30d", "isRolling": True}]
        assert all(("AlertPolicy", p["alertPolicyRef"]) in names for p in spec["alertPolicies"])
    availability = next(
        d for d in docs if d["kind"] == "SLO" and d["metadata"]["name"] == "shop-availability"
    )
    assert availability["spec"]["objectives"][0]["target"] == 0.999
    for policy in (d for d in docs if d["kind"] == "AlertPolicy"):
        (ref,) = policy["spec"]["conditions"]
        assert ("AlertCondition", ref["conditionRef"]) in names
    conditions = {d["metadata"]["name"]: d["spec"] for d in docs if d["kind"] == "AlertCondition"}
    assert conditions["shop-burn-1h"]["severity"] == "page"
    assert conditions["shop-burn-1h"]["condition"] == {
        "kind": "burnrate",
        "op": "gt",
        "threshold": 14.4,
        "lookbackWindow": "1h",
        # OpenSLO: how long the condition must hold; the rules fire at once (no `for:`)
        "alertAfter": "0m",
    }
    # the short window has no OpenSLO v1 field: the description names it
    assert "require the 5m window above the threshold" in conditions["shop-burn-1h"]["description"]
    assert "require the 6h window" in conditions["shop-burn-3d"]["description"]


def test_sloth_spec(runs: dict[str, Any]) -> None:
    (spec,) = load(runs["files"]["99.95% 30d, low traffic"]["sloth.yaml"])
    assert (
        spec["version"] == "prometheus/v1"
        and spec["service"] == "shop"
        and spec["labels"] == {"team": "core"}
    )
    assert [s["objective"] for s in spec["slos"]] == [99.95, 99.0]
    assert "{{.window}}" in spec["slos"][0]["sli"]["raw"]["error_ratio_query"]


def test_sloth_run_hint_names_the_windows_folder_for_periods_sloth_lacks(runs: dict[str, Any]) -> None:
    month = runs["files"]["99.95% 30d, low traffic"]["sloth.yaml"]
    assert "# Run: sloth generate -i sloth.yaml --default-slo-period=30d\n" in month
    assert "slo-period-windows-path" not in month
    week = runs["files"]["99.9% 7d"]["sloth.yaml"]
    assert "--default-slo-period=7d --slo-period-windows-path=<folder>\n" in week
    assert (
        "# Sloth ships alert windows for 28d and 30d only: <folder> must hold an AlertWindows spec for 7d"
        in week
    )


def test_latency_sli_reads_requests_without_a_good_bucket_as_failed_and_idle_as_no_data(
    runs: dict[str, Any], tmp_path: Path
) -> None:
    # docs/slo.md: every good/total SLI, the latency ones included, ends its good requests with
    # `or vector(0)`: 1000 requests a minute and no series for the target bucket (none of them
    # within it) is an error ratio of 1, not a missing one; no requests at all records nothing
    shutil.copy(runs["folders"]["99.9% 30d, p95 and p99"] / "rules.yaml", tmp_path / "rules.yaml")
    ratio = 'slo:sli_error:ratio_rate5m{sloth_id="shop-latency-p99"}'
    labels = (
        'slo:sli_error:ratio_rate5m{sloth_id="shop-latency-p99", sloth_service="shop", '
        'sloth_slo="latency-p99", sloth_window="5m"}'
    )
    count = 'http_request_duration_seconds_count{job="web", env="prod"}'
    tests = {
        "rule_files": ["rules.yaml"],
        "evaluation_interval": "1m",
        "tests": [
            {
                "interval": "1m",
                "input_series": [{"series": count, "values": "0+1000x30"}],
                "promql_expr_test": [
                    {"expr": ratio, "eval_time": "20m", "exp_samples": [{"labels": labels, "value": 1}]}
                ],
            },
            {
                "interval": "1m",
                "input_series": [{"series": count, "values": "0+0x30"}],
                "promql_expr_test": [{"expr": ratio, "eval_time": "20m", "exp_samples": []}],
            },
        ],
    }
    YAML().dump(tests, tmp_path / "latency_test.yaml")
    result = promtool("test", "rules", "latency_test.yaml", cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
