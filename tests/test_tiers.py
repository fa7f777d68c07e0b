"""The suite's tiers (tests/tiers.py): a test lands in `pg`, `prometheus` or `chromium` by what it
reaches, `make test-fast` leaves those out, and a missing program is a skip here but a failure
under CI, saying how to install it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from . import tiers
from .conftest import ROOT

HOOKS = "from tests.conftest import postgres, pytest_collection_modifyitems, pytest_runtest_setup\n"
MARKERS = "[pytest]\nmarkers =\n    pg\n    prometheus\n    chromium\n    slow\n    needs\n"

REACHING = '''
import pytest

from tests.pgserver import PostgresServer, Standby
from tests.promserver import PrometheusServer

PROMTOOL = "/usr/bin/promtool"


class Pair:
    """Built by a fixture, never by a test: the server is two calls away."""

    def __init__(self):
        self.primary = PostgresServer()
        self.standby = Standby(self.primary)


def pair_of():
    return Pair()


@pytest.fixture
def pair():
    return pair_of()


@pytest.fixture
def metrics():
    with PrometheusServer() as server:
        yield server


@pytest.fixture
def via_metrics(metrics):
    return metrics.url


def check(rules):
    return [PROMTOOL, "check", "rules", rules]


def test_pure():
    assert sorted([2, 1]) == [1, 2]


def test_a_database(postgres):
    pass


def test_a_pair(pair):
    pass


def test_a_prometheus_two_fixtures_away(via_metrics):
    pass


def test_promtool_through_a_helper():
    assert check("x.yaml")[0]


@pytest.mark.parametrize("backend", ["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def test_one_case_marked(backend):
    pass
'''


def selected(pytester: pytest.Pytester, *args: str) -> list[str]:
    ran = pytester.runpytest_inprocess("--collect-only", "-q", *args)
    return sorted(line.split("::", 1)[1] for line in ran.outlines if "::" in line)


def test_tiers_follow_what_a_test_reaches(pytester: pytest.Pytester) -> None:
    pytester.makeini(MARKERS)
    pytester.makeconftest(HOOKS)
    pytester.makepyfile(test_reaching=REACHING)
    assert selected(pytester, "-m", "pg") == [
        "test_a_database",
        "test_a_pair",
        "test_one_case_marked[postgresql]",
    ]
    assert selected(pytester, "-m", "prometheus") == [
        "test_a_prometheus_two_fixtures_away",
        "test_promtool_through_a_helper",
    ]
    fast = "not pg and not prometheus and not chromium and not slow"
    assert selected(pytester, "-m", fast) == ["test_one_case_marked[sqlite]", "test_pure"]


NEEDING = """
import pytest

@pytest.mark.needs("gpg")
def test_signs():
    pass

@pytest.mark.prometheus
@pytest.mark.skipif(True, reason="a module's own guard, as some have")
def test_scrapes():
    pass

def test_needs_nothing():
    pass
"""


@pytest.mark.parametrize("ci", [False, True], ids=["here", "under CI"])
def test_a_missing_program_is_a_skip_here_and_a_failure_under_ci(
    pytester: pytest.Pytester, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, ci: bool
) -> None:
    pytester.makeini(MARKERS)
    pytester.makeconftest(HOOKS)
    pytester.makepyfile(test_needing=NEEDING)
    empty = tmp_path / "bin"
    empty.mkdir()
    monkeypatch.setenv("PATH", str(empty))  # no gpg, no prometheus
    if ci:
        monkeypatch.setenv("CI", "true")
    else:
        monkeypatch.delenv("CI", raising=False)
    ran = pytester.runpytest_inprocess("-rsE")
    text = ran.stdout.str()
    said = [
        "gpg is not installed: `make system` installs it as root (Debian package gnupg)",
        "prometheus is not installed: `make system` installs it as root (Debian package prometheus)",
    ]
    for line in said:
        assert line in text, text
    if ci:
        ran.assert_outcomes(passed=1, errors=2)
        ran.stdout.fnmatch_lines(
            ["ERROR *test_signs - Failed: gpg is not installed:*under CI a missing program*"]
        )
    else:
        ran.assert_outcomes(passed=1, skipped=2)
        assert "under CI" not in text


def test_make_system_installs_what_the_messages_say_it_does() -> None:
    makefile = (ROOT / "Makefile").read_text()
    found = re.search(r"^TEST_PACKAGES\s*=\s*(.+)$", makefile, re.M)
    assert found is not None
    packages = found.group(1).split()
    for binary, (package, by_make, _) in tiers.SYSTEM.items():
        assert (package in packages) == by_make, binary


def test_every_slow_entry_names_a_test_that_is_there() -> None:
    """A renamed test would silently leave the slow tier: its entry must go with it."""
    for entry in sorted(tiers.SLOW):
        path, name = entry.split("::", 1)
        tree = ast.parse((ROOT / path).read_text())
        names = {
            node.name
            for node in ast.walk(tree)
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and node.name.startswith("test")
        }
        assert name.split("[", 1)[0] in names, entry


def test_make_test_fast_leaves_out_every_tier() -> None:
    makefile = (ROOT / "Makefile").read_text()
    target = re.search(r"^test-fast:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert target is not None
    assert f'-m "{" and ".join(f"not {t}" for t in tiers.TIERS)}"' in target.group(1)


def test_make_test_runs_everything_once_and_the_timing_tests_alone() -> None:
    makefile = (ROOT / "Makefile").read_text()
    target = re.search(r"^test:.*\n((?:\t.*\n)+)", makefile, re.M)
    assert target is not None
    runs = [line for line in target.group(1).splitlines() if "pytest" in line]
    assert len(runs) == 2 and '-n 2 -m "not timing"' in runs[0] and "-m timing" in runs[1]
    assert "-n" not in runs[1].split()
    for module in tiers.TIMING:
        assert (ROOT / module).is_file(), module
