"""Options and helpers for the commands that use the store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

if TYPE_CHECKING:
    from ..store import Store

Db = Annotated[
    str | None,
    typer.Option(
        "--db",
        metavar="PATH|URL",
        help="the store: a SQLite file or a database URL "
        "(default: $DEVOOPS_DATABASE_URL, else .devoops/devoops.db beside the workload or in this folder or above)",
    ),
]
AppName = Annotated[str | None, typer.Option("--app", help="the application, when the store holds several")]


def open_store(db: str | None, workload: Path | None = None, must_exist: bool = True) -> Store:
    """The store named or found; with must_exist, a missing SQLite file is an error, not a new store."""
    from ..base.errors import UsageError
    from ..store import Store, exists, locate

    url = locate(db, workload)
    if must_exist and not exists(url):
        from ..store.engine import display

        raise UsageError(f"no store at {display(url)}: save an assessment first with `devoops assess --save`")
    return Store(url)
