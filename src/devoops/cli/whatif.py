"""What if the inventory changed? Availability, scenario verdicts and the expected yearly cost of
downtime before and after each change and all together; without changes, the ranked plan."""

from __future__ import annotations

from typing import Annotated

import typer

from .check import When
from .common import Lens, Output, ReportFormat, ReportFormatOption, Workload, emit, emit_sections
from .scenarios import HorizonOption

NAME = "whatif"
EXAMPLE = (
    "Example: devoops whatif devoops.yaml add-replica db second-dns-provider   "
    "(changes: add-replica C, multi-zone C, automatic-failover C, second-dns-provider, "
    "backups-to-separate-account, point-in-time-recovery C, delayed-replica C)"
)


def run(
    workload: Workload,
    changes: Annotated[
        list[str] | None,
        typer.Argument(
            metavar="CHANGE [COMPONENT]",
            help="changes to try, each followed by its component when it takes one",
            show_default=False,
        ),
    ] = None,
    horizon: HorizonOption = When.NOW,
    format: ReportFormatOption = ReportFormat.TERMINAL,
    output: Output = None,
    lens: Lens = None,
) -> None:
    import json

    from ..api import whatif_file
    from ..model.common import Horizon
    from ..report.view import COSTS, Section, changes_table

    result = whatif_file(workload, changes or (), lens or (), Horizon(horizon.value))
    if format == ReportFormat.JSON:
        data = {
            "horizon": result.horizon.value,
            "currency": result.currency,
            "changes": [c.model_dump(mode="json") for c in result.changes],
            "together": result.together.model_dump(mode="json") if result.together else None,
            "improvements": [c.model_dump(mode="json") for c in result.improvements],
        }
        emit(json.dumps(data, indent=2) + "\n", output)
        return
    if result.changes:
        shown = [*result.changes, *([result.together] if result.together else [])]
        section = Section("Changes", paragraphs=[COSTS], tables=[changes_table(shown, result.currency)])
    elif result.improvements:
        section = Section(
            "Plan: changes by money saved per money spent",
            paragraphs=[COSTS],
            tables=[changes_table(result.improvements, result.currency)],
        )
    else:
        section = Section("Plan", paragraphs=["No single change of the catalogue saves money here.", COSTS])
    title = f"devoops whatif · {result.loaded.workload.app.name} · {result.horizon.value}"
    emit_sections(title, [section], format == ReportFormat.MD, output)
