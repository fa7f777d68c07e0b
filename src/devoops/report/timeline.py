"""Saved assessments as one table: when, risks now, maturity per tenet, milestones."""

from __future__ import annotations

from ..model.common import Tenet
from ..model.summary import HistoryEntry
from .sections import Section, Table

SHORT = {
    Tenet.HIGH_AVAILABILITY: "HA",
    Tenet.SCALABILITY: "scale",
    Tenet.PERFORMANCE: "perf",
    Tenet.DATA_INTEGRITY: "data",
    Tenet.SECURITY: "sec",
    Tenet.PRODUCTIVITY: "prod",
}


def section(entries: list[HistoryEntry]) -> Section:
    if not entries:
        return Section("History", paragraphs=["No saved assessments."])
    rows = [
        [
            str(e.id),
            f"{e.generated_at:%Y-%m-%d %H:%M}",
            e.app,
            str(e.high),
            str(e.medium),
            str(e.unknown),
            *(f"{e.maturity.get(t, 0):g}" for t in Tenet),
            ", ".join(e.milestones),
        ]
        for e in entries
    ]
    columns = ["id", "assessed (UTC)", "app", "high", "medium", "unanswered", *SHORT.values(), "milestones"]
    return Section(
        "History",
        paragraphs=[
            "Risks are those of today's horizon; maturity 0-10 per tenet. "
            "`devoops diff A B` compares two, `devoops show ID` shows one."
        ],
        tables=[Table(columns, rows)],
    )
