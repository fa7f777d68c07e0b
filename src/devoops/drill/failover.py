"""A failover drill: numbered writes through the application's connection string while a command
fails the primary over, then what the writes show.

The writer inserts seq 1, 2, 3... into a table of a drill database devoops creates (with its
marker, drill/scratch.py) and nowhere else. A row counts as acknowledged once its autocommit
INSERT returned; a row whose commit raised is in doubt (PostgreSQL may have committed it). The
longest gap between acknowledged writes after the command started is the write downtime; the
acknowledged rows the new primary does not hold are data lost.

A commit is never cancelled: a cancelled wait for synchronous replication commits locally all the
same, so a cancel would turn a row that only the old primary holds into one the drill counts as
acknowledged. To stop a write that hangs, the drill shuts its socket down instead, and that row is
in doubt; so is a write not acknowledged within `Plan.write_timeout`, after which the writer
reconnects. The primary answering the target is identified before and after the command (server,
address, postmaster start, timeline), so a command that returned without failing over is told
apart from a fast failover. Everything is blocking and runs within `Plan.budget` seconds, cleanup
included; when `interrupt` cuts the drill short, `cleanup_seconds` is what the drop still needs.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import math
import os
import re
import signal
import socket
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

from ..backup import pgclient
from . import scratch

TAIL = 400  # characters of the command's output kept
POLL = 0.05  # seconds between looks at a replica
STATEMENT = 5.0  # seconds a drill statement (create, read, drop) may take once connected
HALT = 1.0  # seconds the writer gets to stop after an interrupt
MARGIN = 2.0  # seconds beyond the computed cleanup, for thread hand-offs
INSERT = "INSERT INTO writes (seq) VALUES (%s)"


class Broken(Exception):
    """The drill could not run; the message says why and never holds a password."""


@dataclass(frozen=True)
class Plan:
    """What to run and for how long; every duration in seconds."""

    target: str
    command: str
    admin: str | None = None
    replicas: tuple[str, ...] = ()
    warmup: float = 3.0
    settle: float = 5.0
    interval: float = 0.01
    connect_timeout: float = 3.0
    write_timeout: float = 5.0
    command_timeout: float = 120.0
    follow: float = 30.0
    budget: float = 300.0


@dataclass
class Command:
    seconds: float
    exit_code: int | None  # None: killed at its timeout
    output: str


@dataclass(frozen=True)
class Primary:
    """Which server answered the target as the primary; None where the server would not say."""

    server: str  # host:port libpq reached
    address: str | None  # inet_server_addr():inet_server_port(), as the server sees itself
    started: str | None  # pg_postmaster_start_time()
    timeline: int | None  # timeline of the last checkpoint

    def differs(self, other: Primary) -> bool:
        """Whether any fact both sides know tells another server or a new timeline."""
        pairs = zip(
            (self.server, self.address, self.started, self.timeline),
            (other.server, other.address, other.started, other.timeline),
            strict=True,
        )
        return any(a is not None and b is not None and a != b for a, b in pairs)

    def __str__(self) -> str:
        timeline = f", timeline {self.timeline}" if self.timeline is not None else ""
        return f"{self.server}{timeline}"


@dataclass
class Follow:
    replica: str
    seconds: float | None  # from writes resuming until the replica held a write made after
    caught_up: bool  # it held the last acknowledged write before the drill gave up
    detail: str


@dataclass
class Outcome:
    """The figures of one drill; seconds are measured on the monotonic clock."""

    database: str
    acknowledged: int = 0
    before: str | None = None
    after: str | None = None
    primary_before: Primary | None = None
    primary_after: Primary | None = None
    command: Command | None = None
    resumed: bool = False
    downtime: float | None = None
    lost: list[int] = field(default_factory=list)
    lost_window: float | None = None  # seconds of acknowledged writes the new primary lacks
    checked: bool = False  # the new primary's rows were read
    doubt_present: list[int] = field(default_factory=list)
    doubt_missing: list[int] = field(default_factory=list)
    cut: int = 0  # writes cut after write_timeout (counted in doubt)
    follows: list[Follow] = field(default_factory=list)
    dropped: bool = False
    cleanup: str | None = None  # why the drill database may be left behind
    problem: str | None = None  # why the figures are incomplete
    leftovers: list[str] = field(default_factory=list)  # drill databases earlier drills left

    @property
    def failed_over(self) -> bool | None:
        """Whether another server or a new timeline answered after the command; None when one side
        could not be read."""
        if self.primary_before is None or self.primary_after is None:
            return None
        return self.primary_before.differs(self.primary_after)


def with_database(conninfo: str, dbname: str, **extra: Any) -> str:
    """`conninfo` pointing at `dbname`, every other parameter (hosts, ports,
    target_session_attrs, password) kept."""
    from psycopg.conninfo import conninfo_to_dict, make_conninfo

    parts: dict[str, Any] = dict(conninfo_to_dict(conninfo))
    parts["dbname"] = dbname
    parts.update(extra)
    return make_conninfo("", **{k: str(v) for k, v in parts.items()})


def server(conn: Any) -> str:
    """host:port libpq actually reached, of a multi-host string too."""
    return f"{conn.info.host}:{conn.info.port}"


def hosts(conninfo: str) -> int:
    """How many hosts libpq may try for `conninfo`, each within connect_timeout."""
    from psycopg.conninfo import conninfo_to_dict

    try:
        parts = conninfo_to_dict(conninfo)
    except Exception:
        return 1
    listed = str(parts.get("host") or parts.get("hostaddr") or "")
    return max(1, len(listed.split(",")))


def identify(conn: Any) -> Primary:
    """The primary `conn` reached; a fact the role may not read is left None."""
    import psycopg

    row = conn.execute(
        "SELECT host(inet_server_addr()) || ':' || inet_server_port(), pg_postmaster_start_time()::text"
    ).fetchone()
    try:
        line = conn.execute("SELECT timeline_id FROM pg_control_checkpoint()").fetchone()
        timeline = int(line[0]) if line and line[0] is not None else None
    except psycopg.Error:  # reading the control file may need more rights than the role has
        timeline = None
    return Primary(server(conn), row[0] if row else None, row[1] if row else None, timeline)


def _shutdown(conn: Any) -> None:
    """Make a write blocked on `conn` fail now without freeing what its thread still uses (closing
    from another thread would) and without cancelling its commit."""
    with contextlib.suppress(Exception):
        fd = conn.pgconn.socket
        with socket.socket(fileno=os.dup(fd)) as sock:
            sock.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def _bounded(conn: Any, until: float) -> Iterator[Any]:
    """`conn`, whose blocked statement fails once the monotonic time `until` has passed (a commit
    waiting for a synchronous standby that no longer exists would wait for ever)."""
    timer = threading.Timer(max(0.0, until - time.monotonic()), _shutdown, (conn,))
    timer.daemon = True
    timer.start()
    try:
        yield conn
    finally:
        timer.cancel()


class Writer(threading.Thread):
    """Inserts numbered rows, reconnecting after an error and going on with the next number. A
    watchdog cuts a write not acknowledged within `write_timeout` (socket shut down, never a
    cancel), so a partitioned or sync-rep-stuck primary cannot hold the writer for the whole drill."""

    def __init__(self, conninfo: str, interval: float, write_timeout: float) -> None:
        super().__init__(name="failover drill writer", daemon=True)
        self.conninfo = conninfo
        self.interval = interval
        self.write_timeout = write_timeout
        self.acks: list[tuple[int, float]] = []  # (seq, monotonic time its commit returned)
        self.doubt: list[int] = []
        self.cut: list[int] = []  # writes the watchdog cut, also in doubt
        self.last_error = -math.inf
        self.error: str | None = None
        self.servers: list[tuple[float, str]] = []  # each connection: when, and which server
        self._quit = threading.Event()
        self._done = threading.Event()  # the writer thread ended: the watchdog may too
        self._conn: Any = None
        self._pending: tuple[int, float] | None = None  # the write under way: seq, when it began
        self._cutting: int | None = None  # the seq whose socket the watchdog shut down
        self._lock = threading.Lock()

    def run(self) -> None:
        import psycopg

        watchdog = threading.Thread(target=self._watch, name="failover drill watchdog", daemon=True)
        watchdog.start()
        seq = 0
        try:
            while not self._quit.is_set():
                try:
                    conn = psycopg.connect(self.conninfo, autocommit=True)
                except psycopg.Error as exc:
                    self._failed(exc)
                    self._quit.wait(0.1)
                    continue
                with self._lock:
                    self._conn = conn
                self.servers.append((time.monotonic(), server(conn)))
                try:
                    while not self._quit.is_set():
                        seq += 1
                        if not self._write(conn, seq):
                            break
                        self._quit.wait(self.interval)
                finally:
                    with self._lock:
                        self._conn = None
                    with contextlib.suppress(Exception):
                        conn.close()
        finally:
            self._done.set()
            watchdog.join(1)

    def _write(self, conn: Any, seq: int) -> bool:
        """One INSERT: acknowledged (True), or in doubt (False: reconnect)."""
        import psycopg

        with self._lock:
            self._pending = (seq, time.monotonic())
        try:
            conn.execute(INSERT, (seq,))
        except psycopg.Error as exc:
            self.doubt.append(seq)
            with self._lock:
                cut, self._pending = self._cutting == seq, None
            if cut:
                self.cut.append(seq)
                self.last_error = time.monotonic()
                self.error = f"write {seq} not acknowledged within {self.write_timeout:g} s; cut"
            else:
                self._failed(exc)
            return False
        with self._lock:
            self._pending = None
        self.acks.append((seq, time.monotonic()))
        return True

    def _watch(self) -> None:
        step = min(0.05, self.write_timeout / 4)
        while not self._done.wait(step):
            with self._lock:
                pending, conn = self._pending, self._conn
                if pending is None or conn is None or self._cutting == pending[0]:
                    continue
                if time.monotonic() - pending[1] < self.write_timeout:
                    continue
                self._cutting = pending[0]
            _shutdown(conn)

    def _failed(self, exc: BaseException) -> None:
        self.last_error = time.monotonic()
        self.error = pgclient.cause(exc, self.conninfo)

    def halt(self, wait: float) -> None:
        """Stop writing; a write still blocked after `wait` seconds has its socket shut down."""
        self._quit.set()
        self.join(wait)
        if self.is_alive():
            self.interrupt()
            self.join(wait)

    def interrupt(self) -> None:
        self._quit.set()
        with self._lock:
            conn = self._conn
        if conn is not None:
            _shutdown(conn)


class Follower(threading.Thread):
    """Samples the newest row a replica holds, to tell when it follows the new primary. Each
    sample is bounded by statement_timeout, and `stop` shuts the socket down, so a replica that
    hangs cannot keep the thread past the drill."""

    def __init__(self, conninfo: str, label: str, bound: float) -> None:
        super().__init__(name=f"failover drill follower {label}", daemon=True)
        self.conninfo = conninfo
        self.label = label
        self.bound = bound
        self.samples: list[tuple[float, int]] = []
        self.error: str | None = None
        self._quit = threading.Event()
        self._conn: Any = None
        self._lock = threading.Lock()

    def run(self) -> None:
        import psycopg

        while not self._quit.is_set():
            try:
                with psycopg.connect(self.conninfo, autocommit=True) as conn:
                    with self._lock:
                        self._conn = conn
                    if self._quit.is_set():
                        break
                    ms = str(max(1, round(self.bound * 1000)))
                    conn.execute("SELECT set_config('statement_timeout', %s, false)", (ms,))
                    while not self._quit.is_set():
                        row = conn.execute("SELECT coalesce(max(seq), 0) FROM writes").fetchone()
                        self.samples.append((time.monotonic(), int(row[0]) if row else 0))
                        self._quit.wait(POLL)
            except psycopg.Error as exc:
                if not self._quit.is_set():
                    self.error = pgclient.cause(exc, self.conninfo)
                self._quit.wait(0.2)
            finally:
                with self._lock:
                    self._conn = None

    def reached(self, seq: int) -> float | None:
        return next((t for t, newest in list(self.samples) if newest >= seq), None)

    def stop(self) -> None:
        self._quit.set()
        with self._lock:
            conn = self._conn
        if conn is not None:
            _shutdown(conn)


class Drill:
    """One failover drill; `run` blocks, `interrupt` (from another thread) cuts it short and
    leaves `run` to clean up."""

    def __init__(self, plan: Plan, now: dt.datetime) -> None:
        if not plan.command.strip():
            raise Broken("give the failover command to run")
        for name, conninfo in (("target", plan.target), ("admin", plan.admin), *_named(plan.replicas)):
            if conninfo is not None:
                try:
                    pgclient.checked(conninfo)
                except ValueError as exc:
                    raise Broken(f"{name}: {exc}") from None
        self.plan = plan
        self.scratch = scratch.new(now, "failover drill")
        self._quit = threading.Event()
        self._proc: subprocess.Popen[bytes] | None = None
        self._writer: Writer | None = None
        self._followers: list[Follower] = []
        self._secrets = [c for c in (plan.target, plan.admin, *plan.replicas) if c]
        self._interrupted: float | None = None  # monotonic time of the first interrupt

    # connections ---------------------------------------------------------------------------

    def _params(self) -> dict[str, Any]:
        """libpq settings added to every drill connection; the user's hosts, ports and
        target_session_attrs are left as written. Keepalives and tcp_user_timeout make a
        partitioned server fail the connection instead of leaving it hanging."""
        return {
            "connect_timeout": self._connect_timeout(),
            "application_name": "devoops failover drill",
            "keepalives": 1,
            "keepalives_idle": max(1, math.ceil(self.plan.write_timeout)),
            "keepalives_interval": 1,
            "keepalives_count": 3,
            "tcp_user_timeout": max(1000, round(self.plan.write_timeout * 1000)),
        }

    def _connect_timeout(self) -> int:
        return max(2, math.ceil(self.plan.connect_timeout))  # libpq reads whole seconds, at least 2

    def _step(self, conninfo: str) -> float:
        """Longest one connection and one drill statement through `conninfo` may take: libpq
        spends connect_timeout on each host it tries."""
        return hosts(conninfo) * self._connect_timeout() + STATEMENT

    def _drop_seconds(self) -> float:
        return sum(self._step(c) for c in self._droppers())

    def _droppers(self) -> list[str]:
        return list(dict.fromkeys(c for c in (self.plan.admin, self.plan.target) if c))

    def cleanup_seconds(self) -> float:
        """What the drill still needs after `interrupt` to drop its database: the step under way
        ends, the writer stops, the drop goes through admin then the target, plus a margin."""
        longest = max(self._step(c) for c in self._secrets)
        return longest + HALT + self._drop_seconds() + MARGIN

    def _connect(self, conninfo: str, dbname: str | None = None) -> Any:
        import psycopg

        where = conninfo if dbname is None else with_database(conninfo, dbname)
        return psycopg.connect(where, autocommit=True, **self._params())

    def _why(self, exc: BaseException) -> str:
        return pgclient.cause(exc, *self._secrets)

    def _primary(self, until: float) -> Primary | None:
        """Which primary answers the target now (None when it cannot be asked)."""
        import psycopg

        try:
            with self._connect(self.plan.target, self.scratch.name) as conn, _bounded(conn, until):
                return identify(conn)
        except psycopg.Error:
            return None

    # the drill -----------------------------------------------------------------------------

    def interrupt(self) -> None:
        if self._interrupted is None:
            self._interrupted = time.monotonic()
        self._quit.set()
        proc = self._proc
        if proc is not None and proc.poll() is None:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
        if self._writer is not None:
            self._writer.interrupt()

    def run(self) -> Outcome:
        """Create the drill database, write through the failover, read the figures, drop it."""
        import psycopg

        plan = self.plan
        end = time.monotonic() + plan.budget
        # stop the writer, read the new primary, drop the database
        reserve = self._reserve = 2 * HALT + self._step(plan.target) + self._drop_seconds() + 1
        writes_end = end - reserve - (plan.follow if plan.replicas else 0)
        if writes_end - time.monotonic() < plan.warmup + plan.settle + 1:
            raise Broken(
                f"a timeout of {plan.budget:g} s leaves too little time for warmup ({plan.warmup:g} s), "
                f"settle ({plan.settle:g} s)"
                + (f", replicas ({plan.follow:g} s)" if plan.replicas else "")
                + " and cleanup"
            )
        admin = plan.admin or plan.target
        try:
            conn = self._connect(admin)
        except psycopg.Error as exc:
            raise Broken(f"cannot connect to {pgclient.describe(admin)}: {self._why(exc)}") from None
        outcome = Outcome(self.scratch.name)
        try:
            with conn, _bounded(conn, end - reserve):
                if conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                    raise Broken(
                        f"{server(conn)} is a standby: the drill database must be created on the primary "
                        "(add target_session_attrs=read-write, or give admin)"
                    )
                outcome.leftovers = scratch.leftovers(conn)
                try:
                    scratch.create(conn, self.scratch)
                except psycopg.Error as exc:
                    raise Broken(
                        f"cannot create the drill database on {server(conn)}: {self._why(exc)}"
                    ) from None
                scratch.guard(conn, self.scratch)
                with self._connect(admin, self.scratch.name) as db:
                    db.execute(
                        "CREATE TABLE writes (seq bigint PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())"
                    )
                    db.execute("GRANT SELECT, INSERT ON writes TO PUBLIC")  # the target's role may differ
        except scratch.Refused as exc:
            raise Broken(str(exc)) from None
        except psycopg.Error as exc:
            self._drop(outcome, end)
            raise Broken(f"cannot prepare the drill database: {self._why(exc)}") from None
        except Broken:
            self._drop(outcome, end)
            raise
        try:
            self._drill(outcome, writes_end, end)
        except Broken as exc:
            self._finish(outcome, end)
            raise Broken(f"{exc}; {outcome.cleanup}" if outcome.cleanup else str(exc)) from None
        except BaseException:
            self._finish(outcome, end)
            raise
        self._finish(outcome, end)
        return outcome

    def _drill(self, outcome: Outcome, writes_end: float, end: float) -> None:
        plan = self.plan
        self._await_replicas(writes_end)
        params = self._params()
        self._followers = [
            Follower(with_database(r, self.scratch.name, **params), pgclient.describe(r), plan.write_timeout)
            for r in plan.replicas
        ]
        for follower in self._followers:
            follower.start()
        writer = self._writer = Writer(
            with_database(plan.target, self.scratch.name, **params), plan.interval, plan.write_timeout
        )
        writer.start()
        self._quit.wait(plan.warmup)
        if self._quit.is_set():
            raise Broken("interrupted before the failover command")
        if not writer.acks:
            why = f": {writer.error}" if writer.error else ""
            raise Broken(
                f"no write succeeded through the target within the warmup of {plan.warmup:g} s{why}; "
                "the failover command was not run"
            )
        outcome.before = writer.servers[-1][1] if writer.servers else None
        outcome.primary_before = self._primary(min(writes_end, time.monotonic() + self._step(plan.target)))
        if self._quit.is_set():
            raise Broken("interrupted before the failover command")
        started = time.monotonic()
        outcome.command = self._command(min(plan.command_timeout, max(0.1, writes_end - started)))
        if outcome.command.exit_code in (126, 127):
            raise Broken(
                f"the failover command could not run (exit {outcome.command.exit_code}): {outcome.command.output}"
            )
        finished = started + outcome.command.seconds
        while not self._quit.is_set() and time.monotonic() < writes_end:
            now = time.monotonic()
            streak = _streak(writer, finished)
            if (
                streak is not None
                and now - streak >= plan.settle
                and now - writer.acks[-1][1] < 1 + plan.interval
            ):
                break
            self._quit.wait(0.05)
        writer.halt(HALT)
        if self._quit.is_set():
            raise Broken("interrupted during the failover; the figures are incomplete")
        acks = list(writer.acks)
        outcome.acknowledged = len(acks)
        resumed_at = _resumed(acks, started)
        outcome.resumed = resumed_at is not None
        outcome.downtime = _downtime(acks, started, None if outcome.resumed else time.monotonic())
        outcome.after = writer.servers[-1][1] if writer.servers and outcome.resumed else None
        outcome.cut = len(writer.cut)
        self._follow(outcome, acks, started, resumed_at, end - self._reserve)
        self._verify(outcome, acks, list(writer.doubt))

    def _await_replicas(self, until: float) -> None:
        """Wait until each replica has replayed the drill table, so loss is measured against a
        standby that was streaming."""
        import psycopg

        params = self._params()
        for replica in self.plan.replicas:
            where = with_database(replica, self.scratch.name, **params)
            last = "no answer"
            while True:
                try:
                    with psycopg.connect(where, autocommit=True) as conn:
                        if conn.execute("SELECT to_regclass('public.writes') IS NOT NULL").fetchone()[0]:  # type: ignore[index]
                            break
                        last = "the drill table has not arrived"
                except psycopg.Error as exc:
                    last = self._why(exc)
                if self._quit.is_set() or time.monotonic() > until:
                    raise Broken(f"replica {pgclient.describe(replica)} never showed the drill table: {last}")
                self._quit.wait(0.1)

    def _command(self, timeout: float) -> Command:
        started = time.monotonic()
        try:
            proc = self._proc = subprocess.Popen(
                ["/bin/sh", "-c", self.plan.command],
                stdin=subprocess.DEVNULL,
                stdout=subprocess.PIPE,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        except OSError as exc:
            raise Broken(f"cannot run the failover command: {exc.strerror or exc}") from None
        if self._quit.is_set():  # interrupted while it started: interrupt() did not see it
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
        try:
            out, _ = proc.communicate(timeout=timeout)
            code: int | None = proc.returncode
        except subprocess.TimeoutExpired:
            with contextlib.suppress(OSError):
                os.killpg(proc.pid, signal.SIGKILL)
            try:
                out, _ = proc.communicate(timeout=2)
            except subprocess.TimeoutExpired:  # a child kept the pipe open
                out = b""
            code = None
        seconds = time.monotonic() - started
        if code is not None and code < 0:  # killed by interrupt()
            code = None
        text = out.decode("utf-8", "replace").strip()
        for secret in self._secrets:
            text = pgclient.scrub(text, secret)
        tail = text[-TAIL:]
        return Command(seconds, code, re.sub(r"\s+", " ", tail).strip())

    def _follow(
        self,
        outcome: Outcome,
        acks: list[tuple[int, float]],
        started: float,
        resumed_at: float | None,
        end: float,
    ) -> None:
        if not self._followers:
            return
        last = acks[-1][0] if acks else 0
        first_after = next((s for s, t in acks if resumed_at is not None and t >= resumed_at), None)
        limit = min(time.monotonic() + self.plan.follow, end)
        while not self._quit.is_set() and time.monotonic() < limit:
            if all(f.reached(last) is not None for f in self._followers):
                break
            self._quit.wait(POLL)
        for follower in self._followers:
            follower.stop()
        for follower in self._followers:
            follower.join(HALT)  # one still connecting ends within connect_timeout on its own
            seen = follower.reached(first_after) if first_after is not None else None
            caught_up = follower.reached(last) is not None
            seconds = None if seen is None or resumed_at is None else max(0.0, seen - resumed_at)
            if caught_up:
                detail = f"held the last acknowledged write (seq {last})"
            else:
                newest = follower.samples[-1][1] if follower.samples else None
                detail = (
                    f"did not follow within {self.plan.follow:g} s"
                    + (f" (newest row seq {newest})" if newest is not None else "")
                    + (f": {follower.error}" if follower.error and not follower.samples else "")
                )
            outcome.follows.append(Follow(follower.label, seconds, caught_up, detail))

    def _verify(self, outcome: Outcome, acks: list[tuple[int, float]], doubt: list[int]) -> None:
        """Read every row the new primary holds, through the target as the application would."""
        import psycopg

        try:
            limit = time.monotonic() + self._step(self.plan.target)
            with self._connect(self.plan.target, self.scratch.name) as conn, _bounded(conn, limit):
                if not outcome.after:
                    outcome.after = server(conn)
                outcome.primary_after = identify(conn)
                present = {int(r[0]) for r in conn.execute("SELECT seq FROM writes").fetchall()}
        except psycopg.Error as exc:
            outcome.problem = f"cannot read the drill table after the failover: {self._why(exc)}"
            return
        outcome.checked = True
        outcome.lost = [s for s, _ in acks if s not in present]
        outcome.doubt_present = [s for s in doubt if s in present]
        outcome.doubt_missing = [s for s in doubt if s not in present]
        outcome.lost_window = _lost_window(acks, set(outcome.lost))

    def _finish(self, outcome: Outcome, end: float) -> None:
        """Stop the threads and drop the database: within the drill's time, or after an interrupt
        within `cleanup_seconds` of it (what the caller waits for)."""
        if self._writer is not None:
            self._writer.halt(HALT)
        for follower in self._followers:
            follower.stop()
        if self._interrupted is not None:
            end = max(end, self._interrupted + self.cleanup_seconds() - MARGIN)
        self._drop(outcome, end)

    def _drop(self, outcome: Outcome, end: float) -> None:
        """Drop the drill database on whichever server now answers as the primary: through admin,
        else through the target."""
        import psycopg

        why = "no time left"
        for conninfo in self._droppers():
            if time.monotonic() > end:
                break
            try:
                with self._connect(conninfo) as conn, _bounded(conn, end):
                    if conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                        why = f"{server(conn)} is a standby"
                        continue
                    scratch.drop(conn, self.scratch)
                outcome.dropped = True
                return
            except scratch.Refused as exc:
                why = str(exc)
            except psycopg.Error as exc:
                why = self._why(exc)
        outcome.cleanup = f"the drill database {self.scratch.name} may be left behind: {why}"


def _named(replicas: tuple[str, ...]) -> list[tuple[str, str | None]]:
    return [(f"replicas[{i}]", r) for i, r in enumerate(replicas)]


def _streak(writer: Writer, finished: float) -> float | None:
    """Since when writes have kept succeeding after the command finished; None while the last
    attempt failed."""
    acks, last_error = list(writer.acks), writer.last_error  # one snapshot: the writer goes on
    if not acks or last_error >= acks[-1][1]:
        return None
    start = next((t for _, t in acks if t > last_error), None)
    return None if start is None else max(start, finished)


def _resumed(acks: list[tuple[int, float]], started: float) -> float | None:
    """The first acknowledged write after the longest gap from the command's start: when writes
    came back. The writes after the command are what show it."""
    times = [t for _, t in acks]
    after = [i for i, t in enumerate(times) if t >= started]
    if not after:
        return None
    best, at = -1.0, None
    for i in after:
        gap = times[i] - (times[i - 1] if i > 0 else started)
        if gap > best:
            best, at = gap, times[i]
    return at


def _downtime(acks: list[tuple[int, float]], started: float, now: float | None) -> float:
    """The longest gap between consecutive acknowledged writes from the command's start on; with
    `now` (writes never came back), the time since the last one counts too."""
    times = [t for _, t in acks]
    before = [t for t in times if t < started]
    edge = before[-1] if before else started
    gaps = [0.0]
    for t in (t for t in times if t >= started):
        gaps.append(t - edge)
        edge = t
    if now is not None:
        gaps.append(now - edge)
    return max(gaps)


def _lost_window(acks: list[tuple[int, float]], lost: set[int]) -> float:
    """Seconds of acknowledged writes the new primary lacks: from the last write it holds before
    the first lost one to the last lost one, which is how far back the failover set the data."""
    if not lost:
        return 0.0
    first = next(i for i, (s, _) in enumerate(acks) if s in lost)
    last = max(t for s, t in acks if s in lost)
    kept = acks[first - 1][1] if first > 0 else acks[first][1]
    return max(0.0, last - kept)
