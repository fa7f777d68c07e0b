"""The store suite runs once on SQLite and once on a real PostgreSQL 15: one server per
session, a fresh database (or SQLite file) per test."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from devoops.store.engine import sqlite_url

from ..pgserver import PostgresServer


@pytest.fixture(scope="session")
def postgres() -> Iterator[PostgresServer]:
    server = PostgresServer()
    try:
        yield server
    finally:
        server.stop()


def fresh_database(server: PostgresServer) -> str:
    return server.create_database(f"devoops_{uuid.uuid4().hex[:16]}")


@pytest.fixture(params=["sqlite", "postgresql"])
def store_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty store's URL: a SQLite file not created yet, or a new PostgreSQL database."""
    if request.param == "sqlite":
        return sqlite_url(tmp_path / "store" / "devoops.db")
    return fresh_database(request.getfixturevalue("postgres"))
