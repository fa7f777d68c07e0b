"""The access_log probe's DuckDB work: one pass parses the whole log (files or a glob, plain
or gzip) into a table, vectorised and in parallel, and small queries over it give the figures.
Percentiles are exact: nearest rank over every request, no sketch. The query runs in a worker
thread under a memory and thread cap, and is interrupted when the probe's time is up."""

from __future__ import annotations

import os
import shutil
import tempfile
import threading
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..model.evidence import Cell
from .logformats import method_and_route, route_macro

if TYPE_CHECKING:
    import duckdb

    from .access_log import AccessLogOptions

WINDOW_SECONDS = {"5m": 300, "1h": 3600, "1d": 86400}
QUANTILES = (0.5, 0.95, 0.99)
SAMPLE_CHARS = 300
STATS = (
    "count(*) AS s0, count(*) FILTER (NOT good) AS s1, count(ms) AS s2, "
    f"quantile_disc(ms, {list(QUANTILES)}) AS s3"
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


def _shown(path: str) -> str:
    """A path as short as it can be said: relative to the current folder when inside it."""
    relative = os.path.relpath(path)
    return path if relative.startswith("..") else relative
