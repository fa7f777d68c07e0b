"""Compare two saved assessments: improved, regressed, targets moved, findings new and resolved.
With no references, the two newest of the application."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import AnalysisFormatOption, Output, emit_report
from .store import AppName, Db

NAME = "diff"
EXAMPLE = "Example: devoops diff baseline latest"


def run(
    before: Annotated[
        str | None, typer.Argument(metavar="[A]", help="id, latest or milestone (default: the one before B)")
    ] = None,
    after: Annotated[
        str | None, typer.Argument(metavar="[B]", help="id, latest or milestone (default: latest)")
    ] = None,
    format: AnalysisFormatOption = "terminal",
    output: Output = None,
    app: AppName = None,
    db: Db = None,
) -> None:
    from ..base.errors import UsageError
    from ..evaluate.diff import diff
    from .store import open_store

    with open_store(db) as store:
        if before is None:
            before, after = store.latest_two(app)
        a = store.load(before, app)
        # B defaults to the latest of A's application, also in a store holding several.
        b = store.load(after, app) if after else store.load("latest", app or a.entry.app)
    if a.entry.app != b.entry.app:
        raise UsageError(
            f"{before} is of {a.entry.app} and {after} of {b.entry.app}: compare one application"
        )
    d = diff(a.assessment, b.assessment, (f"#{a.entry.id}", f"#{b.entry.id}"))
    from ..report.diff import sections
    from ..report.registry import Document

    emit_report("analysis", format, Document(f"devoops diff · {d.app}", sections(d), d), output)
