"""The numbered writer: the application's side of the failover, seen through its connection string.

A thread inserts seq 1, 2, 3... into the drill table through the target, reconnecting after each
error and going on with the next number, so its acknowledged writes and their times are the
evidence of downtime and loss. It lives apart because its rules are subtle and shared by nothing
else: a commit is never cancelled (a cancelled wait for synchronous replication commits locally all
the same), so a write that hangs past `write_timeout` has its socket shut down by a watchdog and
counts as in doubt. `warm_up` and `settle` are the conductor's waits on it, before the command and
after.
"""

from __future__ import annotations

import contextlib
import math
import threading
import time
from typing import Any

from ...backup import pgclient
from .connections import server, shutdown
from .plan import Broken

INSERT = "INSERT INTO writes (seq) VALUES (%s)"


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
            shutdown(conn)

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
            shutdown(conn)


def warm_up(writer: Writer, warmup: float, stop: threading.Event) -> None:
    """Let the writer write for `warmup` seconds; Broken unless a write succeeded, so the command
    never runs against a target the drill cannot write through."""
    stop.wait(warmup)
    if stop.is_set():
        raise Broken("interrupted before the failover command")
    if not writer.acks:
        why = f": {writer.error}" if writer.error else ""
        raise Broken(
            f"no write succeeded through the target within the warmup of {warmup:g} s{why}; "
            "the failover command was not run"
        )


def settle(writer: Writer, finished: float, seconds: float, until: float, stop: threading.Event) -> None:
    """Wait until writes have kept succeeding for `seconds` since the command `finished`, the last
    one just now; or until the monotonic time `until`, or `stop`."""
    while not stop.is_set() and time.monotonic() < until:
        now = time.monotonic()
        streak = _streak(writer, finished)
        if streak is not None and now - streak >= seconds and now - writer.acks[-1][1] < 1 + writer.interval:
            break
        stop.wait(0.05)


def _streak(writer: Writer, finished: float) -> float | None:
    """Since when writes have kept succeeding after the command finished; None while the last
    attempt failed."""
    acks, last_error = list(writer.acks), writer.last_error  # one snapshot: the writer goes on
    if not acks or last_error >= acks[-1][1]:
        return None
    start = next((t for _, t in acks if t > last_error), None)
    return None if start is None else max(start, finished)
