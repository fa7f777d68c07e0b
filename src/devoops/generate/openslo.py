"""OpenSLO v1 documents: the Service, an SLI and an SLO per objective, and the burn-rate
policy as AlertConditions with one AlertPolicy each (the specification allows one condition per
policy). The SLIs' queries count requests over 5m, the finest window the rules record; a
burn-rate condition's `lookbackWindow` is the long window. OpenSLO's `alertAfter` is how long a
condition must hold before alerting, `0m` as in the rules; v1 has no field for the short window
that must also burn, so only the description names it."""

from __future__ import annotations

from typing import Any

from .slo import WINDOW, Condition, Slo, SloPlan

API = "openslo/v1"


def documents(plan: SloPlan) -> list[dict[str, Any]]:
    policies = [policy_name(plan, c) for c in plan.conditions]
    docs = [doc("Service", plan.service, {"description": f"{plan.service}: SLOs derived by devoops"})]
    for c in plan.conditions:
        docs += [alert_condition(plan, c), alert_policy(plan, c)]
    for slo in plan.slos:
        docs += [sli(plan, slo), objective(plan, slo, policies)]
    return docs


def doc(kind: str, name: str, spec: dict[str, Any]) -> dict[str, Any]:
    return {"apiVersion": API, "kind": kind, "metadata": {"name": name, "displayName": name}, "spec": spec}


def condition_name(plan: SloPlan, c: Condition) -> str:
    return f"{plan.service}-burn-{c.alert.long}"


def policy_name(plan: SloPlan, c: Condition) -> str:
    return f"{plan.service}-{c.alert.severity}-{c.alert.long}"


def alert_condition(plan: SloPlan, c: Condition) -> dict[str, Any]:
    spec = {
        "description": (
            f"{c.alert.budget_share:.0%} of the {plan.period} error budget spent in {c.alert.long}; "
            f"the Prometheus rules also require the {c.alert.short} window above the threshold"
        ),
        "severity": c.alert.severity,
        "condition": {
            "kind": "burnrate",
            "op": "gt",
            "threshold": float(f"{c.factor:.12g}"),
            "lookbackWindow": c.alert.long,
            "alertAfter": "0m",
        },
    }
    return doc("AlertCondition", condition_name(plan, c), spec)


def alert_policy(plan: SloPlan, c: Condition) -> dict[str, Any]:
    spec = {
        "description": f"{c.alert.severity}: burn rate above {c.factor:g} over {c.alert.long}",
        "alertWhenNoData": False,
        "alertWhenResolved": True,
        "alertWhenBreaching": True,
        "conditions": [{"conditionRef": condition_name(plan, c)}],
    }
    return doc("AlertPolicy", policy_name(plan, c), spec)


def sli(plan: SloPlan, slo: Slo) -> dict[str, Any]:
    def source(query: str) -> dict[str, Any]:
        return {"metricSource": {"type": "Prometheus", "spec": {"query": query.replace(WINDOW, "5m")}}}

    if slo.sli.good is not None and slo.sli.total is not None:
        ratio = {"counter": False, "good": source(slo.sli.good), "total": source(slo.sli.total)}
    else:
        ratio = {"counter": False, "rawType": "failure", "raw": source(slo.sli.error_ratio)}
    return doc("SLI", f"{plan.service}-{slo.name}", {"description": slo.description, "ratioMetric": ratio})


def objective(plan: SloPlan, slo: Slo, policies: list[str]) -> dict[str, Any]:
    spec = {
        "description": slo.description,
        "service": plan.service,
        "indicatorRef": f"{plan.service}-{slo.name}",
        "timeWindow": [{"duration": plan.period, "isRolling": True}],
        "budgetingMethod": "Occurrences",
        "objectives": [{"displayName": slo.name, "target": slo.objective}],
        "alertPolicies": [{"alertPolicyRef": p} for p in policies],
    }
    return doc("SLO", f"{plan.service}-{slo.name}", spec)
