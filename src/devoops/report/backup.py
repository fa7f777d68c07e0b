"""`devoops backup make` on standard output: nothing on a terminal (the summary goes to stderr
in every format), the manifest with where the backup went and what was pruned as JSON."""

from __future__ import annotations

import json
from typing import TYPE_CHECKING

from .registry import Page, Renderer

if TYPE_CHECKING:
    from ..backup.make import Made


class TerminalBackup(Renderer["Made"]):
    format = "terminal"
    media_type = "text/plain"

    def render(self, subject: Made, page: Page) -> str:
        return ""


class JsonBackup(Renderer["Made"]):
    format = "json"
    media_type = "application/json"

    def render(self, subject: Made, page: Page) -> str:
        document = subject.manifest.model_dump(mode="json", by_alias=True) | {
            "location": subject.where,
            "pruned": subject.pruned,
            "unverified": subject.unverified,
        }
        return json.dumps(document, indent=2) + "\n"
