"""The postgres probe against real PostgreSQL 15 servers on 127.0.0.1: a durable primary without
archiving, an archiving primary (fsync and full_page_writes off) with a delayed streaming
standby, application roles that own their schema or not."""

from __future__ import annotations

import socket
import time
from collections.abc import Iterator
from typing import Any

import psycopg
import pytest

from devoops.model.evidence import Measurement, ProbeResult, Status
from devoops.probes.base import kinds
from devoops.probes.postgres import PostgresProbe

from ..conftest import workload
from ..pgserver import BIN, PostgresServer, Standby, free_port, run_as_postgres
from .support import probe

pytestmark = pytest.mark.skipif(BIN is None, reason="PostgreSQL 15 binaries not found")


def dsn(server: PostgresServer | Standby, user: str | None = None, database: str = "postgres") -> str:
    return f"postgresql://{user or server.user}@127.0.0.1:{server.port}/{database}"


def sql(url: str, *statements: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(url, autocommit=True) as conn:
        rows: list[tuple[Any, ...]] = []
        for statement in statements:
            cursor = conn.execute(statement)
            rows = cursor.fetchall() if cursor.description else []
        return rows


def until(condition: str, url: str, seconds: float = 30) -> None:
    """Wait until the query `condition` answers true."""
    deadline = time.monotonic() + seconds
    while not sql(url, f"select {condition}")[0][0]:
        assert time.monotonic() < deadline, f"never became true: {condition}"
        time.sleep(0.1)


@pytest.fixture(scope="module")
def durable() -> Iterator[PostgresServer]:
    """fsync and full_page_writes on, no archiving, no replica; database `shop` with schema `shop`
    owned by app_owner, app_plain granted use only, and every statement logged with its
    application name."""
    server = PostgresServer(durable=True)
    try:
        sql(
            dsn(server),
            "create role app_owner login",
            "create role app_plain login",
            "create database shop",
            "alter system set log_statement = 'all'",
            "alter system set log_line_prefix = '%a|'",
            "select pg_reload_conf()",
        )
        sql(
            dsn(server, database="shop"),
            "create schema shop authorization app_owner",
            "create table shop.orders (id int primary key)",
            "alter table shop.orders owner to app_owner",
            "create table public.audit (id int)",
            "grant usage on schema shop to app_plain",
            "grant select, insert, update, delete on shop.orders to app_plain",
        )
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def primary() -> Iterator[PostgresServer]:
    """fsync and full_page_writes off, archive_mode on (archive_command set per test), and role
    watcher without privileges."""
    server = PostgresServer()
    try:
        sql(
            dsn(server),
            "alter system set archive_mode = on",
            "alter system set archive_command = 'true'",
            "alter system set full_page_writes = off",
            "create role watcher login",
            "create role monitor login in role pg_monitor",
        )
        log = str(server.root / "log")
        run_as_postgres(
            "pg_ctl", "-D", str(server.data), "-w", "-t", "60", "-l", log, "restart", cwd=server.root
        )
        yield server
    finally:
        server.stop()


@pytest.fixture(scope="module")
def standby(primary: PostgresServer) -> Iterator[Standby]:
    replica = Standby(primary, "-c recovery_min_apply_delay=10min -c archive_mode=on")
    try:
        until("count(*) = 1 from pg_stat_replication where state = 'streaming'", dsn(primary))
        yield replica
    finally:
        replica.stop()


def archive(server: PostgresServer, command: str, healthy: bool) -> None:
    """Set archive_command, write and switch a WAL segment, and wait until the archiver has
    succeeded (healthy) or failed on it."""
    url = dsn(server)
    sql(url, f"alter system set archive_command = '{command}'", "select pg_reload_conf()")
    time.sleep(0.2)
    sql(
        url,
        "create table if not exists churn (n int)",
        "insert into churn values (1)",
        "select pg_switch_wal()",
    )
    if healthy:
        until("last_archived_time > coalesce(last_failed_time, '-infinity') from pg_stat_archiver", url)
    else:
        until("last_failed_time > coalesce(last_archived_time, '-infinity') from pg_stat_archiver", url)


def measurement(result: ProbeResult, name: str) -> Measurement:
    return next(m for m in result.evidence.measurements if m.name == name)


def verdicts(result: ProbeResult) -> dict[str, str]:
    return {v.practice: v.choice for v in result.evidence.verdicts}


def test_registered_as_built_in_kind() -> None:
    assert kinds()["postgres"] == "devoops.probes.postgres:PostgresProbe"


def test_durable_server_with_a_plain_app_role_passes(durable: PostgresServer) -> None:
    result = probe("postgres", dsn(durable, "app_plain", "shop"))
    assert result.status == Status.PASS, result.evidence.summary
    assert verdicts(result) == {
        "db.pitr": "none",
        "db.replica": "none",
        "db.drop-table-protection": "app-not-owner",
    }
    assert measurement(result, "fsync").ok and measurement(result, "full_page_writes").ok
    assert measurement(result, "archive_mode").value == 0
    assert measurement(result, "data_checksums").value == 0  # initdb without --data-checksums
    assert measurement(result, "application role superuser").value == 0
    headroom = measurement(result, "connection headroom")
    assert headroom.ok and headroom.value is not None and headroom.value > 90
    schemas = next(t for t in result.evidence.tables if t.title.startswith("schemas"))
    assert ["shop", "app_owner", "no", 1, 0] in schemas.rows


def test_schema_owner_is_shared_prod_creds(durable: PostgresServer) -> None:
    result = probe("postgres", dsn(durable, "app_owner", "shop"))
    assert verdicts(result)["db.drop-table-protection"] == "shared-prod-creds"
    assert "app_owner owns schema or tables in shop" in result.evidence.verdicts[-1].reason
    assert measurement(result, "schemas the role can drop from").value == 1


def test_schemas_option_limits_the_ownership_check(durable: PostgresServer) -> None:
    result = probe("postgres", dsn(durable, "app_owner", "shop"), {"schemas": ["public", "missing"]})
    assert verdicts(result)["db.drop-table-protection"] == "app-not-owner"
    assert result.status == Status.UNKNOWN
    assert "schemas not found: missing" in result.evidence.summary


def test_superuser_is_anyone(durable: PostgresServer) -> None:
    result = probe("postgres", dsn(durable, database="shop"))
    assert verdicts(result)["db.drop-table-protection"] == "anyone"
    assert measurement(result, "application role superuser").value == 1


def test_database_without_tables_cannot_judge_the_role(durable: PostgresServer) -> None:
    result = probe("postgres", dsn(durable, "app_plain", "postgres"))
    assert result.status == Status.UNKNOWN
    assert "db.drop-table-protection" not in verdicts(result)
    assert "no tables in the schemas checked of database postgres" in result.evidence.summary


def test_runs_only_reads_in_read_only_transactions(durable: PostgresServer) -> None:
    probe("postgres", dsn(durable, "app_plain", "shop"))
    time.sleep(0.3)  # the logger writes asynchronously
    log = (durable.root / "log").read_text()
    statements = [
        line.split("statement: ", 1)[1]
        for line in log.splitlines()
        if line.startswith("devoops|") and "statement: " in line
    ]
    assert statements[0] == "BEGIN READ ONLY"
    assert {s.split()[0].lower() for s in statements} == {"begin", "select", "rollback"}
    assert statements.count("BEGIN READ ONLY") == statements.count("ROLLBACK")


def test_connection_headroom_fails_when_nearly_full(durable: PostgresServer) -> None:
    held = [psycopg.connect(dsn(durable, "app_plain", "shop")) for _ in range(82)]
    try:
        result = probe("postgres", dsn(durable, "app_plain", "shop"))
    finally:
        for conn in held:
            conn.close()
    assert result.status == Status.FAIL
    headroom = measurement(result, "connection headroom")
    assert headroom.ok is False and headroom.target == 20
    assert measurement(result, "connections in use").value == 83
    assert "83 of 97 in use" in result.evidence.summary


def test_healthy_archiving_is_pitr_and_fsync_off_fails(primary: PostgresServer) -> None:
    archive(primary, "true", healthy=True)
    result = probe("postgres", dsn(primary), {"max_replay_lag_seconds": None})
    assert verdicts(result)["db.pitr"] == "pitr"
    assert measurement(result, "archiver failing").ok
    last = measurement(result, "last WAL archived")
    assert last.ok and last.target == 900 and "archive_max_age_seconds" in (last.detail or "")
    assert result.status == Status.FAIL
    assert measurement(result, "fsync").ok is False
    assert measurement(result, "full_page_writes").ok is False
    assert "fsync is off" in result.evidence.summary
    assert "full_page_writes is off" in result.evidence.summary


def test_failing_archive_command_fails_and_means_no_pitr(primary: PostgresServer) -> None:
    archive(primary, "false", healthy=False)
    try:
        result = probe("postgres", dsn(primary), {"max_replay_lag_seconds": None})
    finally:
        archive(primary, "true", healthy=True)
    assert result.status == Status.FAIL
    assert verdicts(result)["db.pitr"] == "none"
    failing = measurement(result, "archiver failing")
    assert failing.value == 1 and failing.ok is False
    assert (measurement(result, "archive failures").value or 0) >= 1
    assert "archive_command is failing" in result.evidence.summary


def test_archive_older_than_the_dataset_rpo_is_late(primary: PostgresServer) -> None:
    archive(primary, "true", healthy=True)
    time.sleep(1.2)
    datasets = [{"name": "orders", "criticality": "lifeblood", "rpo_minutes": 0}]
    w = workload(**{"answers.data.datasets": datasets})
    result = probe("postgres", dsn(primary), {"max_replay_lag_seconds": None}, workload=w)
    last = measurement(result, "last WAL archived")
    assert last.ok is False and last.target == 1 and "RPO of dataset orders" in (last.detail or "")
    assert "db.pitr" not in verdicts(result)
    assert "longer than the RPO of dataset orders" in result.evidence.summary
    unknown = probe("postgres", dsn(primary), {"dataset": "users"}, workload=w)
    assert unknown.status == Status.ERROR
    assert "dataset 'users' is not among the workload's datasets (orders)" in unknown.evidence.summary


def test_streaming_replica_is_seen_from_the_primary(primary: PostgresServer, standby: Standby) -> None:
    result = probe("postgres", dsn(primary, "monitor"), {"max_replay_lag_seconds": 3600})
    assert verdicts(result)["db.replica"] == "async-same-zone"
    reason = next(v.reason for v in result.evidence.verdicts if v.practice == "db.replica")
    assert "1 standby(s)" in reason and "cannot see zones" in reason
    assert measurement(result, "streaming replicas").value == 1
    assert measurement(result, "replay lag").ok
    replicas = next(t for t in result.evidence.tables if t.title == "streaming replicas")
    assert replicas.rows[0][2:4] == ["streaming", "async"]


def test_replica_lag_without_pg_monitor_is_unknown(primary: PostgresServer, standby: Standby) -> None:
    result = probe("postgres", dsn(primary, "watcher"))
    assert verdicts(result)["db.replica"] == "async-same-zone"
    assert not any(m.name == "replay lag" for m in result.evidence.measurements)
    assert "replica lag is hidden from role watcher (grant pg_monitor" in result.evidence.summary


def test_delayed_standby_is_a_delayed_replica(primary: PostgresServer, standby: Standby) -> None:
    result = probe("postgres", dsn(standby))
    assert verdicts(result) == {"db.delayed-replica": "delayed-replica", "db.drop-table-protection": "anyone"}
    assert measurement(result, "recovery_min_apply_delay").value == 600
    assert "standby" in result.evidence.summary
    no_delay = probe("postgres", dsn(primary, "monitor"), {"max_replay_lag_seconds": None})
    assert "db.delayed-replica" not in verdicts(no_delay)


@pytest.mark.hostile
def test_unreachable_server_is_an_error() -> None:
    result = probe("postgres", f"postgresql://app@127.0.0.1:{free_port()}/shop")
    assert result.status == Status.ERROR
    assert result.evidence.summary.startswith("cannot connect to 127.0.0.1:")
    assert "/shop as app" in result.evidence.summary and "refused" in result.evidence.summary


@pytest.mark.hostile
def test_wrong_password_is_an_error_without_the_password(durable: PostgresServer) -> None:
    hba = durable.data / "pg_hba.conf"
    original = hba.read_text()
    hba.write_text("host all pwuser 127.0.0.1/32 scram-sha-256\n" + original)
    sql(dsn(durable), "create role pwuser login password 'the-right-one'", "select pg_reload_conf()")
    try:
        target = f"postgresql://pwuser:${{PGPW}}@127.0.0.1:{durable.port}/shop"
        result = probe("postgres", target, env={"PGPW": "wrong-Secret-42"})
    finally:
        hba.write_text(original)
        sql(dsn(durable), "select pg_reload_conf()")
    assert result.status == Status.ERROR
    assert "password authentication failed" in result.evidence.summary
    assert "wrong-Secret-42" not in result.model_dump_json()
    assert "***" not in result.evidence.summary  # never written, so nothing to scrub
    assert result.target == target


@pytest.mark.hostile
def test_silent_server_ends_within_the_timeout() -> None:
    with socket.socket() as listener:  # accepts connections, never answers
        listener.bind(("127.0.0.1", 0))
        listener.listen(8)
        port = listener.getsockname()[1]
        began = time.monotonic()
        result = probe("postgres", f"host=127.0.0.1 port={port} user=app dbname=shop", timeout=3)
    assert time.monotonic() - began < 3
    assert result.status == Status.ERROR
    assert "no answer within 1 s" in result.evidence.summary


def test_settings_are_checked_early() -> None:
    with pytest.raises(ValueError, match="not a libpq connection string") as caught:
        PostgresProbe.validate("host=db password=hunter22 sslmode", {})
    assert "hunter22" not in str(caught.value)
    with pytest.raises(ValueError):
        PostgresProbe.validate("postgresql://app@db/shop", {"sslmode": "sometimes"})
    with pytest.raises(ValueError):
        PostgresProbe.validate("postgresql://app@db/shop", {"min_headroom_percent": 120})
    configured = PostgresProbe.validate("postgresql://app@db/shop", {"sslmode": "verify-full"})
    assert configured.options.sslmode == "verify-full"
