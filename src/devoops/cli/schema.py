"""Print the JSON Schema of the workload file (for editors), or of the JSON report."""

from __future__ import annotations

from typing import Annotated

import typer

from .common import Output, emit

NAME = "schema"
EXAMPLE = (
    "Example: devoops schema > devoops.schema.json, then put "
    "'# yaml-language-server: $schema=devoops.schema.json' at the top of devoops.yaml"
)


def run(
    report: Annotated[bool, typer.Option("--report", help="the schema of `assess -f json` instead")] = False,
    output: Output = None,
) -> None:
    import json

    from ..api.schema import assessment_schema, workload_schema

    emit(json.dumps(assessment_schema() if report else workload_schema(), indent=2) + "\n", output)
