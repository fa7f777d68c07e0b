"""The http probe: load a service the way its users do and hold what it does against the targets.

Mode `latency` sends a steady low rate for a while and holds p95, p99 and the error rate against
today's targets (practice perf.latency-met). Mode `spike` climbs in steps to the peak the
workload implies (a horizon's capacity: peak traffic times headroom) and holds it, finds the
highest rate at which latency and errors stayed within the targets, and says how far the system
was load tested (practice capacity.load-tested). The load itself comes from loadgen.py: an open
model, so a slow server cannot slow the test down and hide its own slowness.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urljoin, urlsplit

from pydantic import Field, field_validator, model_validator

from ..model.common import Horizon
from ..model.evidence import Cell, Evidence, Measurement, Status, Table, Verdict
from ..model.targets import Targets
from .base import Context, Options, Probe

if TYPE_CHECKING:
    from .loadgen import Stage, Tally

TOKEN = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]+$")  # an HTTP method or header name
SPIKE_ONLY = ("peak_rps", "horizon", "steps", "step_seconds")
STARTUP_SECONDS = 2.0  # worker processes start and connect before the first request


class WeightedUrl(Options):
    url: str = Field(
        min_length=1,
        description="a path relative to the target (`/search?q=x`) or an absolute http(s) URL",
    )
    weight: float = Field(
        default=1.0, gt=0, le=1e6, description="share of the requests, relative to the others"
    )

    @field_validator("url")
    @classmethod
    def _http(cls, url: str) -> str:
        _check_url(url, relative=True)
        return url


class HttpOptions(Options):
    mode: Literal["latency", "spike"] = Field(
        default="latency",
        description="latency: a steady rate, percentiles against targets; spike: ramp to the peak and hold",
    )
    rate: float = Field(default=10.0, gt=0, le=1e6, description="latency mode: requests per second")
    duration: float = Field(
        default=30.0,
        gt=0,
        le=3600,
        description="seconds of the steady rate (latency) or of the held peak (spike)",
    )
    horizon: Horizon = Field(
        default=Horizon.NOW,
        description="spike mode: whose targets to hold and whose capacity (peak × headroom) to reach: now, 6mo, 12mo",
    )
    peak_rps: float | None = Field(
        default=None,
        gt=0,
        le=1e6,
        description="spike mode: the peak to reach; default the horizon's capacity",
    )
    steps: int = Field(
        default=5, ge=1, le=20, description="spike mode: steps up to the peak (peak × i/steps)"
    )
    step_seconds: float = Field(
        default=5.0, gt=0, le=600, description="spike mode: seconds of each step below the peak"
    )
    method: str = Field(default="GET", max_length=20, description="HTTP method")
    headers: dict[str, str] = Field(default={}, description="request headers; may hold ${ENV} references")
    body: str | None = Field(default=None, max_length=1_000_000, description="request body, sent as is")
    urls: list[WeightedUrl] = Field(
        default=[],
        max_length=100,
        description="URLs to spread the requests over, by weight; a string is a URL of weight 1; default the target",
    )
    request_timeout: float = Field(
        default=10.0,
        gt=0,
        le=600,
        description="seconds from a request's intended send time to its whole response",
    )
    max_error_rate: float | None = Field(
        default=None, ge=0, le=1, description="errors allowed, as a ratio; default 1 - the availability SLO"
    )
    min_samples: int = Field(
        default=100, ge=1, description="fewer responses than this leave the result UNKNOWN"
    )
    workers: int = Field(default=1, ge=1, le=64, description="processes generating the load (one per core)")
    connections: int = Field(
        default=1000, ge=1, le=100_000, description="requests in flight at most, per worker process"
    )
    verify_tls: bool = Field(
        default=True, description="check the server's certificate (TLS failures count as errors)"
    )

    @field_validator("urls", mode="before")
    @classmethod
    def _plain_urls(cls, urls: Any) -> Any:
        return [{"url": u} if isinstance(u, str) else u for u in urls] if isinstance(urls, list) else urls

    @field_validator("method")
    @classmethod
    def _method(cls, method: str) -> str:
        if not TOKEN.match(method) or method != method.upper():
            raise ValueError("must be an upper-case HTTP method such as GET or POST")
        return method

    @field_validator("headers")
    @classmethod
    def _headers(cls, headers: dict[str, str]) -> dict[str, str]:
        for name, value in headers.items():
            if not TOKEN.match(name):
                raise ValueError(f"{name!r} is not a valid header name")
            if any(c in value for c in "\r\n\0"):
                raise ValueError(f"the value of {name} holds a line break or NUL")
            if name.lower() in ("content-length", "transfer-encoding"):
                raise ValueError(f"{name} is set from the body")
        return headers

    @model_validator(mode="after")
    def _mode(self) -> HttpOptions:
        if self.mode == "latency":
            given = [name for name in SPIKE_ONLY if name in self.model_fields_set]
            if given:
                raise ValueError(f"{', '.join(given)} apply to mode spike only")
        elif "rate" in self.model_fields_set:
            raise ValueError(
                "rate applies to mode latency only; spike reaches peak_rps or the horizon's capacity"
            )
        return self


def _check_url(url: str, relative: bool = False) -> None:
    parts = urlsplit(url)
    if relative and not parts.scheme and not parts.netloc:
        return
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError(
            "must be an http:// or https:// URL with a host" + (", or a path" if relative else "")
        )
    if parts.username is not None:
        raise ValueError("must not hold credentials; send them in headers")


@dataclass(frozen=True)
class Limits:
    """What a stage must stay within to hold: p95, p99 (ms) and the error ratio."""

    p95_ms: float
    p99_ms: float
    error_rate: float

    def fast(self, tally: Tally) -> bool:
        return tally.timed > 0 and tally.ms(95) <= self.p95_ms and tally.ms(99) <= self.p99_ms

    def held(self, tally: Tally) -> bool:
        return self.fast(tally) and tally.error_rate <= self.error_rate


class HttpProbe(Probe[HttpOptions]):
    kind = "http"
    Options = HttpOptions
    default_timeout = 120.0
    summary = "HTTP load at a steady rate or a spike: latency percentiles and errors against the targets"

    @classmethod
    def check_target(cls, target: str) -> str:
        _check_url(target)
        return target

    async def collect(self, ctx: Context) -> Evidence:
        from . import loadgen as load

        o = self.options
        targets = ctx.targets[Horizon.NOW if o.mode == "latency" else o.horizon]
        limits = Limits(
            targets.latency.p95_ms,
            targets.latency.p99_ms,
            round(1 - targets.availability.slo, 9) if o.max_error_rate is None else o.max_error_rate,
        )
        stages = [load.Stage(o.rate, o.duration)] if o.mode == "latency" else self._ramp(ctx, targets)
        plan = load.Plan(
            urls=[urljoin(self.target, u.url) for u in o.urls] or [self.target],
            weights=[u.weight for u in o.urls] or [1.0],
            method=o.method,
            headers=o.headers,
            body=o.body,
            timeout=o.request_timeout,
            connections=o.connections,
            verify_tls=o.verify_tls,
            stages=stages,
        )
        if plan.seconds + STARTUP_SECONDS + o.request_timeout >= ctx.timeout:
            return Evidence(
                status=Status.ERROR,
                summary=f"the load runs {plan.seconds:g} s and its last requests may take "
                f"{o.request_timeout:g} s more, longer than the probe's timeout of {ctx.timeout:g} s: "
                "raise the timeout or shorten the load",
            )
        tallies = await load.run(plan, o.workers)
        total = load.merged(tallies)
        if total.responses < o.min_samples:
            return Evidence(
                status=Status.UNKNOWN,
                summary=f"only {total.responses} of {total.requests} requests got a response "
                f"(at least {o.min_samples} needed){_cause(total)}",
                measurements=[Measurement(name="requests", value=total.requests, unit="count")],
                tables=[_outcomes(total)],
            )
        if o.mode == "latency":
            return _latency(total, limits, o.rate)
        return _spike(stages, tallies, total, limits, _capacities(ctx))

    def _ramp(self, ctx: Context, targets: Targets) -> list[Stage]:
        """peak × i/steps for i = 1..steps, plus now's and the 12-month capacity where they lie
        below the peak (so the verdict can say which was held); the last step is the held peak."""
        from .loadgen import Stage

        o = self.options
        peak = o.peak_rps or targets.capacity.capacity_rps
        rates = {round(peak * i / o.steps, 6) for i in range(1, o.steps + 1)}
        rates |= {c for c in _capacities(ctx) if c < peak}
        *below, top = sorted(rates)
        return [Stage(rate, o.step_seconds) for rate in below] + [Stage(top, o.duration)]


def _capacities(ctx: Context) -> tuple[float, float]:
    """Today's and the 12-month capacity, rounded as the steps' rates are, so they compare."""
    return (
        round(ctx.targets[Horizon.NOW].capacity.capacity_rps, 6),
        round(ctx.targets[Horizon.TWELVE_MONTHS].capacity.capacity_rps, 6),
    )


def _latency(tally: Tally, limits: Limits, rate: float) -> Evidence:
    fast = limits.fast(tally)
    figures = f"p95 {tally.ms(95):.1f} ms and p99 {tally.ms(99):.1f} ms (targets {limits.p95_ms:g} and {limits.p99_ms:g} ms)"
    return Evidence(
        status=Status.PASS if limits.held(tally) else Status.FAIL,
        summary=f"{figures}, errors {tally.error_rate:.2%} (at most {limits.error_rate:.2%}) "
        f"over {tally.requests} requests at {rate:g}/s{_cause(tally)}",
        measurements=[
            Measurement(name="requests", value=tally.requests, unit="count"),
            *_figures(tally, limits),
        ],
        verdicts=[
            Verdict(
                practice="perf.latency-met",
                choice="met" if fast else "missed",
                reason=f"under a steady {rate:g} requests/s, {figures}",
            )
        ],
        tables=[_outcomes(tally)],
    )


def _spike(
    stages: Sequence[Stage],
    tallies: Sequence[Tally],
    total: Tally,
    limits: Limits,
    capacities: tuple[float, float],
) -> Evidence:
    best, broke = 0.0, None
    for stage, tally in zip(stages, tallies, strict=True):
        if not tally.requests:
            continue
        if not limits.held(tally):
            broke = stage.rate
            break
        best = stage.rate
    peak, top = stages[-1], tallies[-1]
    verdict = _load_tested(best, broke, *capacities)
    outcome = "held" if broke is None else f"broke at {broke:g}/s"
    return Evidence(
        status=Status.PASS if broke is None else Status.FAIL,
        summary=f"ramped to {peak.rate:g} requests/s: the targets {outcome}; highest rate held {best:g}/s{_cause(total)}",
        measurements=[
            Measurement(name="requests", value=total.requests, unit="count"),
            Measurement(name="peak rate", value=peak.rate, unit="rps"),
            Measurement(name="highest rate held", value=best, unit="rps", target=peak.rate, bound="min"),
            *_figures(top, limits, f"while holding {peak.rate:g}/s"),
        ],
        verdicts=[]
        if verdict is None
        else [Verdict(practice="capacity.load-tested", choice=verdict[0], reason=verdict[1])],
        tables=[_steps(stages, tallies, limits), _outcomes(total)],
    )


def _load_tested(best: float, broke: float | None, now: float, later: float) -> tuple[str, str] | None:
    """held at the 12-month capacity: expected-peak; at now's: current-peak; broke below now's:
    fails-below-peak; otherwise the test stayed below now's capacity and says nothing."""
    held = f"latency and errors held their targets up to {best:g} requests/s"
    if best >= max(now, later):
        return "expected-peak", f"{held}, the 12-month capacity of {later:g}/s"
    if best >= now:
        return "current-peak", f"{held}: today's capacity of {now:g}/s, not the 12-month {later:g}/s"
    if broke is not None:
        return "fails-below-peak", (
            f"the targets broke at {broke:g} requests/s and held only up to {best:g}/s, "
            f"short of today's capacity of {now:g}/s"
        )
    return None


def _figures(tally: Tally, limits: Limits, detail: str | None = None) -> list[Measurement]:
    """Latency figures are unknown (not 0 ms) when no request got an answer or timed out."""
    timed = tally.timed > 0
    return [
        Measurement(name="p50", value=tally.ms(50) if timed else None, unit="ms", detail=detail),
        Measurement(
            name="p95",
            value=tally.ms(95) if timed else None,
            unit="ms",
            target=limits.p95_ms,
            bound="max",
            detail=detail,
        ),
        Measurement(
            name="p99",
            value=tally.ms(99) if timed else None,
            unit="ms",
            target=limits.p99_ms,
            bound="max",
            detail=detail,
        ),
        Measurement(name="max", value=tally.max_ms if timed else None, unit="ms", detail=detail),
        Measurement(
            name="error rate",
            value=tally.error_rate,
            unit="ratio",
            target=limits.error_rate,
            bound="max",
            detail=detail,
        ),
        Measurement(
            name="send lag p99",
            value=tally.ms(99, of="lag"),
            unit="ms",
            detail="how late requests left the client; large when the load generator could not keep up",
        ),
    ]


def _outcomes(tally: Tally) -> Table:
    rows: list[list[Cell]] = [
        [kind, count, round(count / tally.requests, 4), tally.examples.get(kind)]
        for kind, count in tally.outcomes.most_common()
    ]
    return Table(title="outcomes", columns=["outcome", "requests", "share", "example"], rows=rows)


def _steps(stages: Sequence[Stage], tallies: Sequence[Tally], limits: Limits) -> Table:
    columns = ["rps", "seconds", "requests", "p50 ms", "p95 ms", "p99 ms", "max ms", "error rate", "held"]
    rows: list[list[Cell]] = []
    for stage, t in zip(stages, tallies, strict=True):
        if t.requests:
            figures = (t.ms(50), t.ms(95), t.ms(99), t.max_ms)
            latency: list[Cell] = [round(f, 2) if t.timed else None for f in figures]
            held = "yes" if limits.held(t) else "no"
            rows.append([stage.rate, stage.seconds, t.requests, *latency, round(t.error_rate, 4), held])
    return Table(title="steps", columns=columns, rows=rows)


def _cause(tally: Tally) -> str:
    """The most frequent failure, with an example, for a summary."""
    if not tally.failures:
        return ""
    ((kind, count),) = tally.failures.most_common(1)
    example = tally.examples.get(kind)
    return f"; {count} {kind} errors" + (f" ({example})" if example else "")
