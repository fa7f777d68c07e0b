"""Hostile dumps against a real PostgreSQL 15 (the session's server): whatever a backup's SQL
tries, nothing outside the drill's scratch database changes, the drill FAILs saying why, and the
scratch database and the drill's own role are gone afterwards. The drill connects as the role the
documentation asks for (CREATEDB CREATEROLE, not a superuser), and every role but the bootstrap
superuser logs in with a password, as on a real server."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from devoops.model.evidence import Status

from ..conftest import NOW
from ..helpers import apart
from ..pgserver import BIN, PostgresServer
from ..probes.support import probe

pytestmark = pytest.mark.hostile

ADMIN, ADMIN_PASSWORD = "drill_admin", "admin-pw-4e1c"
BYSTANDER = "bystander"
VICTIM = "victim"
OWNED = "owned_by_the_drill_role"  # a database the drill's own role owns, e.g. an old restore
HEAD = b"--\n-- PostgreSQL database dump\n--\n\nSET client_encoding = 'UTF8';\nCREATE TABLE kept (id int);\n"
TAIL = b"\n--\n-- PostgreSQL database dump complete\n--\n\n"
SNAPSHOT = {
    # the privileges granted, not how the ACL is spelt: a GRANT that grants nothing still writes
    # out the default ACL it started from
    "databases": "SELECT datname, datdba::regrole::text, datallowconn, datconnlimit, datistemplate, "
    "shobj_description(oid, 'pg_database'), (SELECT array_agg(a::text ORDER BY a::text) "
    "FROM aclexplode(coalesce(datacl, acldefault('d', datdba))) a) FROM pg_database ORDER BY 1",
    "roles": "SELECT * FROM pg_roles ORDER BY rolname",
    "authid": "SELECT rolname, rolpassword, rolvaliduntil, rolsuper, rolcreaterole, rolcreatedb, "
    "rolcanlogin, rolbypassrls, rolconnlimit FROM pg_authid ORDER BY 1",
    "settings": "SELECT setdatabase, setrole, setconfig FROM pg_db_role_setting ORDER BY 1, 2",
    "members": "SELECT roleid::regrole::text, member::regrole::text, admin_option FROM pg_auth_members "
    "ORDER BY 1, 2",
    "files": "SELECT sourcefile, name, setting FROM pg_file_settings ORDER BY 1, 2",
    "comments": "SELECT objoid, classoid, description FROM pg_shdescription ORDER BY 1, 2",
}


def dsn(server: PostgresServer, database: str = "postgres") -> str:
    return server.url(database).replace("+psycopg", "")


@pytest.fixture(scope="module")
def pg(postgres: PostgresServer) -> Iterator[PostgresServer]:
    """The session's server with the drill's role, a bystander role and the databases the dumps
    go after; they go again with the module."""
    postgres.execute(
        "SET password_encryption = 'scram-sha-256'",
        f"CREATE ROLE {ADMIN} LOGIN CREATEDB CREATEROLE PASSWORD '{ADMIN_PASSWORD}'",
        f"CREATE ROLE {BYSTANDER} LOGIN PASSWORD 'bystander-pw'",
        f"CREATE DATABASE {VICTIM}",
        f"CREATE DATABASE {OWNED} OWNER {ADMIN}",
    )
    yield postgres
    postgres.execute(
        *(f"DROP DATABASE {name} WITH (FORCE)" for name in (VICTIM, OWNED)),
        f"DROP OWNED BY {ADMIN}, {BYSTANDER}",
        f"DROP ROLE {ADMIN}, {BYSTANDER}",
    )


def snapshot(pg: PostgresServer) -> dict[str, list[tuple[Any, ...]]]:
    with psycopg.connect(dsn(pg), autocommit=True) as conn:
        return {name: conn.execute(query).fetchall() for name, query in SNAPSHOT.items()}


def drill(pg: PostgresServer, tmp_path: Path, data: bytes, name: str = "shop.sql") -> Any:
    (tmp_path / name).write_bytes(data)
    server = f"postgresql://{ADMIN}:{ADMIN_PASSWORD}@127.0.0.1:{pg.port}/postgres"
    return probe("restore_drill", str(tmp_path), {"server": server}, timeout=60)


APART = """
import json, resource, sys
from tests.probes.support import probe
result = probe("restore_drill", sys.argv[1], {"server": sys.argv[2]}, timeout=60)
# this process's own peak from its memory map (ru_maxrss keeps the forking parent's across exec)
hwm = next(int(line.split()[1]) for line in open("/proc/self/status") if line.startswith("VmHWM:"))
peak = {"RUSAGE_SELF": hwm * 1024, "RUSAGE_CHILDREN": resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss * 1024}
print(json.dumps({"status": result.status.value, "summary": result.evidence.summary, **peak}))
"""


def drill_apart(pg: PostgresServer, tmp_path: Path, data: bytes, name: str) -> dict[str, Any]:
    """The drill in a fresh process, whose peak memory and its children's are the drill's alone."""
    (tmp_path / name).write_bytes(data)
    return apart(APART, str(tmp_path), f"postgresql://{ADMIN}:{ADMIN_PASSWORD}@127.0.0.1:{pg.port}/postgres")


def left(pg: PostgresServer) -> list[str]:
    with psycopg.connect(dsn(pg), autocommit=True) as conn:
        rows = conn.execute(
            "SELECT datname FROM pg_database WHERE datname LIKE 'devoops\\_drill%' "
            "UNION ALL SELECT rolname FROM pg_roles WHERE rolname LIKE 'devoops\\_drill%'"
        ).fetchall()
    return [r[0] for r in rows]


def _self(statement: str) -> str:
    """A statement naming the role or database the dump runs as, which it cannot know beforehand."""
    return f"DO $$ BEGIN EXECUTE format($f${statement}$f$, current_user, current_database()); END $$;"


HOSTILE = {
    "create database": ("CREATE DATABASE made_by_dump;", "permission denied to create database"),
    "drop another database": (f"DROP DATABASE {VICTIM};", f"must be owner of database {VICTIM}"),
    "drop the drill role's database": (
        f"CREATE DATABASE made_by_dump;\nDROP DATABASE {OWNED};",
        "permission denied to create database",
    ),
    "drill role password": (f"ALTER ROLE {ADMIN} PASSWORD 'owned';", "permission denied"),
    "another role's password": (f"ALTER ROLE {BYSTANDER} PASSWORD 'owned';", "permission denied"),
    "drill role setting": (f"ALTER ROLE {ADMIN} SET statement_timeout = '1ms';", "permission denied"),
    "every role's setting": ("ALTER ROLE ALL SET statement_timeout = '1ms';", "must be superuser"),
    "own role setting": ("ALTER ROLE CURRENT_USER SET statement_timeout = '1ms';", "its own role"),
    "own role password": ("ALTER ROLE CURRENT_USER PASSWORD 'known to the author';", "password"),
    "own role granted": (_self("GRANT %I TO " + BYSTANDER), "must have admin option"),
    "alter system": ("ALTER SYSTEM SET work_mem = '1GB';", "permission denied to set parameter"),
    "create role": ("CREATE ROLE made_by_dump LOGIN;", "permission denied to create role"),
    "grant on another database": (f"GRANT ALL ON DATABASE {VICTIM} TO PUBLIC;", "no privileges"),
    "grant a predefined role": ("GRANT pg_read_server_files TO CURRENT_USER;", "must have admin option"),
    "reset role": ("RESET ROLE;\nCREATE DATABASE made_by_dump;", "permission denied to create database"),
    "set role": (f"SET ROLE {ADMIN};\nDROP DATABASE {VICTIM};", "permission denied to set role"),
    "session authorization": (f"SET SESSION AUTHORIZATION {ADMIN};", "permission denied"),
    "connect": (f"\\connect {VICTIM}\nCREATE TABLE planted (id int);", "psql commands"),
    "program": ("COPY (SELECT 1) TO PROGRAM 'true';", "pg_execute_server_program"),
    "marker": (_self("COMMENT ON DATABASE %2$I IS 'devoops drill stolen: safe to drop'"), "marker"),
    "marker by name": (_self("COMMENT ON DATABASE %2$I IS NULL"), "marker"),
}


@pytest.mark.parametrize("attempt", list(HOSTILE))
def test_a_hostile_dump_fails_and_changes_nothing_outside_its_database(
    pg: PostgresServer, tmp_path: Path, attempt: str
) -> None:
    statement, reason = HOSTILE[attempt]
    before = snapshot(pg)
    result = drill(pg, tmp_path, HEAD + statement.encode() + b"\n" + TAIL)
    assert result.status == Status.FAIL, result.evidence.summary
    assert reason in result.evidence.summary, result.evidence.summary
    assert snapshot(pg) == before
    assert left(pg) == []
    assert "known to the author" not in result.model_dump_json()


def test_an_ordinary_dump_passes_as_the_documented_role(pg: PostgresServer, tmp_path: Path) -> None:
    before = snapshot(pg)
    result = drill(pg, tmp_path, HEAD + b"INSERT INTO kept VALUES (1);\n" + TAIL)
    assert result.status == Status.PASS, result.evidence.summary
    assert snapshot(pg) == before
    assert left(pg) == []


def test_a_role_without_createrole_is_told_what_it_lacks(pg: PostgresServer, tmp_path: Path) -> None:
    with psycopg.connect(dsn(pg), autocommit=True) as conn:
        conn.execute("CREATE ROLE only_createdb LOGIN CREATEDB PASSWORD 'createdb-pw'")
    (tmp_path / "shop.sql").write_bytes(HEAD + TAIL)
    server = f"postgresql://only_createdb:createdb-pw@127.0.0.1:{pg.port}/postgres"
    result = probe("restore_drill", str(tmp_path), {"server": server}, timeout=60)
    assert result.status == Status.ERROR
    assert "lacks CREATEROLE" in result.evidence.summary
    assert "createdb-pw" not in result.model_dump_json()
    assert left(pg) == []


def test_a_leftover_drill_role_is_reported(pg: PostgresServer, tmp_path: Path) -> None:
    from devoops.drill import roles, scratch

    made = scratch.new(NOW, "an interrupted drill")
    with psycopg.connect(dsn(pg), autocommit=True) as conn:
        role = roles.create(conn, made)
    try:
        result = drill(pg, tmp_path, HEAD + TAIL)
        assert result.status == Status.PASS, result.evidence.summary
        assert made.name in result.evidence.summary and "role" in result.evidence.summary
    finally:
        with psycopg.connect(dsn(pg), autocommit=True) as conn:
            roles.drop(conn, role)


def test_a_line_of_a_gigabyte_fails_with_bounded_memory(pg: PostgresServer, tmp_path: Path) -> None:
    """A few kilobytes of zstd that decompress into one huge line: psql would hold all of it."""
    import pyzstd

    chunk = b"x" * (1 << 20)
    packer = pyzstd.ZstdCompressor(3)
    data = packer.compress(HEAD + b"SELECT '")
    for _ in range(1024):
        data += packer.compress(chunk)
    data += packer.compress(b"';\n" + TAIL) + packer.flush()
    assert len(data) < 200_000
    result = drill_apart(pg, tmp_path, data, "shop.sql.zst")
    assert result["status"] == "FAIL" and "line over" in result["summary"], result
    assert result["RUSAGE_CHILDREN"] < 512 << 20 and result["RUSAGE_SELF"] < 512 << 20, result
    assert left(pg) == []


def test_a_rewritten_marker_is_dropped_only_when_it_is_the_database_the_drill_made(
    pg: PostgresServer,
) -> None:
    from psycopg import sql

    from devoops.drill import scratch

    made = scratch.new(NOW, "a drill whose marker a dump rewrote")
    with psycopg.connect(dsn(pg), autocommit=True) as conn:
        oid = scratch.create(conn, made)
        conn.execute(sql.SQL("COMMENT ON DATABASE {} IS 'not yours'").format(sql.Identifier(made.name)))
        with pytest.raises(scratch.Refused, match="no devoops drill marker"):
            scratch.drop(conn, made)
        with pytest.raises(scratch.Refused):
            scratch.drop(conn, made, oid + 1)
        scratch.drop(conn, made, oid)
    assert left(pg) == []


def test_the_drill_roles_password_never_reaches_the_evidence(
    pg: PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from devoops.drill import roles

    known = "Drill-Role-Pw-Known-0x5e"
    monkeypatch.setattr(roles.secrets, "token_urlsafe", lambda size: known)
    result = drill(pg, tmp_path, HEAD + f"SELECT '{known}'::int;\n".encode() + TAIL)
    assert result.status == Status.FAIL
    assert "***" in result.evidence.summary
    assert known not in result.model_dump_json()
    assert left(pg) == []


def test_a_statement_of_a_gigabyte_in_short_lines_fails_with_bounded_memory(
    pg: PostgresServer, tmp_path: Path
) -> None:
    """No line is long, but psql would hold the one statement they make whole."""
    import pyzstd

    lines = b"x" * 1023 + b"\n"
    packer = pyzstd.ZstdCompressor(3)
    data = packer.compress(HEAD + b"SELECT '")
    for _ in range(1024):
        data += packer.compress(lines * 1024)
    data += packer.compress(b"';\n" + TAIL) + packer.flush()
    result = drill_apart(pg, tmp_path, data, "shop.sql.zst")
    assert result["status"] == "FAIL" and "ran out of the 512 MB" in result["summary"], result
    assert result["RUSAGE_CHILDREN"] < 512 << 20 and result["RUSAGE_SELF"] < 512 << 20, result
    assert left(pg) == []


def archive(pg: PostgresServer, prefix: str, *statements: str) -> bytes:
    """A real pg_dump custom archive, uncompressed inside (-Z0), of a new database made by `statements`."""
    import subprocess

    database = pg.fresh(prefix)
    with psycopg.connect(dsn(pg, database), autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)
    assert BIN is not None
    dump = [str(BIN / "pg_dump"), "-Fc", "-Z0", "-d", dsn(pg, database)]
    return subprocess.run(dump, check=True, capture_output=True).stdout


def replaced(made: bytes, old: bytes, size: int, first: bytes, filler: bytes, last: bytes) -> bytes:
    """zstd of archive `made` with the string `old` (its 5-byte length before it: a sign byte and
    4 bytes little-endian, as pg_dump writes lengths) replaced by one of `size` bytes: `first`,
    then `filler` over and over, then `last`. The zstd layer the drill unpacks keeps it small."""
    import pyzstd

    at = made.index(old)
    assert made[at - 5 : at] == b"\x00" + len(old).to_bytes(4, "little")
    packer = pyzstd.ZstdCompressor(3)
    data = packer.compress(made[: at - 5] + b"\x00" + size.to_bytes(4, "little") + first)
    body = size - len(first) - len(last)
    for _ in range(body // len(filler)):
        data += packer.compress(filler)
    data += packer.compress(filler[: body % len(filler)] + last + made[at + len(old) :])
    return data + packer.flush()


def test_a_custom_archive_with_a_block_of_a_gigabyte_fails_with_bounded_memory(
    pg: PostgresServer, tmp_path: Path
) -> None:
    """The archive's one row, its own data block, made 1 GB: pg_restore allocates a block as large
    as its length says before reading it (and libpq a copy as it sends it on), so its address space
    is bounded like psql's, and the drill says why it stopped. The block's first line is no row."""
    made = archive(
        pg, "blocky", "CREATE TABLE kept (id int, note text)", "INSERT INTO kept VALUES (1, 'only')"
    )
    data = replaced(made, b"1\tonly\n", 1 << 30, b"not a row\n", b"x" * (1 << 20), b"\n")
    assert len(data) < 200_000
    result = drill_apart(pg, tmp_path, data, "shop.dump.zst")
    assert result["status"] == "FAIL", result
    assert "pg_restore ran out of the 512 MB" in result["summary"], result
    assert ADMIN_PASSWORD not in result["summary"]
    assert result["RUSAGE_CHILDREN"] < 512 << 20 and result["RUSAGE_SELF"] < 512 << 20, result
    assert left(pg) == []


def test_a_failing_statement_pg_restore_quotes_whole_is_cut_short(pg: PostgresServer, tmp_path: Path) -> None:
    """The table's definition made a failing statement of 16 MB, which pg_restore writes whole in
    one line on stderr ("Command was: ..."): the drill keeps the beginning of each line only, so
    the evidence (and the drill's memory) does not grow with it."""
    made = archive(pg, "wordy", "CREATE TABLE kept (id int, note text)")
    old = made[made.index(b"CREATE TABLE public.kept") :].split(b"\n);\n", 1)[0] + b"\n);\n"
    data = replaced(made, old, 16 << 20, b"SELECT 1/0 -- ", b"x" * (1 << 20), b"\n;\n")
    result = drill(pg, tmp_path, data, "shop.dump.zst")
    summary = result.evidence.summary
    assert result.status == Status.FAIL, summary[:300]
    assert "division by zero / Command was: SELECT 1/0 -- xxx" in summary, summary[:300]
    assert len(result.model_dump_json()) < 4000, summary[:300]
    assert left(pg) == []
