"""The store's one door: save an assessment in one transaction, list history, load one back,
name references (ids, `latest`, milestones), and tag milestones. What a reference names is
`references`'s; how an assessment becomes rows and rows entries, `rows`'s."""

from __future__ import annotations

import contextlib
import datetime as dt
import uuid
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass

import sqlalchemy as sa

from ..base.errors import UsageError
from ..model.assessment import Assessment
from ..model.evidence import ProbeResult, Status
from ..model.summary import HistoryEntry
from . import migrate, references
from .engine import StoreError, connect, display, scrub, writer
from .rows import LISTED, entries_from_rows, entry_from_row, entry_of, insert_assessment
from .tables import applications, assessments, probe_results


@dataclass(frozen=True)
class Stored:
    """A saved assessment with the workload file it came from, verbatim."""

    entry: HistoryEntry
    assessment: Assessment
    workload_text: str


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
        references.check_milestone_name(name)
        with self._guard(), writer(self.engine).begin() as conn:
            id = references.add_milestone(conn, self.where, name, app, ref)
        return self.entry(id)

    # --- reading

    def apps(self) -> list[str]:
        with self._guard(), self.engine.begin() as conn:
            return references.app_names(conn)

    def history(self, app: str | None = None, limit: int | None = None) -> list[HistoryEntry]:
        """Saved assessments, oldest first; with a limit, the newest `limit` of them."""
        query = sa.select(*LISTED).join(applications)
        if app is not None:
            query = query.where(applications.c.name == app)
        query = query.order_by(assessments.c.generated_at.desc(), assessments.c.id.desc())
        if limit is not None:
            query = query.limit(limit)
        with self._guard(), self.engine.begin() as conn:
            rows = conn.execute(query).all()
            milestones = references.tags(conn, [r.id for r in rows] if limit is not None else None)
        return entries_from_rows(rows[::-1], milestones)

    def entry(self, id: int) -> HistoryEntry:
        with self._guard(), self.engine.begin() as conn:
            row = conn.execute(sa.select(*LISTED).join(applications).where(assessments.c.id == id)).one()
            return entry_from_row(row, references.tags(conn, [id]).get(id, []))

    def load(self, ref: str, app: str | None = None) -> Stored:
        with self._guard(), self.engine.begin() as conn:
            id = references.resolve(conn, self.where, ref, app)
            row = conn.execute(
                sa.select(*LISTED, assessments.c.document, assessments.c.workload_text)
                .join(applications)
                .where(assessments.c.id == id)
            ).one()
            milestones = references.tags(conn, [id]).get(id, [])
        return Stored(
            entry_from_row(row, milestones), Assessment.model_validate(row.document), row.workload_text
        )

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
            app = references.scope(conn, self.where, app)
            ids = references.newest(conn, app, 2)
        if len(ids) < 2:
            raise UsageError(f"only {len(ids)} assessment of {app} saved: nothing to compare yet")
        return str(ids[1]), str(ids[0])
