"""Assess a workload: on a terminal, the one-page verdict (`--full`: the whole report); in the
other formats, everything. --save keeps it in the store."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import (
    AssessmentFormatOption,
    Lens,
    Output,
    Workload,
    Years,
    emit,
    emit_report,
    is_terminal,
    width,
)
from .store import Db

if TYPE_CHECKING:
    from ..api import Result
    from ..model.summary import HistoryEntry

NAME = "assess"
EXAMPLE = "Example: devoops assess devoops.yaml --save -f html -o report.html"


def run(
    workload: Workload,
    format: AssessmentFormatOption = "terminal",
    output: Output = None,
    lens: Lens = None,
    save: Annotated[bool, typer.Option("--save", help="keep this assessment in the store")] = False,
    db: Db = None,
    years: Years = 20_000,
    full: Annotated[
        bool,
        typer.Option("--full", help="the terminal's whole report instead of the one-page verdict"),
    ] = False,
) -> None:
    from ..api import assess_file

    result = assess_file(workload, lens or (), years=years)
    if format == "terminal" and not full:
        save_and_history(result, db, save, want_history=False)
        color = output in (None, Path("-")) and is_terminal()
        emit(verdict_text(result, f"The whole report: devoops assess {workload} --full", color), output)
        return
    report(result, format, output, db, save)


def verdict_text(result: Result, footer: str, color: bool) -> str:
    """The one-page verdict, its questions in the lens's words, at the terminal's width."""
    from ..report.terminal import render_verdict
    from ..report.verdict import verdict

    asked = {p.id: p.question for p in result.lens.practices}
    return render_verdict(verdict(result.assessment, asked), footer, color, width())


def report(result: Result, format: str, output: Path | None, db: str | None, save: bool) -> None:
    """Save when asked, then write the report (an HTML one with the saved history charted)."""
    from ..report.registry import Assessed

    history = save_and_history(result, db, save, format == "html")
    emit_report("assessment", format, Assessed(result.assessment, history), output)


def save_and_history(result: Result, db: str | None, save: bool, want_history: bool) -> list[HistoryEntry]:
    """Save when asked; an HTML report also charts the application's saved history, this run last."""
    if not (save or want_history):
        return []
    from ..store import Store, entry_of, exists, locate

    url = locate(db, result.loaded.path)
    if not save and not exists(url):
        return [entry_of(result.assessment)]
    with Store(url) as store:
        if save:
            saved = store.save(result.assessment, result.loaded.text)
            typer.echo(
                f"saved as assessment {saved.id} of {saved.app} in {store.where}",
                err=True,
            )
        history = store.history(result.assessment.app.name) if want_history else []
    return history if save else [*history, entry_of(result.assessment)]
