"""What the store says about saved assessments without loading them whole: one line of history."""

from __future__ import annotations

import datetime as dt

from .common import Strict, Tenet


class HistoryEntry(Strict):
    """A saved assessment's summary: enough to list, chart a trend, or pick one to diff."""

    id: int
    uid: str
    app: str
    generated_at: dt.datetime
    saved_at: dt.datetime
    source: str
    lens_version: str
    devoops_version: str
    high: int
    """Findings now at HIGH risk."""
    medium: int
    unknown: int
    maturity: dict[Tenet, float]
    milestones: list[str] = []
