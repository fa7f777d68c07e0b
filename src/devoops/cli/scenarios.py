"""Run the catastrophes of the lens against the workload's inventory: what each one takes,
whether the application stays up, which data survives, and what the year's downtime costs."""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Annotated

import typer

from .check import When
from .common import Lens, Output, ReportFormat, ReportFormatOption, Workload, emit, emit_sections

if TYPE_CHECKING:
    from ..api import ResilienceResult
    from ..model.resilience import Change, DatasetLoss
    from ..report.view import Section, Table

app = typer.Typer(
    help="Run the catastrophes of the lens against the workload's inventory.",
    no_args_is_help=True,
    rich_markup_mode=None,
)


class FailOn(StrEnum):
    DAMAGED = "damaged"
    COMPANY_ENDING = "company-ending"


HorizonOption = Annotated[When, typer.Option("--horizon", help="whose costs and targets to use")]


@app.command("run", epilog="Example: devoops scenarios run devoops.yaml --fail-on company-ending")
def run(
    workload: Workload,
    horizon: HorizonOption = When.NOW,
    format: ReportFormatOption = ReportFormat.TERMINAL,
    output: Output = None,
    years: Annotated[
        int,
        typer.Option("--years", min=0, max=10_000_000, help="simulated years of the Monte Carlo; 0 skips it"),
    ] = 20_000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="seed of the Monte Carlo")] = 7,
    fail_on: Annotated[
        FailOn | None, typer.Option("--fail-on", help="exit 1 when a scenario's verdict is at least this bad")
    ] = None,
    lens: Lens = None,
) -> None:
    """The scenario table, single points of failure, shared-fate groups, the availability model
    with its simulated years, and the improvements ranked by money saved per money spent."""
    import json

    from ..api import resilience_file
    from ..model.common import Horizon
    from ..model.resilience import Verdict

    result = resilience_file(workload, lens or (), Horizon(horizon.value), years, seed)
    if format == ReportFormat.JSON:
        emit(json.dumps(result.resilience.model_dump(mode="json"), indent=2) + "\n", output)
    else:
        title = f"devoops scenarios · {result.loaded.workload.app.name} · {horizon.value}"
        emit_sections(title, sections(result), format == ReportFormat.MD, output)
    if fail_on is not None:
        bar = Verdict(fail_on.value).rank
        bad = [o for o in result.resilience.scenarios if o.verdict.rank >= bar]
        for o in bad:
            typer.echo(f"{o.verdict.value.upper():<15} {o.scenario} ({o.scope}): {o.reason}", err=True)
        if bad:
            raise typer.Exit(1)


def sections(result: ResilienceResult) -> list[Section]:
    from ..fmt import money, percent
    from ..report.view import Section, Table

    r, cur = result.resilience, result.targets.availability.currency
    m = r.availability
    scenario_rows = [
        [
            o.title,
            o.scope,
            ", ".join(o.lost) or "-",
            "yes" if o.app_up else "no",
            _minutes(o.downtime_minutes) if o.downtime_minutes else "-",
            _losses(o.datasets, recovery=False),
            _losses(o.datasets, recovery=True),
            o.verdict.value,
            money(o.cost, cur) if o.cost else "-",
        ]
        for o in r.scenarios
    ]
    columns = ["scenario", "scope", "lost", "app up", "downtime", "data lost / RPO", "recovery / RTO"]
    scenarios = Section(
        "Scenarios",
        paragraphs=["The worst occurrence of each catastrophe; its cost is one occurrence's downtime."],
        tables=[Table([*columns, "verdict", "cost"], scenario_rows)],
        bullets=[
            f"{o.title}: {o.reason}" for o in r.scenarios if o.verdict.value in ("damaged", "company-ending")
        ],
    )
    graph = Section(
        "Single points of failure and shared fate",
        paragraphs=["Single points of failure: " + (", ".join(r.spofs) if r.spofs else "none") + "."],
        tables=[
            Table(
                ["shared", "where", "components", "losing all takes the app down"],
                [
                    [g.by, g.value, ", ".join(g.components), "yes" if g.takes_app_down else "no"]
                    for g in r.shared_fate
                ],
            )
        ]
        if r.shared_fate
        else [],
    )
    model = [
        ["availability", percent(m.availability)],
        ["target", percent(m.target) + (" (met)" if m.meets_target else " (MISSED)")],
        ["downtime a year", f"{m.downtime_hours_per_year:.2f} h"],
        ["incidents a year", f"{m.incidents_per_year:.2f}"],
        ["expected downtime cost a year", money(m.cost_per_year, cur)],
        ["the chosen tier was priced at", money(m.target_cost_per_year, cur)],
        ["weakest components", ", ".join(m.weakest) or "-"],
    ]
    if (mc := m.monte_carlo) is not None:
        model += [
            [f"simulated availability ({mc.years:,} years, seed {mc.seed})", percent(mc.availability)],
            [
                "simulated downtime h/yr mean / p50 / p90 / p99",
                f"{mc.downtime_hours_mean:.2f} / {mc.downtime_hours_p50:.2f} / "
                f"{mc.downtime_hours_p90:.2f} / {mc.downtime_hours_p99:.2f}",
            ],
            ["simulated incidents a year mean / p99", f"{mc.incidents_mean:.2f} / {mc.incidents_p99:.2f}"],
            ["years without downtime", f"{mc.years_without_downtime:.1%}"],
            [
                "simulated cost a year mean / p90 / p99",
                f"{money(mc.cost_mean, cur)} / {money(mc.cost_p90, cur)} / {money(mc.cost_p99, cur)}",
            ],
        ]
    availability = Section(
        "Availability model",
        paragraphs=["Downtime and incidents count only the hours in which downtime costs money."],
        tables=[Table(["figure", "value"], model)],
    )
    plan = Section(
        "Improvements",
        paragraphs=[
            "Each change that saves money, by money saved per money spent; costs are the lens cost bands "
            "(USD) compared as given. `devoops whatif` tries any change."
            if r.improvements
            else "No single change of the what-if catalogue saves money here."
        ],
        tables=[changes_table(r.improvements, cur)] if r.improvements else [],
    )
    return [scenarios, graph, availability, plan]


def changes_table(changes: list[Change], currency: str) -> Table:
    """Changes with their before and after, shared with `devoops whatif`."""
    from ..fmt import money, percent
    from ..report.view import Table

    rows = [
        [
            c.change,
            f"{percent(c.availability_before)} → {percent(c.availability_after)}",
            f"{money(c.downtime_cost_before, currency)} → {money(c.downtime_cost_after, currency)}",
            money(c.saved_per_year, currency),
            money(c.cost_per_year, currency),
            f"{c.saved_per_spent:.2f}",
            "; ".join(f"{sid} {was} → {now}" for sid, (was, now) in c.verdicts.items()) or "-",
        ]
        for c in changes
    ]
    columns = ["change", "availability", "expected cost/yr", "saved/yr", "cost/yr", "saved per spent"]
    return Table([*columns, "verdicts that move"], rows)


def _minutes(value: float) -> str:
    from ..fmt import minutes

    return minutes(value)


def _losses(datasets: list[DatasetLoss], recovery: bool) -> str:
    """Per dataset, what was lost (or how long recovery takes) against its target; `gone`
    when no copy survives."""
    parts = []
    for d in datasets:
        value, target, met = (
            (d.recovery_minutes, d.rto_minutes, d.rto_met)
            if recovery
            else (d.lost_minutes, d.rpo_minutes, d.rpo_met)
        )
        shown = "gone" if value is None else _minutes(value) if value else "0"
        parts.append(f"{d.dataset} {shown} / {_minutes(target)}" + ("" if met else " MISSED"))
    return "; ".join(parts) or "-"
