"""An assessment as the rows the store keeps, and those rows back as history entries.

Its own module so saving and importing write an assessment one way (`insert_assessment`), and
`Store` reads listings without knowing which columns make an entry.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Sequence
from typing import Any

import pydantic
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..model.assessment import Assessment
from ..model.common import Horizon, Risk, Tenet
from ..model.summary import HistoryEntry
from .tables import applications, assessments, findings, probe_results


def summary(a: Assessment) -> dict[str, Any]:
    """The columns kept beside the document: risk counts now and maturity per tenet."""
    now = a.at(Horizon.NOW).findings
    return {
        "high": sum(f.risk == Risk.HIGH for f in now),
        "medium": sum(f.risk == Risk.MEDIUM for f in now),
        "unknown": sum(f.risk == Risk.UNKNOWN for f in now),
        "maturity": {m.tenet: m.value for m in a.maturity},
    }


def columns(a: Assessment) -> dict[str, Any]:
    """The summary as the assessments table holds it: one maturity column per tenet."""
    values = summary(a)
    return values | {f"maturity_{t.value}": v for t, v in values.pop("maturity").items()}


def entry_of(a: Assessment, id: int = 0, uid: str = "", saved_at: dt.datetime | None = None) -> HistoryEntry:
    """The history line an assessment has, or would have once saved."""
    return HistoryEntry(
        id=id,
        uid=uid,
        app=a.app.name,
        generated_at=a.generated_at,
        saved_at=saved_at or a.generated_at,
        source=a.source,
        lens_version=a.lens_version,
        devoops_version=a.devoops_version,
        **summary(a),
    )


def insert_assessment(
    conn: sa.Connection,
    a: Assessment,
    workload_text: str,
    saved_at: dt.datetime,
    uid: str,
    id: int | None = None,
) -> int:
    """The one way an assessment enters a store (saving and importing both come here)."""
    app_id = application_id(conn, a.app.name, saved_at)
    values = {
        "uid": uid,
        "app_id": app_id,
        "generated_at": a.generated_at,
        "saved_at": saved_at,
        "source": a.source,
        "workload_text": workload_text,
        "workload_sha256": hashlib.sha256(workload_text.encode()).hexdigest(),
        "lens_version": a.lens_version,
        "devoops_version": a.devoops_version,
        "schema_version": a.schema_version,
        "document": a.model_dump(mode="json"),
        **columns(a),
    }
    if id is not None:
        values["id"] = id
    new_id: int = conn.execute(assessments.insert().values(values).returning(assessments.c.id)).scalar_one()
    rows = [
        {
            "assessment_id": new_id,
            "horizon": view.horizon.value,
            "practice": f.practice,
            "risk": f.risk.value,
            "source": f.source,
            "tenets": ",".join(t.value for t in f.tenets),
        }
        for view in a.horizons
        for f in view.findings
    ]
    if rows:
        conn.execute(findings.insert(), rows)
    probes = [
        {
            "assessment_id": new_id,
            "name": r.name,
            "kind": r.kind,
            "status": r.status.value,
            "target": r.target,
            "started_at": r.started_at,
            "finished_at": r.finished_at,
            "summary": r.evidence.summary,
        }
        for r in a.evidence
    ]
    if probes:
        conn.execute(probe_results.insert(), probes)
    return new_id


def application_id(conn: sa.Connection, name: str, created_at: dt.datetime) -> int:
    """The application's id, created if new; safe when two writers create it at once."""
    dialect = postgresql if conn.dialect.name == "postgresql" else sqlite
    conn.execute(
        dialect.insert(applications).values(name=name, created_at=created_at).on_conflict_do_nothing()
    )
    found: int = conn.execute(sa.select(applications.c.id).where(applications.c.name == name)).scalar_one()
    return found


LISTED = (
    assessments.c.id,
    assessments.c.uid,
    applications.c.name.label("app"),
    assessments.c.generated_at,
    assessments.c.saved_at,
    assessments.c.source,
    assessments.c.lens_version,
    assessments.c.devoops_version,
    assessments.c.high,
    assessments.c.medium,
    assessments.c.unknown,
    *(assessments.c[f"maturity_{t.value}"] for t in Tenet),
)
"""The columns an entry is read from (select them joined to applications)."""

_FIELDS = [c.name for c in LISTED if not c.name.startswith("maturity_")]
_M = len(_FIELDS)  # where the maturity columns begin
_TENETS = [t.value for t in Tenet]  # validating enum members is three times slower than their values
_HISTORY: pydantic.TypeAdapter[list[HistoryEntry]] = pydantic.TypeAdapter(list[HistoryEntry])


def entry_from_row(row: Any, tags: list[str]) -> HistoryEntry:
    """One row of LISTED as an entry with its milestones."""
    return entries_from_rows([row], {row.id: tags})[0]


def entries_from_rows(rows: Sequence[Any], tags: dict[int, list[str]]) -> list[HistoryEntry]:
    """Rows to entries, validated in one call: per-object construction would cost more than
    the query when listing 10,000 assessments."""
    return _HISTORY.validate_python(
        [
            dict(zip(_FIELDS, row[:_M], strict=True))
            | {
                "maturity": dict(zip(_TENETS, row[_M : _M + len(_TENETS)], strict=True)),
                "milestones": tags.get(row[0], []),
            }
            for row in map(tuple, rows)  # slicing a Row is slow; slicing a tuple is not
        ]
    )
