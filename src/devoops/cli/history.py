"""List saved assessments, oldest first: risks now, maturity per tenet, milestones."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from .common import Output, emit, emit_sections
from .store import Db

NAME = "history"
EXAMPLE = "Example: devoops history linkpile --limit 10"


class Format(StrEnum):
    TERMINAL = "terminal"
    MD = "md"
    JSON = "json"


def run(
    app: Annotated[str | None, typer.Argument(help="only this application")] = None,
    limit: Annotated[int, typer.Option("--limit", "-n", min=1, help="the newest N")] = 20,
    all: Annotated[bool, typer.Option("--all", help="every saved assessment")] = False,
    format: Annotated[Format, typer.Option("--format", "-f", help="output format")] = Format.TERMINAL,
    output: Output = None,
    db: Db = None,
) -> None:
    from .store import open_store

    with open_store(db) as store:
        entries = store.history(app, None if all else limit)
        where = store.where
    if format == Format.JSON:
        import json

        emit(json.dumps([e.model_dump(mode="json") for e in entries], indent=2) + "\n", output)
        return
    from ..report.timeline import section

    emit_sections(f"devoops history · {where}", [section(entries)], format == Format.MD, output)
