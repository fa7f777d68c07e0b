"""JSON: the Assessment model itself, with its schema version (see docs/json-report.md); any
other report's data as it stands."""

from __future__ import annotations

import json

from pydantic import BaseModel

from ..model.assessment import Assessment
from .registry import Assessed, Document, Page, Renderer


def render(a: Assessment) -> str:
    return a.model_dump_json(indent=2, by_alias=True) + "\n"


class JsonReport(Renderer[Assessed]):
    format = "json"
    media_type = "application/json"

    def render(self, subject: Assessed, page: Page) -> str:
        return render(subject.assessment)


class JsonDocument(Renderer[Document]):
    """The data behind a report: a pydantic model as pydantic writes it, anything else as the
    standard library does."""

    format = "json"
    media_type = "application/json"

    def render(self, subject: Document, page: Page) -> str:
        if isinstance(subject.data, BaseModel):
            return subject.data.model_dump_json(indent=2) + "\n"
        return json.dumps(subject.data, indent=2) + "\n"
