"""The role a restore drill restores as: made for one drill, owning only its scratch database.

A dump is its author's SQL. Run as the drill's own connection role (which needs CREATEDB and
CREATEROLE to make the scratch database and this role), it could create, drop or change
databases and roles. Run as this role (NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION
NOBYPASSRLS, member of no role, owner of the scratch database and nothing else) it can reach
nothing beyond that database but the role itself, which is checked after the restore and
dropped after the database. Its password is random, used only by this drill, handed to the server as a
verifier (never in clear, so no statement log shows it) and expires within a day.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from typing import Any

from . import scratch

NEEDS = "SELECT current_user, rolsuper, rolcreaterole, rolcreatedb FROM pg_roles WHERE rolname = current_user"
STATE = (
    "SELECT r.rolsuper, r.rolinherit, r.rolcreaterole, r.rolcreatedb, r.rolcanlogin, r.rolreplication, "
    "r.rolbypassrls, r.rolconnlimit, r.rolvaliduntil, r.rolconfig, "
    "(SELECT array_agg(s.setconfig::text || '@' || s.setdatabase ORDER BY s.setdatabase) "
    " FROM pg_db_role_setting s WHERE s.setrole = r.oid), "
    "(SELECT array_agg(m.roleid::text || '>' || m.member ORDER BY m.roleid, m.member) "
    " FROM pg_auth_members m WHERE r.oid IN (m.member, m.roleid)) "
    "FROM pg_roles r WHERE r.rolname = %s"
)
PASSWORD = "SELECT rolpassword FROM pg_authid WHERE rolname = %s"


@dataclass
class Role:
    name: str
    password: str = field(repr=False)
    oid: int = 0  # set once created: `drop` drops this very role, not one that took its name since
    baseline: tuple[Any, ...] = field(default=(), repr=False)


def missing(conn: Any) -> str | None:
    """What the connection's role lacks to run a drill (None: nothing)."""
    row = conn.execute(NEEDS).fetchone()
    if row is None:
        return "its role is not in pg_roles"
    user, superuser, createrole, createdb = row
    lacks = [name for name, has in (("CREATEDB", createdb), ("CREATEROLE", createrole)) if not has]
    if superuser or not lacks:
        return None
    return (
        f"the drill's role {user} lacks {' and '.join(lacks)}: the drill creates a scratch database and "
        f"a role of its own to restore as; ALTER ROLE {user} CREATEDB CREATEROLE"
    )


def create(conn: Any, made: scratch.Scratch) -> Role:
    """The drill's role, named as its scratch database and marked as it; Refused when the name
    is taken (the existing role is left as it is)."""
    from psycopg import errors, sql

    role = Role(made.name, secrets.token_urlsafe(32))
    ident = sql.Identifier(role.name)
    verifier = conn.pgconn.encrypt_password(role.password.encode(), role.name.encode()).decode()
    until = conn.execute("SELECT (now() + interval '1 day')::text").fetchone()[0]  # the server's clock
    try:
        conn.execute(
            sql.SQL(
                "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS "
                "PASSWORD {} VALID UNTIL {}"
            ).format(ident, sql.Literal(verifier), sql.Literal(until))
        )
    except errors.DuplicateObject:
        raise scratch.Refused(
            f"role {role.name} already exists and this drill did not create it: devoops restores only as "
            "a role it creates for the drill"
        ) from None
    try:
        role.oid = int(
            conn.execute("SELECT oid FROM pg_roles WHERE rolname = %s", (role.name,)).fetchone()[0]
        )
        conn.execute(sql.SQL("COMMENT ON ROLE {} IS {}").format(ident, sql.Literal(made.marker)))
        if not conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = current_user").fetchone()[0]:
            # to create and drop a database it owns: CREATE DATABASE ... OWNER, DROP DATABASE
            conn.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(ident))
        role.baseline = state(conn, role)
    except Exception:
        drop(conn, role)
        raise
    return role


def state(conn: Any, role: Role) -> tuple[Any, ...]:
    """What the role itself could change about itself: attributes, settings, memberships, and
    its password when the connection may read pg_authid (a superuser)."""
    from psycopg import errors

    row = conn.execute(STATE, (role.name,)).fetchone()
    try:
        password = conn.execute(PASSWORD, (role.name,)).fetchone()
    except errors.InsufficientPrivilege:
        password = None
    return (tuple(row) if row is not None else None, password)


def changed(conn: Any, role: Role) -> bool:
    return state(conn, role) != role.baseline


def drop(conn: Any, role: Role) -> None:
    """Drop the role and whatever it still owns in the connection's database; nothing when it is
    gone (or is another role of that name). Its objects elsewhere went with the scratch database,
    the only one it could write."""
    from psycopg import sql

    found = conn.execute("SELECT oid FROM pg_roles WHERE rolname = %s", (role.name,)).fetchone()
    if found is None or int(found[0]) != role.oid:
        return
    ident = sql.Identifier(role.name)
    conn.execute(sql.SQL("DROP OWNED BY {}").format(ident))
    conn.execute(sql.SQL("DROP ROLE {}").format(ident))


def leftovers(conn: Any) -> list[str]:
    """Roles an interrupted drill left behind: drill names carrying a devoops marker."""
    rows = conn.execute(
        "SELECT rolname, shobj_description(oid, 'pg_authid') FROM pg_roles WHERE rolname LIKE %s",
        (scratch.PREFIX.replace("_", r"\_") + "%",),
    ).fetchall()
    return sorted(
        name
        for name, comment in rows
        if scratch.NAME.match(name) and (comment or "").startswith(scratch.MARK)
    )
