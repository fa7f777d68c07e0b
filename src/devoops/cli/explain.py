"""Explain why a target or an importance is what it is: availability, latency, data,
capacity, delivery, tensions, a tenet (e.g. security), a practice id or scenario.<id>."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import Lens, Output, TextFormatOption, Workload, emit_report

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
    format: TextFormatOption = "terminal",
    output: Output = None,
    lens: Lens = None,
) -> None:
    from ..api import assess_file
    from ..report.explain import explain
    from ..report.registry import Document

    result = assess_file(workload, lens or ())
    sections = explain(result.assessment, result.lens, topic)
    title = f"devoops explain {topic} · {result.assessment.app.name}"
    emit_report("text", format, Document(title, sections), output)
