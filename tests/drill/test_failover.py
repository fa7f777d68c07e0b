"""The failover drill against a real PostgreSQL 15 primary and its streaming standby on 127.0.0.1,
failed over by a shell command that stops the primary and promotes the standby."""

from __future__ import annotations

import os
import pwd
import shlex
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from devoops.drill import scratch
from devoops.model.evidence import Measurement, ProbeResult, Status
from devoops.model.workload import Workload

from ..conftest import workload
from ..pgserver import BIN, PostgresServer, free_port
from ..probes.support import probe

pytestmark = pytest.mark.skipif(BIN is None, reason="PostgreSQL 15 binaries not found")
ROOT = os.geteuid() == 0


def as_postgres(tool: str, *args: str) -> list[str]:
    assert BIN is not None
    command = [str(BIN / tool), *args]
    return ["runuser", "-u", "postgres", "--", *command] if ROOT else command


def url(port: int, user: str, database: str = "postgres") -> str:
    return f"postgresql://{user}@127.0.0.1:{port}/{database}"


def sql(conninfo: str, *statements: str) -> list[tuple[Any, ...]]:
    with psycopg.connect(conninfo, autocommit=True, connect_timeout=3) as conn:
        rows: list[tuple[Any, ...]] = []
        for statement in statements:
            cursor = conn.execute(statement)
            rows = cursor.fetchall() if cursor.description else []
        return rows


class Pair:
    """A primary that goes down with any crashed backend, and a streaming standby of it."""

    def __init__(self, synchronous: bool) -> None:
        self.primary = PostgresServer()
        self.user = self.primary.user
        settings = ["alter system set restart_after_crash = off"]
        if synchronous:
            settings += [
                "alter system set synchronous_standby_names = '*'",
                "alter system set synchronous_commit = on",
            ]
        sql(url(self.primary.port, self.user), *settings, "select pg_reload_conf()")
        self.root = Path(tempfile.mkdtemp(prefix="devoops-standby-"))
        if ROOT:
            pw = pwd.getpwnam("postgres")
            os.chown(self.root, pw.pw_uid, pw.pw_gid)
        self.data, self.port = self.root / "data", free_port()
        host = ["-h", "127.0.0.1", "-p", str(self.primary.port), "-U", self.user]
        self._run("pg_basebackup", "-D", str(self.data), "-R", "-X", "stream", *host)
        with open(self.data / "postgresql.auto.conf", "a") as conf:  # promoted, it has no standby to wait for
            conf.write("synchronous_standby_names = ''\n")
        options = f"-c listen_addresses=127.0.0.1 -p {self.port} -k {self.root} -c fsync=off"
        self._run(
            "pg_ctl",
            "-D",
            str(self.data),
            "-w",
            "-t",
            "60",
            "-l",
            str(self.root / "log"),
            "-o",
            options,
            "start",
        )
        deadline = time.monotonic() + 30
        while not sql(
            self.primary_url(), "select count(*) = 1 from pg_stat_replication where state = 'streaming'"
        )[0][0]:
            assert time.monotonic() < deadline, "the standby never streamed"
            time.sleep(0.1)

    def _run(self, tool: str, *args: str) -> None:
        subprocess.run(as_postgres(tool, *args), check=True, capture_output=True, timeout=120, cwd=self.root)

    def primary_url(self, database: str = "postgres") -> str:
        return url(self.primary.port, self.user, database)

    def standby_url(self, database: str = "postgres") -> str:
        return url(self.port, self.user, database)

    def target(self, password: str | None = None) -> str:
        secret = f" password={password}" if password else ""
        return (
            f"host=127.0.0.1,127.0.0.1 port={self.primary.port},{self.port} user={self.user}{secret} "
            "dbname=postgres target_session_attrs=read-write connect_timeout=2"
        )

    def crash_and_promote(self) -> str:
        """Freeze the walsender a second while the primary keeps acknowledging, kill it (the
        primary then shuts down), and promote the standby."""
        psql = shlex.quote(str(BIN / "psql")) if BIN else "psql"
        find = f"{psql} -Atc 'select pid from pg_stat_replication' {shlex.quote(self.primary_url())}"
        promote = shlex.join(as_postgres("pg_ctl", "promote", "-w", "-t", "30", "-D", str(self.data)))
        return f"pid=$({find}) && kill -STOP $pid && sleep 1 && kill -KILL $pid && {promote}"

    def stop(self) -> None:
        subprocess.run(
            as_postgres("pg_ctl", "-D", str(self.data), "-m", "immediate", "stop"),
            capture_output=True,
            timeout=60,
        )
        try:
            self.primary.stop()
        except subprocess.CalledProcessError:  # already down: the drill stopped it
            shutil.rmtree(self.primary.root, ignore_errors=True)
        shutil.rmtree(self.root, ignore_errors=True)


@pytest.fixture
def asynchronous() -> Iterator[Pair]:
    pair = Pair(synchronous=False)
    try:
        yield pair
    finally:
        pair.stop()


@pytest.fixture
def synchronous() -> Iterator[Pair]:
    pair = Pair(synchronous=True)
    try:
        yield pair
    finally:
        pair.stop()


def orders(rpo: float = 0, rto: float = 5) -> Workload:
    return workload(
        **{
            "answers.data.datasets": [
                {"name": "orders", "criticality": "lifeblood", "rpo_minutes": rpo, "rto_minutes": rto}
            ]
        }
    )


def figure(result: ProbeResult, name: str) -> Measurement:
    return next(m for m in result.evidence.measurements if m.name == name)


def drill_databases(conninfo: str) -> list[str]:
    rows = sql(conninfo, f"select datname from pg_database where datname like '{scratch.PREFIX}%'")
    return [r[0] for r in rows]


FAST = {"warmup_seconds": 1.5, "settle_seconds": 1.5, "connect_timeout": 2, "follow_seconds": 2}


def test_asynchronous_failover_loses_acknowledged_rows(asynchronous: Pair) -> None:
    pair = asynchronous
    options = FAST | {"command": pair.crash_and_promote(), "replicas": [pair.primary_url()]}
    result = probe("failover_drill", pair.target(), options, workload=orders(rpo=0), timeout=60)
    lost = figure(result, "acknowledged rows lost")
    assert result.status == Status.FAIL, result.evidence.summary
    assert lost.value is not None and lost.value > 0 and lost.ok is False
    assert figure(result, "data loss window").value > 0  # type: ignore[operator]
    # the lost rows are truly absent from the promoted standby, and the drill database is gone
    assert not drill_databases(pair.standby_url())
    listed = [int(r[0]) for r in result.evidence.tables[0].rows if r[0] is not None]
    assert listed and all(s > 0 for s in listed)
    # the old primary, now down, did not follow
    follows = next(m for m in result.evidence.measurements if m.name.startswith("replica follows"))
    assert "did not follow" in (follows.detail or "")
    assert [v.choice for v in result.evidence.verdicts] == ["quarterly"]
    assert str(pair.port) in result.evidence.summary


def test_asynchronous_lost_rows_are_absent_from_the_new_primary(asynchronous: Pair) -> None:
    """Checked independently: the drill's own database is dropped, so keep the writes by running the
    drill's parts directly and reading the promoted standby before the drop."""
    import datetime as dt

    from devoops.drill.failover import Drill, Plan

    pair = asynchronous
    plan = Plan(
        target=pair.target(),
        command=pair.crash_and_promote(),
        warmup=1.5,
        settle=1.5,
        connect_timeout=2,
        budget=60,
    )
    drill = Drill(plan, dt.datetime.now(dt.UTC))
    seen: list[set[int]] = []
    original = drill._verify

    def verify(outcome: Any, acks: Any, doubt: Any) -> None:
        rows = sql(pair.standby_url(drill.scratch.name), "select seq from writes")
        seen.append({int(r[0]) for r in rows})
        original(outcome, acks, doubt)

    drill._verify = verify  # type: ignore[method-assign]
    outcome = drill.run()
    assert outcome.lost and seen
    assert not set(outcome.lost) & seen[0]
    assert outcome.dropped and not drill_databases(pair.standby_url())


def test_synchronous_failover_loses_nothing(synchronous: Pair) -> None:
    pair = synchronous
    options = FAST | {"command": pair.crash_and_promote(), "replicas": [pair.standby_url()]}
    result = probe("failover_drill", pair.target(), options, workload=orders(rpo=0, rto=5), timeout=60)
    assert result.status == Status.PASS, result.evidence.summary
    assert figure(result, "acknowledged rows lost").value == 0
    downtime = figure(result, "write downtime")
    assert downtime.value is not None and downtime.value > 0 and downtime.ok is True
    assert [v.choice for v in result.evidence.verdicts] == ["quarterly"]
    assert not drill_databases(pair.standby_url())


def test_a_failing_command_is_reported_and_the_primary_keeps_writing(asynchronous: Pair) -> None:
    pair = asynchronous
    options = FAST | {"command": "echo no switchover today >&2; exit 1", "replicas": [pair.standby_url()]}
    result = probe("failover_drill", pair.target(), options, workload=orders(rto=5), timeout=60)
    assert result.status == Status.FAIL
    assert "exited 1" in result.evidence.summary and "no switchover today" in result.evidence.summary
    assert figure(result, "acknowledged rows lost").value == 0
    assert figure(result, "write downtime").value < 1  # type: ignore[operator]
    follows = next(m for m in result.evidence.measurements if m.name.startswith("replica follows"))
    assert "held the last acknowledged write" in (follows.detail or "")
    assert not result.evidence.verdicts
    assert not drill_databases(pair.primary_url())


def test_an_unreachable_target_is_an_error_within_the_timeout() -> None:
    port = free_port()
    target = f"host=127.0.0.1 port={port} user=nobody password=${{PGPW}} dbname=postgres connect_timeout=2"
    started = time.monotonic()
    options = {"command": "true", "connect_timeout": 2}
    result = probe("failover_drill", target, options, timeout=30, env={"PGPW": "s3cret-pw"})
    assert result.status == Status.ERROR
    assert time.monotonic() - started < 30
    assert "cannot connect" in result.evidence.summary
    assert "s3cret-pw" not in result.model_dump_json()


def test_a_password_never_reaches_the_evidence(asynchronous: Pair) -> None:
    pair = asynchronous
    target = pair.target(password="${PGPW}")  # trust auth: accepted and unused
    options = FAST | {"command": "echo password=hunter2-secret; exit 1"}
    result = probe("failover_drill", target, options, timeout=60, env={"PGPW": "hunter2-secret"})
    assert result.status == Status.FAIL
    assert "hunter2-secret" not in result.model_dump_json()
    assert not drill_databases(pair.primary_url())


def test_a_command_that_does_not_exist_is_an_error(asynchronous: Pair) -> None:
    pair = asynchronous
    options = FAST | {"command": "devoops-no-such-failover-tool"}
    result = probe("failover_drill", pair.target(), options, timeout=60)
    assert result.status == Status.ERROR
    assert "could not run" in result.evidence.summary
    assert not drill_databases(pair.primary_url())


def test_a_standby_as_admin_is_refused(asynchronous: Pair) -> None:
    pair = asynchronous
    options = FAST | {"command": "true", "admin": pair.standby_url()}
    result = probe("failover_drill", pair.target(), options, timeout=60)
    assert result.status == Status.ERROR
    assert "standby" in result.evidence.summary
    assert not drill_databases(pair.primary_url())
