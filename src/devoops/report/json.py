"""JSON: the Assessment model itself, with its schema version (see docs/json-report.md)."""

from __future__ import annotations

from ..model.assessment import Assessment


def render(a: Assessment) -> str:
    return a.model_dump_json(indent=2, by_alias=True) + "\n"
