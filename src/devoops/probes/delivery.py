"""Delivery history as evidence: DORA figures, deploy durations and the time to add a server,
from a deployments file (the target), optionally the git repository, incidents and scale-outs.
See docs/delivery.md for the definitions and the DORA 2024 clusters."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import Field, field_validator

from ..model.common import Horizon
from ..model.evidence import Evidence, Status
from ..model.targets import Targets
from .base import Context, Decision, Options, Probe
from .found import Found

if TYPE_CHECKING:
    from ..delivery.dora import Delivery


class DeliveryOptions(Options):
    repo: str | None = Field(default=None, description="the git repository, for lead time")
    incidents: str | None = Field(default=None, description="incidents CSV or JSON, for change failures")
    alerts: list[str] = Field(
        default=[],
        description="alert exports (Alertmanager, PagerDuty, Opsgenie) whose pages count as incidents",
    )
    scale_outs: str | None = Field(
        default=None, description="scale-out history CSV or JSON (requested, ready)"
    )
    environment: str = Field(default="production", min_length=1, description="the environment analysed")
    window_days: float = Field(default=90, gt=0, description="how far back from the audit to look")
    failure_hours: float = Field(
        default=24, gt=0, description="an incident this soon after a deployment makes it a failed one"
    )
    assume_tz: str | None = Field(
        default=None, description="zone of times without an offset; default: refused"
    )
    skip_bad_rows: bool = Field(default=False, description="skip and count malformed rows instead of failing")

    @field_validator("assume_tz")
    @classmethod
    def _known_zone(cls, value: str | None) -> str | None:
        from ..delivery.records import zone

        zone(value)
        return value


class DeliveryProbe(Probe[DeliveryOptions]):
    """DORA figures and deploy durations from deployment, git and incident history: the
    analysis of `devoops delivery analyze`."""

    kind = "delivery"
    decides = {
        "deploy.fast": Decision("over-20", "10-to-20", "under-10"),
        "deploy.rollback": Decision("manual-rebuild", when="slow rollbacks seen"),
    }
    docs = "docs/probes/delivery.md"
    default_timeout = 120.0

    @classmethod
    def check(cls, target: str, options: DeliveryOptions) -> str:
        if not target.strip():
            raise ValueError("give the deployments file (CSV or JSON)")
        return target

    async def collect(self, ctx: Context) -> Evidence:
        from ..delivery.inputs import load
        from ..delivery.records import zone

        o = self.options

        def path(value: str | None) -> Path | None:
            return None if value is None else Path(ctx.path(value))

        history = await ctx.blocking(
            lambda: load(
                Path(ctx.path(self.target)),
                repo=path(o.repo),
                incidents=path(o.incidents),
                alerts=[Path(ctx.path(a)) for a in o.alerts],
                scale_outs=path(o.scale_outs),
                assume=zone(o.assume_tz),
                skip_bad_rows=o.skip_bad_rows,
            )
        )
        delivery = history.analyze(
            environment=o.environment.lower(),
            now=ctx.now,
            since=ctx.now - dt.timedelta(days=o.window_days),
            failure_hours=o.failure_hours,
        )
        return evidence(delivery, ctx.targets[Horizon.NOW])


def evidence(d: Delivery, targets: Targets | None = None) -> Evidence:
    """The figures held against the targets (the probe's result, and what `devoops delivery
    analyze` shows): FAIL when one misses its target, PASS when those with one held; UNKNOWN
    without deployments in the window or without any figure to hold against a target."""
    from ..delivery.evidence import failures_table, measurements, verdicts

    found = Found()
    found.measurements += measurements(d, targets)
    if not d.deployments:
        return found.concluded(Status.UNKNOWN, f"no deployments to {d.environment} in the window")
    found.verdicts += verdicts(d, targets)
    if d.failures:
        found.tables.append(failures_table(d))
    missed = [m.name for m in found.measurements if m.ok is False]
    checked = [m for m in found.measurements if m.ok is not None]
    held = (
        f"missed: {', '.join(missed)}"
        if missed
        else "every figure with a target held"
        if checked
        else "no figure was held against a target"
    )
    weekly = d.deployment_frequency.value or 0
    return found.concluded(
        Status.FAIL if missed else Status.PASS if checked else Status.UNKNOWN,
        f"{d.deployments} deployments to {d.environment}, {weekly:.3g} a week; {held}",
    )
