"""Round trip: `devoops backup make` of a real database, then the restore drill of what it wrote,
with the data compared table by table inside the drill's scratch database before it is dropped."""

from __future__ import annotations

import hashlib
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from devoops.backup.make import make
from devoops.backup.stream import Keys
from devoops.model.evidence import Status

from ..conftest import NOW, workload
from ..pgserver import PostgresServer
from ..probes.support import probe

PASSPHRASE = "round trip passphrase 7f3a"
SETUP = r"""
CREATE TABLE customers (id int PRIMARY KEY, name text, profile jsonb, photo bytea, joined timestamptz);
INSERT INTO customers SELECT g, 'name ' || g || E'\twith\ttabs\nand lines', jsonb_build_object('n', g),
       decode(md5(g::text), 'hex'), timestamptz '2026-01-01' + g * interval '1 hour'
  FROM generate_series(1, 500) g;
INSERT INTO customers VALUES (501, NULL, NULL, NULL, NULL);
CREATE TABLE "Order Lines" (customer int REFERENCES customers, amount numeric(12, 2), note text);
INSERT INTO "Order Lines" SELECT 1 + g % 500, g / 7.0, CASE WHEN g % 3 = 0 THEN '\.' END
  FROM generate_series(1, 2000) g;
CREATE TABLE empty (id int);
CREATE SCHEMA audit;
CREATE TABLE audit.events (id bigserial PRIMARY KEY, what text);
INSERT INTO audit.events (what) SELECT 'event ' || g FROM generate_series(1, 300) g;
"""
TABLES = ["public.customers", 'public."Order Lines"', "public.empty", "audit.events"]


def dsn(server: PostgresServer, database: str = "postgres") -> str:
    return server.url(database).replace("+psycopg", "")


def fingerprint(conn: Any, table: str) -> str:
    """The table's whole content, in a stable order, as one md5: what the restore must equal."""
    query = f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) FROM {table} t"
    return str(conn.execute(query).fetchone()[0])


@pytest.fixture(scope="module")
def shop(postgres: PostgresServer) -> Iterator[tuple[PostgresServer, str, dict[str, str]]]:
    """A database of the session's server, which the tests only read: the server, its name and
    its tables' fingerprints."""
    name = postgres.fresh("shop")
    with psycopg.connect(dsn(postgres, name), autocommit=True) as conn:
        conn.execute(SETUP.encode())
        prints = {table: fingerprint(conn, table) for table in TABLES}
    yield postgres, name, prints
    postgres.drop(name)


def assertions(prints: dict[str, str]) -> list[dict[str, str]]:
    """One assertion per table: its restored content hashes to what the source held."""
    return [
        {
            "name": f"{table} equals the source",
            "sql": f"SELECT md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), '')) = '{digest}' FROM {table} t",
        }
        for table, digest in prints.items()
    ]


def drill(server: PostgresServer, target: str, prints: dict[str, str], **options: Any) -> Any:
    data = [{"name": "orders", "criticality": "lifeblood", "rpo_minutes": 60, "rto_minutes": 240}]
    options = {"server": dsn(server), "assertions": assertions(prints), **options}
    return probe(
        "restore_drill", target, options, timeout=120, workload=workload(**{"answers.data.datasets": data})
    )


@pytest.mark.parametrize("sealing", ["recipient", "passphrase"])
def test_a_backup_devoops_makes_restores_in_the_drill_with_every_row_equal(
    shop: tuple[PostgresServer, str, dict[str, str]], tmp_path: Path, sealing: str
) -> None:
    import pyrage

    server, database, prints = shop
    identity = pyrage.x25519.Identity.generate()
    if sealing == "recipient":
        keys, opening = Keys(recipients=(str(identity.to_public()),)), {"identities": str(identity)}
    else:
        keys, opening = Keys(passphrase=PASSPHRASE), {"passphrase": PASSPHRASE}
    made = make(dsn(server, database), str(tmp_path), keys, NOW)
    assert {(t.schema_, t.name): t.rows for t in made.manifest.tables} == {
        ("public", "customers"): 501,
        ("public", "Order Lines"): 2000,
        ("public", "empty"): 0,
        ("audit", "events"): 300,
    }

    result = drill(server, str(tmp_path), prints, **opening)

    assert result.status == Status.PASS, result.evidence.summary
    checks = next(t for t in result.evidence.tables if t.title.startswith("assertions"))
    assert len(checks.rows) == len(TABLES) and all("PASS" in row for row in checks.rows), checks.rows
    counts = next(t for t in result.evidence.tables if t.title.startswith("row counts"))
    assert {row[-1] for row in counts.rows} == {"equal"}  # against the manifest, exactly
    layers = next(m for m in result.evidence.measurements if m.name == "layers")
    assert (
        layers.detail
        == f"age ({'recipients' if sealing == 'recipient' else 'passphrase'}) > zstd > pg_dump custom"
    )
    with psycopg.connect(dsn(server), autocommit=True) as conn:
        left = conn.execute(
            "SELECT count(*) FROM pg_database WHERE datname LIKE 'devoops\\_drill%'"
        ).fetchone()
    assert left == (0,)


def test_a_changed_row_in_the_source_is_caught_by_the_comparison(
    shop: tuple[PostgresServer, str, dict[str, str]], tmp_path: Path
) -> None:
    """The comparison can fail: a fingerprint the backup does not hold makes the drill FAIL."""
    import pyrage

    server, database, prints = shop
    identity = pyrage.x25519.Identity.generate()
    make(dsn(server, database), str(tmp_path), Keys(recipients=(str(identity.to_public()),)), NOW)
    wrong = dict(prints, **{"audit.events": hashlib.md5(b"not the events").hexdigest()})

    result = drill(server, str(tmp_path), wrong, identities=str(identity))

    assert result.status == Status.FAIL
    assert "audit.events equals the source" in result.evidence.summary
