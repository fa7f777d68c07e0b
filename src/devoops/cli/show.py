"""Show a saved assessment as a report: by id, `latest`, or a milestone name."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import Output, ShowFormat, emit, emit_report
from .store import AppName, Db

NAME = "show"
EXAMPLE = "Example: devoops show latest -f html -o report.html"


def run(
    ref: Annotated[str, typer.Argument(metavar="REF", help="an assessment id, latest, or a milestone name")],
    format: Annotated[
        ShowFormat,
        typer.Option("--format", "-f", help="output format; `workload` prints the file it assessed"),
    ] = "terminal",
    output: Output = None,
    app: AppName = None,
    db: Db = None,
) -> None:
    from ..report.registry import Assessed
    from .store import open_store

    with open_store(db) as store:
        stored = store.load(ref, app)
        history = store.history(stored.entry.app) if format == "html" else []
    if format == "workload":
        if output is None:  # verbatim: echo would add a newline to a file that ends without one
            import sys

            sys.stdout.write(stored.workload_text)
        else:
            emit(stored.workload_text, output)
        return
    shown = [e for e in history if e.generated_at <= stored.entry.generated_at]
    emit_report("assessment", format, Assessed(stored.assessment, shown), output)
