"""The whole store as JSON lines, and back: how a team moves from SQLite to PostgreSQL.

The first line names the format; then applications, assessments (document and workload file
verbatim) and milestones, each one object per line. Import checks every line before it writes
anything, then writes all of it in one transaction. Assessments already present (same uid)
are skipped, so importing twice changes nothing; ids are kept when the target holds none yet.
"""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Annotated, Literal, TextIO

import pydantic
import sqlalchemy as sa

from .. import __version__
from ..base.errors import InputError, Location, excerpt, quoted
from ..base.located import loads_json
from ..model.assessment import Assessment
from ..model.common import Strict
from .engine import writer
from .repository import Store
from .rows import application_id, insert_assessment
from .tables import applications, assessments, milestones

FORMAT = 1


class Header(Strict):
    kind: Literal["devoops-export"]
    format: Literal[1]
    exported_at: dt.datetime
    devoops_version: str


class ApplicationRecord(Strict):
    kind: Literal["application"]
    name: str
    created_at: dt.datetime


MAX_ID = 2**31 - 1
"""The largest id every store holds: the column is a 32-bit integer on PostgreSQL (SQLite's
holds 64 bits). Checked on reading, so an import that cannot be stored writes nothing."""


class AssessmentRecord(Strict):
    kind: Literal["assessment"]
    id: Annotated[int, pydantic.Field(ge=1, le=MAX_ID)]
    uid: str
    saved_at: dt.datetime
    workload_text: str
    document: Assessment


class MilestoneRecord(Strict):
    kind: Literal["milestone"]
    app: str
    name: str
    assessment_uid: str
    created_at: dt.datetime


Record = Annotated[
    ApplicationRecord | AssessmentRecord | MilestoneRecord, pydantic.Field(discriminator="kind")
]
_RECORD: pydantic.TypeAdapter[Record] = pydantic.TypeAdapter(Record)


@dataclass(frozen=True)
class Counts:
    applications: int = 0
    assessments: int = 0
    milestones: int = 0
    skipped: int = 0


def export(store: Store, out: TextIO) -> Counts:
    """Write every record, streaming, oldest assessment first."""
    with store._guard(), store.engine.connect() as conn:
        out.write(
            _line(
                Header(kind="devoops-export", format=FORMAT, exported_at=_now(), devoops_version=__version__)
            )
        )
        apps = conn.execute(sa.select(applications).order_by(applications.c.id)).all()
        for app in apps:
            out.write(_line(ApplicationRecord(kind="application", name=app.name, created_at=app.created_at)))
        rows = conn.execution_options(yield_per=200).execute(
            sa.select(
                assessments.c.id,
                assessments.c.uid,
                assessments.c.saved_at,
                assessments.c.workload_text,
                assessments.c.document,
            ).order_by(assessments.c.id)
        )
        n = 0
        for row in rows:
            # The document goes out as stored: re-validating each one would only slow the export.
            record = {
                "kind": "assessment",
                "id": row.id,
                "uid": row.uid,
                "saved_at": row.saved_at.isoformat(),
                "workload_text": row.workload_text,
                "document": row.document,
            }
            out.write(json.dumps(record, ensure_ascii=False, separators=(",", ":")) + "\n")
            n += 1
        tags = conn.execute(
            sa.select(
                applications.c.name,
                milestones.c.name.label("milestone"),
                assessments.c.uid,
                milestones.c.created_at,
            )
            .select_from(milestones)
            .join(applications, milestones.c.app_id == applications.c.id)
            .join(assessments, milestones.c.assessment_id == assessments.c.id)
            .order_by(milestones.c.id)
        ).all()
        for t in tags:
            out.write(
                _line(
                    MilestoneRecord(
                        kind="milestone",
                        app=t.name,
                        name=t.milestone,
                        assessment_uid=t.uid,
                        created_at=t.created_at,
                    )
                )
            )
    return Counts(len(apps), n, len(tags))


def read(lines: Iterable[str], name: str) -> list[ApplicationRecord | AssessmentRecord | MilestoneRecord]:
    """Every record checked, or an InputError naming each bad line, column and field."""
    problems: list[tuple[Location, str]] = []
    numbered: list[tuple[int, ApplicationRecord | AssessmentRecord | MilestoneRecord]] = []
    header_seen = False
    for number, text in enumerate(lines, 1):
        if not text.strip():
            continue
        try:
            data = loads_json(text.rstrip("\r\n"))  # with its newline, an error at the end is on "line 2"
        except json.JSONDecodeError as exc:
            problems.append((Location(name, number, exc.colno), f"not JSON: {exc.msg}"))
            continue
        try:
            if not header_seen:
                Header.model_validate(data)
                header_seen = True
            else:
                numbered.append((number, _RECORD.validate_python(data)))
        except pydantic.ValidationError as exc:
            kind = data.get("kind") if isinstance(data, dict) else None
            problems += [
                (Location(name, number, 1, _field(e["loc"], kind)), e["msg"]) for e in exc.errors()[:5]
            ]
    if not header_seen and not problems:
        problems.append((Location(name, 1, 1), "empty: not a devoops export"))
    uids: dict[str, int] = {}
    ids: dict[str, int] = {}
    for number, r in numbered:
        if isinstance(r, AssessmentRecord):  # twice in one file: refused here, not half-way through writing
            for field, key, seen in (("uid", r.uid, uids), ("id", str(r.id), ids)):
                if key in seen:
                    problems.append(
                        (
                            Location(name, number, 1, field),
                            f"assessment {excerpt(key)} is also on line {seen[key]}",
                        )
                    )
                seen.setdefault(key, number)
    problems += [
        (
            Location(name, number, 1, "assessment_uid"),
            f"milestone {quoted(r.name)} names assessment {excerpt(r.assessment_uid)}, which the file does not hold",
        )
        for number, r in numbered
        if isinstance(r, MilestoneRecord) and r.assessment_uid not in uids
    ]
    if problems:
        raise InputError(problems)
    return [r for _, r in numbered]


def load(store: Store, records: list[ApplicationRecord | AssessmentRecord | MilestoneRecord]) -> Counts:
    """Write the records in one transaction: a failed import leaves the store as it was."""
    apps = [r for r in records if isinstance(r, ApplicationRecord)]
    saved = [r for r in records if isinstance(r, AssessmentRecord)]
    tags = [r for r in records if isinstance(r, MilestoneRecord)]
    with store._guard(), writer(store.engine).begin() as conn:
        keep_ids = conn.scalar(sa.select(sa.func.count()).select_from(assessments)) == 0
        present = set(
            conn.scalars(sa.select(assessments.c.uid).where(assessments.c.uid.in_([r.uid for r in saved])))
        )
        for app in apps:
            application_id(conn, app.name, app.created_at)
        ids: dict[str, int] = {}
        for r in saved:
            if r.uid in present:
                continue
            ids[r.uid] = insert_assessment(
                conn, r.document, r.workload_text, r.saved_at, r.uid, r.id if keep_ids else None
            )
        if keep_ids and ids and conn.dialect.name == "postgresql":
            conn.execute(
                sa.text(
                    "SELECT setval(pg_get_serial_sequence('assessments', 'id'), (SELECT max(id) FROM assessments))"
                )
            )
        added = 0
        for t in tags:
            added += _milestone(conn, t)
    return Counts(len(apps), len(ids), added, len(saved) - len(ids))


def _milestone(conn: sa.Connection, t: MilestoneRecord) -> int:
    app_id = application_id(conn, t.app, t.created_at)
    exists = conn.scalar(
        sa.select(milestones.c.id).where(milestones.c.app_id == app_id, milestones.c.name == t.name)
    )
    if exists is not None:
        return 0
    target = conn.scalar(sa.select(assessments.c.id).where(assessments.c.uid == t.assessment_uid))
    conn.execute(
        milestones.insert().values(app_id=app_id, name=t.name, assessment_id=target, created_at=t.created_at)
    )
    return 1


def _field(loc: tuple[int | str, ...], kind: object) -> str:
    """The dotted field path, without the record kind pydantic puts first for a tagged union."""
    parts = loc[1:] if loc and loc[0] == kind else loc
    return ".".join(str(part) for part in parts)


def _line(record: Strict) -> str:
    return record.model_dump_json() + "\n"


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC)
