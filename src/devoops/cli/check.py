"""A CI gate: fail (exit 1) when a finding at or above a risk exists, printing why.

Writes JUnit XML and SARIF for the CI to show when asked; exit 0 when nothing reaches the
threshold, 2 on bad input (and then writes no file)."""

from __future__ import annotations

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from .common import Lens, Workload

if TYPE_CHECKING:
    from ..model.assessment import Assessment
    from ..model.common import Horizon, Risk

NAME = "check"
EXAMPLE = "Example: devoops check devoops.yaml --fail-on medium --junit devoops.xml --sarif devoops.sarif"


class Gate(StrEnum):
    HIGH = "high"
    MEDIUM = "medium"
    UNKNOWN = "unknown"


class When(StrEnum):
    """Horizon's values, spelled here so `devoops --help` does not import pydantic."""

    NOW = "now"
    SIX_MONTHS = "6mo"
    TWELVE_MONTHS = "12mo"


def run(
    workload: Workload,
    fail_on: Annotated[
        Gate, typer.Option("--fail-on", help="fail on findings at or above this risk")
    ] = Gate.HIGH,
    horizon: Annotated[When, typer.Option(help="judge the practices at this horizon")] = When.NOW,
    junit: Annotated[
        Path | None, typer.Option(metavar="PATH", help="write every practice as a JUnit XML test here")
    ] = None,
    sarif: Annotated[
        Path | None, typer.Option(metavar="PATH", help="write the failing findings as SARIF 2.1.0 here")
    ] = None,
    lens: Lens = None,
) -> None:
    from ..api import assess_file
    from ..model.common import Horizon, Risk
    from ..report.registry import Checked, Page, formats
    from .common import write_atomically

    result = assess_file(workload, lens or ())
    a, when, gate = result.assessment, Horizon(horizon.value), Risk(fail_on.value.upper())
    checked = Checked(a, when, gate, result.source(), Path.cwd().resolve(), result.lens)
    writes = [
        (path, formats("check").get(name).render(checked, Page()))
        for name, path in (("junit", junit), ("sarif", sarif))
        if path is not None
    ]
    for path, text in writes:
        write_atomically(path, text)
    if failed(a, when, gate):
        raise typer.Exit(1)


def failed(a: Assessment, when: Horizon, gate: Risk, err: bool = False) -> bool:
    """Print the findings at or above `gate` and a verdict line; True when any reaches it."""
    from ..report.assessment import reason
    from ..report.sections import HORIZON_TITLES

    failing = sorted((f for f in a.at(when).findings if f.risk.rank >= gate.rank), key=lambda f: -f.risk.rank)
    for f in failing:
        typer.echo(f"{f.risk.value:<7} {f.practice}  {f.title}: {reason(f)}", err=err)
    count = f"{len(failing)} finding{'' if len(failing) == 1 else 's'}"
    verdict = "failing" if failing else "passed"
    typer.echo(f"{count} at or above {gate.value} {HORIZON_TITLES[when]}: {verdict}", err=err)
    return bool(failing)
