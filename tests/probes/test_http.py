"""The http probe against the tests' own aiohttp servers on 127.0.0.1."""

from __future__ import annotations

import asyncio
import logging
import math
import os
import socketserver
import ssl
import threading
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from devoops.evaluate import assess
from devoops.lens import load_lens
from devoops.model.evidence import ProbeResult, Status
from devoops.probes.base import Context, probe_class
from devoops.probes.loadgen import Schedule, Stage, picker

from ..conftest import NOW, workload
from .httpservers import Server
from .support import free_port, probe

# Targets: p99 200 ms (so p95 125 ms), error budget 1 - 0.995; capacity now 20 × 1.5, in 12 months 40 × 1.5.
P95, P99, ERRORS = 125.0, 200.0, 0.005
NOW_CAPACITY, LATER_CAPACITY = 20 * 1.5, 40 * 1.5
WORKLOAD = workload(
    **{"answers.performance.p99_ms": P99, "answers.traffic.baseline_rps": {"now": 20, "12mo": 40}}
)


@pytest.fixture(autouse=True)
def quiet(capfd: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture) -> Iterator[None]:
    """Fails a test if anything reached stderr (the probe's, its workers' or a server's) or a
    warning was logged, such as asyncio's "Fatal error on transport" or "Task was destroyed but
    it is pending!" from a server stopped with its handlers still waiting."""
    caplog.set_level(logging.WARNING)
    yield
    assert capfd.readouterr().err == ""
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.WARNING] == []


def run(target: str, options: dict[str, Any], timeout: float = 30) -> ProbeResult:
    return probe("http", target, options, workload=WORKLOAD, timeout=timeout)


def figure(result: ProbeResult, name: str) -> float:
    values = [m.value for m in result.evidence.measurements if m.name == name]
    assert len(values) == 1 and values[0] is not None, name
    return values[0]


def outcomes(result: ProbeResult) -> Counter[str]:
    (table,) = [t for t in result.evidence.tables if t.title == "outcomes"]
    return Counter({str(row[0]): int(row[1] or 0) for row in table.rows})


def verdicts(result: ProbeResult) -> dict[str, str]:
    return {v.practice: v.choice for v in result.evidence.verdicts}


def test_steady_load_on_a_fast_server_meets_the_targets() -> None:
    with Server() as server:
        result = run(server.url + "/", {"rate": 100, "duration": 2})
    assert result.status == Status.PASS, result.evidence.summary
    assert verdicts(result) == {"perf.latency-met": "met"}
    assert figure(result, "requests") == 100 * 2 == server.counts["/"]
    assert outcomes(result) == {"2xx": 200}
    held = {m.name: m.ok for m in result.evidence.measurements if m.target is not None}
    assert held == {"p95": True, "p99": True, "error rate": True}


def test_a_stalling_server_shows_in_the_p99() -> None:
    # The server answers in about a millisecond but stalls for 1 s in every 3 s: a third of the
    # requests are intended during a stall, so the p99 counted from the intended send time is
    # most of that second, whatever happened to the connections meanwhile.
    with Server(stall_every=3, stall_for=1) as server:
        result = run(server.url, {"rate": 100, "duration": 7})
    assert result.status == Status.FAIL
    assert verdicts(result) == {"perf.latency-met": "missed"}
    assert figure(result, "p50") < P95
    assert figure(result, "p99") >= 500
    assert figure(result, "requests") == 700


def test_requests_that_time_out_count_in_the_latency_at_their_timeout() -> None:
    # One request in ten hangs: answered requests alone would show a fast server.
    with Server() as server:
        urls = [{"url": "/", "weight": 9}, {"url": "/hang", "weight": 1}]
        options = {"rate": 50, "duration": 2, "urls": urls, "request_timeout": 1.5, "min_samples": 10}
        result = run(server.url, options)
    seen = outcomes(result)
    assert seen["timeout"] == server.counts["/hang"] == 10 and seen["2xx"] == 90
    assert figure(result, "p50") < P95
    assert figure(result, "p95") >= 1500 and figure(result, "max") >= 1500
    assert verdicts(result) == {"perf.latency-met": "missed"}


def test_errors_are_counted_by_class(tmp_path: Path) -> None:
    ca = trustme.CA()
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(tls)
    refused = f"http://127.0.0.1:{free_port()}/"
    with Server() as server, Server(tls=tls) as secure:
        # A timeout of a second, far above a loaded machine's delays, so only /sleep times out.
        urls = ["/ok", "/500", "/sleep?s=3", refused, secure.url + "/"]
        result = run(
            server.url, {"rate": 50, "duration": 2, "urls": urls, "request_timeout": 1.0, "min_samples": 10}
        )
    seen = outcomes(result)
    assert sum(seen.values()) == 100
    assert seen["2xx"] == server.counts["/ok"] > 0
    assert seen["5xx"] == server.counts["/500"] > 0
    assert seen["timeout"] == server.counts["/sleep"] > 0
    assert not secure.counts  # the handshake failed: no request reached it
    for kind in ("connect", "tls"):
        assert abs(seen[kind] - 100 / len(urls)) <= 2, seen
    errors = 100 - seen["2xx"]
    assert figure(result, "error rate") == pytest.approx(errors / 100)
    assert result.status == Status.FAIL
    assert verdicts(result)["perf.latency-met"] == "missed"  # the timeouts count at 1 s > p95


def test_tls_without_verification_reaches_a_self_signed_server() -> None:
    tls = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    trustme.CA().issue_cert("127.0.0.1").configure_cert(tls)
    with Server(tls=tls) as secure:
        result = run(secure.url, {"rate": 50, "duration": 1, "verify_tls": False, "min_samples": 10})
    assert result.status == Status.PASS, result.evidence.summary
    assert outcomes(result) == {"2xx": 50} and secure.counts["/"] == 50


def test_too_few_responses_leave_the_result_unknown() -> None:
    result = run(f"http://127.0.0.1:{free_port()}/", {"rate": 20, "duration": 1})
    assert result.status == Status.UNKNOWN
    assert "0 of 20 requests got a response" in result.evidence.summary
    assert "connect" in result.evidence.summary
    assert outcomes(result) == {"connect": 20}
    assert result.evidence.verdicts == []


class NotHttp(socketserver.BaseRequestHandler):
    def handle(self) -> None:
        self.request.recv(4096)
        self.request.sendall(b"SSH-2.0-OpenSSH_9.2\r\n\r\n")


def test_a_server_that_does_not_speak_http_counts_as_other_errors() -> None:
    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), NotHttp) as server:
        threading.Thread(target=server.serve_forever, daemon=True).start()
        result = run(f"http://127.0.0.1:{server.server_address[1]}/", {"rate": 20, "duration": 1})
        server.shutdown()
    assert result.status == Status.UNKNOWN
    assert outcomes(result) == {"other": 20}
    assert "20 other errors (BadStatusLine" in result.evidence.summary


def test_method_headers_body_and_weighted_urls_reach_the_server() -> None:
    weights = {"/a": 3.0, "/b": 1.0, "/c": 2.0}
    with Server() as server, Server() as other:
        urls: list[Any] = [{"url": "a", "weight": 3}, {"url": "/b"}, {"url": other.url + "/c", "weight": 2}]
        options = {
            "rate": 200,
            "duration": 1.5,
            "method": "PUT",
            "headers": {"X-Token": "${TOKEN}"},
            "body": "hi",
        }
        result = probe(
            "http",
            server.url + "/",
            options | {"urls": urls},
            workload=WORKLOAD,
            timeout=30,
            env={"TOKEN": "s3cret"},
        )
        seen = server.counts + other.counts
    assert result.status == Status.PASS, result.evidence.summary
    total = 200 * 1.5
    for path, weight in weights.items():
        assert abs(seen[path] - total * weight / sum(weights.values())) <= 2, seen
    assert server.last is not None
    method, headers, body = server.last
    assert (method, headers["X-Token"], body, headers["Content-Length"]) == ("PUT", "s3cret", b"hi", "2")
    assert "s3cret" not in result.model_dump_json()


def test_spike_holding_the_12_month_capacity_is_an_expected_peak() -> None:
    with Server() as server:
        options = {"mode": "spike", "horizon": "12mo", "steps": 4, "step_seconds": 1, "duration": 2}
        result = run(server.url, options)
    assert result.status == Status.PASS, result.evidence.summary
    assert verdicts(result) == {"capacity.load-tested": "expected-peak"}
    assert figure(result, "peak rate") == figure(result, "highest rate held") == LATER_CAPACITY
    (steps,) = [t for t in result.evidence.tables if t.title == "steps"]
    assert [row[0] for row in steps.rows] == [LATER_CAPACITY * i / 4 for i in (1, 2, 3, 4)]
    assert sum(int(row[2] or 0) for row in steps.rows) == server.counts["/"]


def test_spike_breaking_below_todays_capacity_fails() -> None:
    # The server slows by half a second while more than 25 requests arrived in the last second:
    # it holds the steps at 10 and 20 requests/s and breaks at today's capacity of 30.
    with Server(slow_above=25) as server:
        result = run(server.url, {"mode": "spike", "steps": 3, "step_seconds": 1.5, "duration": 2})
    assert result.status == Status.FAIL
    assert verdicts(result) == {"capacity.load-tested": "fails-below-peak"}
    assert figure(result, "highest rate held") == NOW_CAPACITY * 2 / 3
    assert figure(result, "p95") > P95


def test_spike_holding_only_todays_capacity_is_a_current_peak() -> None:
    with Server(slow_above=52) as server:
        options = {"mode": "spike", "horizon": "12mo", "steps": 4, "step_seconds": 1, "duration": 2}
        result = run(server.url, options)
    assert result.status == Status.FAIL
    assert verdicts(result) == {"capacity.load-tested": "current-peak"}
    assert figure(result, "highest rate held") == LATER_CAPACITY * 3 / 4


def test_worker_processes_share_the_load_and_merge_their_histograms() -> None:
    with Server() as server:
        result = run(server.url, {"rate": 100, "duration": 2, "workers": 2})
    assert result.status == Status.PASS, result.evidence.summary
    assert figure(result, "requests") == server.counts["/"] == 200
    assert outcomes(result) == {"2xx": 200}
    assert 0 < figure(result, "p50") <= figure(result, "p99") <= figure(result, "max")


def _workers() -> set[int]:
    """This process's children that run the load generator."""
    found = set()
    for entry in os.scandir("/proc"):
        try:
            stat = Path(entry.path, "stat").read_text()
            command = Path(entry.path, "cmdline").read_bytes()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == os.getpid() and b"devoops.probes.loadgen" in command:
            found.add(int(entry.name))
    return found


def test_a_cancelled_probe_leaves_no_worker_processes() -> None:
    # The runner cancels a probe at its timeout; a hanging server keeps the workers busy then.
    seen: set[int] = set()
    done = threading.Event()

    def watch() -> None:
        while not done.wait(0.05):
            seen.update(_workers())

    async def cancel(url: str) -> None:
        import aiohttp

        targets = {v.horizon: v.targets for v in assess(WORKLOAD, load_lens(), NOW, "t").horizons}
        options = {"rate": 20, "duration": 1, "workers": 2, "request_timeout": 60}
        collecting = probe_class("http").validate(url, options).collect
        async with aiohttp.ClientSession() as http:
            with pytest.raises(TimeoutError):
                await asyncio.wait_for(collecting(Context("p", NOW, 120, WORKLOAD, targets, http)), 4)

    watcher = threading.Thread(target=watch)
    with Server() as server:
        watcher.start()
        try:
            asyncio.run(cancel(server.url + "/hang"))
        finally:
            done.set()
            watcher.join()
    assert len(seen) == 2
    assert not any(Path(f"/proc/{pid}").exists() for pid in seen)


def test_a_load_longer_than_the_timeout_is_refused_before_it_starts() -> None:
    result = run(f"http://127.0.0.1:{free_port()}/", {"duration": 30}, timeout=5)
    assert result.status == Status.ERROR
    assert "longer than the probe's timeout of 5 s" in result.evidence.summary


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"mode": "soak"}, "'latency' or 'spike'"),
        ({"workers": 0}, "greater than or equal to 1"),
        ({"mode": "spike", "rate": 5}, "rate applies to mode latency only"),
        ({"peak_rps": 10, "steps": 2}, "peak_rps, steps apply to mode spike only"),
        ({"method": "get"}, "upper-case HTTP method"),
        ({"urls": ["ftp://127.0.0.1/"]}, "http:// or https:// URL"),
        ({"urls": ["http://user:pw@127.0.0.1/"]}, "must not hold credentials"),
        ({"urls": [{"url": "/a", "weight": 0}]}, "greater than 0"),
        ({"headers": {"Content-Length": "3"}}, "set from the body"),
        ({"headers": {"X-A": "a\r\nb"}}, "line break"),
        ({"headers": {"bad name": "x"}}, "not a valid header name"),
        ({"request_timeout": 0}, "greater than 0"),
        ({"colour": "red"}, "Extra inputs are not permitted"),
    ],
)
def test_bad_options_are_refused(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        probe_class("http").validate("http://127.0.0.1/", options)


@pytest.mark.parametrize("target", ["127.0.0.1:8080", "ftp://127.0.0.1/", "http:///path"])
def test_bad_targets_are_refused(target: str) -> None:
    with pytest.raises(ValueError, match="http:// or https:// URL with a host"):
        probe_class("http").validate(target, {})


@settings(max_examples=200, deadline=None)
@given(
    st.lists(st.tuples(st.floats(0.5, 2000), st.floats(0.1, 5)), min_size=1, max_size=4),
    st.integers(1, 6),
)
def test_workers_together_send_every_slot_of_each_stage_once(
    stages: list[tuple[float, float]], workers: int
) -> None:
    plan = [Stage(rate, seconds) for rate, seconds in stages]
    times: dict[int, list[float]] = {}
    for worker in range(workers):
        schedule = Schedule(plan, worker, workers)
        for index in range(len(schedule)):
            stage, at = schedule.at(index)
            times.setdefault(stage, []).append(at)
    begin = 0.0
    for k, (rate, seconds) in enumerate(stages):
        got = sorted(times.get(k, []))
        assert abs(len(got) - rate * seconds) < 1 + 1e-6
        assert got == pytest.approx([begin + j / rate for j in range(len(got))], abs=1e-6)
        assert all(begin <= t < begin + seconds + 1e-9 for t in got)
        begin += seconds


@given(st.lists(st.floats(0.01, 100), min_size=1, max_size=6), st.integers(1, 4), st.integers(1, 3000))
def test_the_url_mix_follows_the_weights_over_any_number_of_requests(
    weights: list[float], workers: int, requests: int
) -> None:
    seen: Counter[int] = Counter()
    for worker in range(workers):
        pick = picker(weights, worker, workers)
        seen.update(pick(i) for i in range(requests))
    total = requests * workers
    for i, weight in enumerate(weights):
        assert abs(seen[i] - total * weight / sum(weights)) <= 2 + math.log(total)
