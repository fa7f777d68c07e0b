"""The access_log probe on generated logs: every figure against a plain-Python computation over
the requests the log was written from, in each format, gzip and globs; unreadable lines, time
ranges, missing files, and a timeout that really stops DuckDB."""

from __future__ import annotations

import datetime as dt
import gzip
import math
import os
import re
import string
import tempfile
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import ValidationError

from devoops.evaluate import assess
from devoops.lens import load_lens
from devoops.model.common import Horizon
from devoops.model.evidence import Measurement, ProbeResult, Status
from devoops.model.targets import Targets
from devoops.model.workload import Workload
from devoops.probes.access_log import AccessLogOptions
from devoops.probes.logformats import ID, OTHER, LogFormat, route_macro

from ..conftest import NOW, workload
from . import logdata as ld
from .support import probe

FAILED = 500
QUANTILES = (0.5, 0.95, 0.99)


def targets(w: Workload) -> Targets:
    return next(h.targets for h in assess(w, load_lens(), NOW, "test").horizons if h.horizon == Horizon.NOW)


@dataclass
class Expected:
    """The figures, worked out in plain Python from the requests."""

    requests: int
    failed: int
    quantiles: list[float]
    windows: int
    below: int
    worst: list[list[Any]]
    routes: list[list[Any]]
    peak_second: int
    minutes: list[list[Any]]


def nearest_rank(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[math.ceil(q * len(ordered)) - 1]


def stats(group: list[tuple[bool, float]]) -> list[Any]:
    failed = sum(1 for bad, _ in group if bad)
    return [len(group), failed, round(1 - failed / len(group), 6)] + [
        nearest_rank([ms for _, ms in group], q) for q in QUANTILES
    ]


def when(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M")


def expect(
    t: ld.Traffic,
    slo: float,
    *,
    window: int = 3600,
    since: float | None = None,
    until: float | None = None,
    failed: Callable[[int, int], bool] = lambda status, ms: status >= FAILED,
    top: int = 10,
) -> Expected:
    requests = [
        (at / 1000, failed(status, ms), float(ms), ld.ROUTES[route])
        for at, status, ms, route in zip(
            t.at_ms.tolist(), t.status.tolist(), t.ms.tolist(), t.route.tolist(), strict=True
        )
        if (since is None or at / 1000 >= since) and (until is None or at / 1000 < until)
    ]
    windows: dict[int, list[tuple[bool, float]]] = defaultdict(list)
    routes: dict[tuple[str, str], list[tuple[bool, float]]] = defaultdict(list)
    for at, bad, ms, route in requests:
        windows[int(at // window * window)].append((bad, ms))
        routes[(route.method, re.sub(r"\{[a-z]+\}", ID, route.template))].append((bad, ms))
    by_window = sorted(
        ((start, stats(group)) for start, group in windows.items()),
        key=lambda w: (-w[1][1] / w[1][0], -w[1][1], w[0]),
    )
    by_route = sorted(((k, stats(g)) for k, g in routes.items()), key=lambda r: (-r[1][0], r[0][1], r[0][0]))
    seconds = Counter(int(at) for at, *_ in requests)
    minutes = Counter(int(at // 60 * 60) for at, *_ in requests)
    busiest = sorted(minutes.items(), key=lambda m: (-m[1], m[0]))[:top]
    every = [(bad, ms) for _, bad, ms, _ in requests]
    return Expected(
        requests=len(requests),
        failed=sum(1 for bad, _ in every if bad),
        quantiles=[nearest_rank([ms for _, ms in every], q) for q in QUANTILES],
        windows=len(windows),
        below=sum(1 for group in windows.values() if 1 - stats(group)[1] / len(group) < slo),
        worst=[[when(start), *s] for start, s in by_window[:top]],
        routes=[[m, r, *s] for (m, r), s in by_route[:top]],
        peak_second=max(seconds.values()),
        minutes=[[when(m), n, round(n / 60, 3)] for m, n in busiest],
    )


def figures(result: ProbeResult) -> dict[str, Measurement]:
    return {m.name: m for m in result.evidence.measurements}


def table(result: ProbeResult, title: str) -> list[list[Any]]:
    return next(t.rows for t in result.evidence.tables if t.title.startswith(title))


def rows_match(actual: list[list[Any]], expected: list[list[Any]]) -> None:
    """Equal rows; durations (parsed from text, scaled to ms) to the last few bits."""
    assert [[type(c) for c in row] for row in actual] == [[type(c) for c in row] for row in expected]
    assert [
        [pytest.approx(c, rel=1e-12) if isinstance(c, float) else c for c in row] for row in expected
    ] == actual


def check(result: ProbeResult, e: Expected, t: Targets, *, timed: bool = True) -> None:
    """Every figure, table and verdict of `result` against the plain computation."""
    f = figures(result)
    slo = t.availability.slo
    availability = 1 - e.failed / e.requests
    assert f["requests"].value == e.requests
    assert (f["availability"].value, f["availability"].target, f["availability"].bound) == (
        pytest.approx(availability),
        slo,
        "min",
    )
    assert f["error budget consumed"].value == pytest.approx(e.failed / ((1 - slo) * e.requests))
    assert (f["windows below the SLO"].value, f["windows below the SLO"].detail.split()[1]) == (
        e.below,
        str(e.windows),
    )
    assert f["busiest second"].value == e.peak_second
    assert (f["peak rps"].value, f["peak rps"].target) == (
        pytest.approx(e.minutes[0][1] / 60),
        t.capacity.peak_rps,
    )
    assert table(result, "busiest minutes") == e.minutes
    verdicts = {v.practice: v.choice for v in result.evidence.verdicts}
    assert verdicts["slo.availability-met"] == ("met" if availability >= slo else "missed")
    if timed:
        limits = (t.latency.p50_ms, t.latency.p95_ms, t.latency.p99_ms)
        for name, value, limit in zip(("p50", "p95", "p99"), e.quantiles, limits, strict=True):
            assert (f[name].value, f[name].target, f[name].unit) == (pytest.approx(value), limit, "ms")
        fast = e.quantiles[1] <= limits[1] and e.quantiles[2] <= limits[2]
        assert verdicts["perf.latency-met"] == ("met" if fast else "missed")
        rows_match(table(result, "worst"), e.worst)
        rows_match(table(result, "busiest routes"), e.routes)
    else:
        assert "p95" not in f and "perf.latency-met" not in verdicts
        assert [r[:4] for r in table(result, "worst")] == [r[:4] for r in e.worst]
        assert [r[:5] for r in table(result, "busiest routes")] == [r[:5] for r in e.routes]
    off = [m.name for m in result.evidence.measurements if m.ok is False]
    assert result.status == (Status.FAIL if off else Status.PASS)


W = workload()
T = targets(W)
REGEX = {"format": "regex", "pattern": ld.KV_PATTERN, "time_format": "epoch", "duration_unit": "ms"}


def write_one(folder: Path, name: str, lines: Iterator[str]) -> str:
    return str(ld.write(folder / name, lines))


FORMATS: dict[str, tuple[Callable[[Path, ld.Traffic], str], dict[str, Any]]] = {
    "nginx combined, +0200": (lambda d, t: write_one(d, "a.log", ld.combined(t, offset_minutes=120)), {}),
    "apache combined, microseconds, gzip": (
        lambda d, t: write_one(d, "a.log.gz", ld.combined(t, duration="us", offset_minutes=-300)),
        {"duration_unit": "us"},
    ),
    "common with duration": (lambda d, t: write_one(d, "a.log", ld.combined(t, common=True)), {}),
    "json": (lambda d, t: write_one(d, "a.jsonl", ld.json_lines(t)), {"format": "json"}),
    "json, own names, nested": (
        lambda d, t: write_one(
            d, "a.jsonl", ld.json_lines(t, {"time": "@timestamp", "status": "code"}, nested=True)
        ),
        {
            "format": "json",
            "fields": {"time": "@timestamp", "status": "$.http.code", "duration": "$.http.request_time"},
        },
    ),
    "regex": (lambda d, t: write_one(d, "app.log", ld.kv_lines(t)), REGEX),
}


@pytest.mark.parametrize("name", FORMATS)
def test_figures_match_a_plain_computation_in_each_format(tmp_path: Path, name: str) -> None:
    t = ld.traffic(12_000, seed=len(name))
    write, options = FORMATS[name]
    result = probe("access_log", write(tmp_path, t), options, workload=W)
    check(result, expect(t, T.availability.slo), T)
    assert figures(result)["unparseable lines"].value == 0


def test_a_glob_of_rotated_files_plain_and_gzip_is_one_log(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Rotation leaves access.log, access.log.1, access.log.2.gz, ...; a relative glob is read
    from the current folder."""
    t = ld.traffic(15_000, seed=7)
    parts = np.array_split(np.arange(len(t)), 4)
    (tmp_path / "logs").mkdir()
    for name, part in zip(
        ["access.log.3.gz", "access.log.2.gz", "access.log.1", "access.log"], parts, strict=True
    ):
        ld.write(tmp_path / "logs" / name, ld.combined(t.part(part)))
    ld.write(tmp_path / "logs" / "error.log", iter(["not an access log"]))
    monkeypatch.chdir(tmp_path)
    result = probe("access_log", "logs/access.log*", {"window": "5m", "top": 5}, workload=W)
    check(result, expect(t, T.availability.slo, window=300, top=5), T)
    assert figures(result)["lines"].detail == "4 file(s)"


def test_logs_without_durations_give_availability_only(tmp_path: Path) -> None:
    t = ld.traffic(5_000, seed=3)
    result = probe(
        "access_log",
        write_one(tmp_path, "a.log", ld.combined(t, duration=None)),
        {"window": "1d"},
        workload=W,
    )
    check(result, expect(t, T.availability.slo, window=86400), T, timed=False)
    assert "no durations" in result.evidence.summary


def test_healthy_traffic_passes_and_meets_both_practices(tmp_path: Path) -> None:
    t = ld.traffic(6_000, seed=11, failure=0.0, bad_hour=0.0, days=7)
    result = probe("access_log", write_one(tmp_path, "a.log", ld.combined(t)), {}, workload=W)
    check(result, expect(t, T.availability.slo), T)
    assert result.status == Status.PASS
    assert {v.practice: v.choice for v in result.evidence.verdicts} == {
        "slo.availability-met": "met",
        "perf.latency-met": "met",
    }


def test_failures_and_slowness_miss_both_practices(tmp_path: Path) -> None:
    t = ld.traffic(6_000, seed=12, failure=0.05, slow=12.0)
    w = workload(**{"answers.performance.p95_ms": 300, "answers.performance.p99_ms": 800})
    result = probe("access_log", write_one(tmp_path, "a.log", ld.combined(t)), {}, workload=w)
    check(result, expect(t, targets(w).availability.slo), targets(w))
    assert result.status == Status.FAIL
    assert {v.practice: v.choice for v in result.evidence.verdicts} == {
        "slo.availability-met": "missed",
        "perf.latency-met": "missed",
    }
    assert "off target" in result.evidence.summary and "availability" in result.evidence.summary


def test_a_sampled_log_scales_the_traffic_rates_only(tmp_path: Path) -> None:
    """A log keeping one request in twenty-five: the busiest minute and second are 25 times
    what it shows; the counts, the availability and the percentiles are the log's own."""
    t = ld.traffic(5_000, seed=7)
    e = expect(t, T.availability.slo)
    result = probe("access_log", write_one(tmp_path, "a.log", ld.combined(t)), {"sampled": 0.04}, workload=W)
    f = figures(result)
    assert f["peak rps"].value == pytest.approx(e.minutes[0][1] / 60 * 25)
    assert f["busiest second"].value == pytest.approx(e.peak_second * 25)
    assert "the log holds 4 % of the requests" in (f["peak rps"].detail or "")
    assert f["requests"].value == e.requests
    assert f["availability"].value == pytest.approx(1 - e.failed / e.requests)


def test_what_counts_as_failed_is_configurable(tmp_path: Path) -> None:
    t = ld.traffic(8_000, seed=5)
    options = {"bad_statuses": ["5xx", 404], "bad_above_ms": 500.5}  # 404 as YAML reads it
    result = probe("access_log", write_one(tmp_path, "a.log", ld.combined(t)), options, workload=W)
    e = expect(t, T.availability.slo, failed=lambda status, ms: status >= 500 or status == 404 or ms > 500.5)
    check(result, e, T)


def test_since_and_until_bound_the_requests(tmp_path: Path) -> None:
    t = ld.traffic(10_000, seed=9, days=4)
    path = write_one(tmp_path, "a.log", ld.combined(t))
    since, until = ld.START + dt.timedelta(hours=30), ld.START + dt.timedelta(hours=70)
    absolute = probe("access_log", path, {"since": since.isoformat(), "until": until.isoformat()}, workload=W)
    check(absolute, expect(t, T.availability.slo, since=since.timestamp(), until=until.timestamp()), T)
    naive = probe("access_log", path, {"since": since.replace(tzinfo=None).isoformat()}, workload=W)
    check(naive, expect(t, T.availability.slo, since=since.timestamp()), T)
    relative = probe("access_log", path, {"since": "200h", "until": "3d"}, workload=W)
    bounds = ((NOW - dt.timedelta(hours=200)).timestamp(), (NOW - dt.timedelta(days=3)).timestamp())
    check(relative, expect(t, T.availability.slo, since=bounds[0], until=bounds[1]), T)


def test_no_request_in_range_is_unknown(tmp_path: Path) -> None:
    path = write_one(tmp_path, "a.log", ld.combined(ld.traffic(500)))
    result = probe("access_log", path, {"since": "1h"}, workload=W)
    assert result.status == Status.UNKNOWN and result.evidence.summary.startswith("no requests from")
    assert not result.evidence.verdicts


def test_unreadable_lines_are_counted_sampled_and_tolerated_below_the_share(tmp_path: Path) -> None:
    t = ld.traffic(20_000, seed=4)
    junk = [
        "garbage line",
        '10.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET /x HTTP/1.1" 200 12 "-" "agent" 0.1 extra',
        '10.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET /x HTTP/1.1" OK 12 "-" "agent" 0.1',
        '10.0.0.1 - - [31/Foo/2026:10:00:00 +0000] "GET /x HTTP/1.1" 200 12 "-" "agent" 0.1',
        '10.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET /x\\" HTTP/1.1" 200 12 "-" "agent" 0.1',
        '10.0.0.1 - - [20/Nov/2026:10:00:00 +0000] "GET /x HTTP/1.1" 200 12 "-" "agent" -0.5',
        '{"time": "2026-11-20T10:00:00Z", "status": 200}',
    ]
    lines = list(ld.combined(t))
    for k, line in enumerate(junk):
        lines.insert(1000 * (k + 1), line)
    path = tmp_path / "a.log"
    path.write_bytes("\n".join(lines).encode() + b"\n\xff\xfe not utf-8\n" + b"x" * 3_000_000 + b"\n\n")
    result = probe("access_log", str(path), {"samples": 4}, workload=W)
    f = figures(result)
    bad = len(junk) + 2
    assert (f["unparseable lines"].value, f["lines"].value) == (bad, len(t) + bad)
    assert f["unparseable share"].value == pytest.approx(bad / (len(t) + bad))
    check(result, expect(t, T.availability.slo), T)
    samples = table(result, "unparseable lines")
    assert len(samples) == 4 and all(name == str(path) for name, _ in samples)
    assert {line for _, line in samples} <= set(junk)

    strict = probe("access_log", str(path), {"max_unparseable": 0.0001}, workload=W)
    assert strict.status == Status.UNKNOWN and not strict.evidence.verdicts
    assert "do not read as the combined format" in strict.evidence.summary
    assert [r[1] for r in table(strict, "unparseable lines")] == [line for _, line in samples] + [junk[4]]


def test_a_log_in_another_format_is_unknown_with_samples(tmp_path: Path) -> None:
    path = write_one(tmp_path, "a.log", ld.json_lines(ld.traffic(300)))
    result = probe("access_log", path, {}, workload=W)
    assert result.status == Status.UNKNOWN and figures(result)["unparseable share"].value == 1
    assert len(table(result, "unparseable lines")) == 5


def test_samples_hide_query_strings(tmp_path: Path) -> None:
    """Unreadable lines are quoted, but a query string may carry a token: it is hidden."""
    line = '10.0.0.1 - - [bad time] "GET /reset?token=s3cr3t-value&u=1 HTTP/1.1" 200 12 "-" "agent"'
    (tmp_path / "a.log").write_text(line + "\n")
    result = probe("access_log", str(tmp_path / "a.log"), {}, workload=W)
    assert result.status == Status.UNKNOWN
    assert table(result, "unparseable lines")[0][1] == line.replace("?token=s3cr3t-value&u=1", "?…")
    assert "s3cr3t" not in result.model_dump_json()


def test_an_unreadable_file_is_an_error_with_its_cause(tmp_path: Path) -> None:
    (tmp_path / "a.log.gz").write_text("plain text, not gzip\n")
    result = probe("access_log", str(tmp_path / "a.log.gz"), {}, workload=W)
    assert result.status == Status.ERROR and "not a GZIP stream" in result.evidence.summary


@pytest.mark.parametrize("name", ["a.log", "a.log.gz"])
@pytest.mark.parametrize("options", [{}, {"format": "regex", "pattern": ld.KV_PATTERN}])
def test_a_line_too_long_for_duckdb_counts_as_unparseable(
    tmp_path: Path, name: str, options: dict[str, Any]
) -> None:
    """DuckDB skips a line over its 32 MB buffer without a word; the bytes it leaves unread give
    it away. Carriage returns on every other line leave nothing unread that would count."""
    good = [
        f'127.0.0.1 - - [29/Nov/2026:10:00:{s:02d} +0000] "GET /a HTTP/1.1" 200 5 "-" "x"' for s in range(20)
    ]
    huge = good[0].replace("/a", "/" + "x" * (40 << 20))
    text = "\r\n".join([*good[:10], huge, *good[10:]]) + "\n"
    with (gzip.open if name.endswith(".gz") else open)(tmp_path / name, "wt") as out:
        out.write(text)
    result = probe("access_log", str(tmp_path / name), options, workload=W)
    seen = figures(result)
    assert seen["lines"].value == 21
    assert seen["unparseable lines"].value == (1 if not options else 21)
    (tmp_path / name).unlink()
    with (gzip.open if name.endswith(".gz") else open)(tmp_path / name, "wt") as out:
        out.write(text.replace(huge + "\r\n", ""))
    assert figures(probe("access_log", str(tmp_path / name), options, workload=W))["lines"].value == 20


def test_an_empty_log_is_unknown(tmp_path: Path) -> None:
    (tmp_path / "empty.log").write_text("")
    with gzip.open(tmp_path / "empty.log.gz", "wt") as out:
        out.write("\n\n")
    result = probe("access_log", str(tmp_path / "empty.*"), {}, workload=W)
    assert (result.status, result.evidence.summary) == (Status.UNKNOWN, "the log holds no lines")


@pytest.mark.parametrize("target", ["missing.log", "nowhere/*.log", "."])
def test_a_missing_log_is_an_error_naming_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, target: str
) -> None:
    monkeypatch.chdir(tmp_path)
    result = probe("access_log", target, {}, workload=W)
    assert (result.status, result.evidence.summary) == (Status.ERROR, f"no log file matches {target}")


@pytest.mark.parametrize(
    ("options", "message"),
    [
        ({"format": "regex"}, "pattern is needed"),
        ({"format": "regex", "pattern": "(?P<time>\\S+) (?P<code>\\d+)"}, "named groups status"),
        ({"format": "regex", "pattern": "(?P<time>.) (?P<status>.) (?P<user>.)"}, "unknown groups user"),
        ({"format": "regex", "pattern": "(?P<time>[) (?P<status>.)"}, "not a regular expression"),
        ({"fields": {"time": "t"}}, "fields belong to format: json"),
        ({"format": "json", "fields": {"time": 'a"b'}}, "fields.time"),
        ({"time_format": "iso8601"}, "strptime pattern"),
        ({"bad_statuses": ["6xx"]}, "bad_statuses.0"),
        ({"bad_statuses": [600]}, "bad_statuses.0"),
        ({"bad_statuses": [True]}, "bad_statuses.0"),
        ({"since": "yesterday"}, "since"),
        ({"until": 3600}, "ISO time, or a span"),
        ({"memory_limit": "lots"}, "memory_limit"),
        ({"window": "2h"}, "window"),
        ({"colour": "red"}, "colour"),
    ],
)
def test_options_are_checked(options: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        AccessLogOptions.model_validate(options)


def test_bad_options_reach_the_result_as_an_error() -> None:
    result = probe("access_log", "a.log", {"top": 0}, workload=W)
    assert result.status == Status.ERROR and "options.top" in result.evidence.summary


def test_the_timeout_interrupts_duckdb(tmp_path: Path) -> None:
    """Hundreds of links to one log make seconds of regex work; the probe's timeout must stop
    DuckDB itself: the run (which waits for its worker threads) ends soon after the timeout."""
    log = tmp_path / "app.log"
    ld.write(log, ld.kv_lines(ld.traffic(60_000)))
    (tmp_path / "many").mkdir()
    for k in range(400):
        os.symlink(log, tmp_path / "many" / f"{k}.log")
    began = time.monotonic()
    result = probe("access_log", str(tmp_path / "many" / "*.log"), REGEX, workload=W, timeout=0.5)
    assert (result.status, result.evidence.summary) == (Status.ERROR, "timed out after 0.5 s")
    assert time.monotonic() - began < 5


# Parsing and route normalisation, run by DuckDB on generated input.


@pytest.fixture(scope="module")
def duck() -> Iterator[duckdb.DuckDBPyConnection]:
    with duckdb.connect() as con:
        con.execute("SET TimeZone = 'UTC'")
        con.execute(route_macro())
        yield con


def routes(con: duckdb.DuckDBPyConnection, *paths: str) -> list[str]:
    """The routes of the paths, in one query."""
    row = con.execute(f"SELECT {', '.join(['route(?)'] * len(paths))}", list(paths)).fetchone()
    assert row is not None
    return [str(r) for r in row]


def route(con: duckdb.DuckDBPyConnection, path: str) -> str:
    return routes(con, path)[0]


WORD = st.text(string.ascii_lowercase + "-_.~", min_size=1, max_size=12)
ID_LIKE: list[st.SearchStrategy[str]] = [
    st.integers(0, 10**30).map(str),
    st.uuids().map(str),
    st.text("0123456789abcdefABCDEF", min_size=16, max_size=40),
    st.dates().map(lambda d: f"{d.year:04d}-{d.month:02d}-{d.day:02d}"),
    st.text(string.ascii_letters + string.digits + "-_", min_size=16, max_size=40).filter(
        lambda s: any(c in string.digits for c in s)
    ),
]


def id_like(segment: str) -> bool:
    """The collapsing rule, spelled out again in plain Python."""
    b64 = set(string.ascii_letters + string.digits + "-_")
    return bool(
        segment.isascii()
        and (
            segment.isdigit()
            or re.fullmatch(r"\d{4}-\d{2}-\d{2}", segment)
            or re.fullmatch(r"[0-9a-fA-F]{8}(-[0-9a-fA-F]{4}){3}-[0-9a-fA-F]{12}", segment)
            or (len(segment) >= 16 and all(c in string.hexdigits for c in segment))
            or (len(segment) >= 16 and set(segment) <= b64 and any(c in string.digits for c in segment))
        )
    )


@st.composite
def paths(draw: st.DrawFn) -> tuple[str, str]:
    """A path of static words and ids, and the route it must collapse to."""
    parts = draw(
        st.lists(st.one_of(WORD.map(lambda w: (w, w)), *(s.map(lambda i: (i, ID)) for s in ID_LIKE)))
    )
    return "/" + "/".join(p for p, _ in parts), "/" + "/".join(r for _, r in parts)


@settings(max_examples=200, deadline=None)
@given(paths(), st.text(max_size=20))
def test_routes_collapse_ids_and_keep_words(
    duck: duckdb.DuckDBPyConnection, case: tuple[str, str], query: str
) -> None:
    path, expected = case
    assert routes(duck, path, f"{path}?{query}", f"{path}#{query}") == [expected] * 3


@settings(max_examples=300, deadline=None)
@given(
    st.text(max_size=60)
    | st.lists(st.sampled_from(["a", "1", "f", "-", "/", "_", "Z"]), max_size=40).map("".join)
)
def test_routes_keep_the_shape_and_collapse_exactly_the_ids(
    duck: duckdb.DuckDBPyConnection, text: str
) -> None:
    once = route(duck, text)
    assert route(duck, once) == once
    if not text.startswith("/"):
        assert once == OTHER
        return
    given_segments = text.split("?")[0].split("#")[0].split("/")
    route_segments = once.split("/")
    assert len(route_segments) == len(given_segments)
    for given_segment, routed in zip(given_segments, route_segments, strict=True):
        assert routed == (ID if id_like(given_segment) else given_segment)


METHODS = st.sampled_from(["GET", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS"])
PATHS = st.text(string.ascii_letters + string.digits + "/-._~%!$&'()*+,;=:@?", max_size=40).map(
    lambda s: "/" + s
)
MOMENTS = st.integers(0, 4_000_000_000)
REQUESTS = st.lists(
    st.tuples(MOMENTS, st.integers(100, 599), st.integers(0, 10**7), METHODS, PATHS), min_size=1, max_size=20
)


def parsed(
    con: duckdb.DuckDBPyConnection, lines: list[str] | bytes, options: dict[str, Any], suffix: str = ".log"
) -> list[tuple[Any, ...]]:
    """The probe's own parsing SQL over these lines, in file order."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"x{suffix}"
        path.write_bytes(lines if isinstance(lines, bytes) else ("\n".join(lines) + "\n").encode())
        sql = LogFormat.model_validate(options).rows([str(path)])
        return con.execute(f"SELECT bad, ts, status, ms, request FROM ({sql})").fetchall()


@pytest.mark.hostile
@settings(max_examples=60, deadline=None)
@given(REQUESTS, st.integers(-12 * 60, 14 * 60))
def test_combined_lines_read_back_as_written(
    duck: duckdb.DuckDBPyConnection, requests: list[tuple[int, int, int, str, str]], offset: int
) -> None:
    zone = dt.timezone(dt.timedelta(minutes=offset))
    lines = [
        f'1.2.3.4 - user [{dt.datetime.fromtimestamp(at, zone):%d/%b/%Y:%H:%M:%S %z}] "{m} {p} HTTP/2.0" '
        f'{status} 10 "-" "agent/1.0" {us}'
        for at, status, us, m, p in requests
    ]
    rows = parsed(duck, lines, {"duration_unit": "us"})
    assert rows == [
        (False, at, status, pytest.approx(us / 1000), f"{m} {p} HTTP/2.0")
        for at, status, us, m, p in requests
    ]


@pytest.mark.hostile
@settings(max_examples=60, deadline=None)
@given(REQUESTS, st.text(max_size=30))
def test_json_lines_read_back_as_written(
    duck: duckdb.DuckDBPyConnection, requests: list[tuple[int, int, int, str, str]], junk: str
) -> None:
    import json

    lines = [
        json.dumps(
            {"method": m, "path": p, "time": dt.datetime.fromtimestamp(at, dt.UTC).isoformat(), "junk": junk}
            | {"status": status, "took_ms": ms}
        )
        for at, status, ms, m, p in requests
    ]
    rows = parsed(duck, lines, {"format": "json", "fields": {"duration": "took_ms"}, "duration_unit": "ms"})
    assert rows == [(False, at, status, ms, f"{m} {p}") for at, status, ms, m, p in requests]


@pytest.mark.hostile
@settings(max_examples=100, deadline=None)
@given(
    st.lists(st.text(st.characters(codec="utf-8", exclude_characters="\n\r"), max_size=80), max_size=20),
    st.sampled_from([{}, {"format": "json"}, REGEX]),
)
def test_any_text_is_counted_never_a_crash(
    duck: duckdb.DuckDBPyConnection, lines: list[str], options: dict[str, Any]
) -> None:
    rows = parsed(duck, lines, options)
    kept = [line for line in lines if line]  # a line of quotes alone is a line too: unparseable
    assert len(rows) <= len(kept)
    for bad, ts, status, _, _ in rows:
        assert bad or (ts is not None and 100 <= status <= 599)
