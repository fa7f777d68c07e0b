"""Run the catastrophes of the lens against the workload's inventory: what each one takes,
whether the application stays up, which data survives, and what the year's downtime costs."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from .check import When
from .common import AnalysisFormatOption, Lens, Output, Workload, Years, emit_report

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
    format: AnalysisFormatOption = "terminal",
    output: Output = None,
    years: Years = 20_000,
    seed: Annotated[int, typer.Option("--seed", min=0, help="seed of the Monte Carlo")] = 7,
    fail_on: Annotated[
        FailOn | None, typer.Option("--fail-on", help="exit 1 when a scenario's verdict is at least this bad")
    ] = None,
    lens: Lens = None,
) -> None:
    """The scenario table, single points of failure, shared-fate groups, the availability model
    with its simulated years, and the improvements ranked by money saved per money spent."""
    from ..api import resilience_file
    from ..model.common import Horizon
    from ..model.resilience import Verdict
    from ..report.catastrophes import resilience
    from ..report.registry import Document

    result = resilience_file(workload, lens or (), Horizon(horizon.value), years, seed)
    title = f"devoops scenarios · {result.loaded.workload.app.name} · {horizon.value}"
    sections = resilience(result.resilience, result.targets.availability.currency)
    data = result.resilience.model_dump(mode="json")
    emit_report("analysis", format, Document(title, sections, data), output)
    if fail_on is not None:
        bar = Verdict(fail_on.value).rank
        bad = [o for o in result.resilience.scenarios if o.verdict.rank >= bar]
        for o in bad:
            typer.echo(f"{o.verdict.value.upper():<15} {o.scenario} ({o.scope}): {o.reason}", err=True)
        if bad:
            raise typer.Exit(1)
