"""The store's one door: save an assessment in one transaction, list history, load one back,
name references (ids, `latest`, milestones), and tag milestones."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import uuid
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import pydantic
import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from ..base.errors import UsageError
from ..model.assessment import Assessment
from ..model.common import Horizon, Risk, Tenet
from ..model.evidence import ProbeResult, Status
from ..model.summary import HistoryEntry
from . import migrate
from .engine import StoreError, connect, display, scrub, writer
from .tables import applications, assessments, findings, milestones, probe_results

ID_MAX = 2**31 - 1
"""The largest id the integer id column holds on every backend."""
NAME_MAX = 200
"""The longest milestone name (the column's length)."""


@dataclass(frozen=True)
class Stored:
    """A saved assessment with the workload file it came from, verbatim."""

    entry: HistoryEntry
    assessment: Assessment
    workload_text: str


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


_LISTED = (
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


class Store:
    """One store, SQLite or PostgreSQL, brought to the newest schema when opened."""

    def __init__(self, url: str) -> None:
        self._url = url  # for masking its secrets in the driver's messages
        self.where = display(url)
        self.engine = connect(url)
        with self._guard():
            migrate.upgrade(self.engine)

    def close(self) -> None:
        self.engine.dispose()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()

    @contextlib.contextmanager
    def _guard(self) -> Iterator[None]:
        """Database faults become one line naming the store, never a statement or its values."""
        try:
            yield
        except sa.exc.DBAPIError as exc:
            cause = (
                str(exc.orig).strip().splitlines()[0] if str(exc.orig).strip() else type(exc.orig).__name__
            )
            raise StoreError(f"store {self.where}: {scrub(cause, self._url)}") from None

    # --- writing

    def save(self, a: Assessment, workload_text: str, saved_at: dt.datetime | None = None) -> HistoryEntry:
        """Save in one transaction: the whole assessment is there afterwards, or none of it."""
        saved_at = saved_at or dt.datetime.now(dt.UTC)
        uid = str(uuid.uuid4())
        with self._guard(), writer(self.engine).begin() as conn:
            id = insert_assessment(conn, a, workload_text, saved_at, uid)
        return entry_of(a, id, uid, saved_at)

    def create_milestone(self, name: str, app: str | None = None, ref: str = "latest") -> HistoryEntry:
        if not name.strip() or name == "latest" or _is_id(name) or len(name) > NAME_MAX:
            raise UsageError(
                f"a milestone needs a name of at most {NAME_MAX} characters that is neither `latest` "
                f"nor a number (references would take it for those): not {name!r}"
            )
        with self._guard(), writer(self.engine).begin() as conn:
            app = self._scope(conn, app)
            id = self._resolve(conn, ref, app)
            app_id = conn.scalar(sa.select(applications.c.id).where(applications.c.name == app))
            taken = conn.scalar(
                sa.select(milestones.c.assessment_id).where(
                    milestones.c.app_id == app_id, milestones.c.name == name
                )
            )
            if taken is not None:
                raise UsageError(f"{app} already has a milestone {name!r} (assessment {taken})")
            conn.execute(
                milestones.insert().values(
                    app_id=app_id, name=name, assessment_id=id, created_at=dt.datetime.now(dt.UTC)
                )
            )
        return self.entry(id)

    # --- reading

    def apps(self) -> list[str]:
        with self._guard(), self.engine.begin() as conn:
            return _app_names(conn)

    def history(self, app: str | None = None, limit: int | None = None) -> list[HistoryEntry]:
        """Saved assessments, oldest first; with a limit, the newest `limit` of them."""
        query = sa.select(*_LISTED).join(applications)
        if app is not None:
            query = query.where(applications.c.name == app)
        query = query.order_by(assessments.c.generated_at.desc(), assessments.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self._guard(), self.engine.begin() as conn:
            rows = conn.execute(query).all()
            tags = self._milestones(conn, [r.id for r in rows] if limit is not None else None)
        return _entries(rows[::-1], tags)

    def entry(self, id: int) -> HistoryEntry:
        with self._guard(), self.engine.begin() as conn:
            row = conn.execute(sa.select(*_LISTED).join(applications).where(assessments.c.id == id)).one()
            return _entry(row, self._milestones(conn, [id]).get(id, []))

    def load(self, ref: str, app: str | None = None) -> Stored:
        with self._guard(), self.engine.begin() as conn:
            id = self._resolve(conn, ref, app)
            row = conn.execute(
                sa.select(*_LISTED, assessments.c.document, assessments.c.workload_text)
                .join(applications)
                .where(assessments.c.id == id)
            ).one()
            tags = self._milestones(conn, [id]).get(id, [])
        return Stored(_entry(row, tags), Assessment.model_validate(row.document), row.workload_text)

    def latest_results(
        self, app: str, probes: Mapping[str, str], statuses: Collection[Status] = tuple(Status)
    ) -> list[ProbeResult]:
        """The newest saved result of each named probe of `app` (name -> kind; a result of
        another kind under that name does not count) among those with one of `statuses`, as
        saved in its assessment."""
        if not probes:
            return []
        query = (
            sa.select(probe_results.c.name, probe_results.c.kind, probe_results.c.assessment_id)
            .join(assessments, assessments.c.id == probe_results.c.assessment_id)
            .join(applications)
            .where(
                applications.c.name == app,
                probe_results.c.name.in_(list(probes)),
                probe_results.c.status.in_([s.value for s in statuses]),
            )
            .order_by(probe_results.c.finished_at.desc(), probe_results.c.assessment_id.desc())
        )
        with self._guard(), self.engine.begin() as conn:
            newest: dict[str, int] = {}
            for name, kind, id in conn.execute(query):
                if kind == probes[name]:
                    newest.setdefault(name, id)
            documents = {
                row.id: row.document
                for row in conn.execute(
                    sa.select(assessments.c.id, assessments.c.document).where(
                        assessments.c.id.in_(set(newest.values()))
                    )
                )
            }
        found = []
        for name, id in newest.items():
            evidence = documents[id].get("evidence", [])
            found += [ProbeResult.model_validate(r) for r in evidence if r.get("name") == name]
        return found

    def latest_two(self, app: str | None = None) -> tuple[str, str]:
        """References to the two newest assessments of one application, older first."""
        with self._guard(), self.engine.begin() as conn:
            app = self._scope(conn, app)
            ids = _newest(conn, app, 2)
        if len(ids) < 2:
            raise UsageError(f"only {len(ids)} assessment of {app} saved: nothing to compare yet")
        return str(ids[1]), str(ids[0])

    # --- references

    def _scope(self, conn: sa.Connection, app: str | None) -> str:
        """The application meant: the one named, or the only one in the store."""
        names = _app_names(conn)
        if app is not None:
            if app not in names:
                raise UsageError(f"no application {app!r} in {self.where}" + _among(names))
            return app
        if not names:
            raise UsageError(f"{self.where} holds no assessments yet; save one with `devoops assess --save`")
        if len(names) > 1:
            raise UsageError(f"{self.where} holds several applications; name one with --app" + _among(names))
        return names[0]

    def _resolve(self, conn: sa.Connection, ref: str, app: str | None) -> int:
        """An assessment id, `latest`, or a milestone name, within one application if named."""
        if _is_id(ref):
            found = None
            if int(ref) <= ID_MAX:  # a larger number is no id, rather than an overflow in the database
                query = sa.select(assessments.c.id).join(applications).where(assessments.c.id == int(ref))
                if app is not None:
                    query = query.where(applications.c.name == app)
                found = conn.scalar(query)
            if found is None:
                raise UsageError(
                    f"no assessment {ref}" + (f" of {app}" if app else "") + " (see `devoops history`)"
                )
            return int(found)
        app = self._scope(conn, app)
        if ref == "latest":
            latest = _newest(conn, app, 1)
            if not latest:
                raise UsageError(f"{app} has no assessments saved")
            return latest[0]
        tagged = conn.scalar(
            sa.select(milestones.c.assessment_id)
            .join(applications, milestones.c.app_id == applications.c.id)
            .where(applications.c.name == app, milestones.c.name == ref)
        )
        if tagged is None:
            raise UsageError(f"{ref!r} is neither an assessment id, `latest`, nor a milestone of {app}")
        return int(tagged)

    def _milestones(self, conn: sa.Connection, ids: Sequence[int] | None) -> dict[int, list[str]]:
        query = sa.select(milestones.c.assessment_id, milestones.c.name).order_by(milestones.c.id)
        if ids is not None:
            query = query.where(milestones.c.assessment_id.in_(ids))
        tags: dict[int, list[str]] = {}
        for id, name in conn.execute(query):
            tags.setdefault(id, []).append(name)
        return tags


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


def _entry(row: Any, tags: list[str]) -> HistoryEntry:
    return _entries([row], {row.id: tags})[0]


_FIELDS = [c.name for c in _LISTED if not c.name.startswith("maturity_")]
_M = len(_FIELDS)  # where the maturity columns begin
_TENETS = [t.value for t in Tenet]  # validating enum members is three times slower than their values
_HISTORY: pydantic.TypeAdapter[list[HistoryEntry]] = pydantic.TypeAdapter(list[HistoryEntry])


def _entries(rows: Sequence[Any], tags: dict[int, list[str]]) -> list[HistoryEntry]:
    """Rows to entries, validated in one call: per-object construction would cost more than
    the query when listing 10,000 assessments."""
    return _HISTORY.validate_python(
        [
            dict(zip(_FIELDS, row[:11], strict=True))
            | {
                "maturity": dict(zip(_TENETS, row[11 : 11 + len(_TENETS)], strict=True)),
                "milestones": tags.get(row[0], []),
            }
            for row in map(tuple, rows)  # slicing a Row is slow; slicing a tuple is not
        ]
    )


def _is_id(ref: str) -> bool:
    """ASCII digits only: str.isdigit() also takes "²", which int() refuses."""
    return ref.isascii() and ref.isdigit()


def _app_names(conn: sa.Connection) -> list[str]:
    return list(conn.scalars(sa.select(applications.c.name).order_by(applications.c.name)))


def _newest(conn: sa.Connection, app: str, n: int) -> list[int]:
    """Ids of the application's `n` newest assessments, newest first."""
    return list(
        conn.scalars(
            sa.select(assessments.c.id)
            .join(applications)
            .where(applications.c.name == app)
            .order_by(assessments.c.generated_at.desc(), assessments.c.id.desc())
            .limit(n)
        )
    )


def _among(names: list[str]) -> str:
    return f" (the store has: {', '.join(names)})" if names else ""
