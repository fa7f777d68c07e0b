"""The accounts' statements on one connection, shared by `Accounts`' transactions: new users
and organisations, roles, the audit row, and which links are live."""

from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite

from .people import Actor, Conflict, User
from .tables import (
    UTCDateTime,
    applications,
    assessments,
    audit_events,
    invitations,
    login_throttle,
    memberships,
    org_apps,
    organisations,
    setup_links,
    users,
)


def show(user: User) -> str:
    return f"{user.name} <{user.email}>"


def label(conn: sa.Connection, user_id: int) -> str:
    row = conn.execute(sa.select(users.c.email, users.c.name).where(users.c.id == user_id)).one()
    return f"{row.name} <{row.email}>"


def audit(
    conn: sa.Connection,
    now: dt.datetime,
    org_id: int | None,
    by: Actor,
    action: str,
    subject: str,
    old: Any,
    new: Any,
) -> None:
    conn.execute(
        audit_events.insert().values(
            at=now,
            org_id=org_id,
            user_id=by.user_id,
            actor=by.label,
            action=action,
            subject=subject,
            old_value=old,
            new_value=new,
        )
    )


def new_user(conn: sa.Connection, email: str, name: str, password_hash: str, now: dt.datetime) -> User:
    if conn.execute(sa.select(users.c.id).where(users.c.email == email)).first() is not None:
        raise Conflict("an account with this email exists: sign in with it, then open the link again")
    id = conn.execute(
        users.insert()
        .values(email=email, name=name, password_hash=password_hash, created_at=now, password_changed_at=now)
        .returning(users.c.id)
    ).scalar_one()
    return User(id, email, name)


def new_org(conn: sa.Connection, name: str, owner: User, now: dt.datetime) -> int:
    org_id = int(
        conn.execute(
            organisations.insert().values(name=name, created_at=now).returning(organisations.c.id)
        ).scalar_one()
    )
    conn.execute(memberships.insert().values(org_id=org_id, user_id=owner.id, role="owner", created_at=now))
    audit(conn, now, org_id, Actor(owner.id, show(owner)), "org.created", name, None, name)
    return org_id


def adopt_saved_apps(conn: sa.Connection, org_id: int, by: Actor, now: dt.datetime) -> None:
    """Every application saved in the store that no organisation holds joins this one."""
    held = sa.select(org_apps.c.name)
    for (name,) in conn.execute(
        sa.select(applications.c.name).where(applications.c.name.not_in(held)).order_by(applications.c.name)
    ):
        conn.execute(org_apps.insert().values(org_id=org_id, name=name, created_at=now))
        audit(conn, now, org_id, by, "app.added", name, None, name)


def role(conn: sa.Connection, org_id: int, user_id: int) -> str | None:
    return conn.execute(
        sa.select(memberships.c.role).where(memberships.c.org_id == org_id, memberships.c.user_id == user_id)
    ).scalar_one_or_none()


def keep_an_owner(conn: sa.Connection, org_id: int) -> None:
    owners = conn.execute(
        sa.select(sa.func.count())
        .select_from(memberships)
        .where(memberships.c.org_id == org_id, memberships.c.role == "owner")
    ).scalar_one()
    if owners <= 1:
        raise Conflict("an organisation keeps at least one owner: make someone else owner first")


def setup_valid(conn: sa.Connection, token_hash: str, now: dt.datetime) -> bool:
    if conn.execute(sa.select(users.c.id).limit(1)).first() is not None:
        return False
    return (
        conn.execute(
            sa.select(setup_links.c.id).where(
                setup_links.c.token_hash == token_hash,
                setup_links.c.used_at.is_(None),
                setup_links.c.expires_at > now,
            )
        ).first()
        is not None
    )


def invitation_rows() -> sa.Select[Any]:
    return sa.select(
        invitations.c.id,
        invitations.c.org_id,
        organisations.c.name,
        invitations.c.role,
        invitations.c.note,
        invitations.c.expires_at,
    ).join(organisations)


def live(now: dt.datetime) -> sa.ColumnElement[bool]:
    return sa.and_(invitations.c.used_at.is_(None), invitations.c.expires_at > now)


def count_failure(conn: sa.Connection, key: str, now: dt.datetime, window: dt.timedelta) -> None:
    """One more failed login for `key`, in one upsert (no lost count between workers); a key
    whose window has passed starts a new one."""
    stale = login_throttle.c.window_start <= sa.literal(now - window, UTCDateTime)
    insert = postgresql.insert if conn.dialect.name == "postgresql" else sqlite.insert
    conn.execute(
        insert(login_throttle)
        .values(key=key, window_start=now, failures=1)
        .on_conflict_do_update(
            index_elements=[login_throttle.c.key],
            set_={
                "failures": sa.case((stale, 1), else_=login_throttle.c.failures + 1),
                "window_start": sa.case(
                    (stale, sa.literal(now, UTCDateTime)), else_=login_throttle.c.window_start
                ),
            },
        )
    )


def apps(org_id: int) -> sa.Select[Any]:
    """An organisation's applications by name, each with its newest saved assessment and count."""
    return (
        sa.select(
            org_apps.c.id,
            org_apps.c.name,
            sa.func.max(assessments.c.generated_at),
            sa.func.count(assessments.c.id),
        )
        .select_from(org_apps)
        .outerjoin(applications, applications.c.name == org_apps.c.name)
        .outerjoin(assessments, assessments.c.app_id == applications.c.id)
        .where(org_apps.c.org_id == org_id)
        .group_by(org_apps.c.id, org_apps.c.name)
        .order_by(org_apps.c.name)
    )
