"""The schema under Alembic, on both backends: from nothing to head, from the previous
revision with data in it, refused when newer than this devoops, and upgraded once when
several processes open a fresh store at the same moment."""

from __future__ import annotations

import datetime as dt
import sqlite3
import threading
import uuid
from pathlib import Path

import pytest
import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext

from devoops.store import Store, StoreError, migrate
from devoops.store.engine import connect, sqlite_url, writer
from devoops.store.rows import insert_assessment
from devoops.store.tables import metadata

from .conftest import fresh_database
from .support import OPENER, assessed, findings_in, findings_rows, go, python, raw, variant, wait_ready

TABLES = {"alembic_version", "applications", "assessments", "findings", "milestones"}


def version(conn: sa.Connection) -> list[str]:
    return list(conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalars())


def test_an_empty_store_is_brought_to_head(store_url: str) -> None:
    Store(store_url).close()
    with raw(store_url) as conn:
        assert set(sa.inspect(conn).get_table_names()) >= TABLES
        assert version(conn) == [migrate.head()]
        # What the migrations build is what tables.py describes: nothing for autogenerate to add.
        context = MigrationContext.configure(conn, opts={"compare_type": True})
        assert compare_metadata(context, metadata) == []


def test_a_store_at_the_previous_revision_keeps_its_data(store_url: str) -> None:
    engine = connect(store_url)
    try:
        migrate.upgrade(engine, "0001")
        with engine.connect() as conn:
            assert migrate.current(conn) == "0001"
            assert "milestones" not in sa.inspect(conn).get_table_names()
        # Rows as a devoops of revision 0001 wrote them (saving never touches milestones).
        a, text = assessed()
        saved_at = dt.datetime(2026, 11, 29, 13, 0, tzinfo=dt.UTC)
        with writer(engine).begin() as conn:
            ids = [
                insert_assessment(conn, variant(a, hours=h), text, saved_at, str(uuid.uuid4()))
                for h in range(2)
            ]
    finally:
        engine.dispose()

    with Store(store_url) as store:
        entries = store.history()
        assert [e.id for e in entries] == ids
        assert store.load(str(ids[0])).assessment == a
        assert store.load("latest").workload_text == text
        assert store.create_milestone("before-upgrade", ref=str(ids[0])).milestones == ["before-upgrade"]
        assert store.load("before-upgrade").entry.id == ids[0]
        assert store.save(variant(a, hours=5), text).id > max(ids)
    with raw(store_url) as conn:
        assert version(conn) == [migrate.head()]
        assert set(findings_rows(conn).values()) == {findings_in(a)}


def test_a_store_from_a_newer_devoops_is_refused(store_url: str) -> None:
    a, text = assessed()
    with Store(store_url) as store:
        store.save(a, text)
    with raw(store_url) as conn, conn.begin():
        conn.execute(sa.text("UPDATE alembic_version SET version_num = 'ffffffffffff'"))
    with pytest.raises(
        StoreError, match="revision ffffffffffff, which this devoops does not know; upgrade devoops"
    ):
        Store(store_url)
    with raw(store_url) as conn:  # refused, not touched
        assert version(conn) == ["ffffffffffff"]
        assert conn.execute(sa.text("SELECT count(*) FROM assessments")).scalar_one() == 1


def test_processes_opening_a_fresh_store_at_once_all_succeed(
    store_url: str, request: pytest.FixtureRequest
) -> None:
    """Three processes open the same fresh stores at the same moment, each racing the others to
    create the schema (SQLite's switch to WAL, the migration lock), several times over."""
    urls = [store_url, *(_another(store_url, request, n) for n in range(1, STORES))]
    openers = [python(OPENER, *urls) for _ in range(3)]
    for p in openers:
        wait_ready(p)
    go(*openers)
    for p in openers:
        out, err = p.communicate(timeout=60)
        assert p.returncode == 0, err
        assert out.split() == [migrate.head()] * STORES
    for url in urls:
        with raw(url) as conn:
            assert version(conn) == [migrate.head()]
            assert set(sa.inspect(conn).get_table_names()) >= TABLES


STORES = 3


def _another(store_url: str, request: pytest.FixtureRequest, n: int) -> str:
    """One more fresh store on the same backend as store_url."""
    if store_url.startswith("sqlite"):
        return store_url.replace("devoops.db", f"devoops-{n}.db")
    return fresh_database(request.getfixturevalue("postgres"))


def test_a_fresh_sqlite_store_waits_for_a_writer_holding_it(tmp_path: Path) -> None:
    """What a second process meets when the first is creating the store: a write transaction
    on a file not yet in WAL mode. SQLite answers the switch to WAL with "database is locked"
    at once, ignoring the busy timeout; opening must wait for the lock instead of failing."""
    path = tmp_path / "devoops.db"
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    holder.execute("CREATE TABLE scratch (x)")
    failures: list[BaseException] = []

    def open_store() -> None:
        try:
            Store(sqlite_url(path)).close()
        except BaseException as exc:
            failures.append(exc)

    opener = threading.Thread(target=open_store)
    opener.start()
    # Give the opener time to reach the lock; should it not get there in time, the test only
    # checks less (it cannot fail for that).
    opener.join(timeout=0.5)
    holder.execute("ROLLBACK")
    holder.close()
    opener.join(timeout=60)
    assert not opener.is_alive()
    assert failures == []
    with raw(sqlite_url(path)) as conn:
        assert version(conn) == [migrate.head()]
        assert conn.execute(sa.text("PRAGMA journal_mode")).scalar_one() == "wal"
