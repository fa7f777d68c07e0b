"""One renderer per format over one Assessment."""

from __future__ import annotations

from collections.abc import Sequence

from ..base.errors import UsageError
from ..model.assessment import Assessment
from ..model.summary import HistoryEntry


def render(
    a: Assessment,
    fmt: str,
    color: bool = False,
    width: int = 120,
    *,
    history: Sequence[HistoryEntry] = (),
) -> str:
    if fmt == "terminal":
        from .terminal import render as terminal

        return terminal(a, color, width)
    if fmt == "md":
        from .markdown import render as markdown

        return markdown(a)
    if fmt == "json":
        from .json import render as json

        return json(a)
    if fmt == "html":
        from .html import render as html

        return html(a, history)
    raise UsageError(f"unknown format {fmt!r}; choose one of terminal, md, json, html")
