"""Shared fixtures: the built-in lens, a fixed clock, and a minimal valid workload."""

from __future__ import annotations

import copy
import datetime as dt
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from devoops.lens import load_lens
from devoops.model.lens import Lens
from devoops.model.workload import Workload

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
