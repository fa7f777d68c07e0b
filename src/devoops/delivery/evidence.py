"""Delivery figures as devoops evidence: measurements held against the workload's targets,
verdicts on the lens's practices, and the failures as a table. The `delivery` probe builds
its result from them, and `devoops delivery analyze` shows that result."""

from __future__ import annotations

from typing import Literal

from ..base.fmt import minutes
from ..model.evidence import Measurement, Table, Verdict
from ..model.targets import Targets
from .dora import Delivery, Figure

FAILURE_ROWS = 50
Bound = Literal["max", "min"]


def _m(name: str, f: Figure, target: float | None = None, bound: Bound | None = None) -> Measurement:
    detail = "; ".join(p for p in (f"DORA 2024: {f.cluster.value}" if f.cluster else "", f.detail) if p)
    return Measurement(
        name=name, value=f.value, unit=f.unit, target=target, bound=bound, detail=detail or None
    )


def figures(d: Delivery) -> dict[str, Figure]:
    return {
        "deployment frequency": d.deployment_frequency,
        "lead time for changes": d.lead_time,
        "change failure rate": d.change_failure_rate,
        "failed deployment recovery time": d.recovery_time,
        "rollback time": d.rollback_time,
        "deploy duration p50": d.deploy_p50,
        "deploy duration p95": d.deploy_p95,
        "time to add a server p50": d.scale_out_p50,
        "time to add a server p95": d.scale_out_p95,
    }


def measurements(d: Delivery, targets: Targets | None = None) -> list[Measurement]:
    """Every figure; with targets, the release rate, deploy p95, rollback time and time to add
    a server held against them."""
    held: dict[str, tuple[float, Bound]] = (
        {}
        if targets is None
        else {
            "deployment frequency": (targets.delivery.releases_per_week, "min"),
            "rollback time": (targets.delivery.rollback_minutes_max, "max"),
            "deploy duration p95": (targets.delivery.deploy_minutes_max, "max"),
            "time to add a server p95": (targets.capacity.scale_up_minutes, "max"),
        }
    )
    return [_m(name, f, *held.get(name, (None, None))) for name, f in figures(d).items()]


def verdicts(d: Delivery, targets: Targets | None = None) -> list[Verdict]:
    """deploy.fast from the deploy p95; deploy.rollback only when rollbacks were seen and their
    median took longer than the target, which shows that no fast rollback is in use. Nothing
    here can tell a pipeline from a person deploying, so delivery.ci-cd is left to the answer."""
    found = []
    if (choice := d.deploy_fast) is not None and d.deploy_p95.value is not None:
        found.append(
            Verdict(
                practice="deploy.fast",
                choice=choice,
                reason=f"95 % of {d.deploy_p95.count} deploys to {d.environment} took at most "
                f"{minutes(d.deploy_p95.value)}",
            )
        )
    slow = d.rollback_time.value
    if targets is not None and slow is not None and slow > targets.delivery.rollback_minutes_max:
        found.append(
            Verdict(
                practice="deploy.rollback",
                choice="manual-rebuild",
                reason=f"rolling back took {minutes(slow)} (median of {d.rollback_time.count}), more than the "
                f"{minutes(targets.delivery.rollback_minutes_max)} target",
            )
        )
    return found


def failures_table(d: Delivery) -> Table:
    rows: list[list[str | int | float | None]] = [
        [
            f.row,
            f"{f.deployed_at:%Y-%m-%d %H:%M}",
            f.cause,
            f"{f.started_at:%Y-%m-%d %H:%M}",
            None if f.recovered_at is None else f"{f.recovered_at:%Y-%m-%d %H:%M}",
            None if f.hours is None else round(f.hours, 2),
            f.recovered_by,
        ]
        for f in d.failures[:FAILURE_ROWS]
    ]
    columns = ["row", "deployed (UTC)", "cause", "failed", "recovered", "hours", "recovered by"]
    return Table(title=f"Failed deployments (first {FAILURE_ROWS})", columns=columns, rows=rows)
