"""Drills on real databases: restore the newest backup into a scratch database and check it,
or fail the primary over while writing; each is evidence against the RTO and RPO."""

from __future__ import annotations

from typing import Annotated

import typer

from .assess import report
from .audit import Listeners
from .common import AssessmentFormatOption, Lens, Output, Workload
from .store import Db

app = typer.Typer(
    help="Drills on real databases: restore the newest backup, or fail the primary over.",
    no_args_is_help=True,
    rich_markup_mode=None,
)
Names = Annotated[
    list[str] | None, typer.Option("--probe", metavar="NAME", help="run only this drill (repeatable)")
]
Save = Annotated[
    bool | None,
    typer.Option("--save/--no-save", help="keep the assessment in the store [default: when it exists]"),
]


def _command(name: str, kind: str, doc: str) -> None:
    """`devoops drill NAME`: the workload's probes of `kind`, reported and saved like an audit."""

    def command(
        workload: Workload,
        format: AssessmentFormatOption = "terminal",
        output: Output = None,
        lens: Lens = None,
        probe: Names = None,
        save: Save = None,
        db: Db = None,
    ) -> None:
        _drill(kind, workload, format, output, lens, probe, save, db)

    command.__doc__ = doc
    app.command(name, epilog=f"Example: devoops drill {name} devoops.yaml --probe NAME")(command)


def _drill(
    kind: str,
    workload: Workload,
    format: str,
    output: Output,
    lens: Lens,
    probe: list[str] | None,
    save: bool | None,
    db: str | None,
) -> None:
    from ..api import audit_file
    from ..model.evidence import Status
    from ..store import exists, locate

    with Listeners() as (started, finished):
        result = audit_file(workload, lens or (), probe or (), started, finished, kind=kind)
    keep = save if save is not None else exists(locate(db, result.loaded.path))
    report(result, format, output, db, keep)
    if any(r.status != Status.PASS for r in result.assessment.evidence):
        raise typer.Exit(1)


_command(
    "restore",
    "restore_drill",
    """Restore the newest backup into a scratch database devoops creates (and drops), check its
    row counts and assertions, and time it against the RTO. Exits 1 unless every drill passed.""",
)
_command(
    "failover",
    "failover_drill",
    """Write numbered rows through the application's connection string while the configured
    command fails the primary over; report the write downtime, the acknowledged rows lost and
    when the replicas follow. Exits 1 unless every drill passed.""",
)
