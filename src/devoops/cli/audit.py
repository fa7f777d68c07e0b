"""Run the workload's probes concurrently and assess it with what they measured.

Evidence outranks the answers, and each finding says which decided. The assessment is saved
when the store exists (or with --save); --no-save never writes. --fail-on makes it a CI gate.
Exit 4 names the probes that could not run or proved nothing (ERROR, UNKNOWN)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

import typer

from .assess import report
from .check import Gate
from .common import AssessmentFormatOption, Lens, Output, Workload, Years
from .store import Db

if TYPE_CHECKING:
    from collections.abc import Callable

    from rich.progress import TaskID

    from ..model.assessment import Assessment
    from ..model.evidence import ProbeResult
    from ..model.workload import ProbeConfig

NAME = "audit"
EXAMPLE = "Example: devoops audit devoops.yaml --probe api-latency -f html -o report.html"


def run(
    workload: Workload,
    format: AssessmentFormatOption = "terminal",
    output: Output = None,
    lens: Lens = None,
    probe: Annotated[
        list[str] | None, typer.Option("--probe", metavar="NAME", help="run only this probe (repeatable)")
    ] = None,
    save: Annotated[
        bool | None,
        typer.Option("--save/--no-save", help="keep the assessment in the store [default: when it exists]"),
    ] = None,
    db: Db = None,
    fail_on: Annotated[
        Gate | None,
        typer.Option(
            "--fail-on",
            help="exit 1 when a finding now reaches this risk or a probe ends in ERROR (a gate "
            "cannot pass on evidence it could not collect)",
        ),
    ] = None,
    years: Years = 20_000,
) -> None:
    from ..api import audit_file
    from ..store import exists, locate

    with Listeners() as (started, finished):
        result = audit_file(workload, lens or (), probe or (), started, finished, db=db, years=years)
    keep = save if save is not None else exists(locate(db, result.loaded.path))
    report(result, format, output, db, keep)
    if fail_on is not None:
        _gate(result.assessment, fail_on)
    _proved(result.assessment)


def _gate(a: Assessment, fail_on: Gate) -> None:
    from ..model.common import Horizon, Risk
    from ..model.evidence import Status
    from .check import failed

    broken = [r for r in a.evidence if r.status == Status.ERROR]
    for r in broken:
        typer.echo(f"ERROR   probe {r.name} ({r.kind}): {r.evidence.summary}", err=True)
    if failed(a, Horizon.NOW, Risk(fail_on.value.upper()), err=True) or broken:
        raise typer.Exit(1)


PROVED_NOTHING = 4
"""The exit code when a probe could not run (ERROR) or proved nothing (UNKNOWN): an audit that
exits 0 has evidence from every probe it ran."""


def _proved(a: Assessment) -> None:
    from ..model.evidence import Status

    empty = [r for r in a.evidence if r.status in (Status.ERROR, Status.UNKNOWN)]
    for r in empty:
        typer.echo(f"{r.status.value:<7} probe {r.name} ({r.kind}): {r.evidence.summary}", err=True)
    if empty:
        names = ", ".join(r.name for r in empty)
        typer.echo(f"error: no evidence from {len(empty)} of {len(a.evidence)} probes: {names}", err=True)
        raise typer.Exit(PROVED_NOTHING)


class Listeners:
    """A live display of the running probes on a terminal; one line per finished probe otherwise
    (CI logs), both on stderr so the report on stdout stays clean."""

    def __enter__(self) -> tuple[Callable[[str, ProbeConfig], None], Callable[[ProbeResult], None]]:
        import sys

        from rich.console import Console
        from rich.progress import Progress, SpinnerColumn, TextColumn, TimeElapsedColumn

        self.console = Console(stderr=True)
        self.live = sys.stderr.isatty()
        self.progress = Progress(
            SpinnerColumn(),
            TextColumn("{task.description}"),
            TimeElapsedColumn(),
            console=self.console,
            transient=False,
            disable=not self.live,
        )
        self.tasks: dict[str, TaskID] = {}
        self.progress.start()
        return self.started, self.finished

    def __exit__(self, *exc: object) -> None:
        self.progress.stop()

    def started(self, name: str, config: ProbeConfig) -> None:
        self.tasks[name] = self.progress.add_task(f"{name} ({config.type}) {config.target}", total=1)

    def finished(self, result: ProbeResult) -> None:
        line = f"{result.status.value:<7} {result.name} ({result.kind}) {result.seconds:.1f} s: {result.evidence.summary}"
        if self.live:
            self.progress.update(self.tasks[result.name], description=line, completed=1)
        else:
            self.console.print(line, highlight=False, markup=False, soft_wrap=True)
