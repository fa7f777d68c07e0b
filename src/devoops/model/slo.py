"""The `slo:` section of the workload file: how `devoops slo generate` finds the SLIs.

Queries hold `$window` where the span each evaluation covers goes (as in the prometheus probe)
and count requests in that window; the ratios of such counts are what the rules record."""

from __future__ import annotations

import re
from typing import Annotated, Literal

from pydantic import AfterValidator, Field, field_validator, model_validator

from .common import Horizon, Strict

DAY_MS = 86_400_000
_UNITS = {"y": 365 * DAY_MS, "w": 7 * DAY_MS, "d": DAY_MS, "h": 3_600_000, "m": 60_000, "s": 1000, "ms": 1}
_DURATION = re.compile(r"(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?")
LONGEST_ALERT_WINDOW_MS = 3 * DAY_MS
DEFAULT_BUCKETS = [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10]  # the Prometheus clients'
_NAME = re.compile(r"[a-zA-Z_][a-zA-Z0-9_]*")
_METRIC = re.compile(r"[a-zA-Z_:][a-zA-Z0-9_:]*")
_RESERVED = ("sloth_", "__")

PromQL = Annotated[str, Field(min_length=1)]


def _selector(value: str) -> str:
    """Label matchers, with or without their braces."""
    value = value.strip()
    return value[1:-1].strip() if value.startswith("{") and value.endswith("}") else value


def _metric(value: str) -> str:
    if not _METRIC.fullmatch(value):
        raise ValueError(f"{value!r} is not a metric name")
    return value


Selector = Annotated[str, AfterValidator(_selector)]
MetricName = Annotated[str, AfterValidator(_metric)]


def duration_ms(text: str) -> int:
    """A Prometheus duration ("30d", "4w", "1h30m") in milliseconds; ValueError otherwise."""
    match = _DURATION.fullmatch(text)
    if not text or match is None:
        raise ValueError(f"{text!r} is not a Prometheus duration such as 30d, 4w or 12h")
    return sum(int(n) * unit for n, unit in zip(match.groups(), _UNITS.values(), strict=True) if n)


class SloConfig(Strict):
    """Where the SLIs come from and how the alerts are labelled; every field has a default, so
    the conventional HTTP metrics (`http_requests_total`, `http_request_duration_seconds`) work
    with no `slo:` section at all."""

    service: Annotated[str, Field(pattern=r"^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$")] | None = Field(
        default=None, description="the service name in labels and documents; default: the app name, slugged"
    )
    period: str = Field(default="30d", description="the SLO period, a Prometheus duration longer than 3d")
    horizon: Horizon = Field(default=Horizon.NOW, description="whose targets become objectives")
    selector: Selector = Field(
        default="", description='label matchers for the conventional metrics, e.g. job="web",env="prod"'
    )
    labels: dict[str, str] = Field(default={}, description="extra labels on every rule and alert, e.g. team")
    requests_metric: MetricName = Field(
        default="http_requests_total",
        description="counter of requests; 5xx in `code` or `status` count as errors",
    )
    good_query: PromQL | None = Field(default=None, description="PromQL: successful requests in $window")
    total_query: PromQL | None = Field(default=None, description="PromQL: all requests in $window")
    error_ratio_query: PromQL | None = Field(
        default=None, description="PromQL: the share of requests that failed in $window (0 to 1)"
    )
    latency_histogram: MetricName | None = Field(
        default="http_request_duration_seconds",
        description="histogram of request seconds (its _bucket and _count series); null: no latency SLO",
    )
    latency: list[Literal["p95", "p99"]] = Field(
        default=["p99"], description="which latency targets become SLOs: p99 means 99% faster than p99_ms"
    )
    buckets: list[Annotated[float, Field(gt=0)]] = Field(
        default=DEFAULT_BUCKETS, min_length=1, description="the histogram's bucket bounds (le), in seconds"
    )
    runbook_url: str | None = Field(default=None, description="annotation runbook_url on every alert")
    dashboard_url: str | None = Field(default=None, description="annotation dashboard on every alert")
    min_requests: Annotated[int, Field(ge=1)] | None = Field(
        default=None,
        description="low-traffic correction: an alert fires only when its long window saw this many requests",
    )

    @field_validator("period")
    @classmethod
    def _period(cls, value: str) -> str:
        if duration_ms(value) <= LONGEST_ALERT_WINDOW_MS:
            raise ValueError("must be longer than 3d, the longest alert window")
        return value

    @field_validator("labels")
    @classmethod
    def _labels(cls, value: dict[str, str]) -> dict[str, str]:
        for name in value:
            if not _NAME.fullmatch(name) or name.startswith(_RESERVED) or name == "severity":
                raise ValueError(
                    f"{name!r} is not a label name devoops may set (sloth_*, severity are its own)"
                )
        return value

    @field_validator("buckets")
    @classmethod
    def _sorted(cls, value: list[float]) -> list[float]:
        return sorted(set(value))

    @model_validator(mode="after")
    def _queries(self) -> SloConfig:
        if self.good_query is not None and self.error_ratio_query is not None:
            raise ValueError("give good_query and total_query, or error_ratio_query, not both")
        if (self.good_query is None) != (self.total_query is None) and self.error_ratio_query is None:
            raise ValueError("give good_query and total_query together")
        if self.min_requests is not None and self.error_ratio_query is not None and self.total_query is None:
            raise ValueError("min_requests with error_ratio_query needs total_query to count the requests")
        return self

    @property
    def period_ms(self) -> int:
        return duration_ms(self.period)
