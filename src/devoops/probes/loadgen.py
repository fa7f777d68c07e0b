"""The load generator behind the http probe: requests at their intended times, whatever the
responses do (an open model, a constant arrival rate per stage), on aiohttp.

Latency is counted from a request's intended send time, not from when a connection was free to
send it, into an HdrHistogram: a server that stalls shows in the tail with every request that
should have gone out during the stall (no coordinated omission, as wrk2 measures). `connections`
coroutines share one schedule; each takes the next slot, waits for its time, sends and reads. A
slot still unsent `timeout` seconds after its time counts as a timeout without being sent, so a
run ends within its planned seconds plus one timeout whatever the server does.

Requests go out through aiohttp's protocol base and C response parser rather than its
ClientSession: every request of a URL is the same bytes, built once, and the session's
per-request machinery (URL handling, cookies, tracing, the connector) costs five times the CPU,
which would cap the rate one process can offer (see bench/http.py).

The load comes from worker processes (`python -m devoops.probes.loadgen WORKER WORKERS`), at least
one, so that latency is timed away from the event loop the probes share. They split each
stage's rate and interleave their slots; each reads its plan from stdin, says "ready", starts
on "go", and prints its tallies with encoded histograms, which the parent merges. A worker
whose stdin closes (its parent gone) stops at once. This module is imported only when a probe
runs.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import sys
import time
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Coroutine, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from itertools import accumulate
from typing import Any

from aiohttp.http_exceptions import HttpProcessingError
from hdrh.histogram import HdrHistogram  # type: ignore[import-untyped]

from .wire import Client, failure_kind

HIGHEST_US = 3_600_000_000  # one hour, in microseconds
FAILURES = ("5xx", "connect", "timeout", "tls", "other")
GOLDEN = (math.sqrt(5) - 1) / 2  # a low-discrepancy sequence spreads the URL mix evenly


@dataclass(frozen=True)
class Stage:
    """Requests per second (all workers together), for this many seconds."""

    rate: float
    seconds: float


@dataclass(frozen=True)
class Plan:
    urls: Sequence[str]
    weights: Sequence[float]
    method: str
    headers: Mapping[str, str]
    body: str | None
    timeout: float
    connections: int
    verify_tls: bool
    stages: Sequence[Stage]

    @property
    def seconds(self) -> float:
        return sum(s.seconds for s in self.stages)

    def dumps(self) -> str:
        return json.dumps(asdict(self))

    @classmethod
    def loads(cls, text: str | bytes) -> Plan:
        data = json.loads(text)
        return cls(**data | {"stages": [Stage(**s) for s in data["stages"]]})


def _histogram() -> HdrHistogram:
    return HdrHistogram(1, HIGHEST_US, 3)


@dataclass
class Tally:
    """What one stage's requests came to: latency of the responses and of the timeouts (a request
    that timed out took at least the timeout: leaving it out would hide the slowest ones), how
    late each request was sent (µs from its intended time), outcomes by class, one example
    message per failure class."""

    latency: HdrHistogram = field(default_factory=_histogram)
    lag: HdrHistogram = field(default_factory=_histogram)
    outcomes: Counter[str] = field(default_factory=Counter)
    examples: dict[str, str] = field(default_factory=dict)

    def response(self, status: int, seconds: float) -> None:
        self.outcomes[f"{status // 100}xx"] += 1
        self.latency.record_value(min(HIGHEST_US, max(1, round(seconds * 1e6))))

    def failure(self, kind: str, message: str, seconds: float) -> None:
        self.outcomes[kind] += 1
        self.examples.setdefault(kind, message[:200])
        if kind == "timeout":
            self.latency.record_value(min(HIGHEST_US, max(1, round(seconds * 1e6))))

    def sent(self, late: float) -> None:
        self.lag.record_value(min(HIGHEST_US, max(1, round(late * 1e6))))

    @property
    def requests(self) -> int:
        return sum(self.outcomes.values())

    @property
    def responses(self) -> int:
        return sum(n for kind, n in self.outcomes.items() if kind.endswith("xx"))

    @property
    def timed(self) -> int:
        """Requests with a latency: the responses and the timeouts."""
        return int(self.latency.get_total_count())

    @property
    def failures(self) -> Counter[str]:
        """Requests that failed the client, by class: no response, or a 5xx (a 4xx is the
        caller's fault)."""
        return Counter({kind: self.outcomes[kind] for kind in FAILURES if self.outcomes[kind]})

    @property
    def errors(self) -> int:
        return self.failures.total()

    @property
    def error_rate(self) -> float:
        return self.errors / self.requests if self.requests else 0.0

    def ms(self, percentile: float, of: str = "latency") -> float:
        histogram = self.latency if of == "latency" else self.lag
        return float(histogram.get_value_at_percentile(percentile)) / 1000

    @property
    def max_ms(self) -> float:
        return float(self.latency.get_max_value()) / 1000

    def add(self, other: Tally) -> Tally:
        self.latency.add(other.latency)
        self.lag.add(other.lag)
        self.outcomes.update(other.outcomes)
        self.examples = other.examples | self.examples
        return self

    def dump(self) -> dict[str, Any]:
        return {
            "latency": self.latency.encode().decode(),
            "lag": self.lag.encode().decode(),
            "outcomes": dict(self.outcomes),
            "examples": self.examples,
        }

    @classmethod
    def load(cls, data: Mapping[str, Any]) -> Tally:
        tally = cls(outcomes=Counter(data["outcomes"]), examples=dict(data["examples"]))
        tally.latency.decode_and_add(data["latency"])
        tally.lag.decode_and_add(data["lag"])
        return tally


class Schedule:
    """The intended send times of one worker's requests, as offsets from the start. Worker w of n
    takes every n-th slot of each stage, shifted by w/n of a slot, so the workers interleave."""

    def __init__(self, stages: Sequence[Stage], worker: int = 0, workers: int = 1) -> None:
        phase = worker / workers
        self.firsts: list[int] = []
        self.starts: list[float] = []
        self.gaps: list[float] = []
        total, begin = 0, 0.0
        for stage in stages:
            gap = workers / stage.rate
            self.firsts.append(total)
            self.starts.append(begin + phase * gap)
            self.gaps.append(gap)
            total += max(0, math.ceil(stage.seconds / gap - phase - 1e-9))
            begin += stage.seconds
        self.total = total

    def __len__(self) -> int:
        return self.total

    def at(self, index: int) -> tuple[int, float]:
        """The stage of request `index` and its intended send time."""
        stage = bisect_right(self.firsts, index) - 1
        return stage, self.starts[stage] + (index - self.firsts[stage]) * self.gaps[stage]


def picker(weights: Sequence[float], worker: int = 0, workers: int = 1) -> Callable[[int], int]:
    """Which URL request `index` goes to: shares follow the weights closely even over a few
    requests, the same way in every run."""
    if len(weights) == 1:
        return lambda index: 0
    total = sum(weights)
    bounds = [b / total for b in accumulate(weights)][:-1]
    return lambda index: bisect_right(bounds, ((index * workers + worker) * GOLDEN) % 1.0)


async def generate(plan: Plan, worker: int = 0, workers: int = 1) -> list[Tally]:
    """Send one worker's share of the plan from now on; one tally per stage."""
    schedule = Schedule(plan.stages, worker, workers)
    tallies = [Tally() for _ in plan.stages]
    pick = picker(plan.weights, worker, workers)
    client = Client(plan)
    slots = iter(range(len(schedule)))
    clock = time.perf_counter  # the loop's clock may tick in whole milliseconds (uvloop)
    start = clock()

    async def connection() -> None:
        for index in slots:
            stage, offset = schedule.at(index)
            due = start + offset
            if (wait := due - clock()) > 0:
                await asyncio.sleep(wait)
            tally, late = tallies[stage], clock() - due
            if late >= plan.timeout:
                tally.failure("timeout", "not sent within the timeout: every connection was busy", late)
                continue
            if late < 0:  # woken a little early: count from the actual send
                due, late = due + late, 0.0
            tally.sent(late)
            try:
                async with asyncio.timeout(plan.timeout - late):
                    status = await client.send(pick(index))
            except (OSError, TimeoutError, HttpProcessingError) as exc:
                message = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
                tally.failure(failure_kind(exc), message, clock() - due)
                continue
            tally.response(status, clock() - due)

    try:
        await asyncio.gather(*(connection() for _ in range(min(plan.connections, len(schedule)))))
    finally:
        client.close()
    return tallies


def merged(tallies: Sequence[Tally]) -> Tally:
    total = Tally()
    for tally in tallies:
        total.add(tally)
    return total


async def run(plan: Plan, workers: int = 1) -> list[Tally]:
    """The plan's tallies from `workers` processes started and stopped here: a cancelled run
    (the probe's timeout) kills them before it ends. Even one worker is a process of its own:
    latency is timed where the requests are sent, and the caller's event loop, shared with the
    other probes, would add their stalls to it. What the workers write to stderr (an error
    logged, a warning) is passed on to this process's stderr, not lost."""
    procs: list[asyncio.subprocess.Process] = []
    complaints: list[asyncio.Future[bytes]] = []
    pipe = asyncio.subprocess.PIPE
    try:
        for worker in range(workers):
            command = (sys.executable, "-m", __name__, str(worker), str(workers))
            procs.append(await asyncio.create_subprocess_exec(*command, stdin=pipe, stdout=pipe, stderr=pipe))
            complaints.append(asyncio.ensure_future(_stderr(procs[-1]).read()))
        for proc in procs:
            _stdin(proc).write(plan.dumps().encode() + b"\n")
        for proc, complaint in zip(procs, complaints, strict=True):
            if await _stdout(proc).readline() != b"ready\n":
                raise RuntimeError(await _failed(proc, complaint))
        for proc in procs:
            _stdin(proc).write(b"go\n")
        outputs = [await _stdout(proc).read() for proc in procs]
        for proc, output, complaint in zip(procs, outputs, complaints, strict=True):
            if await proc.wait() != 0 or not output:
                raise RuntimeError(await _failed(proc, complaint))
        said = b"".join([await complaint for complaint in complaints])
        if said:
            sys.stderr.write(said.decode(errors="replace"))
    finally:
        for proc in procs:
            if proc.returncode is None:
                proc.kill()
        for proc in procs:
            await proc.wait()
        for complaint in complaints:
            complaint.cancel()
        await asyncio.gather(*complaints, return_exceptions=True)
    per_worker = [[Tally.load(t) for t in json.loads(output)] for output in outputs]
    return [merged(stage) for stage in zip(*per_worker, strict=True)]


def _stdin(proc: asyncio.subprocess.Process) -> asyncio.StreamWriter:
    assert proc.stdin is not None
    return proc.stdin


def _stdout(proc: asyncio.subprocess.Process) -> asyncio.StreamReader:
    assert proc.stdout is not None
    return proc.stdout


def _stderr(proc: asyncio.subprocess.Process) -> asyncio.StreamReader:
    assert proc.stderr is not None
    return proc.stderr


async def _failed(proc: asyncio.subprocess.Process, complaint: asyncio.Future[bytes]) -> str:
    if proc.returncode is None:
        proc.kill()
    lines = (await complaint).decode(errors="replace").strip().splitlines()
    return "a load worker failed: " + (lines[-1] if lines else f"exit status {await proc.wait()}")


async def _worker(worker: int, workers: int) -> None:
    loop = asyncio.get_running_loop()
    stdin = asyncio.StreamReader(limit=2**24)  # a plan is one line, its body up to a megabyte
    await loop.connect_read_pipe(lambda: asyncio.StreamReaderProtocol(stdin), sys.stdin)
    plan = Plan.loads(await stdin.readline())
    print("ready", flush=True)
    if await stdin.readline() != b"go\n":
        return
    orphaned = asyncio.ensure_future(stdin.read())
    job = asyncio.ensure_future(generate(plan, worker, workers))
    await asyncio.wait({orphaned, job}, return_when=asyncio.FIRST_COMPLETED)
    if not job.done():
        os._exit(1)  # the parent is gone: stop now, whatever is in flight
    print(json.dumps([t.dump() for t in job.result()]), flush=True)


def running(main: Coroutine[Any, Any, Any]) -> Any:
    """Run a coroutine on uvloop when installed, as the probe runner does."""
    try:
        import uvloop

        factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(main)


if __name__ == "__main__":
    from ..base.streams import whole

    whole()  # a result may be long, its reader busy
    running(_worker(int(sys.argv[1]), int(sys.argv[2])))
