"""Sloth `prometheus/v1` specs both ways: one of devoops' SLOs for teams that already run Sloth
(Sloth takes the period from its command line, and has no low-traffic correction), and a
Sloth spec read as a plan, from which `prometheus.rules` writes the rules Sloth would."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from ..model.slo import duration_ms
from .prometheus import alert_name
from .slo import POLICY, WINDOW, Alerting, Condition, Severity, Sli, Slo, SloPlan

SLOTH_WINDOW = "{{.window}}"

SHIPPED_PERIODS = ("28d", "30d")  # the periods Sloth has alert windows for out of the box


def run(plan: SloPlan) -> str:
    """How to run Sloth on the spec: other periods need their alert windows from a folder."""
    command = f"sloth generate -i sloth.yaml --default-slo-period={plan.period}"
    if any(duration_ms(plan.period) == duration_ms(p) for p in SHIPPED_PERIODS):
        return f"Run: {command}"
    return (
        f"Run: {command} --slo-period-windows-path=<folder>\n"
        f"Sloth ships alert windows for {' and '.join(SHIPPED_PERIODS)} only: "
        f"<folder> must hold an AlertWindows spec for {plan.period}."
    )


def spec(plan: SloPlan) -> dict[str, Any]:
    notes = {"runbook_url": plan.runbook_url, "dashboard": plan.dashboard_url}
    return {
        "version": "prometheus/v1",
        "service": plan.service,
        "labels": plan.labels,
        "slos": [
            {
                "name": slo.name,
                "objective": round(slo.objective * 100, 10),
                "description": slo.description,
                "sli": {"raw": {"error_ratio_query": slo.sli.error_ratio.replace(WINDOW, SLOTH_WINDOW)}},
                "alerting": {
                    "name": alert_name(plan, slo),
                    "annotations": {k: v for k, v in notes.items() if v},
                    "page_alert": {"labels": {"severity": "page"}},
                    "ticket_alert": {"labels": {"severity": "ticket"}},
                },
            }
            for slo in plan.slos
        ],
    }


def plan_from_spec(
    spec: Mapping[str, Any], period: str = "30d", extra_labels: Mapping[str, str] | None = None
) -> SloPlan:
    """A Sloth spec as a plan, for rules that Sloth's routes, dashboards and templates already
    know. `period` and `extra_labels` are Sloth's `--default-slo-period` and `--extra-labels`.
    SLI plugins are refused: their queries live in Sloth's plugins, not in the spec."""
    if spec.get("version") != "prometheus/v1":
        raise ValueError(f"not a Sloth prometheus/v1 spec: version {spec.get('version')!r}")
    period_ms = duration_ms(period)
    return SloPlan(
        service=spec["service"],
        period=period,
        labels={**spec.get("labels", {}), **(extra_labels or {})},
        slos=tuple(_slo(s) for s in spec["slos"]),
        conditions=tuple(Condition(a, a.factor(period_ms)) for a in POLICY),
        runbook_url=None,
        dashboard_url=None,
        min_requests=None,
        warnings=(),
    )


def _slo(slo: Mapping[str, Any]) -> Slo:
    sli = slo["sli"]
    if "events" in sli:
        events = sli["events"]
        ratio = f"({events['error_query']})\n/\n({events['total_query']})\n"
    elif "raw" in sli:
        ratio = f"({sli['raw']['error_ratio_query']})"
    else:
        raise ValueError(f"SLO {slo['name']!r}: only events and raw SLIs can be read, not {sorted(sli)}")
    alerting = slo.get("alerting", {})
    wanted: dict[Severity, Mapping[str, Any]] = {
        severity: alerting.get(f"{severity}_alert", {})
        for severity in ("page", "ticket")
        if not alerting.get(f"{severity}_alert", {}).get("disable", False)
    }
    if wanted and not alerting.get("name"):
        raise ValueError(f"SLO {slo['name']!r}: alerting.name is required for its alerts")
    return Slo(
        name=slo["name"],
        kind="availability",
        objective=slo["objective"] / 100,
        description=slo.get("description", ""),
        sli=Sli(ratio.replace(SLOTH_WINDOW, WINDOW), None, None, ()),
        labels=dict(slo.get("labels", {})),
        alerting=Alerting(
            name=alerting.get("name", ""),
            labels={s: {**alerting.get("labels", {}), **a.get("labels", {})} for s, a in wanted.items()},
            annotations={
                s: {**alerting.get("annotations", {}), **a.get("annotations", {})} for s, a in wanted.items()
            },
        ),
    )
