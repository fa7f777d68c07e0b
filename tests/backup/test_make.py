"""`devoops backup make` against a real PostgreSQL 15 on loopback (the session's server), into
folders and moto's S3 server: the backup restores (through stream.unpack and a real pg_restore)
to the same rows the manifest counted, failures leave nothing, and no secret reaches any output."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import stat
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pyrage
import pytest
from psycopg import sql

from devoops.backup import retention
from devoops.backup.location import S3Settings, open_location
from devoops.backup.make import BackupFailed, make
from devoops.backup.manifest import Manifest, manifest_name
from devoops.backup.pgclient import tool
from devoops.backup.stream import Keys
from devoops.backup.unpack import unpack
from devoops.base.errors import UsageError

from ..helpers import cli
from ..pgserver import PostgresServer

NOW = dt.datetime(2026, 11, 29, 3, 0, tzinfo=dt.UTC)
PASSPHRASE = "Quixotic-Walrus-7781-never-print-me"
IDENTITY = pyrage.x25519.Identity.generate()
RECIPIENT = str(IDENTITY.to_public())
SCHEMA = [
    "CREATE TABLE orders (id serial PRIMARY KEY, customer text NOT NULL, amount numeric(10,2), placed timestamptz)",
    'CREATE SCHEMA "Sales Team"',
    'CREATE TABLE "Sales Team"."Q""3 targets" (region text PRIMARY KEY, goal bigint)',
    "CREATE TABLE empty (id int)",
    "INSERT INTO orders (customer, amount, placed) SELECT 'c' || g, g * 1.25, "
    "'2026-01-01'::timestamptz + g * interval '1 hour' FROM generate_series(1, 700) g",
    "INSERT INTO \"Sales Team\".\"Q\"\"3 targets\" VALUES ('north', 10), ('south', 20), ('east, west', NULL)",
]


def dsn(server: PostgresServer, database: str) -> str:
    return server.url(database).replace("+psycopg", "")


def execute(url: str, *statements: str) -> None:
    with psycopg.connect(url, autocommit=True) as conn:
        for statement in statements:
            conn.execute(statement)  # type: ignore[arg-type]


def tables(url: str) -> dict[tuple[str, str], list[tuple[Any, ...]]]:
    """Every user table's rows, sorted: what "the same data" means here."""
    with psycopg.connect(url) as conn:
        names = conn.execute(
            "SELECT table_schema, table_name FROM information_schema.tables"
            " WHERE table_type = 'BASE TABLE' AND table_schema NOT IN ('pg_catalog', 'information_schema')"
        ).fetchall()
        out = {}
        for schema, name in names:
            query = sql.SQL("SELECT * FROM {}.{}").format(sql.Identifier(schema), sql.Identifier(name))
            out[(schema, name)] = sorted(conn.execute(query).fetchall(), key=repr)
        return out


@pytest.fixture(scope="module")
def shop(postgres: PostgresServer) -> Iterator[str]:
    """The database the backups here are made of, which the tests only read: its name. Those
    that write make a copy (a template) of their own."""
    name = postgres.fresh("shop")
    execute(dsn(postgres, name), *SCHEMA)
    yield name
    postgres.drop(name)


@pytest.fixture(scope="module")
def server(postgres: PostgresServer) -> PostgresServer:
    """The session's server, which every test here shares: each writes only databases it makes."""
    return postgres


AWS = {"AWS_ACCESS_KEY_ID": "AKIAEXAMPLEKEY00", "AWS_SECRET_ACCESS_KEY": "wJalrXUtnFEMIexampleSECRETkey0000"}


@pytest.fixture
def aws(monkeypatch: pytest.MonkeyPatch) -> None:
    for key, value in AWS.items():
        monkeypatch.setenv(key, value)


def s3_client(endpoint: str) -> Any:
    import boto3

    return boto3.client(
        "s3",
        endpoint_url=endpoint,
        region_name="us-east-1",
        aws_access_key_id=AWS["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=AWS["AWS_SECRET_ACCESS_KEY"],
    )


def restore(server: PostgresServer, reader: Any, keys: Keys, database: str) -> list[str]:
    """The backup, decrypted and unpacked by devoops, by pg_restore into `database` (empty)."""
    started: list[subprocess.Popen[bytes]] = []

    def start(kind: str) -> Any:
        assert kind == "custom"
        proc = subprocess.Popen(
            [tool("pg_restore"), "--no-owner", "--exit-on-error", "-d", dsn(server, database)],
            stdin=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        started.append(proc)
        return proc.stdin

    layers = unpack(reader, keys, start)
    (proc,) = started
    assert proc.stdin is not None
    proc.stdin.close()
    assert proc.stderr is not None
    errors = proc.stderr.read()
    proc.wait(timeout=60)
    assert proc.returncode == 0, errors.decode()
    return layers


def counted(url: str) -> dict[tuple[str, str], int]:
    return {key: len(rows) for key, rows in tables(url).items()}


# round trips


def test_a_folder_backup_restores_to_the_same_rows_the_manifest_counted(
    server: PostgresServer, shop: str, tmp_path: Path
) -> None:
    source = dsn(server, shop)
    made = make(source, str(tmp_path), Keys(recipients=(RECIPIENT,)), NOW)
    name = made.manifest.backup
    assert name == retention.backup_name(shop, NOW)
    data = (tmp_path / name).read_bytes()
    assert data.startswith(b"age-encryption.org/v1\n")
    manifest = Manifest.model_validate_json((tmp_path / manifest_name(name)).read_bytes())
    assert manifest == made.manifest
    assert manifest.sha256 == hashlib.sha256(data).hexdigest() and manifest.size == len(data)
    assert manifest.rows() == counted(source)
    assert manifest.rows()[("public", "empty")] == 0
    assert manifest.server_version.startswith("15.") and manifest.encryption == "age (recipients)"
    assert manifest.created_at == NOW <= manifest.finished_at
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []

    with open(tmp_path / name, "rb") as f:
        layers = restore(server, f, Keys(identities=(str(IDENTITY),)), restored := server.fresh("restored"))
    assert layers == ["age (recipients)", "zstd", "pg_dump custom"]
    assert tables(dsn(server, restored)) == tables(source)


def test_an_s3_backup_with_a_passphrase_restores_to_the_same_data(
    server: PostgresServer, shop: str, s3: str, aws: None, monkeypatch: pytest.MonkeyPatch
) -> None:
    import moto.s3.models

    from devoops.backup import location

    monkeypatch.setattr(location, "PART", 64 * 1024)  # several parts even for a small dump
    monkeypatch.setattr(moto.s3.models, "S3_UPLOAD_PART_MIN_SIZE", 1024)  # S3 asks 5 MiB a part
    bulk = server.fresh("bulk", template=shop)
    execute(
        dsn(server, bulk),
        "INSERT INTO orders (customer) SELECT md5(random()::text) FROM generate_series(1, 9000)",
    )
    s3_client(s3).create_bucket(Bucket="offsite")
    settings = S3Settings(endpoint_url=s3, region="us-east-1")
    made = make(
        dsn(server, bulk), "s3://offsite/nightly", Keys(passphrase=PASSPHRASE), NOW, s3=settings, threads=2
    )
    assert made.manifest.size > 64 * 1024
    assert made.manifest.encryption == "age (passphrase)"
    body = s3_client(s3).get_object(Bucket="offsite", Key=f"nightly/{made.manifest.backup}")["Body"].read()
    assert hashlib.sha256(body).hexdigest() == made.manifest.sha256
    assert s3_client(s3).list_multipart_uploads(Bucket="offsite").get("Uploads", []) == []

    where = open_location("s3://offsite/nightly", "", settings)
    manifest = Manifest.model_validate_json(where.open(manifest_name(made.manifest.backup)).read())
    assert manifest.rows() == counted(dsn(server, bulk))
    restored = server.fresh("restored")
    layers = restore(server, where.open(made.manifest.backup), Keys(passphrase=PASSPHRASE), restored)
    assert layers[0] == "age (passphrase)"
    assert tables(dsn(server, restored)) == tables(dsn(server, bulk))


def test_row_counts_come_from_the_dumps_own_snapshot(
    server: PostgresServer, shop: str, tmp_path: Path
) -> None:
    """Rows written while the dump streams are in neither the dump nor the counts."""
    url = dsn(server, server.fresh("busy", template=shop))
    before = counted(url)
    writer = psycopg.connect(url, autocommit=True)
    from devoops.backup import make as module

    original = module._PgDump.__init__

    def and_then_write(self: Any, *args: Any) -> None:
        original(self, *args)
        writer.execute("INSERT INTO orders (customer) SELECT 'late' FROM generate_series(1, 50)")

    try:
        with pytest.MonkeyPatch.context() as m:
            m.setattr(module._PgDump, "__init__", and_then_write)
            made = make(url, str(tmp_path), Keys(recipients=(RECIPIENT,)), NOW)
    finally:
        writer.close()
    assert counted(url)[("public", "orders")] == before[("public", "orders")] + 50
    assert made.manifest.rows() == before
    with open(tmp_path / made.manifest.backup, "rb") as f:
        restore(server, f, Keys(identities=(str(IDENTITY),)), restored := server.fresh("restored"))
    assert counted(dsn(server, restored)) == before


# retention


def test_retention_prunes_only_this_databases_own_old_backups(
    server: PostgresServer, shop: str, tmp_path: Path
) -> None:
    others = [f"{shop}-eu-20261120T030000Z.dump.zst.age", "notes.txt", f"{shop}-20261120T030000Z.dump.gz"]
    for name in others:
        (tmp_path / name).write_bytes(b"x")
    keys = Keys(recipients=(RECIPIENT,))
    days = [NOW - dt.timedelta(days=d) for d in (6, 5, 4, 3, 2)]
    for day in days:
        make(dsn(server, shop), str(tmp_path), keys, day, policy=retention.Policy(keep=10))
    made = make(dsn(server, shop), str(tmp_path), keys, NOW, policy=retention.Policy(keep=3, keep_days=2.5))
    gone = [retention.backup_name(shop, d) for d in days[:4]]
    assert made.pruned == gone  # 6, 5 and 4 days old beyond the newest 3; 3 days old by age
    left = sorted(p.name for p in tmp_path.iterdir())
    kept = [retention.backup_name(shop, d) for d in (days[4], NOW)]
    assert left == sorted(others + kept + [manifest_name(n) for n in kept])


def conninfo(server: PostgresServer, database: str) -> str:
    """A key=value connection string: a database name with a space needs quoting."""
    return f"host=127.0.0.1 port={server.port} user={server.user} dbname='{database}'"


def test_retention_prunes_only_the_same_database_of_the_same_cluster(
    server: PostgresServer, tmp_path: Path
) -> None:
    """Two clusters each with a database `app`, and `shop db` beside `shop_db` (one file name),
    share a location: each run keeps 1 and must delete only its own older backups. The second
    cluster is the test's own: what tells the two apart is the cluster's system identifier."""
    other = PostgresServer()
    try:
        app = server.fresh("app")
        other.create_database(app)
        tag = app.removeprefix("app")
        spaced, underscored = f"shop db{tag}", f"shop_db{tag}"
        assert retention.file_stem(spaced) == retention.file_stem(underscored)
        server.execute(f'CREATE DATABASE "{spaced}"', f'CREATE DATABASE "{underscored}"')
        sources = [conninfo(server, app), conninfo(other, app), conninfo(server, spaced)]
        sources.append(conninfo(server, underscored))
        keys, keep_one = Keys(recipients=(RECIPIENT,)), retention.Policy(keep=1)
        runs: dict[int, list[str]] = {i: [] for i in range(len(sources))}
        for day in (3, 2, 1):
            for i, source in enumerate(sources):  # a second apart: the names differ
                made = make(
                    source, str(tmp_path), keys, NOW - dt.timedelta(days=day, seconds=-i), policy=keep_one
                )
                assert set(made.pruned) <= set(runs[i]) and made.unverified == []
                runs[i].append(made.manifest.backup)
        newest = {names[-1] for names in runs.values()}
        assert {p.name for p in tmp_path.iterdir()} == newest | {manifest_name(n) for n in newest}
        manifests = [Manifest.model_validate_json((tmp_path / manifest_name(n)).read_bytes()) for n in newest]
        assert len({(m.database, m.system_identifier) for m in manifests}) == len(sources)
        assert all(m.system_identifier and m.system_identifier.isdigit() for m in manifests)
    finally:
        other.stop()


def test_a_backup_whose_manifest_cannot_tell_is_never_pruned(
    server: PostgresServer, shop: str, tmp_path: Path
) -> None:
    keys, url = Keys(recipients=(RECIPIENT,)), dsn(server, shop)
    old = [make(url, str(tmp_path), keys, NOW - dt.timedelta(days=d)).manifest for d in (4, 3, 2, 1)]
    (tmp_path / manifest_name(old[0].backup)).unlink()
    (tmp_path / manifest_name(old[1].backup)).write_text("{not json")
    unsure = old[2].model_copy(update={"system_identifier": None})
    (tmp_path / manifest_name(old[2].backup)).write_text(unsure.model_dump_json(by_alias=True))
    made = make(url, str(tmp_path), keys, NOW, policy=retention.Policy(keep=1))
    assert made.pruned == [old[3].backup]
    assert made.unverified == sorted(m.backup for m in old[:3])
    assert all((tmp_path / m.backup).exists() for m in old[:3])
    assert "kept 3 whose manifest is missing, unreadable or names no cluster" in made.summary()


def test_a_second_backup_in_the_same_second_is_refused_before_writing(
    server: PostgresServer, shop: str, tmp_path: Path
) -> None:
    keys, url = Keys(recipients=(RECIPIENT,)), dsn(server, shop)
    first = make(url, str(tmp_path), keys, NOW)
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}
    with pytest.raises(BackupFailed, match="already exists") as refused:
        make(url, str(tmp_path), keys, NOW + dt.timedelta(microseconds=500))
    assert first.manifest.backup in str(refused.value)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before
    (tmp_path / first.manifest.backup).unlink()  # a manifest left alone still holds the name
    with pytest.raises(BackupFailed, match="already exists"):
        make(url, str(tmp_path), keys, NOW)


# failures leave nothing behind


def test_a_failed_dump_stops_counting_between_tables(
    server: PostgresServer, shop: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """pg_dump fails once the first count started, which is held until counting is cancelled;
    no table after it may be counted (a cancel sent between two counts cancels nothing)."""
    import threading

    from devoops.backup import pgclient

    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "pg_dump"
    wrapper.write_text(
        f'#!/bin/sh\n[ "$1" = --version ] && exec {tool("pg_dump")} --version\n'
        f"for i in $(seq 300); do [ -e {tmp_path / 'counting'} ] && break; sleep 0.1; done\n"
        'echo "pg_dump: error: the dump broke" >&2\nexit 1\n'
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    cancelled, counted_tables = threading.Event(), []
    cancel, count_rows = psycopg.Connection.cancel, pgclient.count_rows

    def cancelling(self: Any) -> None:
        cancelled.set()
        cancel(self)

    def held(conn: Any, schema: str, table: str) -> int:
        counted_tables.append((schema, table))
        if len(counted_tables) == 1:
            (tmp_path / "counting").touch()  # now pg_dump fails
            cancelled.wait(30)
        return count_rows(conn, schema, table)

    monkeypatch.setattr(psycopg.Connection, "cancel", cancelling)
    monkeypatch.setattr(pgclient, "count_rows", held)
    out = tmp_path / "out"
    with pytest.raises(BackupFailed, match="the dump broke"):
        make(dsn(server, shop), str(out), Keys(recipients=(RECIPIENT,)), NOW, pg_bin=str(bin_dir))
    assert cancelled.is_set() and len(counted_tables) == 1
    assert not out.exists() or list(out.iterdir()) == []


def test_pg_dump_failing_leaves_nothing_and_says_why(
    server: PostgresServer, shop: str, tmp_path: Path
) -> None:
    guarded = server.fresh("guarded", template=shop)
    execute(dsn(server, "postgres"), "CREATE ROLE clerk LOGIN PASSWORD 'clerk-secret-991'")
    url = dsn(server, guarded)
    execute(
        url,
        'GRANT USAGE ON SCHEMA "Sales Team" TO clerk',
        'GRANT SELECT ON ALL TABLES IN SCHEMA public, "Sales Team" TO clerk',
        "CREATE SEQUENCE secret_seq",  # pg_dump reads it, the row counts do not
    )
    clerk = f"host=127.0.0.1 port={server.port} dbname={guarded} user=clerk password=clerk-secret-991"
    with pytest.raises(BackupFailed) as failed:
        make(clerk, str(tmp_path), Keys(recipients=(RECIPIENT,)), NOW)
    assert "pg_dump failed" in str(failed.value) and "permission denied" in str(failed.value)
    assert "clerk-secret-991" not in str(failed.value)
    assert list(tmp_path.iterdir()) == []


def test_a_killed_pg_dump_leaves_nothing(server: PostgresServer, shop: str, tmp_path: Path) -> None:
    """A pg_dump that dies mid-stream (here: after its first bytes) is not a backup."""
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    wrapper = bin_dir / "pg_dump"
    wrapper.write_text(
        f'#!/bin/sh\n[ "$1" = --version ] && exec {tool("pg_dump")} --version\n'
        f'{tool("pg_dump")} "$@" | head -c 3000\nkill -9 $$\n'
    )
    wrapper.chmod(wrapper.stat().st_mode | stat.S_IXUSR)
    out = tmp_path / "out"
    with pytest.raises(BackupFailed, match="killed by signal 9"):
        make(dsn(server, shop), str(out), Keys(recipients=(RECIPIENT,)), NOW, pg_bin=str(bin_dir))
    assert not out.exists() or list(out.iterdir()) == []


def test_a_missing_bucket_leaves_no_upload_and_no_connection(
    server: PostgresServer, shop: str, s3: str, aws: None
) -> None:
    settings = S3Settings(endpoint_url=s3, region="us-east-1")
    with pytest.raises(BackupFailed, match="NoSuchBucket"):
        make(dsn(server, shop), "s3://no-such-bucket/x", Keys(recipients=(RECIPIENT,)), NOW, s3=settings)
    with psycopg.connect(dsn(server, "postgres")) as conn:
        left = conn.execute("SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (shop,)).fetchone()
    assert left == (0,)


def test_bad_input_is_refused_before_anything_runs(server: PostgresServer, shop: str, tmp_path: Path) -> None:
    url, keys = dsn(server, shop), Keys(recipients=(RECIPIENT,))
    cases: list[tuple[str, str, Keys, str]] = [
        (url, str(tmp_path), Keys(), "does not write unencrypted backups"),
        (url, str(tmp_path), Keys(passphrase=PASSPHRASE, recipients=(RECIPIENT,)), "not both"),
        (url, str(tmp_path), Keys(recipients=("age1notakey",)), "recipient 1 is not"),
        ("host='unterminated", str(tmp_path), keys, "not a libpq connection string"),
        (url, "ftp://example/x", keys, "give a folder or s3://"),
        (url, "s3:///prefix", keys, "names no bucket"),
    ]
    for conninfo, to, given, said in cases:
        with pytest.raises(UsageError, match=said):
            make(conninfo, to, given, NOW)
    assert list(tmp_path.iterdir()) == []


def test_a_location_that_is_a_file_is_a_runtime_fault(
    server: PostgresServer, shop: str, tmp_path: Path
) -> None:
    (tmp_path / "taken").write_text("a file, not a folder")
    with pytest.raises(BackupFailed, match="taken"):
        make(dsn(server, shop), str(tmp_path / "taken"), Keys(recipients=(RECIPIENT,)), NOW)


# the command


def backup_make(
    *args: str, env: dict[str, str] | None = None, cwd: Path | None = None
) -> subprocess.CompletedProcess[str]:
    """`devoops backup make ARGS` in this process, with `env` the only passphrase it can see."""
    return cli("backup", "make", *args, cwd=cwd, env={"DEVOOPS_BACKUP_PASSPHRASE": None, **(env or {})})


def test_the_command_writes_a_backup_and_prints_the_manifest(
    server: PostgresServer, shop: str, s3: str, tmp_path: Path
) -> None:
    s3_client(s3).create_bucket(Bucket="cli-bucket")
    env = AWS | {"DEVOOPS_BACKUP_PASSPHRASE": PASSPHRASE}
    done = backup_make(
        dsn(server, shop), "--to", "s3://cli-bucket/db", "--endpoint-url", s3, "-f", "json", env=env
    )
    assert done.returncode == 0, done.stderr
    document = json.loads(done.stdout)
    assert document["location"] == "s3://cli-bucket/db" and document["pruned"] == document["unverified"] == []
    assert {(t["schema"], t["name"]): t["rows"] for t in document["tables"]} == counted(dsn(server, shop))
    assert f"backed up {shop} (PostgreSQL 15." in done.stderr and f"s3://cli-bucket/db/{shop}-" in done.stderr
    stored = s3_client(s3).get_object(Bucket="cli-bucket", Key=f"db/{manifest_name(document['backup'])}")
    for text in (done.stdout, done.stderr, stored["Body"].read().decode()):
        assert PASSPHRASE not in text

    recipients = tmp_path / "recipients.txt"
    recipients.write_text(f"# the restore key lives offline\n\n{RECIPIENT}\n")
    folder = backup_make(
        dsn(server, shop), "--to", "backups", "--recipients-file", str(recipients), cwd=tmp_path
    )
    assert folder.returncode == 0, folder.stderr
    assert len(list((tmp_path / "backups").glob(f"{shop}-*.dump.zst.age"))) == 1


def test_the_command_exits_2_on_bad_input_and_3_on_faults(
    server: PostgresServer, shop: str, tmp_path: Path
) -> None:
    url = dsn(server, shop)
    secret = {"DEVOOPS_BACKUP_PASSPHRASE": PASSPHRASE}
    missing = backup_make(url, "--to", str(tmp_path))
    assert missing.returncode == 2 and "does not write unencrypted backups" in missing.stderr
    unset = backup_make(url, "--to", str(tmp_path), "--passphrase-env", "NIGHTLY_KEY")
    assert unset.returncode == 2 and "NIGHTLY_KEY is not set" in unset.stderr
    both = backup_make(url, "--to", str(tmp_path), "--recipient", RECIPIENT, env=secret)
    assert both.returncode == 2 and "choose one" in both.stderr
    bad_file = tmp_path / "keys.txt"
    bad_file.write_text(f"{RECIPIENT}\nage1-not-really\n")
    bad = backup_make(url, "--to", str(tmp_path), "--recipients-file", str(bad_file))
    assert bad.returncode == 2 and f"{bad_file}:2: not an age" in bad.stderr
    nodb = backup_make(
        f"postgresql://{server.user}:{PASSPHRASE}@127.0.0.1:{server.port}/nope",
        "--to",
        str(tmp_path),
        env=secret,
    )
    assert nodb.returncode == 3 and 'database "nope" does not exist' in nodb.stderr
    for done in (missing, unset, both, bad, nodb):
        assert PASSPHRASE not in done.stdout + done.stderr and "Traceback" not in done.stderr
    assert sorted(p.name for p in tmp_path.iterdir()) == ["keys.txt"]
