"""Shared fixtures: the built-in lens, a fixed clock, a minimal valid workload, the session's
PostgreSQL server; and the tiers (tests/tiers.py) wired into pytest."""

from __future__ import annotations

import copy
import datetime as dt
import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from hypothesis import settings

from devoops.lens import load_lens
from devoops.model.lens import Lens
from devoops.model.workload import Workload

from . import tiers
from .pgserver import PostgresServer

pytest_plugins = ["pytester"]

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = sorted((ROOT / "examples").glob("*.yaml"))
NOW = dt.datetime(2026, 11, 29, 12, 0, tzinfo=dt.UTC)

MINIMAL: dict[str, Any] = {
    "app": {"name": "shop", "stage": "mvp"},
    "answers": {
        "reliability": {"downtime_cost_per_hour": 100},
        "traffic": {"baseline_rps": 10},
        "security": {"breach_survival": "damaged"},
        "engineering": {"team_size": 3},
    },
}


def document(**changes: Any) -> dict[str, Any]:
    """MINIMAL with dotted-path changes, e.g. document(**{"answers.traffic.baseline_rps": 5})."""
    doc = copy.deepcopy(MINIMAL)
    for dotted, value in changes.items():
        node = doc
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        if value is None:
            node.pop(leaf, None)
        else:
            node[leaf] = value
    return doc


def workload(**changes: Any) -> Workload:
    return Workload.model_validate(document(**changes))


@pytest.fixture(scope="module")
def s3() -> Iterator[str]:
    """moto's standalone S3 server on loopback (no real S3 can run here): its endpoint URL."""
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0, verbose=False)
    server.start()
    host, port = server.get_host_and_port()
    try:
        yield f"http://{host}:{port}"
    finally:
        server.stop()


@pytest.fixture(scope="session")
def lens() -> Lens:
    return load_lens()


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    """The session's one PostgreSQL 15 server: a test makes databases of its own in it
    (`database`, or `postgres.fresh()`), so none sees another's data. Roles but the bootstrap
    superuser log in with a password, as on a real server."""
    server = PostgresServer()
    try:
        server.require_passwords()
        yield server
    finally:
        server.stop()


@pytest.fixture
def database(postgres: PostgresServer) -> Iterator[str]:
    """A new, empty database of its own in the session's server: its name."""
    name = postgres.fresh()
    yield name
    postgres.drop(name)


FUZZ = int(os.environ.get("DEVOOPS_FUZZ", "0") or 0)
"""`make fuzz` sets this: every property test runs this many times its examples, beside the
hostile-input suites, and nothing else runs. `make test` runs them all at their own budgets."""


def pytest_ignore_collect(collection_path: Path, config: pytest.Config) -> bool | None:
    """Under FUZZ, a test module with neither a property test nor a hostile mark is not even
    imported: collecting all of them is a tenth of the standing suite's time."""
    if FUZZ and collection_path.name.startswith("test_") and collection_path.suffix == ".py":
        text = collection_path.read_text()
        if "@given" not in text and "hostile" not in text:
            return True
    return None


@pytest.hookimpl(tryfirst=True)  # before `-m` deselects by the marks given here
def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    tiers.derive(items)
    if not FUZZ:
        return
    kept, dropped = [], []
    for item in items:
        test = getattr(item, "obj", None)
        chosen = getattr(test, "_hypothesis_internal_use_settings", None)  # where @settings keeps them
        if chosen is not None and hasattr(test, "hypothesis"):
            test._hypothesis_internal_use_settings = settings(chosen, max_examples=chosen.max_examples * FUZZ)  # type: ignore[union-attr]
            kept.append(item)
        elif item.get_closest_marker("hostile"):
            kept.append(item)
        else:
            dropped.append(item)
    config.hook.pytest_deselected(items=dropped)
    items[:] = kept


@pytest.hookimpl(tryfirst=True)  # before a skipif of the test's own turns a missing program into a skip
def pytest_runtest_setup(item: pytest.Item) -> None:
    tiers.require(*tiers.needed(item))
