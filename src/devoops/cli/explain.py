"""Explain why a target or an importance is what it is: availability, latency, data,
capacity, delivery, tensions, a tenet (e.g. security), a practice id or scenario.<id>."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import Lens, Output, TextFormat, TextFormatOption, Workload, emit_sections

NAME = "explain"
EXAMPLE = "Example: devoops explain availability devoops.yaml"
Topic = Annotated[
    str,
    typer.Argument(
        help="availability, latency, data, capacity, delivery, tensions, a tenet, a practice id or scenario.<id>"
    ),
]


def run(
    topic: Topic,
    workload: Workload,
    format: TextFormatOption = TextFormat.TERMINAL,
    output: Output = None,
    lens: Lens = None,
) -> None:
    from ..api import assess_file
    from ..report.explain import explain

    result = assess_file(workload, lens or ())
    sections = explain(result.assessment, result.lens, topic)
    emit_sections(
        f"devoops explain {topic} · {result.assessment.app.name}", sections, format == TextFormat.MD, output
    )
