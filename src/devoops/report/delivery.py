"""`devoops delivery analyze` as report sections (terminal and Markdown) and as data (JSON)."""

from __future__ import annotations

from typing import Any

from ..base.errors import Location
from ..base.fmt import quantity
from ..delivery.dora import Delivery
from ..delivery.evidence import figures
from ..evaluate.diff import figure_value
from ..model.evidence import Evidence
from .sections import Section, Table

SKIPPED_SHOWN = 20


def _when(d: Delivery) -> str:
    since = "the first record" if d.since is None else f"{d.since:%Y-%m-%d %H:%M}"
    return f"from {since} to {d.until:%Y-%m-%d %H:%M} UTC"


def sections(d: Delivery, e: Evidence, skipped: list[tuple[Location, str]]) -> list[Section]:
    intro = [
        f"**{d.environment}**, {_when(d)}: {d.deployments} deployments ({d.successful} successful), "
        f"incidents: {d.incidents}.",
        f"A deployment failed when its status says failed or rolled back, or an incident started within "
        f"{d.failure_hours:g} h after it (or names it). Clusters: DORA's 2024 State of DevOps report.",
    ]
    if skipped:
        intro.append(f"{len(skipped)} malformed rows skipped (--skip-bad-rows).")
    rows = [
        [
            m.name,
            figure_value(m),
            "" if f.cluster is None else f.cluster.value,
            "" if m.target is None else f"{'≤' if m.bound == 'max' else '≥'} {quantity(m.target, m.unit)}",
            {True: "yes", False: "NO", None: ""}[m.ok],
            f.detail,
        ]
        for f, m in zip(figures(d).values(), e.measurements, strict=True)
    ]
    tables = [Table(["figure", "value", "cluster", "target", "held", "detail"], rows)]
    tables += [
        Table(t.columns, [["" if c is None else str(c) for c in row] for row in t.rows], t.title)
        for t in e.tables
    ]
    result = [
        Section("Delivery", paragraphs=intro, tables=tables),
        Section(
            "Evidence",
            paragraphs=[f"{e.status.value}: {e.summary}"],
            bullets=[f"{v.practice} is **{v.choice}**: {v.reason}" for v in e.verdicts],
        ),
    ]
    if skipped:
        shown = [
            f"{loc}: {loc.field + ': ' if loc.field else ''}{msg}" for loc, msg in skipped[:SKIPPED_SHOWN]
        ]
        more = len(skipped) - len(shown)
        result.append(Section("Skipped rows", bullets=shown + ([f"… and {more} more"] if more > 0 else [])))
    return result


def data(d: Delivery, e: Evidence, skipped: list[tuple[Location, str]]) -> dict[str, Any]:
    return {
        "delivery": d.model_dump(mode="json"),
        "evidence": e.model_dump(mode="json"),
        "skipped_rows": [
            {"file": loc.file, "line": loc.line, "field": loc.field, "problem": msg} for loc, msg in skipped
        ],
    }
