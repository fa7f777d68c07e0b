"""Where the store lives and how to open it: SQLite beside the workload by default, PostgreSQL
when `--db` or `DEVOOPS_DATABASE_URL` names one. Passwords never leave this module in clear."""

from __future__ import annotations

import os
import re
import time
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy import event

from ..base.errors import DevoopsError, UsageError

ENV = "DEVOOPS_DATABASE_URL"
FOLDER = ".devoops"
FILE = "devoops.db"
BUSY_TIMEOUT_MS = 60_000


class StoreError(DevoopsError):
    """The store cannot be opened or used: unreachable, locked too long, newer than this devoops."""

    exit_code = 3


def locate(db: str | None = None, workload: Path | None = None, cwd: Path | None = None) -> str:
    """The store's URL: `--db` (a URL or a file path), then $DEVOOPS_DATABASE_URL, then
    `.devoops/devoops.db` beside the workload file, or, with no workload, the nearest one
    in the working folder or its parents."""
    if db:
        return db if "://" in db else sqlite_url(Path(db))
    if os.environ.get(ENV):
        return os.environ[ENV]
    if workload is not None:
        return sqlite_url(workload.resolve().parent / FOLDER / FILE)
    here = (cwd or Path.cwd()).resolve()
    for folder in (here, *here.parents):
        if (folder / FOLDER / FILE).is_file():
            return sqlite_url(folder / FOLDER / FILE)
    raise UsageError(
        f"no store in {here} or its parents: save one with `devoops assess WORKLOAD --save`, "
        f"or name it with --db PATH|URL or ${ENV}"
    )


def parse(url: str) -> sa.URL:
    """The URL parsed, or a UsageError that does not repeat it: a URL missing its `@host`
    puts the password where the port goes, and the parser's message would quote it."""
    try:
        return sa.make_url(url)
    except (sa.exc.ArgumentError, ValueError):
        raise UsageError(
            "the store URL is not a database URL (e.g. postgresql://user@host/db; "
            "percent-encode / # ? @ : in a password)"
        ) from None


def exists(url: str) -> bool:
    """False only for a SQLite file that is not there yet: a server store is assumed to exist."""
    u = parse(url)
    return (
        u.get_backend_name() != "sqlite" or u.database in (None, "", ":memory:") or Path(u.database).exists()
    )


def sqlite_url(path: Path) -> str:
    return str(sa.URL.create("sqlite+pysqlite", database=str(path)))


SECRET_PARAMETER = re.compile(r"pass|pwd|secret|token|credential", re.IGNORECASE)
"""Query parameters that carry a secret: libpq's `password` and `sslpassword`, and their kin."""


def display(url: str) -> str:
    """The URL as it may be shown: a SQLite path as a path, a server URL without its password,
    in its user part or in a query parameter."""
    u = parse(url)
    if u.get_backend_name() == "sqlite":
        return u.database or ":memory:"
    shown = u.render_as_string(hide_password=True)
    return re.sub(
        r"([?&][^=&]*)=([^&]*)", lambda m: f"{m[1]}=***" if SECRET_PARAMETER.search(m[1]) else m[0], shown
    )


def scrub(text: str, url: str) -> str:
    """`text` (a driver's message) with every secret of the URL masked, should the driver quote it."""
    u = parse(url)
    found = [u.password] if u.password else []
    for k, v in u.query.items():
        if SECRET_PARAMETER.search(k):
            found += [v] if isinstance(v, str) else list(v)
    for secret in sorted({str(s) for s in found if s}, key=len, reverse=True):
        text = text.replace(secret, "***")
    return text


def connect(url: str) -> sa.Engine:
    u = parse(url)
    if u.drivername in ("postgresql", "postgres"):
        u = u.set(drivername="postgresql+psycopg")
    backend = u.get_backend_name()
    if backend == "sqlite":
        return _sqlite(u)
    if backend == "postgresql":
        return sa.create_engine(u, pool_pre_ping=False)
    raise UsageError(f"the store runs on SQLite or PostgreSQL, not {backend}")


def _sqlite(u: sa.URL) -> sa.Engine:
    if u.database and u.database != ":memory:":
        try:
            Path(u.database).parent.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise StoreError(f"cannot create the store's folder for {u.database}: {exc.strerror}") from None
    engine = sa.create_engine(u)

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi: Any, _record: Any) -> None:
        # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin, so that DDL
        # is transactional and a writer takes its lock up front (no deadlock on lock upgrade).
        dbapi.isolation_level = None
        cursor = dbapi.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
        _wal(cursor)
        cursor.execute("PRAGMA synchronous = NORMAL")  # WAL + NORMAL: never corrupt, one fsync per checkpoint
        cursor.execute("PRAGMA foreign_keys = ON")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        write = conn.get_execution_options().get("devoops_write", False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")

    return engine


def _wal(cursor: Any) -> None:
    """Switch to WAL. Two processes creating the store at once: SQLite answers the second
    switch with "database is locked" at once, without waiting out the busy timeout, so wait here."""
    import sqlite3

    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(0.005)


def writer(engine: sa.Engine) -> sa.Engine:
    """The same engine, marked so SQLite transactions take the write lock when they begin."""
    return engine.execution_options(devoops_write=True)
