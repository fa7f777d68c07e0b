"""A Sloth `prometheus/v1` spec of the same SLOs, for teams that already run Sloth. Sloth
takes the period from its command line, and has no low-traffic correction."""

from __future__ import annotations

from typing import Any

from .prometheus import alert_name
from .slo import WINDOW, SloPlan


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
