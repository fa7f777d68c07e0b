"""Access logs as evidence: availability, exact latency percentiles, error budget and traffic
peaks, overall, per time window and per route, held against the workload's targets.

DuckDB reads the whole log (files or a glob, plain or gzip) and does all the work, vectorised
and in parallel; Python writes the SQL and shapes the figures. Percentiles are exact: nearest
rank over every request, no sketch. The query runs in a thread under a memory and thread cap,
and is interrupted when the probe's time is up.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import re
import shutil
import tempfile
import threading
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema

from ..base.fmt import percent
from ..model.common import Horizon
from ..model.evidence import Cell, Evidence, Measurement, Status, Table, Verdict
from ..model.targets import Targets
from .base import Context, Probe
from .logformats import LogFormat, method_and_route, route_macro

if TYPE_CHECKING:
    import duckdb

WINDOW_SECONDS = {"5m": 300, "1h": 3600, "1d": 86400}
QUANTILES = (0.5, 0.95, 0.99)
SAMPLE_CHARS = 300
STATS = (
    "count(*) AS s0, count(*) FILTER (NOT good) AS s1, count(ms) AS s2, "
    f"quantile_disc(ms, {list(QUANTILES)}) AS s3"
)
STATS_COLUMNS = ["requests", "failed", "availability", "p50 ms", "p95 ms", "p99 ms"]
_SPAN = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw])\s*$")
_SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def _span(value: Any) -> Any:
    """A span such as 7d, 12h or 30m means that long before the audit started; a bare number
    could mean seconds or an epoch, so it is refused."""
    if isinstance(value, int | float):
        raise ValueError("give an ISO time, or a span such as 7d, 12h, 30m")
    if isinstance(value, str) and (m := _SPAN.match(value)):
        return dt.timedelta(seconds=float(m.group(1)) * _SECONDS[m.group(2)])
    return value


Moment = Annotated[dt.datetime | dt.timedelta, BeforeValidator(_span)]
STATUS = r"^[1-5]([0-9]{2}|xx)$"
FailedStatus = Annotated[
    str,
    # YAML reads `429` as a number: a code may be written either way
    BeforeValidator(lambda v: str(v) if isinstance(v, int) and not isinstance(v, bool) else v),
    Field(pattern=STATUS),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "pattern": STATUS},
                {"type": "integer", "minimum": 100, "maximum": 599},
            ]
        }
    ),
]


class AccessLogOptions(LogFormat):
    """How to read the log (LogFormat's options), then what to count and how much to keep."""

    window: Literal["5m", "1h", "1d"] = Field(default="1h", description="length of the time windows")
    since: Moment | None = Field(
        default=None, description="only requests from then on: an ISO time, or a span before now (7d, 12h)"
    )
    until: Moment | None = Field(
        default=None, description="only requests before then: an ISO time, or a span before now"
    )
    bad_statuses: list[FailedStatus] = Field(
        default=["5xx"], min_length=1, description="statuses of failed requests: classes (5xx) or codes (429)"
    )
    bad_above_ms: float | None = Field(
        default=None, gt=0, description="a request slower than this failed too; default: speed does not count"
    )
    sampled: float = Field(
        default=1.0,
        gt=0,
        le=1,
        description="the share of requests the log holds when it is sampled (0.01: one in a hundred); "
        "the traffic rates are scaled by its inverse",
    )
    top: int = Field(default=10, ge=1, le=100, description="rows in each table")
    max_unparseable: float = Field(
        default=0.01, ge=0, le=1, description="share of unreadable lines above which the result is UNKNOWN"
    )
    samples: int = Field(default=5, ge=0, le=20, description="unreadable lines quoted in the result")
    memory_limit: str = Field(
        default="1GB",
        pattern=r"^\d+(\.\d+)?\s*(B|KB|MB|GB|TB|KiB|MiB|GiB|TiB)$",
        description="DuckDB's memory cap; beyond it, DuckDB spills to a temporary folder",
    )
    threads: int | None = Field(
        default=None, ge=1, le=256, description="DuckDB's threads; default: cores, at most 4"
    )


@dataclass(frozen=True)
class Stats:
    """Requests, failures and duration percentiles (ms) of a group of requests."""

    requests: int
    failed: int
    timed: int
    p50: float | None
    p95: float | None
    p99: float | None

    @classmethod
    def of(cls, row: Sequence[Any]) -> Stats:
        requests, failed, timed, q = row
        return cls(requests, failed, timed, *(q or (None, None, None)))

    @property
    def availability(self) -> float:
        return 1 - self.failed / self.requests

    def cells(self) -> list[Cell]:
        return [self.requests, self.failed, round(self.availability, 6), self.p50, self.p95, self.p99]


@dataclass(frozen=True)
class Figures:
    """What the query found, before it is held against targets."""

    files: int
    lines: int
    unparseable: int
    samples: list[tuple[str, str]]
    overall: Stats
    first: float | None
    last: float | None
    windows: int
    windows_below: int
    worst: list[tuple[float, Stats]]
    routes: int
    busiest: list[tuple[str, str, Stats]]
    peak_second: int
    peaks: list[tuple[float, int]]


class AccessLogProbe(Probe[AccessLogOptions]):
    kind = "access_log"
    Options = AccessLogOptions
    default_timeout = 300.0
    summary = "availability, latency percentiles and traffic peaks from access logs"

    @classmethod
    def check_target(cls, target: str) -> str:
        if not target.strip():
            raise ValueError("give a log file path or glob")
        return target

    def files(self, ctx: Context) -> list[str]:
        """The files the target names, sorted; a relative target is relative to the workload's folder."""
        pattern = ctx.path(self.target)
        found = glob.glob(pattern, recursive=True) if glob.has_magic(pattern) else [pattern]
        return sorted(os.path.abspath(f) for f in found if os.path.isfile(f))

    async def collect(self, ctx: Context) -> Evidence:
        files = await ctx.blocking(lambda: self.files(ctx))
        if not files:
            return Evidence(status=Status.ERROR, summary=f"no log file matches {self.target}")
        since, until = (_moment(m, ctx.now) for m in (self.options.since, self.options.until))
        if since is not None and until is not None and since >= until:
            return Evidence(status=Status.ERROR, summary="since must be before until")
        targets = ctx.targets[Horizon.NOW]
        query = Query(self.options, files, since, until, targets.availability.slo)
        figures = await ctx.blocking(query.run, interrupt=query.interrupt)
        if figures is None:
            return Evidence(status=Status.ERROR, summary="interrupted")
        return evidence(figures, self.options, targets, since, until)


def _moment(m: dt.datetime | dt.timedelta | None, now: dt.datetime) -> float | None:
    if m is None:
        return None
    if isinstance(m, dt.timedelta):
        return (now - m).timestamp()
    return (m if m.tzinfo else m.replace(tzinfo=dt.UTC)).timestamp()


class Query:
    """The DuckDB work, run in a worker thread. `interrupt`, called from the event loop's thread,
    stops the running statement and every later one."""

    def __init__(
        self, o: AccessLogOptions, files: list[str], since: float | None, until: float | None, slo: float
    ) -> None:
        self.o, self.files, self.since, self.until, self.slo = o, files, since, until, slo
        self.stopped = threading.Event()
        self.con: duckdb.DuckDBPyConnection | None = None

    def interrupt(self) -> None:
        self.stopped.set()
        con = self.con
        if con is not None:
            with suppress(Exception):  # a connection that closed meanwhile has nothing left to stop
                con.interrupt()

    def run(self) -> Figures | None:
        """The figures, or None once interrupted (nobody waits for them then)."""
        import duckdb

        folder = tempfile.mkdtemp(prefix="devoops-duckdb-")
        config: dict[str, str | bool | int | float | list[str]] = {
            "memory_limit": self.o.memory_limit,
            "threads": self.o.threads or min(4, os.cpu_count() or 1),
            "temp_directory": folder,
        }
        try:
            with duckdb.connect(":memory:", config=config) as self.con:
                return self._figures()
        except (duckdb.InterruptException, _Stopped):
            return None
        finally:
            self.con = None
            shutil.rmtree(folder, ignore_errors=True)

    def _all(self, sql: str) -> list[tuple[Any, ...]]:
        if self.stopped.is_set() or self.con is None:
            raise _Stopped
        return self.con.execute(sql).fetchall()

    def _figures(self) -> Figures:
        """One pass parses the log into a table; the figures are small queries over it."""
        o, run, size = self.o, self._all, WINDOW_SECONDS[self.o.window]
        failed = " OR ".join(
            f"status // 100 = {s[0]}" if s.endswith("xx") else f"status = {int(s)}" for s in o.bad_statuses
        )
        if o.bad_above_ms is not None:
            failed += f" OR ms > {o.bad_above_ms!r}"
        counted = " AND ".join(
            ["NOT bad"]
            + ([f"ts >= {self.since!r}"] if self.since is not None else [])
            + ([f"ts < {self.until!r}"] if self.until is not None else [])
        )
        run("SET TimeZone = 'UTC'")
        run(route_macro())
        run(
            f"CREATE TEMP TABLE lines AS SELECT bad, ts, ms, size, filename, line, {method_and_route('request')}, "
            f"NOT coalesce({failed}, false) AS good FROM ({o.rows(self.files)})"
        )
        ((read, rejected, nbytes),) = run(
            "SELECT (SELECT count(*) FROM lines), count(*), (SELECT sum(size) FROM lines) + "
            "coalesce(sum(strlen(csv_line) + 1), 0) FROM "
            "(SELECT DISTINCT ON (scan_id, file_id, line) csv_line FROM reject_errors)"
        )
        too_long = _too_long(self.files, int(nbytes or 0), read + rejected)
        ((bad,),) = run("SELECT count(*) FILTER (bad) FROM lines")
        lines, unparseable = read + rejected + too_long, bad + rejected + too_long
        samples = run(
            f"SELECT filename, {_quoted('line')} FROM ("
            f"(SELECT filename, line FROM lines WHERE bad ORDER BY rowid LIMIT {o.samples}) UNION ALL "
            "(SELECT s.file_path, e.csv_line FROM reject_errors e JOIN reject_scans s USING (scan_id, file_id) "
            f"ORDER BY e.file_id, e.line LIMIT {o.samples})) LIMIT {o.samples}"
        )
        run(f"CREATE TEMP VIEW counted AS SELECT * FROM lines WHERE {counted}")
        ((*overall, first, last),) = run(f"SELECT {STATS}, min(ts), max(ts) FROM counted")
        worst = run(
            "SELECT start, s0, s1, s2, s3, count(*) OVER (), "
            f"count(*) FILTER (1 - s1 / s0 < {self.slo!r}) OVER () "
            f"FROM (SELECT floor(ts / {size}) * {size} AS start, {STATS} FROM counted GROUP BY start) "
            f"ORDER BY s1 / s0 DESC, s1 DESC, start LIMIT {o.top}"
        )
        busiest = run(
            f"SELECT method, route, s0, s1, s2, s3, count(*) OVER () FROM (SELECT method, route, {STATS} "
            f"FROM counted GROUP BY method, route) ORDER BY s0 DESC, route, method LIMIT {o.top}"
        )
        peaks = run(
            "SELECT floor(second / 60) * 60 AS minute, sum(n)::BIGINT AS n, max(max(n)) OVER () FROM "
            "(SELECT floor(ts) AS second, count(*) AS n FROM counted GROUP BY second) "
            f"GROUP BY minute ORDER BY n DESC, minute LIMIT {o.top}"
        )
        return Figures(
            files=len(self.files),
            lines=lines,
            unparseable=unparseable,
            samples=[(_shown(f), line) for f, line in samples],
            overall=Stats.of(overall),
            first=first,
            last=last,
            windows=worst[0][5] if worst else 0,
            windows_below=worst[0][6] if worst else 0,
            worst=[(row[0], Stats.of(row[1:5])) for row in worst],
            routes=busiest[0][6] if busiest else 0,
            busiest=[(row[0], row[1], Stats.of(row[2:6])) for row in busiest],
            peak_second=peaks[0][2] if peaks else 0,
            peaks=[(minute, n) for minute, n, _ in peaks],
        )


LONGEST = 32 << 20
"""DuckDB's CSV buffer, 16 times its 2 MB line limit: a longer line is skipped without a word
(duckdb/duckdb#25825), so it is found by the bytes it leaves unread."""


def _too_long(files: list[str], read: int, lines: int) -> int:
    """1 when DuckDB skipped a line for its length, which leaves over LONGEST bytes unread
    beyond the carriage returns (one a line at most); how many such lines is unknown, so they
    count as one. Known for plain files and gzip ones under 4 GB, whose trailer gives their
    size; 0 otherwise."""
    total = 0
    for name in files:
        if name.endswith(".gz"):
            with open(name, "rb") as f:
                f.seek(-4, os.SEEK_END)
                total += int.from_bytes(f.read(4), "little")  # ISIZE: the size modulo 4 GB
        elif name.endswith((".zst", ".zstd")):
            return 0
        else:
            total += os.path.getsize(name)
    return int(total - read - lines > LONGEST)


def _quoted(line: str) -> str:
    """SQL quoting a line as a sample: shortened, query strings hidden (they may carry tokens)."""
    return f"left(regexp_replace({line}, '\\?[^\\s\"]*', '?…', 'g'), {SAMPLE_CHARS})"


class _Stopped(Exception):
    """The probe's time ran out between two statements."""


def evidence(
    f: Figures, o: AccessLogOptions, t: Targets, since: float | None, until: float | None
) -> Evidence:
    """The figures held against the targets: PASS when each held figure meets its target, FAIL
    when one misses, UNKNOWN when the log cannot tell (empty, unreadable, no request in range)."""
    share = f.unparseable / f.lines if f.lines else 0.0
    reading = [
        Measurement(name="lines", value=f.lines, unit="count", detail=f"{f.files} file(s)"),
        Measurement(name="unparseable lines", value=f.unparseable, unit="count"),
        Measurement(
            name="unparseable share", value=share, unit="ratio", target=o.max_unparseable, bound="max"
        ),
    ]
    samples = [_samples(f)] if f.samples else []
    unknown = None
    if not f.lines:
        unknown = "the log holds no lines"
    elif share > o.max_unparseable:
        unknown = (
            f"{percent(share)} of {f.lines:,} lines do not read as the {o.format} format (at most "
            f"{percent(o.max_unparseable)} may): check the format options, or the log"
        )
    elif not f.overall.requests:
        ranged = since is not None or until is not None
        unknown = f"no requests {_range(since, until)}" if ranged else "no requests in the log"
    if unknown:
        return Evidence(status=Status.UNKNOWN, summary=unknown, measurements=reading, tables=samples)

    s, slo = f.overall, t.availability.slo
    assert f.first is not None and f.last is not None  # there are requests
    days = (f.last - f.first) / 86400
    latency = [
        Measurement(name=f"p{round(q * 100)}", value=value, unit="ms", target=target, bound="max")
        for q, value, target in zip(
            QUANTILES,
            (s.p50, s.p95, s.p99),
            (t.latency.p50_ms, t.latency.p95_ms, t.latency.p99_ms),
            strict=True,
        )
    ]
    allowed = (1 - slo) * s.requests
    minute, busiest = f.peaks[0]
    scale = 1 / o.sampled  # a sampled log holds one request in `1 / sampled`
    sampled = f"; the log holds {percent(o.sampled)} of the requests, scaled up" if o.sampled < 1 else ""
    measurements = [
        *reading,
        Measurement(name="requests", value=s.requests, unit="count", detail=_range(f.first, f.last + 1)),
        Measurement(name="period", value=round(days, 3), unit="days", detail="first to last request"),
        Measurement(
            name="availability",
            value=s.availability,
            unit="ratio",
            target=slo,
            bound="min",
            detail=f"{s.failed:,} of {s.requests:,} requests failed",
        ),
        Measurement(
            name="error budget consumed",
            value=s.failed / allowed if allowed else None,
            unit="ratio",
            target=1.0,
            bound="max",
            detail=f"{s.failed:,} failed requests of {allowed:,.1f} the SLO allows",
        ),
        Measurement(
            name="windows below the SLO",
            value=f.windows_below,
            unit="count",
            detail=f"of {f.windows} {o.window} windows with requests",
        ),
        *(latency if s.timed else []),
        Measurement(
            name="peak rps",
            value=busiest / 60 * scale,
            unit="rps",
            target=t.capacity.peak_rps,
            bound="max",
            detail=f"the busiest minute, {_when(minute)}, against the derived peak{sampled}",
        ),
        Measurement(
            name="busiest second", value=f.peak_second * scale, unit="rps", detail=sampled[2:] or None
        ),
    ]
    verdicts = [
        Verdict(
            practice="slo.availability-met",
            choice="met" if s.availability >= slo else "missed",
            reason=f"{percent(s.availability)} of {s.requests:,} logged requests succeeded over "
            f"{days:.1f} days; "
            f"SLO {percent(slo)}",
        )
    ]
    if s.timed:
        verdicts.append(
            Verdict(
                practice="perf.latency-met",
                choice="met" if latency[1].ok and latency[2].ok else "missed",
                reason=f"p95 {s.p95:g} ms, p99 {s.p99:g} ms over {s.timed:,} logged requests; targets "
                f"{t.latency.p95_ms:g} and {t.latency.p99_ms:g} ms",
            )
        )
    off = [m.name for m in measurements if m.ok is False]
    summary = f"availability {percent(s.availability)} (SLO {percent(slo)})"
    summary += f", p95 {s.p95:g} ms, p99 {s.p99:g} ms" if s.timed else ", no durations logged"
    summary += f" over {s.requests:,} requests in {days:.1f} days"
    summary += f"; off target: {', '.join(off)}" if off else ""
    return Evidence(
        status=Status.FAIL if off else Status.PASS,
        summary=summary,
        measurements=measurements,
        verdicts=verdicts,
        tables=[*_tables(f, o), *samples],
    )


def _tables(f: Figures, o: AccessLogOptions) -> list[Table]:
    return [
        Table(
            title=f"worst {o.window} windows",
            columns=["window (UTC)", *STATS_COLUMNS],
            rows=[[_when(start), *w.cells()] for start, w in f.worst],
        ),
        Table(
            title=f"busiest routes, of {f.routes}",
            columns=["method", "route", *STATS_COLUMNS],
            rows=[[m, r, *x.cells()] for m, r, x in f.busiest],
        ),
        Table(
            title="busiest minutes",
            columns=["minute (UTC)", "requests", "rps"],
            rows=[[_when(m), n, round(n / 60, 3)] for m, n in f.peaks],
        ),
    ]


def _samples(f: Figures) -> Table:
    return Table(
        title=f"unparseable lines, {len(f.samples)} of {f.unparseable:,}",
        columns=["file", "line"],
        rows=[[name, line] for name, line in f.samples],
    )


def _shown(path: str) -> str:
    """A path as short as it can be said: relative to the current folder when inside it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative


def _when(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M")


def _range(since: float | None, until: float | None) -> str:
    return " ".join(
        ([f"from {_when(since)}"] if since is not None else [])
        + ([f"until {_when(until)}"] if until is not None else [])
    )
