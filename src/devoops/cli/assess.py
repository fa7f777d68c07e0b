"""Assess a workload: tenets, targets, tensions, findings and the plan."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated

import typer

from .common import Lens, Output, Workload, emit, is_terminal, width

NAME = "assess"
EXAMPLE = "Example: devoops assess devoops.yaml -f md -o report.md"


class Format(StrEnum):
    TERMINAL = "terminal"
    MD = "md"
    JSON = "json"


def run(
    workload: Workload,
    format: Annotated[Format, typer.Option("--format", "-f", help="output format")] = Format.TERMINAL,
    output: Output = None,
    lens: Lens = None,
) -> None:
    from ..api import assess_file
    from ..report import render

    result = assess_file(workload, lens or ())
    emit(
        render(result.assessment, format.value, color=output is None and is_terminal(), width=width()), output
    )
