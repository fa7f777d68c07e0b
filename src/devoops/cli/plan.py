"""Take the improvement plan elsewhere: `devoops plan export devoops.yaml --csv`."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import Lens, Output, Workload, emit

app = typer.Typer(
    help=__doc__,
    epilog="Example: devoops plan export devoops.yaml --csv -o plan.csv",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command("export", epilog="Example: devoops plan export devoops.yaml --csv -o plan.csv")
def export(
    workload: Workload,
    as_csv: Annotated[
        bool,
        typer.Option("--csv", help="CSV for Jira's importer and GitHub issue importers (the default format)"),
    ] = True,
    output: Output = None,
    lens: Lens = None,
) -> None:
    """Export the plan, one row per item in plan order, for an issue tracker's importer."""
    from ..api import assess_file
    from ..report.registry import Page, formats

    # CSV is the only format so far, so `as_csv` is always set; other formats join as flags beside it.
    emit(formats("plan").get("csv").render(assess_file(workload, lens or ()).assessment, Page()), output)
