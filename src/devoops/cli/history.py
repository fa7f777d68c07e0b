"""List saved assessments, oldest first: risks now, maturity per tenet, milestones."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import AnalysisFormatOption, Output, emit_report
from .store import Db

NAME = "history"
EXAMPLE = "Example: devoops history linkpile --limit 10"


def run(
    app: Annotated[str | None, typer.Argument(help="only this application")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="the newest N")] = 20,
    all: Annotated[bool, typer.Option("--all", help="every saved assessment")] = False,
    format: AnalysisFormatOption = "terminal",
    output: Output = None,
    db: Db = None,
) -> None:
    from .store import open_store

    with open_store(db) as store:
        entries = store.history(app, None if all else limit)
        where = store.where
    from ..report.registry import Document
    from ..report.timeline import section

    data = [e.model_dump(mode="json") for e in entries]
    emit_report("analysis", format, Document(f"devoops history · {where}", [section(entries)], data), output)
