"""The http probe against ordinary and hostile servers on 127.0.0.1: every framing of a response
body counts as the response it is, a body that trickles or never ends counts as a timeout with
the memory of the load workers flat, and none of it leaves a word on stderr or in the logs."""

from __future__ import annotations

import asyncio
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from devoops.evaluate import assess
from devoops.lens import load_lens
from devoops.probes.run import run as run_probes

from ..conftest import NOW, workload
from ..helpers import apart
from . import test_http
from .httpservers import Raw, Server, close_delimited, endless, interim, slowloris, storm, trickle
from .test_http import figure, outcomes, run

pytestmark = pytest.mark.hostile

quiet = test_http.quiet  # autouse: nothing on stderr, no warning logged
SMALL_CHUNKS = [f"/chunked?size={size}&chunk=2048" for size in (81920, 150000, 204800)]


def steady(urls: list[str], **options: Any) -> dict[str, Any]:
    return {"rate": 50, "duration": 1, "urls": urls, "min_samples": 10} | options


FRAMINGS = [
    *SMALL_CHUNKS,
    "/chunked?size=1000000&chunk=262144",
    "/length?size=150000",
    "/gzip?size=150000",
    "/close?size=150000",
]


def test_bodies_of_every_framing_count_as_responses() -> None:
    # chunked in small and large chunks, Content-Length, gzip, keep-alive off, in one schedule:
    # two workers, every request read by one of them, each framing met by both
    with Server() as server:
        result = run(server.url, steady(FRAMINGS, rate=140, workers=2))
    assert outcomes(result) == {"2xx": 140}, result.evidence.summary
    assert sum(server.counts.values()) == 140
    assert {path: n >= 10 for path, n in server.counts.items()} == dict.fromkeys(
        ["/chunked", "/length", "/gzip", "/close"], True
    )


def test_a_body_delimited_by_the_close_counts_as_a_response() -> None:
    with Raw(close_delimited(150000)) as server:
        result = run(server.url, steady(["/"], workers=2))
    assert outcomes(result) == {"2xx": 50}, result.evidence.summary
    assert server.count == 50


def test_interim_answers_before_the_final_one_are_not_responses() -> None:
    early = b"HTTP/1.1 103 Early Hints\r\nLink: </style.css>; rel=preload\r\n\r\n"
    with Raw(interim(b"HTTP/1.1 100 Continue\r\n\r\n", early)) as server:
        result = run(server.url, steady(["/"]))
    assert outcomes(result) == {"2xx": 50}, result.evidence.summary
    assert server.count == 50


def test_a_trickling_body_times_out_at_the_request_timeout() -> None:
    with Raw(trickle(1000, every=0.05)) as server:
        result = run(server.url, steady(["/"], rate=10, request_timeout=1.0))
    assert outcomes(result) == {"timeout": 10}, result.evidence.summary
    assert server.count == 10


APART = """
import json, resource, sys
from tests.probes.test_http import outcomes, run
options = {"rate": 5, "duration": 1, "urls": ["/"], "min_samples": 10, "request_timeout": 1.0, "workers": 2}
result = run(sys.argv[1], options)
peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
print(json.dumps({"outcomes": dict(outcomes(result)), "summary": result.evidence.summary, "peak_mb": peak}))
"""


@pytest.mark.parametrize("chunked", [True, False], ids=["chunked", "close-delimited"])
def test_an_endless_body_times_out_and_the_workers_memory_stays_flat(chunked: bool) -> None:
    # Five bodies stream for 1 s each as fast as the workers read them, hundreds of megabytes:
    # a probe holding bodies would grow by as much. The probe runs in a fresh process: a worker's
    # peak RSS includes the image it was forked from, which in pytest carries every earlier test.
    with Raw(endless(16384, chunked)) as server:
        result = apart(APART, server.url, timeout=60)
    assert result["outcomes"] == {"timeout": 5}, result["summary"]
    assert server.count == 5
    print(f"peak RSS of a load worker: {result['peak_mb']:.0f} MB")
    assert result["peak_mb"] < 300


def test_a_server_stopped_mid_request_leaves_no_handler_pending() -> None:
    # A handler still pending when its loop closes is destroyed later, "Task was destroyed but
    # it is pending!" on stderr at exit, after every test passed.
    with Server() as server, socket.create_connection(("127.0.0.1", server.port)) as client:
        client.sendall(b"GET /hang HTTP/1.1\r\nHost: x\r\n\r\n")
        while not server.counts["/hang"]:
            time.sleep(0.01)
    assert not asyncio.all_tasks(server._loop)


@contextmanager
def own_process_server() -> Iterator[str]:
    """httpservers.Server in a process of its own: its URL."""
    command = [sys.executable, str(Path(__file__).with_name("httpservers.py"))]
    with subprocess.Popen(command, stdout=subprocess.PIPE, text=True) as server:
        try:
            assert server.stdout is not None
            yield server.stdout.readline().strip()
        finally:
            server.terminate()


def fast_p95(probes: dict[str, dict[str, Any]]) -> float:
    """The p95 of probe "fast" when the probes run together, as in one `devoops audit` run."""
    w = workload(
        **{"answers.performance.p99_ms": 200, "answers.traffic.baseline_rps": {"now": 20, "12mo": 40}},
        probes={name: {"type": "http", "timeout": 30} | config for name, config in probes.items()},
    )
    targets = {v.horizon: v.targets for v in assess(w, load_lens(), NOW, "t").horizons}
    results = run_probes(w, targets, load_lens(), NOW, env={})
    (fast,) = [r for r in results if r.name == "fast"]
    assert outcomes(fast) == {"2xx": 200}, fast.evidence.summary
    return figure(fast, "p95")


def test_hostile_servers_beside_do_not_slow_another_probes_measurement() -> None:
    # Probes share the runner's event loop; the load, and its clock, live in worker processes.
    # Beside the fast server (answers in 50 ms, like the one whose p95 went from 64 ms to 412 ms
    # before), a slow loris holds its connections open on a head that never ends, and a storm
    # keeps its reader busy with a parser callback per byte, for half of every second (all of
    # it would take a core of the two this machine has): were the fast server timed on the
    # shared loop, its responses would wait behind those reads (before, 260 of 300 timed out).
    # The fast server runs as its own process, out of reach of the hostile ones' threads.
    with own_process_server() as url, Raw(slowloris(0.1)) as loris, Raw(storm()) as hostile:
        fast = {
            "target": url,
            "options": {"rate": 100, "duration": 2, "request_timeout": 2, "urls": ["/sleep?s=0.05"]},
        }
        alone = fast_p95({"fast": fast})
        beside = fast_p95(
            {
                "fast": fast,
                "loris": {"target": loris.url, "options": {"rate": 10, "duration": 2, "request_timeout": 1}},
                "storm": {
                    "target": hostile.url,
                    "options": {"rate": 2, "duration": 2, "request_timeout": 0.25},
                },
            }
        )
        assert loris.count and hostile.count
    print(f"p95 of the fast server: {alone:.1f} ms alone, {beside:.1f} ms beside a slow loris and a storm")
    assert beside <= alone * 1.2
