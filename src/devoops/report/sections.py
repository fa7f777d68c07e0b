"""What a report is made of: sections of paragraphs, bullets, tables and step lists, and the
words their headings use. Every report says its content once in these; the terminal, Markdown
and HTML renderers only give it a skin."""

from __future__ import annotations

from dataclasses import dataclass, field

from ..model.common import Horizon, Tenet
from ..model.lens import CostBand

TENET_TITLES = {
    Tenet.HIGH_AVAILABILITY: "High availability",
    Tenet.SCALABILITY: "Scalability",
    Tenet.PERFORMANCE: "Performance",
    Tenet.DATA_INTEGRITY: "Data integrity",
    Tenet.SECURITY: "Security",
    Tenet.PRODUCTIVITY: "Productivity",
}

HORIZON_TITLES = {
    Horizon.NOW: "now",
    Horizon.SIX_MONTHS: "in 6 months",
    Horizon.TWELVE_MONTHS: "in 12 months",
}


@dataclass
class Table:
    columns: list[str]
    rows: list[list[str]]
    title: str = ""


@dataclass
class Section:
    heading: str
    paragraphs: list[str] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    bullets: list[str] = field(default_factory=list)
    details: list[tuple[str, list[str]]] = field(default_factory=list)
    """Titled step lists: the full text, shown where space allows (Markdown)."""


def changing(tables: list[Table]) -> list[Table]:
    """Only the tables whose rows differ from the one before: a horizon like the last is left out."""
    kept: list[Table] = []
    for table in tables:
        if not kept or table.rows != kept[-1].rows:
            kept.append(table)
    return kept


def cost_band(band: CostBand) -> str:
    return f"${band.high:,.0f}" if band.low == band.high else f"${band.low:,.0f}-{band.high:,.0f}"
