"""Prometheus rules in Sloth's conventions, and `promtool test rules` tests that prove them.

Per SLO three groups, as Sloth (v0.16.0) writes them: the error ratio over each alert window
and the period (`slo:sli_error:ratio_rate<window>`), the metadata (`slo:objective:ratio`,
budget, burn rates, budget remaining, `sloth_slo_info`), and two alerts sharing a name,
labelled `sloth_severity` (and `severity`) `page` and `ticket`, each the SRE Workbook's pair of
multi-window conditions. The `sloth_*` labels keep Sloth's dashboards and the Alertmanager
routes written for Sloth working."""

from __future__ import annotations

import math
from typing import Any

from .. import __version__
from .slo import (
    WINDOW,
    WINDOWS,
    Condition,
    Role,
    Severity,
    Slo,
    SloPlan,
    ceil_minutes,
    outage_minutes,
)

RULES_FILE = "rules.yaml"
TRAFFIC = 1000  # requests per minute in the tests
MARGIN = 3  # minutes the counters' sampling may add to a detection
SPAN = 60  # minutes of each steady scenario; every window sees the same ratio after a few
SLOTH_MODE = "cli-gen-prom"  # `sloth_slo_info`'s: rules from a command line, not the Kubernetes operator
SLOTH_SPEC = "prometheus/v1"
# Sloth writes its own version; devoops says who wrote the rules instead of claiming a Sloth release
SLOTH_VERSION = f"devoops-{__version__}"


def ids(plan: SloPlan, slo: Slo) -> dict[str, str]:
    return {"sloth_id": f"{plan.service}-{slo.name}", "sloth_service": plan.service, "sloth_slo": slo.name}


def selector(plan: SloPlan, slo: Slo) -> str:
    return ", ".join(f'{k}="{v}"' for k, v in ids(plan, slo).items())


def alert_name(plan: SloPlan, slo: Slo) -> str:
    words = f"{plan.service}-{slo.name}".split("-")
    return "".join(w[:1].upper() + w[1:] for w in words) + "BudgetBurn"


def number(x: float) -> str:
    return f"{x:.12g}"


def rules(plan: SloPlan) -> dict[str, Any]:
    """The rule file, as data."""
    groups = []
    for slo in plan.slos:
        sloth_id, labels, sel = (
            f"{plan.service}-{slo.name}",
            {**plan.labels, **slo.labels, **ids(plan, slo)},
            selector(plan, slo),
        )
        ratio = "slo:sli_error:ratio_rate"
        sli = [
            {
                "record": f"{ratio}{w}",
                "expr": slo.sli.error_ratio.replace(WINDOW, w),
                "labels": {**labels, "sloth_window": w},
            }
            for w in WINDOWS
        ]
        sli.append(
            {
                "record": f"{ratio}{plan.period}",
                "expr": f"sum_over_time({ratio}5m{{{sel}}}[{plan.period}])\n"
                "/ ignoring (sloth_window)\n"
                f"count_over_time({ratio}5m{{{sel}}}[{plan.period}])\n",
                "labels": {**labels, "sloth_window": plan.period},
            }
        )
        budget = f"slo:error_budget:ratio{{{sel}}}"
        join = "/ on(sloth_id, sloth_slo, sloth_service) group_left\n"
        meta = [
            ("slo:objective:ratio", f"vector({number(slo.objective)})"),
            ("slo:error_budget:ratio", f"vector(1-{number(slo.objective)})"),
            ("slo:time_period:days", f"vector({number(plan.period_days)})"),
            ("slo:current_burn_rate:ratio", f"{ratio}5m{{{sel}}}\n{join}{budget}\n"),
            ("slo:period_burn_rate:ratio", f"{ratio}{plan.period}{{{sel}}}\n{join}{budget}\n"),
            ("slo:period_error_budget_remaining:ratio", f"1 - slo:period_burn_rate:ratio{{{sel}}}"),
        ]
        info = {
            **labels,
            "sloth_mode": SLOTH_MODE,
            "sloth_objective": number(slo.objective * 100),
            "sloth_spec": SLOTH_SPEC,
            "sloth_version": SLOTH_VERSION,
        }
        alerts = [
            alert(plan, slo, severity)
            for severity in ("page", "ticket")
            if plan.severity(severity) and (slo.alerting is None or severity in slo.alerting.labels)
        ]
        groups += [
            {"name": f"sloth-slo-sli-recordings-{sloth_id}", "rules": sli},
            {
                "name": f"sloth-slo-meta-recordings-{sloth_id}",
                "rules": [
                    *({"record": r, "expr": e, "labels": labels} for r, e in meta),
                    # Sloth's SLO inventory: one series per SLO, whatever its traffic
                    {"record": "sloth_slo_info", "expr": "vector(1)", "labels": info},
                ],
            },
            {"name": f"sloth-slo-alerts-{sloth_id}", "rules": alerts},
        ]
    return {"groups": groups}


def alert(plan: SloPlan, slo: Slo, severity: Severity) -> dict[str, Any]:
    blocks = [condition(plan, slo, c) for c in plan.severity(severity)]
    return {
        "alert": slo.alerting.name if slo.alerting else alert_name(plan, slo),
        "expr": "\nor\n".join(blocks) + "\n",
        "labels": alert_labels(slo, severity),
        "annotations": alert_annotations(plan, slo, severity),
    }


def alert_labels(slo: Slo, severity: Severity) -> dict[str, str]:
    """`sloth_severity` as Sloth sets it, for routes written for Sloth; devoops' own alerts keep
    `severity` for routes written for devoops, a Sloth spec's alerts its own labels."""
    own = slo.alerting.labels[severity] if slo.alerting else {"severity": severity}
    return {**own, "sloth_severity": severity}


def condition(plan: SloPlan, slo: Slo, c: Condition) -> str:
    threshold = f"({number(c.factor)} * {number(slo.budget)})"
    sel = selector(plan, slo)
    parts = [
        f"  max(slo:sli_error:ratio_rate{w}{{{sel}}} > {threshold}) without (sloth_window)"
        for w in (c.alert.short, c.alert.long)
    ]
    if plan.min_requests is not None and slo.sli.total is not None:
        total = slo.sli.total.replace(WINDOW, c.alert.long)
        parts.append(f"  on () (({total}) >= {plan.min_requests})")
    return "(\n" + "\n  and\n".join(parts) + "\n)"


def sloth_annotations(severity: Severity) -> dict[str, str]:
    """Sloth's own annotations, which notification templates written for Sloth read."""
    names = "{{$labels.sloth_service}} {{$labels.sloth_slo}}"
    return {
        "title": f"({severity}) {names} SLO error budget burn rate is too fast.",
        "summary": f"{names} SLO error budget burn rate is over expected.",
    }


def alert_annotations(plan: SloPlan, slo: Slo, severity: Severity) -> dict[str, str]:
    """Sloth's title; a Sloth spec's annotations over Sloth's summary, or devoops' own summary,
    the conditions in words, the runbook and the dashboard."""
    if slo.alerting is not None:
        return {**sloth_annotations(severity), **slo.alerting.annotations[severity]}
    how = " or ".join(
        f"{c.alert.long} and {c.alert.short} above {number(c.factor)}x "
        f"({c.alert.budget_share:.0%} of the {plan.period} budget in {c.alert.long})"
        for c in plan.severity(severity)
    )
    speed = "fast" if severity == "page" else "steadily"
    notes = {
        "title": sloth_annotations(severity)["title"],
        "summary": f"{plan.service} {slo.name}: the error budget is burning {speed}",
        "description": f"SLO: {slo.description} over {plan.period}. The error ratio over {how}.",
    }
    if plan.runbook_url:
        notes["runbook_url"] = plan.runbook_url
    if plan.dashboard_url:
        notes["dashboard"] = plan.dashboard_url
    return notes


def unit_tests(plan: SloPlan) -> tuple[dict[str, Any], list[str]]:
    """`promtool test rules` tests for every SLO whose series devoops knows, and a note for the rest:
    a healthy service fires nothing, a slow burn fires only the ticket, a hard outage pages in time."""
    tests: list[dict[str, Any]] = []
    notes: list[str] = []
    tickets = [c.factor for c in plan.severity("ticket")]
    pages = [c.factor for c in plan.severity("page")]
    healthy = min(tickets) / 2
    slow = math.sqrt(min(tickets) * min(pages))
    rate = max(TRAFFIC, math.ceil(2 * (plan.min_requests or 0) / 60))
    for slo in plan.slos:
        if not slo.sli.synthetic:
            notes.append(f"no unit tests for {slo.name}: its queries are the workload's own")
            continue
        name = alert_name(plan, slo)
        if slow * slo.budget >= 1:
            notes.append(f"no unit tests for {slo.name}: objective {slo.objective} leaves no room to burn")
            continue

        def expect(*severities: Severity, slo: Slo = slo) -> list[dict[str, Any]]:
            return [
                {
                    "exp_labels": {**plan.labels, **slo.labels, **ids(plan, slo), **alert_labels(slo, s)},
                    "exp_annotations": {
                        k: v.replace("{{$labels.sloth_service}}", plan.service).replace(
                            "{{$labels.sloth_slo}}", slo.name
                        )
                        for k, v in alert_annotations(plan, slo, s).items()
                    },
                }
                for s in severities
            ]

        def check(minutes: int, *severities: Severity, name: str = name) -> dict[str, Any]:
            return {"eval_time": f"{minutes}m", "alertname": name, "exp_alerts": expect(*severities)}

        tests.append(
            scenario(
                f"{slo.name}: healthy (burn rate {number(healthy)}) fires nothing",
                slo,
                rate,
                [(healthy, SPAN)],
                [check(10), check(SPAN)],
            )
        )
        tests.append(
            scenario(
                f"{slo.name}: slow burn (rate {number(slow)}) opens a ticket, never pages",
                slo,
                rate,
                [(slow, SPAN)],
                [check(SPAN, "ticket")],
            )
        )
        detect = outage_minutes(slo, plan.conditions)
        if detect is None:
            notes.append(f"no outage test for {slo.name}: a page cannot fire at objective {slo.objective}")
            continue
        within = ceil_minutes(detect) + MARGIN
        tests.append(
            scenario(
                f"{slo.name}: hard outage pages within {within} minutes",
                slo,
                rate,
                [(healthy, SPAN), (1 / slo.budget, within)],
                [check(SPAN), check(SPAN + within, "page", "ticket")],
            )
        )
    return {"rule_files": [RULES_FILE], "evaluation_interval": "1m", "tests": tests}, notes


def scenario(
    title: str, slo: Slo, rate: int, burns: list[tuple[float, int]], checks: list[dict[str, Any]]
) -> dict[str, Any]:
    """Counters sampled each minute; `burns` are (burn rate, minutes) in order."""
    errors = [(min(1.0, burn * slo.budget), minutes) for burn, minutes in burns]
    per_role: dict[Role, list[tuple[float, int]]] = {
        "good": [(rate * (1 - e), m) for e, m in errors],
        "bad": [(rate * e, m) for e, m in errors],
        "total": [(float(rate), m) for _, m in errors],
    }
    series = [
        {"series": series_name(s.labels), "values": counter(per_role[s.role])} for s in slo.sli.synthetic
    ]
    return {"name": title, "interval": "1m", "input_series": series, "alert_rule_test": checks}


def series_name(labels: tuple[tuple[str, str], ...]) -> str:
    (_, metric), *rest = labels
    inner = ", ".join(f'{k}="{v}"' for k, v in rest)
    return f"{metric}{{{inner}}}"


def counter(segments: list[tuple[float, int]]) -> str:
    """A counter increasing by `step` a minute for `minutes`, segment after segment, in
    promtool's expanding notation: the first value is at 0m, the last at the total minutes."""
    parts, value = [], 0.0
    for i, (step, minutes) in enumerate(segments):
        if i == 0:
            parts.append(f"0+{number(step)}x{minutes}")
            value = step * minutes
        else:
            value += step
            parts.append(f"{number(value)}+{number(step)}x{minutes - 1}")
            value += step * (minutes - 1)
    return " ".join(parts)
