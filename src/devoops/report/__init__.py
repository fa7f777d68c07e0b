"""One renderer per format over one Assessment."""

from __future__ import annotations

from ..errors import UsageError
from ..model.assessment import Assessment


def render(a: Assessment, fmt: str, color: bool = False, width: int = 120) -> str:
    if fmt == "terminal":
        from .terminal import render as terminal

        return terminal(a, color, width)
    if fmt == "md":
        from .markdown import render as markdown

        return markdown(a)
    if fmt == "json":
        from .json import render as json

        return json(a)
    raise UsageError(f"unknown format {fmt!r}; choose one of terminal, md, json")
