"""Write the whole store as JSON lines: every application, assessment and milestone."""

from __future__ import annotations

import typer

from .common import Output
from .store import Db

NAME = "export"
EXAMPLE = "Example: devoops export -o store.jsonl && devoops import store.jsonl --db postgresql://…"


def run(output: Output = None, db: Db = None) -> None:
    import io
    import sys

    from ..store.transfer import export
    from .common import write_atomically
    from .store import open_store

    with open_store(db) as store:
        if output is None:
            counts = export(store, sys.stdout)
        else:
            buffer = io.StringIO()
            counts = export(store, buffer)
            write_atomically(output, buffer.getvalue())
    typer.echo(
        f"exported {counts.applications} applications, {counts.assessments} assessments, "
        f"{counts.milestones} milestones",
        err=True,
    )
