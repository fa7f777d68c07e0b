"""Alembic, run from code: every open brings the store to the newest revision, one process at
a time, and refuses a store written by a newer devoops."""

from __future__ import annotations

from functools import cache

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from .engine import StoreError, writer

LOCK_KEY = 0x6465766F6F7073  # "devoops": PostgreSQL advisory lock id for migrations


@cache
def config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", "devoops.store:migrations")
    return cfg


def head() -> str:
    rev = ScriptDirectory.from_config(config()).get_current_head()
    assert rev is not None
    return rev


def current(conn: sa.Connection) -> str | None:
    return MigrationContext.configure(conn).get_current_revision()


def upgrade(engine: sa.Engine, revision: str = "head") -> None:
    """Upgrade inside one transaction (SQLite and PostgreSQL both have transactional DDL), so
    a failed or interrupted migration leaves the previous revision intact."""
    target = head() if revision == "head" else revision
    with engine.connect() as conn:
        if current(conn) == target:
            return
    known = {s.revision for s in ScriptDirectory.from_config(config()).walk_revisions()}
    with writer(engine).begin() as conn:
        if conn.dialect.name == "postgresql":
            conn.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": LOCK_KEY})
        now = current(conn)
        if now is not None and now not in known:
            raise StoreError(
                f"the store is at schema revision {now}, which this devoops does not know; "
                "upgrade devoops to use it"
            )
        if now == target:
            return
        cfg = config()
        cfg.attributes["connection"] = conn
        try:
            command.upgrade(cfg, target)
        finally:
            cfg.attributes.pop("connection", None)
