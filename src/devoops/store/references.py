"""What a reference names: an assessment id, `latest`, or a milestone, within the application
meant; and milestones, the names users give assessments.

Its own module so every command that takes a reference resolves it by the same rules, with
the same messages, and `Store` keeps only the transactions around them.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import sqlalchemy as sa

from ..base.errors import UsageError
from .tables import applications, assessments, milestones

ID_MAX = 2**31 - 1
"""The largest id the integer id column holds on every backend."""
NAME_MAX = 200
"""The longest milestone name (the column's length)."""


def scope(conn: sa.Connection, where: str, app: str | None) -> str:
    """The application meant: the one named, or the only one in the store `where` names."""
    names = app_names(conn)
    if app is not None:
        if app not in names:
            raise UsageError(f"no application {app!r} in {where}" + _among(names))
        return app
    if not names:
        raise UsageError(f"{where} holds no assessments yet; save one with `devoops assess --save`")
    if len(names) > 1:
        raise UsageError(f"{where} holds several applications; name one with --app" + _among(names))
    return names[0]


def resolve(conn: sa.Connection, where: str, ref: str, app: str | None) -> int:
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
    app = scope(conn, where, app)
    if ref == "latest":
        latest = newest(conn, app, 1)
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


def check_milestone_name(name: str) -> None:
    """A milestone's name must not read as another kind of reference."""
    if not name.strip() or name == "latest" or _is_id(name) or len(name) > NAME_MAX:
        raise UsageError(
            f"a milestone needs a name of at most {NAME_MAX} characters that is neither `latest` "
            f"nor a number (references would take it for those): not {name!r}"
        )


def add_milestone(conn: sa.Connection, where: str, name: str, app: str | None, ref: str) -> int:
    """Name the assessment `ref` names; the id it names. A name is an application's once."""
    app = scope(conn, where, app)
    id = resolve(conn, where, ref, app)
    app_id = conn.scalar(sa.select(applications.c.id).where(applications.c.name == app))
    taken = conn.scalar(
        sa.select(milestones.c.assessment_id).where(milestones.c.app_id == app_id, milestones.c.name == name)
    )
    if taken is not None:
        raise UsageError(f"{app} already has a milestone {name!r} (assessment {taken})")
    conn.execute(
        milestones.insert().values(
            app_id=app_id, name=name, assessment_id=id, created_at=dt.datetime.now(dt.UTC)
        )
    )
    return id


def tags(conn: sa.Connection, ids: Sequence[int] | None) -> dict[int, list[str]]:
    """The milestones of each assessment (of all when `ids` is None), oldest first."""
    query = sa.select(milestones.c.assessment_id, milestones.c.name).order_by(milestones.c.id)
    if ids is not None:
        query = query.where(milestones.c.assessment_id.in_(ids))
    found: dict[int, list[str]] = {}
    for id, name in conn.execute(query):
        found.setdefault(id, []).append(name)
    return found


def app_names(conn: sa.Connection) -> list[str]:
    return list(conn.scalars(sa.select(applications.c.name).order_by(applications.c.name)))


def newest(conn: sa.Connection, app: str, n: int) -> list[int]:
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


def _is_id(ref: str) -> bool:
    """ASCII digits only: str.isdigit() also takes "²", which int() refuses."""
    return ref.isascii() and ref.isdigit()


def _among(names: list[str]) -> str:
    return f" (the store has: {', '.join(names)})" if names else ""
