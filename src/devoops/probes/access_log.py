"""Access logs as evidence: availability, exact latency percentiles, error budget and traffic
peaks, overall, per time window and per route, held against the workload's targets.

DuckDB reads the whole log and does all the work (logquery.py); Python writes the SQL and
shapes the figures: this module holds the options and the judgement.
"""

from __future__ import annotations

import datetime as dt
import glob
import os
import re
from typing import Annotated, Any, Literal

from pydantic import BeforeValidator, Field, WithJsonSchema

from ..base.fmt import percent
from ..model.common import Horizon
from ..model.evidence import Evidence, Status
from ..model.targets import Targets
from .base import Context, Decision, Probe
from .found import Found
from .logformats import LogFormat
from .logquery import QUANTILES, Figures, Query

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


Moment = Annotated[
    dt.datetime | dt.timedelta,
    BeforeValidator(_span),
    WithJsonSchema(
        {
            "anyOf": [
                {"type": "string", "format": "date-time"},
                {
                    "type": "string",
                    "pattern": _SPAN.pattern,
                    "description": "a span before now: 7d, 12h, 30m",
                },
            ]
        }
    ),
]
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


class AccessLogProbe(Probe[AccessLogOptions]):
    """Availability, latency and traffic peaks from web-server logs, computed by DuckDB."""

    kind = "access_log"
    decides = {
        "slo.availability-met": Decision("met", "missed"),
        "perf.latency-met": Decision("met", "missed", when="when durations are logged"),
    }
    docs = "docs/probes/access_log.md"
    default_timeout = 300.0

    @classmethod
    def check(cls, target: str, options: AccessLogOptions) -> str:
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
            return Found().error(f"no log file matches {self.target}")
        since, until = (_moment(m, ctx.now) for m in (self.options.since, self.options.until))
        if since is not None and until is not None and since >= until:
            return Found().error("since must be before until")
        targets = ctx.targets[Horizon.NOW]
        query = Query(self.options, files, since, until, targets.availability.slo)
        figures = await ctx.blocking(query.run, interrupt=query.interrupt)
        if figures is None:
            return Found().error("interrupted")
        return evidence(figures, self.options, targets, since, until)


def _moment(m: dt.datetime | dt.timedelta | None, now: dt.datetime) -> float | None:
    if m is None:
        return None
    if isinstance(m, dt.timedelta):
        return (now - m).timestamp()
    return (m if m.tzinfo else m.replace(tzinfo=dt.UTC)).timestamp()


def evidence(
    f: Figures, o: AccessLogOptions, t: Targets, since: float | None, until: float | None
) -> Evidence:
    """The figures held against the targets: PASS when each held figure meets its target, FAIL
    when one misses, UNKNOWN when the log cannot tell (empty, unreadable, no request in range)."""
    found = Found()
    share = f.unparseable / f.lines if f.lines else 0.0
    found.measure("lines", f.lines, "count", detail=f"{f.files} file(s)")
    found.measure("unparseable lines", f.unparseable, "count")
    found.measure("unparseable share", share, "ratio", target=o.max_unparseable, bound="max")
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
        _samples(found, f)
        return found.concluded(Status.UNKNOWN, unknown)

    s, slo = f.overall, t.availability.slo
    assert f.first is not None and f.last is not None  # there are requests
    days = (f.last - f.first) / 86400
    allowed = (1 - slo) * s.requests
    minute, busiest = f.peaks[0]
    scale = 1 / o.sampled  # a sampled log holds one request in `1 / sampled`
    sampled = f"; the log holds {percent(o.sampled)} of the requests, scaled up" if o.sampled < 1 else ""
    found.measure("requests", s.requests, "count", detail=_range(f.first, f.last + 1))
    found.measure("period", round(days, 3), "days", detail="first to last request")
    found.measure(
        "availability",
        s.availability,
        "ratio",
        target=slo,
        bound="min",
        detail=f"{s.failed:,} of {s.requests:,} requests failed",
    )
    found.measure(
        "error budget consumed",
        s.failed / allowed if allowed else None,
        "ratio",
        target=1.0,
        bound="max",
        detail=f"{s.failed:,} failed requests of {allowed:,.1f} the SLO allows",
    )
    found.measure(
        "windows below the SLO",
        f.windows_below,
        "count",
        detail=f"of {f.windows} {o.window} windows with requests",
    )
    latency = [
        found.measure(f"p{round(q * 100)}", value, "ms", target=target, bound="max")
        for q, value, target in zip(
            QUANTILES,
            (s.p50, s.p95, s.p99),
            (t.latency.p50_ms, t.latency.p95_ms, t.latency.p99_ms),
            strict=True,
        )
        if s.timed
    ]
    found.measure(
        "peak rps",
        busiest / 60 * scale,
        "rps",
        target=t.capacity.peak_rps,
        bound="max",
        detail=f"the busiest minute, {_when(minute)}, against the derived peak{sampled}",
    )
    found.measure("busiest second", f.peak_second * scale, "rps", detail=sampled[2:] or None)
    found.verdict(
        "slo.availability-met",
        "met" if s.availability >= slo else "missed",
        f"{percent(s.availability)} of {s.requests:,} logged requests succeeded over {days:.1f} days; "
        f"SLO {percent(slo)}",
    )
    if s.timed:
        found.verdict(
            "perf.latency-met",
            "met" if latency[1].ok and latency[2].ok else "missed",
            f"p95 {s.p95:g} ms, p99 {s.p99:g} ms over {s.timed:,} logged requests; targets "
            f"{t.latency.p95_ms:g} and {t.latency.p99_ms:g} ms",
        )
    off = [m.name for m in found.measurements if m.ok is False]
    summary = f"availability {percent(s.availability)} (SLO {percent(slo)})"
    summary += f", p95 {s.p95:g} ms, p99 {s.p99:g} ms" if s.timed else ", no durations logged"
    summary += f" over {s.requests:,} requests in {days:.1f} days"
    summary += f"; off target: {', '.join(off)}" if off else ""
    _tables(found, f, o)
    _samples(found, f)
    return found.concluded(Status.FAIL if off else Status.PASS, summary)


def _tables(found: Found, f: Figures, o: AccessLogOptions) -> None:
    found.table(
        f"worst {o.window} windows",
        ["window (UTC)", *STATS_COLUMNS],
        [[_when(start), *w.cells()] for start, w in f.worst],
    )
    found.table(
        f"busiest routes, of {f.routes}",
        ["method", "route", *STATS_COLUMNS],
        [[m, r, *x.cells()] for m, r, x in f.busiest],
    )
    found.table(
        "busiest minutes",
        ["minute (UTC)", "requests", "rps"],
        [[_when(m), n, round(n / 60, 3)] for m, n in f.peaks],
    )


def _samples(found: Found, f: Figures) -> None:
    if f.samples:
        found.table(
            f"unparseable lines, {len(f.samples)} of {f.unparseable:,}",
            ["file", "line"],
            [[name, line] for name, line in f.samples],
        )


def _when(epoch: float) -> str:
    return dt.datetime.fromtimestamp(epoch, dt.UTC).strftime("%Y-%m-%d %H:%M")


def _range(since: float | None, until: float | None) -> str:
    return " ".join(
        ([f"from {_when(since)}"] if since is not None else [])
        + ([f"until {_when(until)}"] if until is not None else [])
    )
