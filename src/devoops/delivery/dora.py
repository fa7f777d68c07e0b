"""The DORA figures and deploy durations of one environment, from its history. Pure: the
history, the commit times and `now` come in; nothing is read here.

Each DORA figure is placed in a performance cluster of the 2024 Accelerate State of DevOps
report (docs/delivery.md gives the table, its source and how its ranges became bounds). A
figure with nothing behind it is None, and its cluster unknown: never a zero.
"""

from __future__ import annotations

import datetime as dt
import math
import statistics
from collections.abc import Callable, Mapping, Sequence
from enum import StrEnum

from ..model.common import Strict
from .records import Deployment, DeployStatus, Incident, ScaleOut

HOUR = dt.timedelta(hours=1)
DAY = dt.timedelta(days=1)
FAILURE_HOURS = 24.0


class Cluster(StrEnum):
    ELITE = "elite"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"


Bands = tuple[tuple[Cluster, Callable[[float], bool]], ...]
# The 2024 report's ranges as bounds, best cluster first; a value meeting none is LOW.
FREQUENCY: Bands = (  # successful deployments per day
    (Cluster.ELITE, lambda per_day: per_day > 1),  # on demand: several a day
    (Cluster.HIGH, lambda per_day: per_day >= 1 / 7),  # between once a day and once a week
    (Cluster.MEDIUM, lambda per_day: per_day >= 1 / 30),  # between once a week and once a month
)
LEAD_TIME: Bands = (  # hours
    (Cluster.ELITE, lambda h: h < 24),  # less than one day
    (Cluster.HIGH, lambda h: h <= 24 * 7),  # between one day and one week
    (Cluster.MEDIUM, lambda h: h <= 24 * 30),  # between one week and one month
)
CHANGE_FAILURE: Bands = (  # share of deployments; medium's typical rate (10%) lies inside high's
    (Cluster.ELITE, lambda r: r <= 0.05),
    (Cluster.HIGH, lambda r: r <= 0.20),
)
RECOVERY: Bands = (  # hours; high and medium share "less than one day"
    (Cluster.ELITE, lambda h: h < 1),
    (Cluster.HIGH, lambda h: h < 24),
)
# deploy.fast's choices by the 95th percentile of deploy durations, in minutes
DEPLOY_FAST: tuple[tuple[str, Callable[[float], bool]], ...] = (
    ("under-10", lambda m: m < 10),
    ("10-to-20", lambda m: m < 20),
)


def classify(value: float | None, bands: Bands) -> Cluster | None:
    if value is None:
        return None
    return next((cluster for cluster, meets in bands if meets(value)), Cluster.LOW)


def deploy_fast(p95_minutes: float | None) -> str | None:
    if p95_minutes is None:
        return None
    return next((choice for choice, meets in DEPLOY_FAST if meets(p95_minutes)), "over-20")


def nearest_rank(values: Sequence[float], q: float) -> float | None:
    """The q-quantile by nearest rank: a value that occurred, never an interpolation."""
    if not values:
        return None
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def median(values: Sequence[float]) -> float | None:
    return statistics.median(values) if values else None


class Figure(Strict):
    """One figure, the count of what it was computed from, and its cluster when it has one."""

    value: float | None
    unit: str
    count: int
    cluster: Cluster | None = None
    detail: str = ""


class Failure(Strict):
    """A deployment that failed: how it failed, when, and when production recovered."""

    row: str
    deployed_at: dt.datetime
    cause: str
    started_at: dt.datetime
    recovered_at: dt.datetime | None
    recovered_by: str
    rollback: bool

    @property
    def hours(self) -> float | None:
        return None if self.recovered_at is None else (self.recovered_at - self.started_at) / HOUR


class Delivery(Strict):
    """What the history of one environment shows over a window."""

    environment: str
    since: dt.datetime | None
    until: dt.datetime
    failure_hours: float
    deployments: int
    successful: int
    incidents: int
    skipped_rows: int
    deployment_frequency: Figure
    lead_time: Figure
    change_failure_rate: Figure
    recovery_time: Figure
    rollback_time: Figure
    deploy_p50: Figure
    deploy_p95: Figure
    scale_out_p50: Figure
    scale_out_p95: Figure
    failures: list[Failure]

    @property
    def deploy_fast(self) -> str | None:
        return deploy_fast(self.deploy_p95.value)


def analyze(
    deployments: Sequence[Deployment],
    incidents: Sequence[Incident] = (),
    scale_outs: Sequence[ScaleOut] = (),
    shipped: Mapping[str, Sequence[dt.datetime]] | None = None,
    *,
    environment: str = "production",
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    now: dt.datetime,
    failure_hours: float = FAILURE_HOURS,
    skipped_rows: int = 0,
) -> Delivery:
    """`shipped` maps a deployment's row to the commit times it shipped (None: no repository)."""
    env = sorted((d for d in deployments if d.environment in (None, environment)), key=lambda d: d.time)
    start = since or (env[0].time if env else None)
    end = until or now

    def inside(t: dt.datetime) -> bool:
        return (start is None or start <= t) and t < end

    window = [d for d in env if inside(d.time)]
    ok = [d for d in window if d.status == DeployStatus.SUCCESS]
    caused = attribute(env, incidents, failure_hours)
    failures = [f for d in window if (f := failure(d, caused.get(d.row, []), env)) is not None]
    days = (end - start) / DAY if start is not None else 0.0
    frequency = len(ok) / days * 7 if window and days > 0 else None
    leads, late = lead_times(ok, shipped or {})
    recoveries = [h for f in failures if (h := f.hours) is not None]
    rollbacks = [h * 60 for f in failures if f.rollback and (h := f.hours) is not None]
    durations = [d.duration / dt.timedelta(minutes=1) for d in window if d.duration is not None]
    scaled = [s.took / dt.timedelta(minutes=1) for s in scale_outs if inside(s.requested)]
    rate = len(failures) / len(window) if window else None
    unrecovered = len(failures) - len(recoveries)
    return Delivery(
        environment=environment,
        since=start,
        until=end,
        failure_hours=failure_hours,
        deployments=len(window),
        successful=len(ok),
        incidents=sum(inside(i.start) for i in incidents),
        skipped_rows=skipped_rows,
        deployment_frequency=Figure(
            value=frequency,
            unit="per week",
            count=len(ok),
            cluster=classify(None if frequency is None else frequency / 7, FREQUENCY),
            detail=f"{len(ok)} successful over {days:.1f} days" if window else "no deployments in the window",
        ),
        lead_time=Figure(
            value=median(leads),
            unit="hours",
            count=len(leads),
            cluster=classify(median(leads), LEAD_TIME),
            detail=(
                "no repository given"
                if shipped is None
                else f"median over {len(leads)} commits"
                + (f"; {late} dated after their deployment count as 0" if late else "")
            ),
        ),
        change_failure_rate=Figure(
            value=rate,
            unit="ratio",
            count=len(window),
            cluster=classify(rate, CHANGE_FAILURE),
            detail=f"{len(failures)} of {len(window)} deployments failed",
        ),
        recovery_time=Figure(
            value=median(recoveries),
            unit="hours",
            count=len(recoveries),
            cluster=classify(median(recoveries), RECOVERY),
            detail=f"median over {len(recoveries)} recovered failures"
            + (f"; {unrecovered} not recovered yet" if unrecovered else ""),
        ),
        rollback_time=Figure(
            value=median(rollbacks),
            unit="minutes",
            count=len(rollbacks),
            detail="failures recovered by deploying an earlier version again",
        ),
        deploy_p50=Figure(value=nearest_rank(durations, 0.5), unit="minutes", count=len(durations)),
        deploy_p95=Figure(value=nearest_rank(durations, 0.95), unit="minutes", count=len(durations)),
        scale_out_p50=Figure(value=nearest_rank(scaled, 0.5), unit="minutes", count=len(scaled)),
        scale_out_p95=Figure(value=nearest_rank(scaled, 0.95), unit="minutes", count=len(scaled)),
        failures=failures,
    )


def lead_times(
    deployed: Sequence[Deployment], shipped: Mapping[str, Sequence[dt.datetime]]
) -> tuple[list[float], int]:
    """Hours from each commit to the deployment that shipped it, and how many commits were
    dated after it (clock skew or a wrong zone; they count as 0)."""
    hours = [(d.time - c) / HOUR for d in deployed for c in shipped.get(d.row, ())]
    return [max(0.0, h) for h in hours], sum(h < 0 for h in hours)


def attribute(
    env: Sequence[Deployment], incidents: Sequence[Incident], failure_hours: float
) -> dict[str, list[Incident]]:
    """Which deployment (by row) caused which incidents: the one an incident names (commit,
    short commit or version; the last such before it started), else the last deployment that
    went live (not `failed`) at most `failure_hours` before it started."""
    caused: dict[str, list[Incident]] = {}
    for i in incidents:
        before = [d for d in env if d.time <= i.start]
        named = [d for d in before if i.deployment and names(d, i.deployment)]
        live = [d for d in before if d.status != DeployStatus.FAILED]
        recent = [d for d in live[-1:] if i.start - d.time <= failure_hours * HOUR]
        if cause := (named or recent)[-1:]:
            caused.setdefault(cause[0].row, []).append(i)
    return caused


def names(d: Deployment, ref: str) -> bool:
    ref = ref.strip().lower()
    commit = (d.commit or "").lower()
    return ref == (d.version or "").lower() or (len(ref) >= 7 and commit.startswith(ref)) or ref == commit


def failure(d: Deployment, caused: Sequence[Incident], env: Sequence[Deployment]) -> Failure | None:
    """A deployment failed when its status says so or it caused an incident. The failure starts
    at the deployment (failed status) or the first incident; production recovered when the
    incidents it caused ended, or else at the next successful deployment."""
    if d.status == DeployStatus.SUCCESS and not caused:
        return None
    started = d.time if d.status != DeployStatus.SUCCESS else min(i.start for i in caused)
    cause = d.status.value if d.status != DeployStatus.SUCCESS else f"incident {caused[0].title}".strip()
    if caused:
        ends = [i.end for i in caused]
        recovered = None if None in ends else max(e for e in ends if e is not None)
        return Failure(
            row=d.row,
            deployed_at=d.time,
            cause=cause,
            started_at=started,
            recovered_at=recovered,
            recovered_by="incident resolved" if recovered else "incident still open",
            rollback=False,
        )
    fix = next((n for n in env if n.time > started and n.status == DeployStatus.SUCCESS), None)
    earlier = {(p.version, p.commit) for p in env if p.time < d.time and p.status == DeployStatus.SUCCESS}
    rollback = (
        fix is not None and (fix.version or fix.commit) is not None and (fix.version, fix.commit) in earlier
    )
    return Failure(
        row=d.row,
        deployed_at=d.time,
        cause=cause,
        started_at=started,
        recovered_at=None if fix is None else fix.time,
        recovered_by="no successful deployment since"
        if fix is None
        else f"{'rollback' if rollback else 'deployment'} {fix.version or fix.commit or fix.row}",
        rollback=rollback,
    )
