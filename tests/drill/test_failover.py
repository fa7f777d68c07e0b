"""The failover drill against a real PostgreSQL 15 primary and its streaming standby on 127.0.0.1,
failed over by a shell command that stops the primary and promotes the standby."""

from __future__ import annotations

import asyncio
import datetime as dt
import os
import shlex
import shutil
import subprocess
import threading
import time
from collections.abc import Iterator
from types import SimpleNamespace
from typing import Any

import psycopg
import pytest
from hypothesis import given
from hypothesis import strategies as st

from devoops.drill import scratch
from devoops.drill.failover import Drill, Plan
from devoops.drill.failover.connections import with_database
from devoops.drill.failover.outcome import Primary
from devoops.drill.failover.replicas import Follower
from devoops.drill.failover.writer import Writer, _streak
from devoops.model.evidence import Measurement, ProbeResult, Status
from devoops.model.workload import Workload
from devoops.probes.failover_drill import FailoverDrillProbe

from ..conftest import workload
from ..pgserver import BIN, PostgresServer, Standby, as_postgres, free_port
from ..probes.support import probe, run_probe

pytestmark = pytest.mark.skipif(BIN is None, reason="PostgreSQL 15 binaries not found")
ROOT = os.geteuid() == 0


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
        # promoted, the standby has no standby of its own to wait for
        self.standby = Standby(self.primary, conf="synchronous_standby_names = ''\n")
        self.data, self.port = self.standby.data, self.standby.port
        deadline = time.monotonic() + 30
        while not sql(
            self.primary_url(), "select count(*) = 1 from pg_stat_replication where state = 'streaming'"
        )[0][0]:
            assert time.monotonic() < deadline, "the standby never streamed"
            time.sleep(0.1)

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
        self.standby.stop()
        try:
            self.primary.stop()
        except subprocess.CalledProcessError:  # already down: the drill stopped it
            shutil.rmtree(self.primary.root, ignore_errors=True)


def _pair(synchronous: bool) -> Iterator[Pair]:
    pair = Pair(synchronous=synchronous)
    try:
        yield pair
    finally:
        pair.stop()


@pytest.fixture(scope="module")
def steady() -> Iterator[Pair]:
    """A pair for drills whose command does not fail it over: shared by those tests."""
    yield from _pair(synchronous=False)


@pytest.fixture
def asynchronous() -> Iterator[Pair]:
    yield from _pair(synchronous=False)


@pytest.fixture
def synchronous() -> Iterator[Pair]:
    yield from _pair(synchronous=True)


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


def test_a_failing_command_is_reported_and_the_primary_keeps_writing(steady: Pair) -> None:
    pair = steady
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


def test_a_password_never_reaches_the_evidence(steady: Pair) -> None:
    pair = steady
    target = pair.target(password="${PGPW}")  # trust auth: accepted and unused
    options = FAST | {"command": "echo password=hunter2-secret; exit 1"}
    result = probe("failover_drill", target, options, timeout=60, env={"PGPW": "hunter2-secret"})
    assert result.status == Status.FAIL
    assert "hunter2-secret" not in result.model_dump_json()
    assert not drill_databases(pair.primary_url())


def test_a_command_that_does_not_exist_is_an_error(steady: Pair) -> None:
    pair = steady
    options = FAST | {"command": "devoops-no-such-failover-tool"}
    result = probe("failover_drill", pair.target(), options, timeout=60)
    assert result.status == Status.ERROR
    assert "could not run" in result.evidence.summary
    assert not drill_databases(pair.primary_url())


def test_a_standby_as_admin_is_refused(steady: Pair) -> None:
    pair = steady
    options = FAST | {"command": "true", "admin": pair.standby_url()}
    result = probe("failover_drill", pair.target(), options, timeout=60)
    assert result.status == Status.ERROR
    assert "standby" in result.evidence.summary
    assert not drill_databases(pair.primary_url())


def test_a_command_that_does_not_fail_over_is_not_a_pass(steady: Pair) -> None:
    pair = steady
    options = FAST | {"command": "true"}
    result = probe("failover_drill", pair.target(), options, workload=orders(rto=5), timeout=60)
    assert result.status == Status.FAIL, result.evidence.summary
    assert "no failover was observed" in result.evidence.summary
    assert not result.evidence.verdicts
    assert not drill_databases(pair.primary_url())


def test_the_drill_itself_hides_literal_passwords(steady: Pair) -> None:
    """Run directly, without the run's `${VAR}` scrubbing: the drill's own scrubbing must hold."""
    pair = steady
    secret = "hunter2-literal-pw"
    target = pair.target(password=secret)  # trust auth: accepted and unused
    admin = f"{pair.primary_url()}?password={secret}"
    command = f"echo connecting with password={secret} >&2; echo {secret}; exit 3"
    plan = Plan(
        target=target, command=command, admin=admin, warmup=1.5, settle=1.5, connect_timeout=2, budget=60
    )
    outcome = Drill(plan, dt.datetime.now(dt.UTC)).run()
    assert outcome.command is not None and outcome.command.exit_code == 3 and outcome.command.output
    evidence = FailoverDrillProbe.validate(target, {"command": command, "admin": admin})._judge(outcome, None)
    assert evidence.status == Status.FAIL
    assert "exited 3" in evidence.summary
    assert secret not in repr(outcome)
    assert secret not in evidence.model_dump_json()
    assert outcome.dropped and not drill_databases(pair.primary_url())


def test_an_unreachable_target_hides_its_literal_password() -> None:
    secret = "s3cret-literal-pw"
    target = f"host=127.0.0.1 port={free_port()} user=nobody password={secret} dbname=postgres"
    drill = Drill(Plan(target=target, command="true", connect_timeout=2, budget=60), dt.datetime.now(dt.UTC))
    with pytest.raises(Exception) as caught:
        drill.run()
    assert "cannot connect" in str(caught.value) and secret not in str(caught.value)


def test_a_cancelled_drill_drops_its_database_before_it_returns(steady: Pair) -> None:
    """Ctrl-C or the run's timeout mid-command: the probe waits for the drop (its grace)."""
    pair = steady
    options = FAST | {"command": "sleep 30"}

    async def cancel() -> None:
        task = asyncio.create_task(run_probe("failover_drill", pair.target(), options, timeout=120))
        deadline = time.monotonic() + 20
        while not drill_databases(pair.primary_url()):  # the command runs once the database is up
            assert time.monotonic() < deadline, "the drill never created its database"
            await asyncio.sleep(0.1)
        await asyncio.sleep(2.5)  # past the warmup: the command is running
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task

    asyncio.run(cancel())
    assert not drill_databases(pair.primary_url())
    assert not [t for t in threading.enumerate() if t.name.startswith("failover drill") and t.is_alive()]


def test_a_write_stuck_in_synchronous_replication_is_cut_and_in_doubt(synchronous: Pair) -> None:
    pair = synchronous
    sql(pair.primary_url(), "create table writes (seq bigint primary key)")
    # the synchronous standby goes away: every commit now waits for it for ever
    subprocess.run(
        as_postgres("pg_ctl", "-D", str(pair.data), "-m", "immediate", "stop"),
        capture_output=True,
        timeout=60,
    )
    writer = Writer(with_database(pair.primary_url(), "postgres", connect_timeout=2), 0.01, write_timeout=0.5)
    writer.start()
    deadline = time.monotonic() + 15
    while len(writer.cut) < 2:
        assert time.monotonic() < deadline, f"no write was cut: {writer.error}"
        time.sleep(0.05)
    assert "not acknowledged within 0.5 s" in (writer.error or "")
    writer.halt(1.0)
    assert not writer.is_alive()
    assert not writer.acks
    assert set(writer.cut) <= set(writer.doubt)
    assert len(writer.servers) >= 2  # it reconnected after the cut


def test_a_follower_blocked_in_a_query_is_bounded_and_stops(steady: Pair) -> None:
    pair = steady
    name = "follower_blocked"
    sql(pair.primary_url(), f"drop database if exists {name}", f"create database {name}")
    sql(pair.primary_url(name), "create table writes (seq bigint)")
    with psycopg.connect(pair.primary_url(name)) as holder:
        holder.execute("lock table writes in access exclusive mode")  # held until the block ends
        follower = Follower(pair.primary_url(name), "blocked", bound=0.5)
        follower.start()
        deadline = time.monotonic() + 10
        while "statement timeout" not in (follower.error or ""):
            assert time.monotonic() < deadline, f"the sample was never bounded: {follower.error}"
            time.sleep(0.05)
        follower.stop()
        follower.join(3)
        assert not follower.is_alive()
        assert not follower.samples


@given(
    st.lists(st.floats(0, 100), max_size=20).map(sorted),
    st.one_of(st.just(-float("inf")), st.floats(0, 100)),
    st.floats(0, 100),
)
def test_a_streak_never_raises_and_starts_after_the_last_error(
    times: list[float], last_error: float, finished: float
) -> None:
    writer = SimpleNamespace(acks=[(i, t) for i, t in enumerate(times)], last_error=last_error)
    streak = _streak(writer, finished)  # type: ignore[arg-type]
    if streak is None:
        assert not times or last_error >= times[-1]
    else:
        assert streak >= finished and streak > last_error and streak in {*times, finished}


def test_an_error_at_the_last_acknowledgement_is_no_streak() -> None:
    writer = SimpleNamespace(acks=[(1, 5.0)], last_error=5.0)
    assert _streak(writer, 0.0) is None  # type: ignore[arg-type]


identities = st.builds(
    Primary,
    st.sampled_from(["127.0.0.1:5432", "127.0.0.1:5433"]),
    st.one_of(st.none(), st.sampled_from(["10.0.0.1:5432", "10.0.0.2:5432"])),
    st.one_of(st.none(), st.sampled_from(["2026-01-01 00:00:00+00", "2026-02-01 00:00:00+00"])),
    st.one_of(st.none(), st.integers(1, 3)),
)


@given(identities, identities)
def test_a_primary_differs_only_on_a_fact_both_sides_know(a: Primary, b: Primary) -> None:
    assert a.differs(b) == b.differs(a)
    assert not a.differs(a)
    known = [
        (x, y)
        for x, y in zip(
            (a.server, a.address, a.started, a.timeline),
            (b.server, b.address, b.started, b.timeline),
            strict=True,
        )
        if x is not None and y is not None
    ]
    assert a.differs(b) == any(x != y for x, y in known)
