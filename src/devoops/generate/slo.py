"""SLOs from targets: objectives, SLIs as PromQL, and the multi-window multi-burn-rate policy.

Pure: the workload's `slo:` section and one horizon's targets in, a `SloPlan` out, which every
format (Prometheus rules, their unit tests, OpenSLO, Sloth) renders without deciding anything."""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from typing import Literal

from ..model.slo import DAY_MS, SloConfig, duration_ms
from ..model.targets import Targets
from ..model.workload import Workload

SLI_FIELDS = (
    "selector",
    "requests_metric",
    "latency_histogram",
    "good_query",
    "total_query",
    "error_ratio_query",
)
WINDOW = "$window"
WINDOWS = ("5m", "30m", "1h", "2h", "6h", "1d", "3d")
FAR = 1.5  # a bucket this many times the latency target makes an SLO much looser than the target
_SUCCESS = 'code!~"5..",status!~"5.."'  # a series has one of the two labels; the other is empty
_MATCHER = re.compile(r'\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!=|!~|=)\s*"((?:[^"\\]|\\.)*)"\s*(?:,|$)')

Severity = Literal["page", "ticket"]
Role = Literal["good", "bad", "total"]


def sli_config(w: Workload) -> SloConfig:
    """The `slo:` section; when it names no SLI of its own, the SLIs of the first prometheus
    probe, so the alerts watch what `devoops audit` measured. Both use the same field names
    and the same `$window` convention."""
    config = w.slo
    probe = next((p for p in w.probes.values() if p.type == "prometheus"), None)
    if probe is None or config.model_fields_set & set(SLI_FIELDS):
        return config
    taken = {k: v for k, v in probe.options.items() if k in SLI_FIELDS and v is not None}
    return SloConfig.model_validate(config.model_dump(exclude_unset=True) | taken)


@dataclass(frozen=True)
class BurnAlert:
    """One row of the SRE Workbook's table: alert when the long window has consumed
    `budget_share` of the period's error budget and the short window says it still is."""

    severity: Severity
    long: str
    short: str
    budget_share: float

    def factor(self, period_ms: int) -> float:
        """The burn rate that consumes `budget_share` of the budget in the long window."""
        return self.budget_share * period_ms / duration_ms(self.long)


POLICY = (
    BurnAlert("page", "1h", "5m", 0.02),
    BurnAlert("page", "6h", "30m", 0.05),
    BurnAlert("ticket", "1d", "2h", 0.10),
    BurnAlert("ticket", "3d", "6h", 0.10),
)


@dataclass(frozen=True)
class Condition:
    alert: BurnAlert
    factor: float


@dataclass(frozen=True)
class Series:
    """A series that drives an SLI in the generated unit tests, and what it counts."""

    labels: tuple[tuple[str, str], ...]  # __name__ first
    role: Role


@dataclass(frozen=True)
class Sli:
    """PromQL with `$window`: the error ratio, the requests counted (low-traffic correction),
    the good requests when known, and the series that drive it in tests (none for the user's
    own queries, whose metrics devoops cannot know)."""

    error_ratio: str
    total: str | None
    good: str | None
    synthetic: tuple[Series, ...]


@dataclass(frozen=True)
class Alerting:
    """An SLO's alerts as a Sloth spec names them (`alerting:`), in place of devoops' own name,
    `severity` labels and annotations, so a Sloth spec's routes and templates keep working."""

    name: str
    labels: dict[Severity, dict[str, str]]
    annotations: dict[Severity, dict[str, str]]


@dataclass(frozen=True)
class Slo:
    name: str
    kind: Literal["availability", "latency"]
    objective: float
    description: str
    sli: Sli
    labels: dict[str, str] = field(default_factory=dict)  # beside the plan's, as a Sloth SLO's own
    alerting: Alerting | None = None

    @property
    def budget(self) -> float:
        return round(1 - self.objective, 12)


@dataclass(frozen=True)
class SloPlan:
    service: str
    period: str
    labels: dict[str, str]
    slos: tuple[Slo, ...]
    conditions: tuple[Condition, ...]
    runbook_url: str | None
    dashboard_url: str | None
    min_requests: int | None
    warnings: tuple[str, ...]

    @property
    def period_days(self) -> float:
        return duration_ms(self.period) / 86_400_000

    def severity(self, severity: Severity) -> tuple[Condition, ...]:
        return tuple(c for c in self.conditions if c.alert.severity == severity)


def plan(app_name: str, config: SloConfig, targets: Targets) -> SloPlan:
    """The availability SLO and one latency SLO per configured quantile, for these targets."""
    warnings: list[str] = []
    slos = [
        Slo(
            "availability",
            "availability",
            targets.availability.slo,
            f"{percent(targets.availability.slo)} of requests succeed (not 5xx)",
            availability_sli(config),
        )
    ]
    if config.latency_histogram is not None:
        for quantile in config.latency:
            target_ms = targets.latency.p95_ms if quantile == "p95" else targets.latency.p99_ms
            slo, warning = latency_slo(config, config.latency_histogram, quantile, target_ms)
            slos += [slo] if slo else []
            warnings += [warning] if warning else []
    period_ms = config.period_ms
    conditions = tuple(Condition(a, a.factor(period_ms)) for a in POLICY)
    warnings += slow_pages(config.period, conditions)
    return SloPlan(
        service=config.service or slug(app_name),
        period=config.period,
        labels=dict(config.labels),
        slos=tuple(slos),
        conditions=conditions,
        runbook_url=config.runbook_url,
        dashboard_url=config.dashboard_url,
        min_requests=config.min_requests,
        warnings=tuple(warnings),
    )


def slow_pages(period: str, conditions: tuple[Condition, ...]) -> list[str]:
    """A page at burn rate 1 or less wakes someone for a budget that would last the period."""
    shortest_days = max(duration_ms(a.long) / a.budget_share for a in POLICY if a.severity == "page") / DAY_MS
    return [
        f"period {period}: the page over {c.alert.long} fires at burn rate {c.factor:.3g}, too slow to "
        f"spend the budget within the period; use a period longer than {shortest_days:g}d"
        for c in conditions
        if c.alert.severity == "page" and c.factor <= 1 + 1e-9
    ]


def availability_sli(config: SloConfig) -> Sli:
    if config.error_ratio_query is not None:
        query, total = config.error_ratio_query, config.total_query
        guarded = query if total is None else f"({query}) and on () (({total}) > 0)"
        return Sli(guarded, total, None, ())
    if config.good_query is not None and config.total_query is not None:
        good, total = config.good_query, config.total_query
        return Sli(failed(good, total), total, good, ())
    metric, labels = config.requests_metric, equalities(config.selector)
    good = f"sum(increase({metric}{{{join(config.selector, _SUCCESS)}}}[{WINDOW}])) or vector(0)"
    total = f"sum(increase({metric}{{{config.selector}}}[{WINDOW}]))"
    synthetic = (
        ()
        if labels is None
        else (
            Series((("__name__", metric), *labels, ("code", "200")), "good"),
            Series((("__name__", metric), *labels, ("code", "500")), "bad"),
        )
    )
    return Sli(failed(good, total), total, good, synthetic)


def latency_slo(
    config: SloConfig, histogram: str, quantile: Literal["p95", "p99"], target_ms: float
) -> tuple[Slo | None, str | None]:
    """'p99 under 300 ms' as '99% of requests within the bucket at or above 300 ms'."""
    target = target_ms / 1000
    le = next((b for b in config.buckets if b >= target * (1 - 1e-9)), None)
    buckets = ", ".join(f"{b:g}" for b in config.buckets)
    if le is None:
        return None, (
            f"no latency SLO for {quantile}: no histogram bucket at or above {target_ms:g} ms "
            f"(buckets: {buckets} s); add one to slo.buckets"
        )
    warning = None
    if le > FAR * target:
        warning = (
            f"latency {quantile}: the nearest bucket, {le:g} s, is {le / target:.1f}x the target "
            f"{target_ms:g} ms, so the SLO is looser than the target; add a bucket at {target:g} to slo.buckets"
        )
    objective = {"p95": 0.95, "p99": 0.99}[quantile]
    bucket = f"{histogram}_bucket{{{join(config.selector, le_matcher(le))}}}"
    good = f"sum(increase({bucket}[{WINDOW}])) or vector(0)"
    total = f"sum(increase({histogram}_count{{{config.selector}}}[{WINDOW}]))"
    labels = equalities(config.selector)
    synthetic = (
        ()
        if labels is None
        else (
            Series((("__name__", f"{histogram}_bucket"), *labels, ("le", le_label(le))), "good"),
            Series((("__name__", f"{histogram}_bucket"), *labels, ("le", "+Inf")), "total"),
            Series((("__name__", f"{histogram}_count"), *labels), "total"),
        )
    )
    description = (
        f"{percent(objective)} of requests within {le * 1000:g} ms (target {quantile} {target_ms:g} ms)"
    )
    sli = Sli(failed(good, total), total, good, synthetic)
    return Slo(f"latency-{quantile}", "latency", objective, description, sli), warning


def failed(good: str, total: str) -> str:
    """The error ratio, with no sample (rather than 0/0 = NaN) for a window without requests:
    an idle spell then leaves the period's mean, and so the budget, a number."""
    return f"1 - ({good}) / (({total}) > 0)"


def le_label(bound: float) -> str:
    """A bucket bound as the Go client writes it: 0.25, 1, 2.5."""
    return f"{bound:.15g}"


def le_matcher(bound: float) -> str:
    """Whole bounds are "1" from Go clients and "1.0" from Python ones; match both."""
    text = le_label(bound)
    return f'le=~"{text}|{text}\\\\.0"' if bound == int(bound) and "e" not in text else f'le="{text}"'


def join(selector: str, matchers: str) -> str:
    return f"{selector},{matchers}" if selector else matchers


def equalities(selector: str) -> tuple[tuple[str, str], ...] | None:
    """The labels a test series needs to match the selector; None when it has other than `=`."""
    found: list[tuple[str, str]] = []
    at = 0
    for m in _MATCHER.finditer(selector):
        if m.start() != at or m.group(2) != "=":
            return None
        found.append((m.group(1), m.group(3)))
        at = m.end()
    return tuple(found) if at == len(selector) else None


def slug(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-")[:63].strip("-") or "service"


def percent(ratio: float) -> str:
    return f"{ratio * 100:.10g}%"


def outage_minutes(slo: Slo, conditions: tuple[Condition, ...]) -> float | None:
    """Minutes after every request starts failing by which a page fires: the long window's
    ratio passes factor x budget after that share of the window. None: it never can."""
    minutes = [
        c.factor * slo.budget * duration_ms(c.alert.long) / 60_000
        for c in conditions
        if c.alert.severity == "page" and c.factor * slo.budget < 1
    ]
    return min(minutes) if minutes else None


def ceil_minutes(minutes: float) -> int:
    return math.ceil(minutes - 1e-9)
