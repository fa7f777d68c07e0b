"""Browse the catalogue of practices: `devoops lens list`, `devoops lens show ID`."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import Lens, Output, TextFormatOption, emit_report

app = typer.Typer(
    help=__doc__,
    epilog="Example: devoops lens show backups.offsite",
    no_args_is_help=True,
    rich_markup_mode=None,
)


@app.command("list", epilog="Example: devoops lens list --tenet security")
def list_(
    tenet: Annotated[str | None, typer.Option(help="only practices serving this tenet")] = None,
    format: TextFormatOption = "terminal",
    output: Output = None,
    lens: Lens = None,
) -> None:
    """List the practices, optionally those of one tenet."""
    from ..base.errors import UsageError
    from ..lens import load_lens
    from ..model.common import Tenet
    from ..report.catalogue import practice_list
    from ..report.registry import Document

    if tenet is not None and tenet not in {t.value for t in Tenet}:
        raise UsageError(f"unknown tenet {tenet!r}; choose one of {', '.join(t.value for t in Tenet)}")
    sections = practice_list(load_lens(lens or ()), Tenet(tenet) if tenet else None)
    emit_report("text", format, Document("devoops lens", sections), output)


@app.command("show", epilog="Example: devoops lens show backups.offsite")
def show(
    practice: Annotated[str, typer.Argument(help="a practice id, e.g. backups.offsite")],
    format: TextFormatOption = "terminal",
    output: Output = None,
    lens: Lens = None,
) -> None:
    """Show one practice: its question, choices, risk rules, plan and references."""
    from ..base.errors import UsageError, did_you_mean
    from ..lens import load_lens
    from ..report.catalogue import practice_detail
    from ..report.registry import Document

    catalogue = load_lens(lens or ())
    found = catalogue.practice(practice)
    if found is None:
        raise UsageError(
            f"unknown practice {practice!r}" + did_you_mean(practice, [p.id for p in catalogue.practices])
        )
    emit_report("text", format, Document(f"devoops lens show {practice}", practice_detail(found)), output)
