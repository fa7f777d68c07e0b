"""Alert history as evidence: what pages the on-call, how often for nothing, and who answers.

The target is an export path or glob (relative to devoops.yaml): Alertmanager JSON, PagerDuty
incidents CSV or Opsgenie alerts CSV. Business hours come from the workload. Verdicts:

- `alerts.symptom-based`: `none` when nothing in the history paged; `slo-burn-rate` when SLO
  burn-rate alerts page and at most a tenth of the pages come from cause alerts; `cause-based`
  when cause alerts page more than symptom and burn-rate alerts together; else
  `symptom-thresholds`. No verdict when no page says what it watches.
- `oncall.rotation` (PagerDuty, Opsgenie: who acknowledged or owned alerts): one or two people
  `founder-always`; three or more with an escalation policy `rotation-paged`, without one
  `rotation-informal`.

The result FAILs when pages an SLO burn-rate alert would replace exist; UNKNOWN on an empty
history; ERROR on unreadable records unless `skip_bad_rows`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import Field, field_validator

from ..model.evidence import Evidence, Status
from .base import Context, Decision, Options, Probe
from .found import Found

if TYPE_CHECKING:
    from ..alerts.model import Analysis


class AlertsOptions(Options):
    format: Literal["auto", "alertmanager", "pagerduty", "opsgenie"] = Field(
        default="auto", description="the export's format; auto reads it from the content"
    )
    flap_minutes: float = Field(
        default=30, ge=0, le=10080, description="a re-fire this soon after resolving flaps"
    )
    auto_resolve_minutes: float = Field(
        default=5, ge=0, le=1440, description="resolved this soon, unacknowledged: nobody needed to act"
    )
    assume_tz: str | None = Field(default=None, description="the zone of times written without a UTC offset")
    skip_bad_rows: bool = Field(
        default=False, description="skip and count malformed records instead of failing"
    )
    top: int = Field(default=10, ge=1, le=100, description="alert names in each table")

    @field_validator("assume_tz")
    @classmethod
    def _zone(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                ZoneInfo(value)
            except (ZoneInfoNotFoundError, ValueError):
                raise ValueError(f"unknown time zone {value!r} (an IANA name like Europe/Berlin)") from None
        return value


class AlertsProbe(Probe[AlertsOptions]):
    """Alert noise from Alertmanager, PagerDuty or Opsgenie exports: the analysis of
    `devoops alerts analyze`."""

    kind = "alerts"
    decides = {
        "alerts.symptom-based": Decision("none", "cause-based", "symptom-thresholds", "slo-burn-rate"),
        "oncall.rotation": Decision(
            "founder-always", "rotation-informal", "rotation-paged", when="PagerDuty, Opsgenie"
        ),
    }
    docs = "docs/probes/alerts.md"
    default_timeout = 120.0

    @classmethod
    def check(cls, target: str, options: AlertsOptions) -> str:
        if not target.strip():
            raise ValueError("give an alert export's path or glob")
        return target

    async def collect(self, ctx: Context) -> Evidence:
        from ..alerts import Format, Settings, analyse, expand, read
        from ..base.errors import InputError

        o = self.options
        zone = ZoneInfo(o.assume_tz) if o.assume_tz else None
        chosen = None if o.format == "auto" else Format(o.format)
        settings = Settings(flap_minutes=o.flap_minutes, quick_minutes=o.auto_resolve_minutes, top=o.top)

        def work() -> Evidence:
            try:
                history = read(expand([ctx.path(self.target)]), chosen, zone, o.skip_bad_rows)
            except InputError as exc:
                lines = str(exc).splitlines()
                more = f" (and {len(lines) - 3} more)" if len(lines) > 3 else ""
                return Found().error("; ".join(lines[:3]) + more)
            return evidence(analyse(history, ctx.workload.app.business_hours, settings))

        return await ctx.blocking(work)


def evidence(a: Analysis) -> Evidence:
    """The analysis as measurements, verdicts and tables."""
    from ..alerts import alerting_choice, rotation_choice
    from ..alerts.model import COLUMNS, row

    found = Found()
    found.measure("records", a.records, "count", detail=f"{len(a.files)} file(s)")
    found.measure("bad records skipped", a.skipped, "count")
    if a.overall is None:
        return found.concluded(Status.UNKNOWN, "the alert history holds no alert")
    o = a.overall
    replaced = sum(f.pages for f in a.names if f.replaced_by)
    found.measure("alerts per week", round(o.per_week, 3), "count", detail=f"{o.firings:,} alerts")
    found.measure("pages", o.pages, "count")
    found.measure(
        "pages outside business hours",
        o.off_hours_pages / o.pages if o.pages else None,
        "ratio",
        detail=f"{o.off_hours_pages:,} of {o.pages:,}; business hours {a.business_hours}",
    )
    found.measure("flaps", o.flaps / o.firings, "ratio", detail=f"{o.flaps:,} re-fires")
    found.measure("duplicates", o.duplicates / o.firings, "ratio", detail=f"{o.duplicates:,}")
    found.measure("median time to resolve", o.median_minutes_to_resolve, "min")
    found.measure(
        "resolved quickly with nobody acting",
        o.quick_unacted_share,
        "ratio",
        detail=f"{o.quick_unacted:,} of {o.resolved:,} resolved",
    )
    found.measure("pages an SLO burn-rate alert would replace", replaced, "count", target=0, bound="max")
    for practice, decided in (
        ("alerts.symptom-based", alerting_choice(a)),
        ("oncall.rotation", rotation_choice(a)),
    ):
        if decided is not None:
            found.verdict(practice, *decided)
    replaceable = [f for f in a.names if f.replaced_by]
    found.table("noisiest alerts", COLUMNS, [list(row(f)) for f in a.names[: a.settings.top]])
    found.table(
        "what SLO burn-rate alerts would replace",
        COLUMNS,
        [list(row(f)) for f in replaceable[: a.settings.top]],
    )
    return found.concluded(
        Status.FAIL if replaced else Status.PASS,
        f"{o.per_week:,.1f} alerts a week, {o.pages:,} pages ({o.off_hours_pages:,} outside business hours), "
        f"{replaced:,} of them replaceable by SLO burn-rate alerts",
    )
