"""A Sloth `prometheus/v1` spec of the same SLOs, for teams that already run Sloth. Sloth
takes the period from its command line, and has no low-traffic correction."""

from __future__ import annotations

from typing import Any

from ..model.slo import duration_ms
from .prometheus import alert_name
from .slo import WINDOW, SloPlan

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
                "sli": {"raw": {"error_ratio_query": slo.sli.error_ratio.replace(WINDOW, "{{.window}}")}},
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
