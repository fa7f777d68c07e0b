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
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import urljoin, urlsplit

from pydantic import Field, GetJsonSchemaHandler, field_validator, model_validator
from pydantic.json_schema import JsonSchemaValue
from pydantic_core import CoreSchema

from ..model.common import Horizon
from ..model.evidence import Cell, Evidence, Status
from ..model.targets import Targets
from .base import Context, Decision, Options, Probe
from .found import Found

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


class _OrPlainUrl:
    """In the JSON Schema, a list entry may also be a plain URL string, of weight 1."""

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        return {
            "anyOf": [handler(schema), {"type": "string", "minLength": 1, "description": "a URL of weight 1"}]
        }


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
    urls: list[Annotated[WeightedUrl, _OrPlainUrl()]] = Field(
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
    """An open-model load generator: latency at a steady rate, or a spike to the derived peak."""

    kind = "http"
    decides = {
        "perf.latency-met": Decision("met", "missed", when="latency mode"),
        "capacity.load-tested": Decision(
            "expected-peak", "current-peak", "fails-below-peak", when="spike mode"
        ),
    }
    docs = "docs/probes/http.md"
    default_timeout = 120.0

    @classmethod
    def check(cls, target: str, options: HttpOptions) -> str:
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
        found = Found()
        if plan.seconds + STARTUP_SECONDS + o.request_timeout >= ctx.timeout:
            return found.error(
                f"the load runs {plan.seconds:g} s and its last requests may take "
                f"{o.request_timeout:g} s more, longer than the probe's timeout of {ctx.timeout:g} s: "
                "raise the timeout or shorten the load"
            )
        tallies = await load.run(plan, o.workers)
        total = load.merged(tallies)
        if total.responses < o.min_samples:
            found.measure("requests", total.requests, "count")
            _outcomes(found, total)
            return found.concluded(
                Status.UNKNOWN,
                f"only {total.responses} of {total.requests} requests got a response "
                f"(at least {o.min_samples} needed){_cause(total)}",
            )
        if o.mode == "latency":
            return _latency(found, total, limits, o.rate)
        return _spike(found, stages, tallies, total, limits, _capacities(ctx))

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


def _latency(found: Found, tally: Tally, limits: Limits, rate: float) -> Evidence:
    fast = limits.fast(tally)
    figures = f"p95 {tally.ms(95):.1f} ms and p99 {tally.ms(99):.1f} ms (targets {limits.p95_ms:g} and {limits.p99_ms:g} ms)"
    found.measure("requests", tally.requests, "count")
    _figures(found, tally, limits)
    found.verdict(
        "perf.latency-met", "met" if fast else "missed", f"under a steady {rate:g} requests/s, {figures}"
    )
    _outcomes(found, tally)
    return found.concluded(
        Status.PASS if limits.held(tally) else Status.FAIL,
        f"{figures}, errors {tally.error_rate:.2%} (at most {limits.error_rate:.2%}) "
        f"over {tally.requests} requests at {rate:g}/s{_cause(tally)}",
    )


def _spike(
    found: Found,
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
    found.measure("requests", total.requests, "count")
    found.measure("peak rate", peak.rate, "rps")
    found.measure("highest rate held", best, "rps", target=peak.rate, bound="min")
    _figures(found, top, limits, f"while holding {peak.rate:g}/s")
    if verdict is not None:
        found.verdict("capacity.load-tested", *verdict)
    _steps(found, stages, tallies, limits)
    _outcomes(found, total)
    return found.concluded(
        Status.PASS if broke is None else Status.FAIL,
        f"ramped to {peak.rate:g} requests/s: the targets {outcome}; highest rate held {best:g}/s{_cause(total)}",
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


def _figures(found: Found, tally: Tally, limits: Limits, detail: str | None = None) -> None:
    """Latency figures are unknown (not 0 ms) when no request got an answer or timed out."""
    timed = tally.timed > 0
    found.measure("p50", tally.ms(50) if timed else None, "ms", detail=detail)
    found.measure(
        "p95", tally.ms(95) if timed else None, "ms", target=limits.p95_ms, bound="max", detail=detail
    )
    found.measure(
        "p99", tally.ms(99) if timed else None, "ms", target=limits.p99_ms, bound="max", detail=detail
    )
    found.measure("max", tally.max_ms if timed else None, "ms", detail=detail)
    found.measure(
        "error rate", tally.error_rate, "ratio", target=limits.error_rate, bound="max", detail=detail
    )
    found.measure(
        "send lag p99",
        tally.ms(99, of="lag"),
        "ms",
        detail="how late requests left the client; large when the load generator could not keep up",
    )


def _outcomes(found: Found, tally: Tally) -> None:
    rows: list[list[Cell]] = [
        [kind, count, round(count / tally.requests, 4), tally.examples.get(kind)]
        for kind, count in tally.outcomes.most_common()
    ]
    found.table("outcomes", ["outcome", "requests", "share", "example"], rows)


def _steps(found: Found, stages: Sequence[Stage], tallies: Sequence[Tally], limits: Limits) -> None:
    columns = ["rps", "seconds", "requests", "p50 ms", "p95 ms", "p99 ms", "max ms", "error rate", "held"]
    rows: list[list[Cell]] = []
    for stage, t in zip(stages, tallies, strict=True):
        if t.requests:
            figures = (t.ms(50), t.ms(95), t.ms(99), t.max_ms)
            latency: list[Cell] = [round(f, 2) if t.timed else None for f in figures]
            held = "yes" if limits.held(t) else "no"
            rows.append([stage.rate, stage.seconds, t.requests, *latency, round(t.error_rate, 4), held])
    found.table("steps", columns, rows)


def _cause(tally: Tally) -> str:
    """The most frequent failure, with an example, for a summary."""
    if not tally.failures:
        return ""
    ((kind, count),) = tally.failures.most_common(1)
    example = tally.examples.get(kind)
    return f"; {count} {kind} errors" + (f" ({example})" if example else "")
