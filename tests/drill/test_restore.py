"""The restore drill against a real PostgreSQL 15 on loopback (the session's server): real
pg_dump archives and plain dumps, sealed with age, gzip'd, encrypted with gpg, kept in folders
and in moto's S3 server."""

from __future__ import annotations

import dataclasses
import datetime as dt
import gzip
import hashlib
import io
import os
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from devoops.backup.location import Folder, open_location
from devoops.backup.manifest import Manifest, manifest_name
from devoops.backup.pgclient import tool
from devoops.backup.stream import Keys, seal
from devoops.backup.unpack import Unreadable
from devoops.drill import programs, restore, scratch
from devoops.model.evidence import Measurement, ProbeResult, Status

from ..conftest import NOW, workload
from ..helpers import cli
from ..pgserver import PostgresServer
from ..probes import support
from ..probes.support import free_port, probe

PASSPHRASE = "correct horse battery staple"
ROLE_PASSWORD = "Lit3ral-pw-xq"
"""The password of the roles made here: the server asks every role but its superuser for one."""
ROWS = {("public", "orders"): 5, ("public", "empty"): 0, ("public", "Odd Name"): 3, ("other", "items"): 2}
SETUP = """
CREATE TABLE orders (id int PRIMARY KEY, total numeric);
INSERT INTO orders SELECT g, g * 10 FROM generate_series(1, 5) g;
CREATE TABLE empty (id int);
CREATE TABLE "Odd Name" (note text);
INSERT INTO "Odd Name" VALUES ('a'), ('b\tc'), ('\\connect x');
CREATE SCHEMA other;
CREATE TABLE other.items (id int);
INSERT INTO other.items VALUES (1), (2);
"""


def dsn(server: PostgresServer, database: str = "postgres") -> str:
    return server.url(database).replace("+psycopg", "")


def sql(url: str, statement: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        cur = conn.execute(statement)
        return cur.fetchall() if cur.description else []


@dataclasses.dataclass(frozen=True)
class Dumps:
    custom: bytes
    plain: bytes
    age_passphrase: bytes  # the custom archive, zstd and age with PASSPHRASE
    age_recipient: bytes  # the custom archive, zstd and age to `identity`
    identity: str


@pytest.fixture(scope="module")
def shop(postgres: PostgresServer) -> Iterator[str]:
    """The database the dumps here are made of, which the tests only read: its name."""
    name = postgres.fresh("shop")
    postgres.execute(SETUP, database=name)
    yield name
    postgres.drop(name)


@pytest.fixture(scope="module")
def pg(postgres: PostgresServer) -> PostgresServer:
    """The session's server, which every test here shares: each writes only databases it makes."""
    return postgres


def pg_dump(server: PostgresServer, database: str, fmt: str) -> bytes:
    return subprocess.run(
        [tool("pg_dump"), f"-F{fmt}", "-d", dsn(server, database)],
        capture_output=True,
        check=True,
        timeout=60,
    ).stdout


@pytest.fixture(scope="module")
def dumps(postgres: PostgresServer, shop: str) -> Dumps:
    import pyrage

    custom, plain = pg_dump(postgres, shop, "c"), pg_dump(postgres, shop, "p")
    identity = pyrage.x25519.Identity.generate()
    sealed = []
    for keys in (Keys(passphrase=PASSPHRASE), Keys(recipients=(str(identity.to_public()),))):
        out = io.BytesIO()
        seal(io.BytesIO(custom), out, keys)
        sealed.append(out.getvalue())
    return Dumps(custom, plain, sealed[0], sealed[1], str(identity))


def manifest(name: str, data: bytes, rows: dict[tuple[str, str], int] = ROWS) -> Manifest:
    return Manifest.model_validate(
        {
            "backup": name,
            "created_at": NOW - dt.timedelta(hours=2),
            "finished_at": NOW - dt.timedelta(hours=2),
            "database": "shop",
            "server_version": "15",
            "pg_dump_version": "15",
            "size": len(data),
            "sha256": hashlib.sha256(data).hexdigest(),
            "encryption": "age (passphrase)",
            "tables": [{"schema": s, "name": n, "rows": r} for (s, n), r in rows.items()],
        }
    )


def folder(tmp_path: Path, name: str, data: bytes, described: Manifest | None = None) -> str:
    (tmp_path / name).write_bytes(data)
    if described is not None:
        (tmp_path / manifest_name(name)).write_text(described.model_dump_json(by_alias=True))
    return str(tmp_path)


def drill(pg: PostgresServer, target: str, timeout: float | None = 60, **options: Any) -> ProbeResult:
    options.setdefault("server", dsn(pg))
    return probe("restore_drill", target, options, timeout=timeout, **_workload())


def _workload() -> dict[str, Any]:
    data = [{"name": "orders", "criticality": "lifeblood", "rpo_minutes": 60, "rto_minutes": 240}]
    return {"workload": workload(**{"answers.data.datasets": data})}


def leftovers(pg: PostgresServer) -> list[str]:
    """Drill databases and drill roles still on the server: none once a drill is over."""
    return [
        r[0]
        for r in sql(
            dsn(pg),
            "SELECT datname FROM pg_database WHERE datname LIKE 'devoops\\_drill%' "
            "UNION ALL SELECT rolname FROM pg_roles WHERE rolname LIKE 'devoops\\_drill%'",
        )
    ]


def measurement(result: ProbeResult, name: str) -> Measurement:
    return next(m for m in result.evidence.measurements if m.name == name)


def verdict(result: ProbeResult) -> str | None:
    found = [v.choice for v in result.evidence.verdicts if v.practice == "backups.restore-drilled"]
    return found[0] if found else None


def counts(result: ProbeResult) -> dict[tuple[str, str], tuple[Any, ...]]:
    table = next(t for t in result.evidence.tables if t.title.startswith("row counts"))
    return {(str(r[0]), str(r[1])): tuple(r[2:]) for r in table.rows}


# restores that pass


def test_age_passphrase_backup_with_manifest_restores_verifies_and_is_dropped(
    pg: PostgresServer, dumps: Dumps, tmp_path: Path
) -> None:
    target = folder(
        tmp_path, "shop.dump.age", dumps.age_passphrase, manifest("shop.dump.age", dumps.age_passphrase)
    )
    (tmp_path / ".shop2.dump.age.partial").write_bytes(b"half")
    result = drill(
        pg,
        target,
        passphrase=PASSPHRASE,
        assertions=[{"name": "orders total", "sql": "SELECT sum(total) = 150 FROM orders"}],
    )
    assert result.status == Status.PASS, result.evidence.summary
    assert verdict(result) == "automated"
    assert {k: v[0] for k, v in counts(result).items()} == ROWS
    assert {v[2] for v in counts(result).values()} == {"equal"}
    rto = measurement(result, "restore time")
    assert rto.target == 240 * 60 and rto.bound == "max" and rto.ok
    assert measurement(result, "layers").detail == "age (passphrase) > zstd > pg_dump custom"
    assert measurement(result, "bytes read").value == len(dumps.age_passphrase)
    assert measurement(result, "rows").value == sum(ROWS.values())
    assert leftovers(pg) == []


@pytest.mark.parametrize(
    "variant",
    ["plain", "gzip", pytest.param("gpg", marks=pytest.mark.needs("gpg")), "identities", "identity_file"],
)
def test_every_kind_of_backup_restores_without_manifest(
    pg: PostgresServer, dumps: Dumps, tmp_path: Path, variant: str
) -> None:
    options: dict[str, Any] = {}
    if variant == "plain":
        data, layers = dumps.plain, "plain SQL"
    elif variant == "gzip":
        data, layers = gzip.compress(dumps.plain), "gzip > plain SQL"
    elif variant == "gpg":
        data, layers = gpg_symmetric(dumps.custom, PASSPHRASE), "OpenPGP (passphrase) > pg_dump custom"
        options["passphrase"] = PASSPHRASE
    else:
        data, layers = dumps.age_recipient, "age (recipients) > zstd > pg_dump custom"
        if variant == "identities":
            options["identities"] = f"# a comment\n{dumps.identity}\n"
        else:
            (tmp_path / "keys").mkdir()
            (tmp_path / "keys" / "id.txt").write_text(dumps.identity + "\n")
            options["identity_file"] = "keys/id.txt"
    (tmp_path / "backups").mkdir()
    folder(tmp_path / "backups", "shop.bak", data)
    result = _in(tmp_path, pg, options)
    assert result.status == Status.PASS, result.evidence.summary
    assert measurement(result, "layers").detail == layers
    assert {k: v[0] for k, v in counts(result).items()} == ROWS
    assert "not compared" in result.evidence.summary
    assert leftovers(pg) == []


def _in(root: Path, pg: PostgresServer, options: dict[str, Any]) -> ProbeResult:
    """The probe with devoops.yaml's folder at `root`, so relative paths are read from there."""
    import asyncio

    import aiohttp

    from devoops.evaluate import assess
    from devoops.lens import load_lens
    from devoops.model.workload import ProbeConfig
    from devoops.probes.base import Context
    from devoops.probes.run import collect

    w = _workload()["workload"]
    lens = load_lens()
    targets = {v.horizon: v.targets for v in assess(w, lens, NOW, "test").horizons}
    config = ProbeConfig(
        type="restore_drill", target="backups", timeout=60, options={"server": dsn(pg), **options}
    )

    async def run() -> ProbeResult:
        async with aiohttp.ClientSession() as http:
            return await collect(Context("drill", NOW, 60, w, targets, http, root), config, lens, {})

    return asyncio.run(run())


def gpg_symmetric(data: bytes, passphrase: str) -> bytes:
    with tempfile.TemporaryDirectory() as home:
        return subprocess.run(
            ["gpg", "--homedir", home, "--batch", "--pinentry-mode", "loopback", "--passphrase", passphrase]
            + ["--symmetric", "--cipher-algo", "AES256", "-o", "-"],
            input=data,
            capture_output=True,
            check=True,
            timeout=60,
        ).stdout


# backups that do not restore or do not verify


def test_wrong_passphrase_fails_and_leaves_nothing(pg: PostgresServer, dumps: Dumps, tmp_path: Path) -> None:
    result = drill(pg, folder(tmp_path, "shop.age", dumps.age_passphrase), passphrase="not the passphrase")
    assert result.status == Status.FAIL
    assert verdict(result) == "never"
    assert "passphrase" in result.evidence.summary
    assert leftovers(pg) == []


def test_truncated_backup_fails(pg: PostgresServer, dumps: Dumps, tmp_path: Path) -> None:
    data = dumps.age_recipient[: len(dumps.age_recipient) * 2 // 3]
    result = drill(pg, folder(tmp_path, "shop.age", data), identities=dumps.identity)
    assert result.status == Status.FAIL
    assert verdict(result) == "never"
    assert "does not restore" in result.evidence.summary
    assert leftovers(pg) == []


def test_flipped_byte_is_damage_against_the_manifest(
    pg: PostgresServer, dumps: Dumps, tmp_path: Path
) -> None:
    described = manifest("shop.sql", dumps.plain)
    flipped = dumps.plain.replace(b"PostgreSQL database dump", b"PostgreSQL database dumq", 1)
    assert flipped != dumps.plain
    result = drill(pg, folder(tmp_path, "shop.sql", flipped, described))
    assert result.status == Status.FAIL
    assert verdict(result) == "never"
    assert "sha256" in result.evidence.summary
    assert leftovers(pg) == []


def test_flipped_byte_in_an_age_file_fails_its_authentication(
    pg: PostgresServer, dumps: Dumps, tmp_path: Path
) -> None:
    data = bytearray(dumps.age_recipient)
    data[-20] ^= 0x01
    result = drill(pg, folder(tmp_path, "shop.age", bytes(data)), identities=dumps.identity)
    assert result.status == Status.FAIL
    assert verdict(result) == "never"
    assert leftovers(pg) == []


def test_manifest_counts_that_differ_fail(pg: PostgresServer, dumps: Dumps, tmp_path: Path) -> None:
    claimed = dict(ROWS) | {("public", "orders"): 6, ("public", "gone"): 1}
    result = drill(
        pg, folder(tmp_path, "shop.dump", dumps.custom, manifest("shop.dump", dumps.custom, claimed))
    )
    assert result.status == Status.FAIL
    assert verdict(result) == "never"
    table = counts(result)
    assert table[("public", "orders")] == (5, 6, "differs")
    assert table[("public", "gone")] == (None, 1, "missing")
    assert table[("public", "empty")] == (0, 0, "equal")


def test_against_the_source_moved_on_passes_missing_or_emptied_tables_fail(
    pg: PostgresServer, shop: str, dumps: Dumps, tmp_path: Path
) -> None:
    target = folder(tmp_path, "shop.sql", dumps.plain)
    moved = pg.fresh("moved", template=shop)
    sql(dsn(pg, moved), "INSERT INTO orders VALUES (6, 60)")
    passed = drill(pg, target, source=dsn(pg, moved))
    assert passed.status == Status.PASS, passed.evidence.summary
    assert counts(passed)[("public", "orders")] == (5, 6, "moved on")
    assert "moved on" in passed.evidence.summary
    grown = pg.fresh("grown", template=shop)
    sql(dsn(pg, grown), "CREATE TABLE later (id int); INSERT INTO later VALUES (1)")
    sql(dsn(pg, grown), "INSERT INTO empty VALUES (1)")
    failed = drill(pg, target, source=dsn(pg, grown))
    assert failed.status == Status.FAIL
    assert verdict(failed) == "never"
    assert counts(failed)[("public", "later")] == (None, 1, "missing")
    assert "empty" in failed.evidence.summary
    assert leftovers(pg) == []


def test_assertions_pass_fail_and_error(pg: PostgresServer, dumps: Dumps, tmp_path: Path) -> None:
    result = drill(
        pg,
        folder(tmp_path, "shop.dump", dumps.custom),
        assertions=[
            {"name": "five orders", "sql": "SELECT count(*) = 5 FROM orders"},
            {"name": "no items", "sql": "SELECT count(*) = 0 FROM other.items"},
            {"name": "broken", "sql": "SELECT * FROM no_such_table"},
        ],
    )
    assert result.status == Status.FAIL
    assert verdict(result) == "never"
    table = next(t for t in result.evidence.tables if t.title == "assertions")
    status = {row[0]: row[1] for row in table.rows}
    assert status == {"five orders": "PASS", "no items": "FAIL", "broken": "FAIL"}
    assert "no_such_table" in str(table.rows[2][2])
    assert leftovers(pg) == []


def test_rto_overshoot_fails_but_the_restore_is_drilled(
    pg: PostgresServer, dumps: Dumps, tmp_path: Path
) -> None:
    result = drill(pg, folder(tmp_path, "shop.dump", dumps.custom), rto_minutes=1e-6)
    assert result.status == Status.FAIL
    assert verdict(result) == "automated"
    assert measurement(result, "restore time").ok is False
    assert "rto_minutes" in result.evidence.summary


# safety


def test_plain_dump_owner_of_a_missing_role_is_tolerated(
    pg: PostgresServer, dumps: Dumps, tmp_path: Path
) -> None:
    owned = dumps.plain + b"\nALTER TABLE public.orders OWNER TO ghost_owner;\n"
    result = drill(pg, folder(tmp_path, "shop.sql", owned))
    assert result.status == Status.PASS, result.evidence.summary
    assert "roles missing" in result.evidence.summary
    broken = dumps.plain + b"\nALTER TABLE public.nowhere ADD COLUMN x int;\n"
    result = drill(pg, folder(tmp_path, "shop.sql", broken))
    assert result.status == Status.FAIL
    assert "nowhere" in result.evidence.summary


def test_plain_dump_that_connects_elsewhere_is_not_restored(
    pg: PostgresServer, dumps: Dumps, tmp_path: Path
) -> None:
    target = pg.fresh("victim")
    hostile = f"CREATE TABLE before (id int);\n\\connect {target}\n".encode() + dumps.plain
    result = drill(pg, folder(tmp_path, "shop.sql", hostile))
    assert result.status == Status.FAIL
    assert "\\connect" in result.evidence.summary
    assert sql(dsn(pg, target), "SELECT count(*) FROM pg_class WHERE relname = 'orders'") == [(0,)]
    assert leftovers(pg) == []


def test_meta_commands_anywhere_in_a_line_are_not_run(
    pg: PostgresServer, dumps: Dumps, tmp_path: Path
) -> None:
    target = pg.fresh("victim")
    touched = tmp_path / "touched"
    hostile = (
        dumps.plain
        + f"SELECT 1; \\! touch {touched}\n   \\c {target}\nCREATE TABLE later (id int);\n".encode()
    )
    result = drill(pg, folder(tmp_path, "shop.sql", hostile))
    assert result.status == Status.FAIL
    assert "psql commands" in result.evidence.summary
    assert not touched.exists()
    assert sql(dsn(pg, target), "SELECT count(*) FROM pg_class WHERE relname = 'later'") == [(0,)]
    assert leftovers(pg) == []


def test_a_function_body_with_a_line_starting_with_a_backslash_restores(
    pg: PostgresServer, dumps: Dumps, tmp_path: Path
) -> None:
    body = (
        b"CREATE FUNCTION public.note() RETURNS text LANGUAGE plpgsql AS $$\nBEGIN\n  RETURN '\n"
        b"\\connect elsewhere';\nEND $$;\n"
    )
    result = drill(
        pg,
        folder(tmp_path, "shop.sql", dumps.plain + body),
        assertions=[{"name": "note kept", "sql": "SELECT note() LIKE '%connect elsewhere'"}],
    )
    assert result.status == Status.PASS, result.evidence.summary


def test_a_cluster_dump_is_refused(pg: PostgresServer, tmp_path: Path) -> None:
    role = "made_by_dumpall"
    cluster = f"--\n-- PostgreSQL database cluster dump\n--\n\nCREATE ROLE {role};\n".encode()
    result = drill(pg, folder(tmp_path, "all.sql", cluster))
    assert result.status == Status.FAIL
    assert "pg_dumpall" in result.evidence.summary
    assert sql(dsn(pg), f"SELECT count(*) FROM pg_roles WHERE rolname = '{role}'") == [(0,)]
    assert leftovers(pg) == []


def test_a_plain_dump_cut_at_a_line_end_is_truncated(
    pg: PostgresServer, dumps: Dumps, tmp_path: Path
) -> None:
    cut = dumps.plain[: dumps.plain.index(b"\n", len(dumps.plain) * 2 // 3) + 1]
    result = drill(pg, folder(tmp_path, "shop.sql", cut))
    assert result.status == Status.FAIL
    assert "truncated" in result.evidence.summary
    whole = drill(pg, folder(tmp_path, "shop.sql", dumps.plain))
    assert whole.status == Status.PASS, whole.evidence.summary


def test_an_old_psql_is_not_trusted_with_plain_sql(
    pg: PostgresServer, dumps: Dumps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(restore.pgclient, "version", lambda path: "15.13")
    plain = drill(pg, folder(tmp_path, "shop.sql", gzip.compress(dumps.plain)))
    assert plain.status == Status.ERROR
    assert "psql 15.13" in plain.evidence.summary and "custom format" in plain.evidence.summary
    custom = drill(pg, folder(tmp_path, "shop.sql", dumps.custom))
    assert custom.status == Status.PASS, custom.evidence.summary
    assert leftovers(pg) == []


@pytest.fixture(scope="module")
def drill_role(pg: PostgresServer) -> str:
    """The role the documentation asks for: CREATEDB and CREATEROLE, not a superuser."""
    sql(dsn(pg), f"CREATE ROLE drill_role LOGIN CREATEDB CREATEROLE PASSWORD '{ROLE_PASSWORD}'")
    return "drill_role"


def test_the_drills_role_needs_createdb_and_createrole(
    pg: PostgresServer, dumps: Dumps, tmp_path: Path, drill_role: str
) -> None:
    target = folder(tmp_path, "shop.dump", dumps.custom)
    for server in (dsn(pg), f"postgresql://{drill_role}:{ROLE_PASSWORD}@127.0.0.1:{pg.port}/postgres"):
        passed = drill(pg, target, server=server)
        assert passed.status == Status.PASS, passed.evidence.summary
        assert "Note" not in passed.evidence.summary
    sql(dsn(pg), f"CREATE ROLE drill_createdb LOGIN CREATEDB PASSWORD '{ROLE_PASSWORD}'")
    lacking = drill(
        pg, target, server=f"postgresql://drill_createdb:{ROLE_PASSWORD}@127.0.0.1:{pg.port}/postgres"
    )
    assert lacking.status == Status.ERROR
    assert "drill_createdb lacks CREATEROLE" in lacking.evidence.summary
    assert leftovers(pg) == []


@pytest.mark.parametrize("fmt", ["p", "c"])
def test_an_ordinary_dump_of_a_database_owned_by_another_role_restores(
    pg: PostgresServer, tmp_path: Path, drill_role: str, fmt: str
) -> None:
    """pg_dump writes `ALTER ... OWNER TO` and grants for roles the drill server may well have."""
    owner = f"app_owner_{fmt}"
    sql(dsn(pg), f"CREATE ROLE {owner} LOGIN PASSWORD '{ROLE_PASSWORD}'; CREATE ROLE {owner}_reader")
    app = pg.fresh("app")
    sql(dsn(pg), f"ALTER DATABASE {app} OWNER TO {owner}")
    sql(
        f"postgresql://{owner}:{ROLE_PASSWORD}@127.0.0.1:{pg.port}/{app}",
        "CREATE SCHEMA app; CREATE TABLE app.accounts (id int PRIMARY KEY, name text);"
        "INSERT INTO app.accounts VALUES (1, 'a'), (2, 'b');"
        "CREATE VIEW app.names AS SELECT name FROM app.accounts;"
        f"GRANT USAGE ON SCHEMA app TO {owner}_reader; GRANT SELECT ON app.accounts TO {owner}_reader",
    )
    data = pg_dump(pg, app, fmt)
    assert fmt == "c" or f"OWNER TO {owner};".encode() in data
    result = drill(
        pg,
        folder(tmp_path, "app.bak", data),
        server=f"postgresql://{drill_role}:{ROLE_PASSWORD}@127.0.0.1:{pg.port}/postgres",
        assertions=[{"name": "accounts", "sql": "SELECT count(*) = 2 FROM app.names"}],
    )
    assert result.status == Status.PASS, result.evidence.summary
    assert counts(result)[("app", "accounts")][0] == 2
    assert leftovers(pg) == []


def test_cancelling_the_probe_drops_the_database_before_it_returns(
    pg: PostgresServer, dumps: Dumps, tmp_path: Path
) -> None:
    import asyncio

    async def cancelled() -> None:
        task = asyncio.create_task(
            support.run_probe(
                "restore_drill",
                folder(tmp_path, "shop.dump", dumps.custom),
                {"server": dsn(pg), "assertions": [{"name": "slow", "sql": "SELECT pg_sleep(60) IS NULL"}]},
                timeout=120,
            )
        )
        for _ in range(600):
            await asyncio.sleep(0.05)
            if await asyncio.to_thread(sleeping, pg):
                break
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancelled())
    assert leftovers(pg) == []


def sleeping(pg: PostgresServer) -> bool:
    return bool(sql(dsn(pg), "SELECT 1 FROM pg_stat_activity WHERE query LIKE 'SELECT pg_sleep(60)%'"))


class _Failing:
    """A backup file whose reads fail half way, as a disk or a mount does."""

    def __init__(self, path: str, after: int) -> None:
        self._file, self._left = open(path, "rb"), after  # noqa: SIM115

    def read(self, size: int = -1) -> bytes:
        if self._left <= 0:
            raise OSError(5, "Input/output error")
        data = self._file.read(min(self._left, size if size >= 0 else self._left))
        self._left -= len(data)
        return data

    def close(self) -> None:
        self._file.close()


def test_a_read_error_is_the_backups_failure(pg: PostgresServer, dumps: Dumps, tmp_path: Path) -> None:
    folder(tmp_path, "shop.sql", dumps.plain)

    class Failing(Folder):
        def open(self, name: str) -> Any:
            return _Failing(os.path.join(self.path, name), len(dumps.plain) * 2 // 3)

    settings = restore.Settings(location=Failing(str(tmp_path), "backups"), server=dsn(pg))
    result = restore.Drill(settings, NOW).run(60)
    assert result.error is None
    assert result.broken is not None and "cannot read the backup" in result.broken
    assert "Input/output error" in result.broken
    assert result.dropped and leftovers(pg) == []


def test_a_name_taken_by_someone_else_is_refused_and_left_intact(
    pg: PostgresServer, dumps: Dumps, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    name = "devoops_drill_20261129T120000Z_abcdef"
    sql(dsn(pg), f'CREATE DATABASE "{name}"')
    sql(dsn(pg, name), "CREATE TABLE precious (v text); INSERT INTO precious VALUES ('keep me')")
    real = scratch.new
    monkeypatch.setattr(
        scratch, "new", lambda now, purpose: dataclasses.replace(real(now, purpose), name=name)
    )
    try:
        result = drill(pg, folder(tmp_path, "shop.dump", dumps.custom))
        assert result.status == Status.ERROR
        assert "refused" in result.evidence.summary and name in result.evidence.summary
        assert sql(dsn(pg, name), "SELECT v FROM precious") == [("keep me",)]
        assert sql(dsn(pg, name), "SELECT count(*) FROM pg_class WHERE relname = 'orders'") == [(0,)]
    finally:
        sql(dsn(pg), f'DROP DATABASE "{name}"')


def test_timeout_stops_the_drill_and_drops_the_database(
    pg: PostgresServer, dumps: Dumps, tmp_path: Path
) -> None:
    result = drill(
        pg,
        folder(tmp_path, "shop.dump", dumps.custom),
        timeout=3,
        assertions=[{"name": "slow", "sql": "SELECT pg_sleep(30) IS NULL"}],
    )
    assert result.status == Status.ERROR
    summary = result.evidence.summary
    assert "timed out" in summary and "slow" in summary and "was dropped" in summary
    assert result.seconds < 3
    assert leftovers(pg) == []


def test_leftovers_of_interrupted_drills_are_reported(
    pg: PostgresServer, dumps: Dumps, tmp_path: Path
) -> None:
    left = scratch.new(NOW, "an interrupted drill")
    with psycopg.connect(dsn(pg), autocommit=True) as conn:
        scratch.create(conn, left)
    try:
        result = drill(pg, folder(tmp_path, "shop.dump", dumps.custom))
        assert result.status == Status.PASS
        assert left.name in result.evidence.summary
    finally:
        with psycopg.connect(dsn(pg), autocommit=True) as conn:
            scratch.drop(conn, left)


# errors, and secrets


def test_unreachable_server_is_an_error_within_the_timeout(dumps: Dumps, tmp_path: Path) -> None:
    server = f"postgresql://drill:S3cretPassw0rd@127.0.0.1:{free_port()}/postgres"
    result = probe(
        "restore_drill", folder(tmp_path, "shop.dump", dumps.custom), {"server": server}, timeout=10
    )
    assert result.status == Status.ERROR
    assert "cannot connect to 127.0.0.1" in result.evidence.summary
    assert "S3cretPassw0rd" not in result.model_dump_json()


def test_no_backup_and_missing_folder_are_errors(pg: PostgresServer, tmp_path: Path) -> None:
    (tmp_path / "shop.dump.manifest.json").write_text("{}")
    empty = drill(pg, str(tmp_path))
    assert empty.status == Status.ERROR and "no backup" in empty.evidence.summary
    missing = drill(pg, str(tmp_path / "nowhere"))
    assert missing.status == Status.ERROR and "does not exist" in missing.evidence.summary


def test_secrets_never_reach_the_evidence(pg: PostgresServer, dumps: Dumps, tmp_path: Path) -> None:
    password = "Pa55word-in-the-url"
    server = f"postgresql://{pg.user}:{password}@127.0.0.1:{pg.port}/postgres"
    good = drill(pg, folder(tmp_path, "shop.age", dumps.age_passphrase), server=server, passphrase=PASSPHRASE)
    assert good.status == Status.PASS, good.evidence.summary
    bad = drill(
        pg,
        folder(tmp_path, "shop.age", dumps.age_passphrase),
        server=server,
        passphrase=PASSPHRASE,
        assertions=[{"name": "leak", "sql": f"SELECT '{PASSPHRASE}'::int = 1"}],
    )
    assert bad.status == Status.FAIL
    for result in (good, bad):
        text = result.model_dump_json()
        assert password not in text and PASSPHRASE not in text


def test_the_drill_itself_hides_literal_secrets(
    pg: PostgresServer, dumps: Dumps, tmp_path: Path, drill_role: str
) -> None:
    """Run without the framework, which would scrub ${VAR} values: the drill's own scrubbing."""
    password, phrase = ROLE_PASSWORD, "literal passphrase 9z"
    server = f"postgresql://{drill_role}:{password}@127.0.0.1:{pg.port}/postgres"
    trig = pg.fresh("trig")
    sql(
        dsn(pg, trig),
        "CREATE FUNCTION nop() RETURNS event_trigger LANGUAGE plpgsql AS $$ BEGIN END $$;"
        f'CREATE EVENT TRIGGER "t {password} {phrase}" ON ddl_command_start EXECUTE FUNCTION nop()',
    )
    sealed = io.BytesIO()
    seal(io.BytesIO(pg_dump(pg, trig, "c")), sealed, Keys(passphrase=phrase))
    failing_sql = dumps.plain + f"SELECT '{password} {phrase}'::int;\n".encode()
    cases = {"custom": sealed.getvalue(), "plain": failing_sql}
    for kind, data in cases.items():
        (tmp_path / kind).mkdir()
        folder(tmp_path / kind, "shop.bak", data)
        settings = restore.Settings(
            location=open_location(kind, str(tmp_path)), server=server, keys=Keys(passphrase=phrase)
        )
        result = restore.Drill(settings, NOW).run(60)
        assert result.broken is not None and "***" in result.broken, result
        assert password not in repr(result) and phrase not in repr(result)
    wrong = restore.Settings(
        location=open_location("custom", str(tmp_path)), server=server, keys=Keys(passphrase=phrase + "!")
    )
    result = restore.Drill(wrong, NOW).run(60)
    assert result.broken is not None and "passphrase" in result.broken
    assert password not in repr(result) and phrase not in repr(result)
    unreachable = restore.Settings(
        location=open_location("custom", str(tmp_path)),
        server=f"postgresql://{drill_role}:{password}@127.0.0.1:{free_port()}/postgres",
        connect_timeout=3,
    )
    result = restore.Drill(unreachable, NOW).run(20)
    assert result.error is not None and "cannot connect" in result.error
    assert password not in repr(result)
    assert leftovers(pg) == []


# S3


def test_s3_location_restores(pg: PostgresServer, dumps: Dumps, s3: str) -> None:
    import boto3  # type: ignore[import-untyped]

    keys = {"aws_access_key_id": "testing", "aws_secret_access_key": "testing", "region_name": "us-east-1"}
    client = boto3.client("s3", endpoint_url=s3, **keys)
    client.create_bucket(Bucket="drills")
    name = "daily/shop.dump.age"
    client.put_object(Bucket="drills", Key=name, Body=dumps.age_passphrase)
    described = manifest("shop.dump.age", dumps.age_passphrase)
    client.put_object(Bucket="drills", Key=manifest_name(name), Body=described.model_dump_json(by_alias=True))
    result = drill(
        pg,
        "s3://drills/daily",
        passphrase=PASSPHRASE,
        endpoint_url=s3,
        region="us-east-1",
        access_key_id="testing",
        secret_access_key="testing",
    )
    assert result.status == Status.PASS, result.evidence.summary
    assert "the manifest" in result.evidence.summary
    assert leftovers(pg) == []


# the plain dump's watch over psql commands


class _Sink:
    def __init__(self) -> None:
        self.data = bytearray()

    def write(self, data: bytes) -> int:
        self.data += data
        return len(data)

    def abort(self) -> None:
        return None


def _cuts(data: bytes, points: list[int]) -> list[bytes]:
    edges = sorted({0, len(data), *(p % (len(data) + 1) for p in points)})
    return [data[a:b] for a, b in zip(edges, edges[1:], strict=False)]


PLAIN = (
    b"--\n-- PostgreSQL database dump\n--\n\n\\restrict abc\nSET x = 1;\nCOPY public.t (a) FROM stdin;\n"
    b"\\N\n\\restrict in data\n\\\\connect y\n\\.\nSELECT 1;\n-- PostgreSQL database dump complete\n"
    b"\n\\unrestrict abc\n"
)
KEY = b"0123abcd"


@pytest.mark.hostile
@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(min_value=0), max_size=8))
def test_plain_dumps_pass_restricted_without_their_own_wrapper_however_cut(points: list[int]) -> None:
    sink = _Sink()
    watch = programs.Plain(sink, KEY)  # type: ignore[arg-type]
    for part in _cuts(PLAIN, points):
        watch.write(part)
    expected = b"\\restrict " + KEY + b"\n" + PLAIN.replace(b"\\restrict abc\n", b"")
    assert bytes(sink.data) == expected.replace(b"\\unrestrict abc\n", b"")
    assert watch.complete


@pytest.mark.hostile
@settings(max_examples=80, deadline=None)
@given(st.lists(st.integers(min_value=0), max_size=8))
def test_a_cluster_dump_is_refused_before_any_of_it_runs_however_cut(points: list[int]) -> None:
    data = b"--\n-- PostgreSQL database cluster dump\n--\n\nCREATE ROLE x;\nALTER ROLE x PASSWORD 'p';\n"
    sink = _Sink()
    watch = programs.Plain(sink, KEY)  # type: ignore[arg-type]
    with pytest.raises(Unreadable, match="pg_dumpall"):
        for part in _cuts(data, points):
            watch.write(part)
    assert b"ROLE" not in bytes(sink.data)


@pytest.mark.parametrize(
    ("version", "knows"),
    [("15.14", True), ("15.13", False), ("16.10", True), ("16.9", False), ("17.6", True), ("17.5", False)]
    + [("14.19", True), ("13.21", False), ("18.0", True), ("19devel", True), ("12.22", False), ("x", False)],
)
def test_psql_versions_that_know_restrict(version: str, knows: bool) -> None:
    assert programs.restricts(version) is knows


# the command


def test_drill_restore_command_exits_by_the_result(pg: PostgresServer, dumps: Dumps, tmp_path: Path) -> None:
    (tmp_path / "good").mkdir()
    (tmp_path / "bad").mkdir()
    folder(tmp_path / "good", "shop.dump", dumps.custom)
    folder(tmp_path / "bad", "shop.dump", dumps.custom[:200])
    (tmp_path / "devoops.yaml").write_text(
        "app: {name: shop, stage: mvp}\n"
        "answers:\n"
        "  reliability: {downtime_cost_per_hour: 100}\n"
        "  traffic: {baseline_rps: 10}\n"
        "  security: {breach_survival: damaged}\n"
        "  engineering: {team_size: 3}\n"
        "probes:\n"
        "  good-restore: {type: restore_drill, target: good, options: {server: '${DRILL_URL}'}}\n"
        "  bad-restore: {type: restore_drill, target: bad, options: {server: '${DRILL_URL}'}}\n"
    )
    env = {"DRILL_URL": dsn(pg)}
    command = ("drill", "restore", "devoops.yaml", "--no-save", "--probe")
    ok = cli(*command, "good-restore", cwd=tmp_path, env=env)
    assert ok.returncode == 0, ok.stdout + ok.stderr
    assert "good-restore" in ok.stdout
    bad = cli(*command, "bad-restore", cwd=tmp_path, env=env)
    assert bad.returncode == 1, bad.stdout + bad.stderr
    assert leftovers(pg) == []
