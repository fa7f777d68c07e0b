"""The throwaway databases drills write into, and the marker that makes them safe to drop.

A drill creates `devoops_drill_<UTC time>_<random>` and at once marks it with a comment naming
a token only this drill knows. Before it writes and before it drops, it checks that mark: a
database that already existed, or that another drill or a person created, is refused, and the
refusal says why. That is the whole of devoops' licence to write into a server.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass
from typing import Any

PREFIX = "devoops_drill_"
MARK = "devoops drill"
NAME = re.compile(rf"^{PREFIX}\d{{8}}T\d{{6}}Z_[0-9a-f]{{6}}$")


class Refused(Exception):
    """devoops will not write into or drop this database; the message says why."""


@dataclass(frozen=True)
class Scratch:
    """A drill database: its name and the token of its marker."""

    name: str
    token: str
    purpose: str

    @property
    def marker(self) -> str:
        return f"{MARK} {self.token}: {self.purpose}; safe to drop"


def new(now: dt.datetime, purpose: str) -> Scratch:
    stamp = now.astimezone(dt.UTC).strftime("%Y%m%dT%H%M%SZ")
    return Scratch(f"{PREFIX}{stamp}_{secrets.token_hex(3)}", secrets.token_hex(16), purpose)


def create(conn: Any, scratch: Scratch, owner: str | None = None) -> int:
    """CREATE DATABASE (owned by `owner`) and mark it, on an autocommit psycopg connection to the
    server; its oid, which `drop` trusts over the marker its owner can rewrite. Refused when the
    name is taken: the existing database is left as it is."""
    from psycopg import errors, sql

    if not NAME.match(scratch.name):
        raise Refused(f"{scratch.name!r} is not a drill database name ({PREFIX}<time>_<hex>)")
    ident = sql.Identifier(scratch.name)
    try:
        # template0: whatever the server's template1 holds (extensions, tables) stays out of the drill
        owned = sql.SQL(" OWNER {}").format(sql.Identifier(owner)) if owner else sql.SQL("")
        conn.execute(sql.SQL("CREATE DATABASE {} TEMPLATE template0{}").format(ident, owned))
    except errors.DuplicateDatabase:
        raise Refused(
            f"database {scratch.name} already exists and this drill did not create it: devoops writes "
            "only into a database it creates for the drill"
        ) from None
    try:
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS {}").format(ident, sql.Literal(scratch.marker)))
    except Exception:
        # created just now by this call, so ours to drop even without its mark
        conn.execute(sql.SQL("DROP DATABASE {}").format(ident))
        raise
    row = conn.execute("SELECT oid FROM pg_database WHERE datname = %s", (scratch.name,)).fetchone()
    return int(row[0])


def guard(conn: Any, scratch: Scratch) -> None:
    """Refused unless the database exists and carries this drill's own marker."""
    row = conn.execute(
        "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s", (scratch.name,)
    ).fetchone()
    if row is None:
        raise Refused(f"database {scratch.name} does not exist")
    if row[0] != scratch.marker:
        said = "no devoops drill marker" if not (row[0] or "").startswith(MARK) else "another drill's marker"
        raise Refused(
            f"database {scratch.name} carries {said}: devoops writes into and drops only the database "
            "it created for this drill"
        )


def drop(conn: Any, scratch: Scratch, oid: int | None = None) -> None:
    """Drop the drill's database, closing its sessions (PostgreSQL 13+), once its marker is checked,
    or, when `oid` is given, once it is the very database this run created (the role a restore
    runs as owns it and may rewrite the marker, but cannot rename it); nothing when it is gone."""
    from psycopg import sql

    try:
        guard(conn, scratch)
    except Refused:
        exists = conn.execute("SELECT oid FROM pg_database WHERE datname = %s", (scratch.name,)).fetchone()
        if exists is None:
            return
        if oid is None or int(exists[0]) != oid:
            raise
    conn.execute(sql.SQL("DROP DATABASE {} WITH (FORCE)").format(sql.Identifier(scratch.name)))


def leftovers(conn: Any) -> list[str]:
    """Databases an interrupted drill left behind: drill names carrying a devoops marker."""
    rows = conn.execute(
        "SELECT datname, shobj_description(oid, 'pg_database') FROM pg_database WHERE datname LIKE %s",
        (PREFIX.replace("_", r"\_") + "%",),
    ).fetchall()
    return sorted(name for name, comment in rows if NAME.match(name) and (comment or "").startswith(MARK))
