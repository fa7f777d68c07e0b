"""Availability and latency SLIs read from Prometheus, held against the derived targets.

The figures come from PromQL the user gives or, by default, from the conventional metrics
`http_requests_total` (status in a `code` or `status` label) and the histogram
`http_request_duration_seconds`. Every query is written once with `$window` standing for the
span it covers: evaluated as an instant query with the whole window, and as a range query with
one step, so the peak rate and the worst windows come from the same definition as the totals.
Queries are pinned to the Prometheus server's own clock, so a skew between hosts cannot shift
the window."""

from __future__ import annotations

import asyncio
import base64
import datetime as dt
import json
import math
from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, TypeVar
from urllib.parse import urlsplit

from ..base.fmt import number, percent
from ..model.common import Horizon
from ..model.evidence import Evidence, Measurement, Status
from ..model.slo import duration_ms
from .base import Context, Decision, Probe
from .bodies import ACCEPT, MB, TooLarge, Undecodable, read
from .found import Found
from .promql import (
    QUANTILES,
    WINDOW,
    WORST,
    Failed,
    NoData,
    PrometheusOptions,
    duration,
)
from .secrets import credentials, scrubbed

if TYPE_CHECKING:
    from ..model.targets import Targets


Series = dict[float, float]
T = TypeVar("T")


class PrometheusProbe(Probe[PrometheusOptions]):
    """Availability and latency SLIs over a window, from a Prometheus server's HTTP API."""

    kind: ClassVar[str] = "prometheus"
    decides: ClassVar[Mapping[str, Decision]] = {
        "slo.availability-met": Decision("met", "missed"),
        "perf.latency-met": Decision("met", "missed"),
    }
    docs: ClassVar[str] = "docs/probes/prometheus.md"

    @classmethod
    def check(cls, target: str, options: PrometheusOptions) -> str:
        parts = urlsplit(target)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError("the target must be the Prometheus base URL, e.g. http://prometheus:9090")
        if parts.username is not None or parts.password is not None:
            raise ValueError("put credentials in the username/password options, not in the URL")
        if parts.query or parts.fragment:
            raise ValueError("the target must be the Prometheus base URL, without query or fragment")
        return target.rstrip("/")

    async def collect(self, ctx: Context) -> Evidence:
        """The figures, or ERROR with the cause; either way scrubbed of the credentials sent, in
        each form a server may echo them back (plain, base64, URL-encoded), since the text of an
        answer (Prometheus's error, a value that is no number) can end up in the summary."""
        o = self.options
        try:
            evidence = await self._collect(ctx)
        except Failed as exc:
            evidence = Found().error(str(exc))
        except (LookupError, TypeError, ValueError) as exc:  # an answer of the wrong shape
            evidence = Found().error(
                f"Prometheus at {self.target} answered unexpectedly: {exc.__class__.__name__}: {exc}"
            )
        return scrubbed(evidence, credentials(o.username, o.password, o.headers))

    async def _collect(self, ctx: Context) -> Evidence:
        o = self.options
        queries = o.queries()
        window, step = duration_ms(o.window), o.step_ms
        # The server's clock pins every query; this first request also proves reach and credentials.
        now = float((await self._api(ctx, "query", "time()", {"query": "time()"}))["result"][0])
        at = {"time": f"{now:.3f}"}
        span = {
            "start": f"{now - (window - step) / 1000:.3f}",
            "end": f"{now:.3f}",
            "step": f"{step / 1000:g}",
        }
        instant = queries.filled(o.window)
        ranged = {name: q.replace(WINDOW, duration(step)) for name, q in queries.requests.items()}
        values, series = await asyncio.gather(
            asyncio.gather(
                *(self._instant(ctx, n, q, at) for n, q in instant.items()), return_exceptions=True
            ),
            asyncio.gather(
                *(self._range(ctx, n, q, span) for n, q in ranged.items()), return_exceptions=True
            ),
        )
        figures = Figures(o, ctx.targets[Horizon.NOW], step, instant)
        return figures.evidence(_settled(instant, values), _settled(ranged, series))

    async def _api(self, ctx: Context, path: str, name: str, params: Mapping[str, str]) -> Any:
        """The `data` of a successful API answer; Failed with the cause otherwise."""
        import aiohttp

        o = self.options
        headers = {"Accept-Encoding": ACCEPT, **o.headers}
        if o.username is not None:
            basic = base64.b64encode(f"{o.username}:{o.password}".encode()).decode()
            headers["Authorization"] = f"Basic {basic}"
        url = f"{self.target}/api/v1/{path}"
        try:
            async with ctx.http.get(
                url, params={**params, "timeout": f"{ctx.timeout:g}"}, headers=headers, auto_decompress=False
            ) as response:
                status = response.status
                if status in (401, 403):
                    given = (
                        "were refused"
                        if o.username or o.headers
                        else "are needed: set username/password or headers"
                    )
                    raise Failed(f"Prometheus at {self.target} answered HTTP {status}: credentials {given}")
                text = await read(response, o.max_response_mb * MB)
        except aiohttp.ClientError as exc:
            raise Failed(f"cannot reach Prometheus at {self.target}: {exc}") from None
        except TooLarge as exc:
            raise Failed(
                f"Prometheus at {self.target}, asked the {name} query, sent a {exc}; "
                "raise max_response_mb if answers this large are genuine"
            ) from None
        except Undecodable as exc:
            raise Failed(f"{url} answered unreadably: {exc}") from None
        try:
            body = json.loads(text)
        except ValueError:
            body = None
        if not isinstance(body, dict) or "status" not in body:
            raise Failed(f"{url} does not answer like the Prometheus API (HTTP {status})")
        if body["status"] != "success":
            raise Failed(f"Prometheus refused the {name} query: {body.get('errorType')}: {body.get('error')}")
        return body["data"]

    async def _instant(self, ctx: Context, name: str, promql: str, at: dict[str, str]) -> float:
        data = await self._api(ctx, "query", name, at | {"query": promql})
        result = [{"value": data["result"]}] if data["resultType"] == "scalar" else data["result"]
        value = float(_one(name, result)["value"][1]) if result else math.nan
        if not result or not math.isfinite(value):
            raise NoData(f"the {name} query returned {'no series' if not result else value}: {promql}")
        return value

    async def _range(self, ctx: Context, name: str, promql: str, span: dict[str, str]) -> Series:
        result = (await self._api(ctx, "query_range", name, span | {"query": promql}))["result"]
        points = ((float(t), float(v)) for t, v in _one(name, result)["values"]) if result else ()
        return {t: v for t, v in points if math.isfinite(v)}


def _one(name: str, result: list[Any]) -> Any:
    if len(result) > 1:
        raise Failed(
            f"the {name} query returned {len(result)} series; aggregate them into one, e.g. with sum()"
        )
    return result[0]


def _settled(names: Mapping[str, str], outcomes: list[T | BaseException]) -> dict[str, T | NoData]:
    """Each query's value or its NoData; any other failure fails the probe."""
    settled: dict[str, T | NoData] = {}
    for name, outcome in zip(names, outcomes, strict=True):
        if isinstance(outcome, BaseException) and not isinstance(outcome, NoData):
            raise outcome
        settled[name] = outcome
    return settled


BUDGET = "error budget consumed"


@dataclass(frozen=True)
class Figures:
    """The query results held against the targets: measurements, verdicts, worst windows."""

    options: PrometheusOptions
    targets: Targets
    step: int
    queries: Mapping[str, str]

    def evidence(
        self, instant: Mapping[str, float | NoData], series: Mapping[str, Series | NoData]
    ) -> Evidence:
        empty = [str(v) for v in instant.values() if isinstance(v, NoData)]
        value = {k: v for k, v in instant.items() if not isinstance(v, NoData)}
        points = {k: v for k, v in series.items() if not isinstance(v, NoData)}
        windows = self._windows(points)
        found = Found()
        self._availability(found, value, empty)
        self._latency(found, value)
        self._traffic(found, value, points, empty)
        measurements = found.measurements
        failed = any(m.ok is False for m in measurements)
        parts = [_compare(m) for m in measurements if m.ok is not None and m.name != BUDGET]
        if empty:
            parts.append("no data: " + "; ".join(empty))
        worst = sorted(((r, t) for t, r in windows.items() if r[0] > 0), key=lambda rt: -rt[0][0])[:WORST]
        if worst:
            found.table(
                f"worst {duration(self.step)} windows by error ratio (top {WORST})",
                ["from", "to", "error ratio", "failed", "requests"],
                [
                    [_when(t - self.step / 1000), _when(t), round(r, 6), bad, total]
                    for (r, bad, total), t in worst
                ],
            )
        _verdicts(found, self.options.window)
        return found.concluded(
            Status.FAIL if failed else Status.UNKNOWN if empty else Status.PASS,
            f"over {self.options.window}: " + "; ".join(parts),
        )

    def _availability(self, found: Found, value: Mapping[str, float], empty: list[str]) -> None:
        slo, window = self.targets.availability.slo, self.options.window
        if "error ratio" in value:
            availability, detail = 1 - value["error ratio"], "1 - the error ratio query"
        elif "good" in value and "total" in value:
            good, total = value["good"], value["total"]
            if total <= 0:
                empty.append(f"no requests in the window: {self.queries['total']}")
                return
            availability, detail = good / total, f"{good:,.0f} of {total:,.0f} requests succeeded"
        else:
            return
        consumed = (1 - availability) / (1 - slo)
        found.measure("availability", availability, "ratio", target=slo, bound="min", detail=detail)
        found.measure(
            BUDGET,
            consumed,
            "ratio",
            target=1.0,
            bound="max",
            detail=f"share of failed requests over {window} / the {1 - slo:.4g} the SLO allows "
            f"({self.targets.availability.error_budget_minutes_per_month:.0f} min a month)",
        )

    def _latency(self, found: Found, value: Mapping[str, float]) -> None:
        latency = self.targets.latency
        for p in QUANTILES:
            if p in value:
                found.measure(
                    f"latency {p}",
                    value[p] * 1000,
                    "ms",
                    target=getattr(latency, f"{p}_ms"),
                    bound="max",
                    detail=self.queries[p],
                )

    def _traffic(
        self,
        found: Found,
        value: Mapping[str, float],
        points: Mapping[str, Series],
        empty: list[str],
    ) -> None:
        """Requests in the window, the peak step's rate against the planned peak, and how much of
        the window Prometheus holds (retention shorter than the window shortens it)."""
        if "total" in value:
            found.measure("requests", value["total"], "count")
        total = points.get("total", {})
        if total:
            at, peak = max(total.items(), key=lambda tv: tv[1])
            capacity = self.targets.capacity
            found.measure(
                "request rate peak",
                peak / (self.step / 1000),
                "rps",
                target=capacity.peak_rps,
                bound="max",
                detail=f"busiest {duration(self.step)} ending {_when(at)}; the targets plan for "
                f"{capacity.peak_rps:g} rps at peak, {capacity.capacity_rps:g} with headroom",
            )
        elif value.get("total"):
            empty.append(
                f"the total query has no {duration(self.step)} step with two samples: choose a longer step"
            )
        steps = sorted(points.get("total") or points.get("error ratio") or {})
        if steps:
            first = steps[0] - self.step / 1000
            found.measure(
                "data span",
                (steps[-1] - first) / 86_400,
                "days",
                detail=f"the window's first data at {_when(first)}",
            )

    def _windows(self, points: Mapping[str, Series]) -> dict[float, tuple[float, float | None, float | None]]:
        """Per step: the error ratio, failed and total requests (when known)."""
        total = points.get("total", {})
        if "error ratio" in points:
            return {t: (r, None, _count(total.get(t))) for t, r in points["error ratio"].items()}
        good = points.get("good", {})
        return {
            t: (1 - good[t] / n, _count(n - good[t]), _count(n))
            for t, n in total.items()
            if n > 0 and t in good
        }


def _verdicts(found: Found, window: str) -> None:
    by_name = {m.name: m for m in found.measurements}
    if (a := by_name.get("availability")) is not None:
        found.verdict("slo.availability-met", "met" if a.ok else "missed", f"{_compare(a)} over {window}")
    tail = [m for m in (by_name.get("latency p95"), by_name.get("latency p99")) if m is not None]
    if any(m.ok is False for m in tail) or len(tail) == 2:
        met = all(m.ok for m in tail)
        found.verdict(
            "perf.latency-met",
            "met" if met else "missed",
            ", ".join(_compare(m) for m in tail) + f" over {window}",
        )


def _compare(m: Measurement) -> str:
    """`p95 475 ms > 100 ms`: the figure, whether it holds, and its target."""
    assert m.value is not None and m.target is not None
    op = ("≤" if m.ok else ">") if m.bound == "max" else ("≥" if m.ok else "<")
    return f"{m.name} {_show(m.value, m.unit)} {op} {_show(m.target, m.unit)}"


def _show(value: float, unit: str) -> str:
    return percent(value) if unit == "ratio" else f"{number(value)} {unit}"


def _count(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _when(t: float) -> str:
    return dt.datetime.fromtimestamp(t, dt.UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
