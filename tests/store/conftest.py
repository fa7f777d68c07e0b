"""The store suite runs once on SQLite and once on a real PostgreSQL 15: the session's one
server (tests/conftest.py), a fresh database (or SQLite file) per test."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from devoops.store.engine import sqlite_url

from ..pgserver import PostgresServer


def fresh_database(server: PostgresServer) -> str:
    """A new database's URL; the session's server goes, and its databases with it, at the end."""
    return server.url(server.fresh("devoops"))


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.pg)])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """An empty store's URL: a SQLite file not created yet, or a new PostgreSQL database."""
    if request.param == "sqlite":
        yield sqlite_url(tmp_path / "store" / "devoops.db")
        return
    server: PostgresServer = request.getfixturevalue("postgres")
    name = server.fresh("devoops")
    yield server.url(name)
    server.drop(name)
