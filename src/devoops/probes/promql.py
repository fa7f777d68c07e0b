"""The prometheus probe's options, and the PromQL they stand for: the user's own queries, or
the conventional metrics' (`http_requests_total`, `http_request_duration_seconds`), each written
once with `$window` for the span it covers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from pydantic import Field, field_validator, model_validator

from ..model.slo import MetricName, PromQL, Selector, duration_ms
from .base import Options

UNITS = (
    ("y", 31_536_000_000),
    ("w", 604_800_000),
    ("d", 86_400_000),
    ("h", 3_600_000),
    ("m", 60_000),
    ("s", 1000),
    ("ms", 1),
)
WINDOW = "$window"
MAX_POINTS = 11_000  # Prometheus refuses range queries with more points
WORST = 10
QUANTILES = {"p50": 0.5, "p95": 0.95, "p99": 0.99}
SUCCESS = 'code!~"5..",status!~"5.."'  # a series has one of the two labels; the other is empty

Quantile = Literal["p50", "p95", "p99"]


def duration(ms: int) -> str:
    """The canonical Prometheus duration of a positive number of milliseconds: 90000 -> 1m30s."""
    parts = []
    for name, unit in UNITS:
        n, ms = divmod(ms, unit)
        if n:
            parts.append(f"{n}{name}")
    return "".join(parts) or "0s"


class PrometheusOptions(Options):
    window: str = Field(
        default="30d", description="the span the SLIs cover, a Prometheus duration: 30d, 1w, 1h"
    )
    step: str | None = Field(
        default=None,
        description="resolution of the range queries (peak rate, worst windows); default window/720, at least 1m",
    )
    selector: Selector = Field(
        default="", description='label matchers for the conventional metrics, e.g. job="web",env="prod"'
    )
    requests_metric: MetricName | None = Field(
        default="http_requests_total",
        description="counter of requests with a `code` or `status` label; 5xx count as failed; null: no default availability",
    )
    latency_histogram: MetricName | None = Field(
        default="http_request_duration_seconds",
        description="histogram of request seconds for the default quantiles; null: no default latency",
    )
    good_query: PromQL | None = Field(default=None, description="PromQL: successful requests in $window")
    total_query: PromQL | None = Field(default=None, description="PromQL: all requests in $window")
    error_ratio_query: PromQL | None = Field(
        default=None, description="PromQL: the share of requests that failed in $window (0 to 1)"
    )
    latency_queries: dict[Quantile, PromQL] = Field(
        default={}, description="PromQL per quantile (p50, p95, p99), in seconds, over $window"
    )
    headers: dict[str, str] = Field(
        default={}, description="extra request headers, e.g. Authorization: Bearer ${PROMETHEUS_TOKEN}"
    )
    username: str | None = Field(default=None, description="basic auth user")
    password: str | None = Field(default=None, description="basic auth password, e.g. ${PROMETHEUS_PASSWORD}")
    max_response_mb: int = Field(
        default=8,
        ge=1,
        le=1024,
        description="the largest answer read, in MB (2^20 bytes) as sent and once decompressed; beyond it, ERROR",
    )

    @field_validator("window", "step")
    @classmethod
    def _duration(cls, value: str | None) -> str | None:
        if value is not None and duration_ms(value) <= 0:
            raise ValueError("must be longer than zero")
        return value

    @model_validator(mode="after")
    def _consistent(self) -> PrometheusOptions:
        window, step = duration_ms(self.window), self.step_ms
        if step > window:
            raise ValueError(f"step ({duration(step)}) must not exceed window ({self.window})")
        if window // step > MAX_POINTS:
            raise ValueError(
                f"window {self.window} in steps of {duration(step)} makes {window // step:,} points; "
                f"Prometheus allows {MAX_POINTS:,}: choose a longer step"
            )
        if self.good_query is not None and self.error_ratio_query is not None:
            raise ValueError("give good_query and total_query, or error_ratio_query, not both")
        if (self.good_query is None) != (self.total_query is None) and self.error_ratio_query is None:
            raise ValueError("give good_query and total_query together")
        if (self.username is None) != (self.password is None):
            raise ValueError("give username and password together")
        if self.username is not None and any(h.lower() == "authorization" for h in self.headers):
            raise ValueError("give username/password or an Authorization header, not both")
        if not any(self.queries().filled(self.window)):
            raise ValueError(
                "nothing to measure: requests_metric and latency_histogram are null and no query is given"
            )
        return self

    @property
    def step_ms(self) -> int:
        if self.step is not None:
            return duration_ms(self.step)
        window = duration_ms(self.window)
        return min(window, max(window // 720 // 1000 * 1000, 60_000))

    def queries(self) -> Queries:
        """The PromQL behind each figure: the user's, else the conventional metrics'."""
        named = {"good": self.good_query, "total": self.total_query, "error ratio": self.error_ratio_query}
        requests = {name: q for name, q in named.items() if q is not None}
        if not requests and self.requests_metric is not None:
            matchers = f"{self.selector},{SUCCESS}" if self.selector else SUCCESS
            requests = {
                "good": f"sum(increase({self.requests_metric}{{{matchers}}}[{WINDOW}])) or vector(0)",
                "total": f"sum(increase({self.requests_metric}{{{self.selector}}}[{WINDOW}]))",
            }
        latency = {str(p): q for p, q in self.latency_queries.items()}
        if not latency and self.latency_histogram is not None:
            buckets = f"{self.latency_histogram}_bucket{{{self.selector}}}"
            latency = {
                p: f"histogram_quantile({q}, sum by (le) (rate({buckets}[{WINDOW}])))"
                for p, q in QUANTILES.items()
            }
        return Queries(requests, latency)


@dataclass(frozen=True)
class Queries:
    """The PromQL behind the figures, with $window where the span each evaluation covers goes.
    `requests`: good and total, or error ratio (and total when given); `latency`: per quantile."""

    requests: dict[str, str]
    latency: dict[str, str]

    def filled(self, window: str) -> dict[str, str]:
        return {name: q.replace(WINDOW, window) for name, q in (self.requests | self.latency).items()}


class Failed(Exception):
    """The server or a query failed; the message is the cause (scrubbed of credentials with the
    rest of the evidence)."""


class NoData(Exception):
    """A query answered without a number; the message names the query."""
