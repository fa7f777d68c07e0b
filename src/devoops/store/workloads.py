"""The workspace's documents in the store: each organisation application's devoops.yaml as a
list of versions. A save adds a row and never changes one, so who changed which answer when,
and the text before, stays answerable; two saves on the same base cannot both win (the second
meets the unique version number and is refused). Every read and write is scoped by the
organisation, so another organisation's application ids find nothing.

Also the evidence a workspace shows: the newest saved result of each probe of an application,
as `devoops audit --save` and `devoops drill` left them."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa

from .people import Actor, Conflict
from .tables import applications, assessments, org_apps, probe_results, workload_versions
from .transactions import Transactions


@dataclass(frozen=True)
class Version:
    number: int
    text: str
    author: str
    user_id: int | None
    summary: str
    created_at: dt.datetime


@dataclass(frozen=True)
class SavedResult:
    """A probe's newest saved result, as the store lists it (the whole result is in its assessment)."""

    name: str
    kind: str
    status: str
    target: str
    finished_at: dt.datetime
    summary: str


class Workloads(Transactions):
    """The workload documents of one opened `Store`."""

    def _scoped(self, org_id: int, app_id: int) -> sa.Select[tuple[int]]:
        return sa.select(org_apps.c.id).where(org_apps.c.org_id == org_id, org_apps.c.id == app_id)

    def current(self, org_id: int, app_id: int) -> Version | None:
        """The newest version, or None while the application has no document yet."""
        found = self.versions(org_id, app_id, limit=1, with_text=True)
        return found[0] if found else None

    def version(self, org_id: int, app_id: int, number: int) -> Version | None:
        query = _listed(True).where(
            workload_versions.c.org_app_id.in_(self._scoped(org_id, app_id)),
            workload_versions.c.number == number,
        )
        with self._read() as conn:
            row = conn.execute(query).one_or_none()
        return None if row is None else Version(*row)

    def versions(self, org_id: int, app_id: int, limit: int = 100, with_text: bool = False) -> list[Version]:
        """Newest first; without `with_text`, the texts are left out (a listing needs none)."""
        query = (
            _listed(with_text)
            .where(workload_versions.c.org_app_id.in_(self._scoped(org_id, app_id)))
            .order_by(workload_versions.c.number.desc())
            .limit(limit)
        )
        with self._read() as conn:
            return [Version(*row) for row in conn.execute(query)]

    def save(
        self, org_id: int, app_id: int, base: int, text: str, summary: str, by: Actor, now: dt.datetime
    ) -> Version:
        """Version `base + 1` (`base` 0: the first). Conflict when another save took that number
        first, or the application is not the organisation's."""
        with self._write() as conn:
            if conn.execute(self._scoped(org_id, app_id)).first() is None:
                raise Conflict("there is no such application in this organisation")
            newest = conn.execute(
                sa.select(sa.func.max(workload_versions.c.number)).where(
                    workload_versions.c.org_app_id == app_id
                )
            ).scalar_one()
            if (newest or 0) != base:
                raise Conflict("someone saved a newer version meanwhile: reload the page and try again")
            try:
                conn.execute(
                    workload_versions.insert().values(
                        org_app_id=app_id,
                        number=base + 1,
                        text=text,
                        user_id=by.user_id,
                        author=by.label,
                        summary=summary,
                        created_at=now,
                    )
                )
            except sa.exc.IntegrityError:
                raise Conflict(
                    "someone saved a newer version meanwhile: reload the page and try again"
                ) from None
        return Version(base + 1, text, by.label, by.user_id, summary, now)

    def evidence(self, app_name: str) -> list[SavedResult]:
        """The newest saved result of each probe name of the application, by name."""
        query = (
            sa.select(
                probe_results.c.name,
                probe_results.c.kind,
                probe_results.c.status,
                probe_results.c.target,
                probe_results.c.finished_at,
                probe_results.c.summary,
            )
            .join(assessments, assessments.c.id == probe_results.c.assessment_id)
            .join(applications)
            .where(applications.c.name == app_name)
            .order_by(probe_results.c.finished_at.desc(), probe_results.c.assessment_id.desc())
        )
        newest: dict[str, SavedResult] = {}
        with self._read() as conn:
            for row in conn.execute(query):
                newest.setdefault(row.name, SavedResult(*row))
        return sorted(newest.values(), key=lambda r: r.name)


def _listed(with_text: bool) -> sa.Select[Any]:
    text = workload_versions.c.text if with_text else sa.literal("").label("text")
    return sa.select(
        workload_versions.c.number,
        text,
        workload_versions.c.author,
        workload_versions.c.user_id,
        workload_versions.c.summary,
        workload_versions.c.created_at,
    )
