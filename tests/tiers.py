"""The suite's tiers: which tests need a server or a browser, which are slow, and what a test
needing a program the machine lacks does (tests/conftest.py wires these into pytest).

`pg`, `prometheus` and `chromium` are derived from what a test reaches: its own code, its
fixtures' code, and the tests' functions and classes those call, down to the server classes
(tests/pgserver.py, tests/promserver.py) or the programs they run. So a new test is tiered by
the fixtures it asks for, with no mark to forget. `slow` is measured (`--durations`), so it is
a list: SLOW below. `make test-fast` runs what none of the four marks.

`timing` marks the modules whose figures are the wall clock's: latency and rates under load,
a drill's downtime and its cleanup within a grace, writers racing. `make test` runs the rest on
both cores, then these alone, so they measure on a quiet machine.

A test needing a program that is not installed is skipped with a word on how to install it;
under CI (the `CI` environment variable set) it fails instead, so a machine missing a part of
the suite cannot pass it."""

from __future__ import annotations

import inspect
import os
import shutil
import types
from collections.abc import Callable, Iterable, Iterator
from typing import Any

import pytest

from .pgserver import BIN, PostgresServer, Standby
from .promserver import PrometheusServer

TIERS = ("pg", "prometheus", "chromium", "slow", "timing")

REACHES: dict[int, str] = {id(PostgresServer): "pg", id(Standby): "pg", id(PrometheusServer): "prometheus"}
"""The objects whose use puts a test in a tier, by identity."""
NAMES = {"PROMTOOL": "prometheus", "CHROMIUM": "chromium"}
"""Module-level names of the programs tests run themselves (a path, not a class)."""

SYSTEM: dict[str, tuple[str, bool, Callable[[], bool]]] = {
    "postgresql": ("postgresql-15", True, lambda: BIN is not None),
    "prometheus": ("prometheus", True, lambda: shutil.which("prometheus") is not None),
    "promtool": ("prometheus", True, lambda: shutil.which("promtool") is not None),
    "chromium": ("chromium", True, lambda: shutil.which("chromium") is not None),
    "gpg": ("gnupg", True, lambda: shutil.which("gpg") is not None),
    "openssl": ("openssl", False, lambda: shutil.which("openssl") is not None),
}
"""Each program the tests run: its Debian package, whether `make system` installs it, and
whether this machine has it."""
NEEDS = {"pg": ("postgresql",), "prometheus": ("prometheus", "promtool"), "chromium": ("chromium",)}

SLOW = frozenset(
    {
        # more than about 2 s each on a quiet machine (`--durations`), and in none of the other tiers
        "tests/test_architecture.py::test_the_layers_are_enforced",
        "tests/alerts/test_bulk.py::test_bulk_times_are_the_instants_moment_reads_or_left_to_it",
        "tests/backup/test_age.py::test_we_read_pyrages",
        "tests/cli/test_check.py::test_high_findings_fail_with_their_reasons",
        "tests/cli/test_check.py::test_nothing_at_or_above_the_threshold_passes",
        "tests/cli/test_check.py::test_plan_export_csv_to_stdout_and_file",
        "tests/cli/test_check.py::test_the_horizon_decides_which_findings_count",
        "tests/cli/test_cli.py::test_a_report_through_a_symlink_replaces_its_target_and_dash_is_stdout",
        "tests/cli/test_cli.py::test_assess_writes_each_format",
        "tests/cli/test_cli.py::test_explain_topics",
        "tests/cli/test_cli.py::test_help_lists_every_command_and_each_has_an_example",
        "tests/cli/test_cli.py::test_lens_list_and_show",
        "tests/cli/test_cli.py::test_reports_get_ordinary_permissions_and_bad_targets_exit_2",
        "tests/cli/test_cli.py::test_user_lens_adds_a_practice",
        "tests/cli/test_cli.py::test_user_lens_replaces_a_built_in_practice",
        "tests/cli/test_scenarios_cli.py::test_fail_on_gates_on_the_worst_verdict",
        "tests/cli/test_store_cli.py::test_a_store_of_several_applications",
        "tests/cli/test_store_cli.py::test_errors_exit_2_for_usage_and_3_for_an_unreachable_store",
        "tests/cli/test_store_cli.py::test_milestones_diff_export_and_import",
        "tests/cli/test_whatif_cli.py::test_terminal_and_markdown",
        "tests/cli/test_whatif_cli.py::test_without_changes_every_saving_change_is_listed_alone_and_the_plan_is_greedy",
        "tests/delivery/test_cli.py::test_json_markdown_and_terminal_reports",
        "tests/delivery/test_cli.py::test_pages_in_an_alert_export_count_as_incidents",
        "tests/evaluate/test_inventory.py::test_the_same_inventory_reads_the_same_whatever_the_hash_seed",
        "tests/evaluate/test_money.py::test_a_costlier_catastrophe_never_lowers_a_finding",
        "tests/probes/test_access_log.py::test_routes_collapse_ids_and_keep_words",
        "tests/probes/test_backups.py::test_s3_backups_are_listed_and_judged",
        "tests/probes/test_framework.py::test_an_audit_without_evidence_exits_4_naming_the_probe",
        "tests/probes/test_framework.py::test_audit_as_a_gate_fails_on_risk_and_on_broken_probes",
        "tests/probes/test_framework.py::test_audit_refuses_what_it_cannot_run",
        "tests/probes/test_framework.py::test_audit_runs_probes_concurrently_and_saves_when_the_store_exists",
        "tests/probes/test_framework.py::test_relative_paths_in_settings_are_read_from_the_workloads_folder",
        "tests/probes/test_framework.py::test_the_kind_default_timeout_applies_when_none_is_configured",
        "tests/probes/test_framework.py::test_work_that_ignores_its_interrupt_cannot_keep_devoops_running",
        "tests/probes/test_hostile_bodies.py::test_a_body_past_the_limit_is_an_error_with_memory_flat",
        "tests/probes/test_hostile_s3.py::test_a_hostile_s3_endpoint_is_an_error_with_its_cause",
        "tests/probes/test_http.py::test_a_cancelled_probe_leaves_no_worker_processes",
        "tests/probes/test_http.py::test_a_stalling_server_shows_in_the_p99",
        "tests/probes/test_http.py::test_errors_are_counted_by_class",
        "tests/probes/test_http.py::test_method_headers_body_and_weighted_urls_reach_the_server",
        "tests/probes/test_http.py::test_requests_that_time_out_count_in_the_latency_at_their_timeout",
        "tests/probes/test_http.py::test_spike_breaking_below_todays_capacity_fails",
        "tests/probes/test_http.py::test_spike_holding_only_todays_capacity_is_a_current_peak",
        "tests/probes/test_http.py::test_spike_holding_the_12_month_capacity_is_an_expected_peak",
        "tests/probes/test_http.py::test_steady_load_on_a_fast_server_meets_the_targets",
        "tests/probes/test_http.py::test_worker_processes_share_the_load_and_merge_their_histograms",
        "tests/probes/test_http.py::test_workers_together_send_every_slot_of_each_stage_once",
        "tests/probes/test_http_servers.py::test_a_body_delimited_by_the_close_counts_as_a_response",
        "tests/probes/test_http_servers.py::test_a_trickling_body_times_out_at_the_request_timeout",
        "tests/probes/test_http_servers.py::test_an_endless_body_times_out_and_the_workers_memory_stays_flat",
        "tests/probes/test_http_servers.py::test_hostile_servers_beside_do_not_slow_another_probes_measurement",
        "tests/scenarios/test_availability.py::test_failover_blocks_match_the_one_rule_in_every_state",
        "tests/scenarios/test_availability.py::test_matches_the_one_rule_in_every_state",
        "tests/scenarios/test_kofn.py::test_a_group_as_one_process_agrees_with_its_instances_one_by_one",
        "tests/scenarios/test_kofn.py::test_both_models_agree_at_low_availability[alternatives sharing a database, each with a failover]",
        "tests/scenarios/test_scale.py::test_two_components_of_a_thousand",
        "tests/scenarios/test_terraform.py::test_generated_states_never_raise_and_account_for_every_resource",
        "tests/store/test_any_workload_round_trips.py::test_any_workload_saves_shows_and_diffs",
        "tests/store/test_concurrency.py::test_a_writer_killed_mid_save_leaves_only_whole_assessments",
        "tests/store/test_concurrency.py::test_two_writers_at_once_lose_nothing",
        "tests/store/test_migrations.py::test_processes_opening_a_fresh_store_at_once_all_succeed",
        "tests/test_loading.py::test_random_documents_never_escape_as_tracebacks",
        "tests/test_readme.py::test_the_demo_figures_are_what_the_access_log_gives",
        "tests/test_streams.py::test_a_long_report_reaches_a_slow_reader_whole",
    }
)
"""Tests by `path::name` (every parameter of it), or by node id (that one case)."""

TIMING = frozenset(
    {
        "tests/drill/test_failover.py",
        "tests/probes/test_http.py",
        "tests/probes/test_http_servers.py",
        "tests/store/test_concurrency.py",
    }
)
"""Modules whose assertions hold only on an unloaded machine: `timing`."""


def _code(obj: Any) -> tuple[types.CodeType, dict[str, Any]] | None:
    func = inspect.unwrap(obj) if callable(obj) else obj
    code = getattr(func, "__code__", None)
    return (code, func.__globals__) if code is not None else None


def _names(code: types.CodeType) -> Iterator[str]:
    """Every global or attribute name a function's code uses, its nested functions' included."""
    yield from code.co_names
    for const in code.co_consts:
        if isinstance(const, types.CodeType):
            yield from _names(const)


def _ours(obj: Any, namespace: dict[str, Any]) -> bool:
    """A function or class of the tests' own (of tests/, or of the module looking at it): what
    the walk follows. devoops and libraries start no test server."""
    module = getattr(obj, "__module__", None) or ""
    return (inspect.isfunction(obj) or inspect.isclass(obj)) and (
        module.startswith("tests.") or module == namespace.get("__name__")
    )


_reached: dict[int, tuple[Any, frozenset[str]]] = {}
"""Each function walked, kept (so its id is not reused) with what it reaches."""


def reached(*roots: Any) -> frozenset[str]:
    """The tiers whose servers or programs these functions (tests, fixtures) reach."""
    tiers: set[str] = set()
    for root in roots:
        if id(root) not in _reached:
            _reached[id(root)] = (root, _walk(root))
        tiers |= _reached[id(root)][1]
    return frozenset(tiers)


def _walk(root: Any) -> frozenset[str]:
    tiers: set[str] = set()
    seen: set[int] = set()
    stack = [root]
    while stack:
        obj = stack.pop()
        if id(obj) in seen:
            continue
        seen.add(id(obj))
        if id(obj) in REACHES:
            tiers.add(REACHES[id(obj)])
            continue
        if inspect.isclass(obj):
            stack += [v for v in vars(obj).values() if inspect.isfunction(v)]
            continue
        found = _code(obj)
        if found is None:
            continue
        code, namespace = found
        for name in _names(code):
            if name in NAMES and name in namespace:
                tiers.add(NAMES[name])
            value = namespace.get(name)
            if id(value) in REACHES or _ours(value, namespace):
                stack.append(value)
    return frozenset(tiers)


def derive(items: Iterable[pytest.Item]) -> None:
    """Mark each test with the tiers it reaches, `slow` when SLOW names it and `timing` when
    TIMING holds its module."""
    for item in items:
        info = getattr(item, "_fixtureinfo", None)
        fixtures = [defs[-1].func for defs in info.name2fixturedefs.values() if defs] if info else []
        for tier in sorted(
            reached(getattr(item, "obj", None), *fixtures) - {m.name for m in item.iter_markers()}
        ):
            item.add_marker(tier)
        if item.nodeid in SLOW or item.nodeid.split("[", 1)[0] in SLOW:
            item.add_marker("slow")
        if item.nodeid.split("::", 1)[0] in TIMING:
            item.add_marker("timing")


def missing(binary: str) -> str | None:
    """Why `binary` cannot run here, with how to install it; None when it can."""
    package, by_make, found = SYSTEM[binary]
    if found():
        return None
    how = "`make system` installs it as root" if by_make else "apt-get install it as root"
    return f"{binary} is not installed: {how} (Debian package {package})"


def require(*binaries: str) -> None:
    """Skip the test when one of `binaries` is missing; under CI, fail it."""
    for binary in binaries:
        reason = missing(binary)
        if reason is None:
            continue
        if os.environ.get("CI"):
            pytest.fail(f"{reason}; under CI a missing program fails the run", pytrace=False)
        pytest.skip(reason)


def needed(item: pytest.Item) -> list[str]:
    """The programs a test needs: its tiers' and those its `needs` marks name."""
    binaries = [b for tier, names in NEEDS.items() if item.get_closest_marker(tier) for b in names]
    for mark in item.iter_markers("needs"):
        binaries += [b for b in mark.args if b not in binaries]
    return binaries
