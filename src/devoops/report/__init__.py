"""One renderer per format over one Assessment; the renderers of every kind of output are
registered in `registry`. Importing this package stays cheap: the CLI lists formats at start-up."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from .registry import Assessed, Page, formats

if TYPE_CHECKING:
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
    """The assessment's report in `fmt`, a name of the assessment registry."""
    return formats("assessment").get(fmt).render(Assessed(a, history), Page(color, width))
