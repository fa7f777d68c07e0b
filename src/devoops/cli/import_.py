"""Read a `devoops export` file into the store: all of it in one transaction, or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from .store import Db

NAME = "import"
EXAMPLE = "Example: devoops import store.jsonl --db postgresql://devoops@db.internal/devoops"


def run(
    file: Annotated[Path, typer.Argument(metavar="FILE", help="a file written by `devoops export`")],
    db: Db = None,
) -> None:
    from ..base.errors import UsageError
    from ..store.transfer import load, read
    from .store import open_store

    try:
        with file.open(encoding="utf-8") as f:
            records = read(f, str(file))
    except OSError as exc:
        raise UsageError(f"cannot read {file}: {exc.strerror or exc}") from None
    with open_store(db, must_exist=False) as store:
        counts = load(store, records)
        where = store.where
    typer.echo(
        f"imported into {where}: {counts.assessments} assessments, {counts.milestones} milestones"
        + (f"; {counts.skipped} already there, skipped" if counts.skipped else "")
    )
