"""The watching of replicas: whether each follows the new primary, and how soon.

Before the writes start, each replica must show the drill table, so loss is measured against a
standby that was streaming; during the drill a thread per replica samples the newest row it holds;
after the writes, each is given `Plan.follow` seconds to hold the last acknowledged write. A
replica that hangs is exactly what a failover may leave behind, so every sample is bounded by
statement_timeout and a stop shuts the socket down: watching one can never hold the drill.
"""

from __future__ import annotations

import threading
import time
from typing import Any

from ...backup import pgclient
from .connections import Connections, shutdown
from .outcome import Follow, Outcome
from .plan import HALT, Broken

POLL = 0.05  # seconds between looks at a replica


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
            shutdown(conn)


def await_table(conns: Connections, dbname: str, until: float, stop: threading.Event) -> None:
    """Wait until each replica has replayed the drill table, so loss is measured against a
    standby that was streaming."""
    import psycopg

    for replica in conns.plan.replicas:
        where = conns.at(replica, dbname)
        last = "no answer"
        while True:
            try:
                with psycopg.connect(where, autocommit=True) as conn:
                    if conn.execute("SELECT to_regclass('public.writes') IS NOT NULL").fetchone()[0]:  # type: ignore[index]
                        break
                    last = "the drill table has not arrived"
            except psycopg.Error as exc:
                last = conns.why(exc)
            if stop.is_set() or time.monotonic() > until:
                raise Broken(f"replica {pgclient.describe(replica)} never showed the drill table: {last}")
            stop.wait(0.1)


def followers(conns: Connections, dbname: str) -> list[Follower]:
    """One watcher per replica of the plan, not yet started."""
    plan = conns.plan
    return [Follower(conns.at(r, dbname), pgclient.describe(r), plan.write_timeout) for r in plan.replicas]


def follow(
    watching: list[Follower],
    outcome: Outcome,
    acks: list[tuple[int, float]],
    resumed_at: float | None,
    seconds: float,
    end: float,
    stop: threading.Event,
) -> None:
    """Give the replicas up to `seconds` (and no later than `end`) to hold the last acknowledged
    write, stop watching them, and note in `outcome` how each followed."""
    if not watching:
        return
    last = acks[-1][0] if acks else 0
    first_after = next((s for s, t in acks if resumed_at is not None and t >= resumed_at), None)
    limit = min(time.monotonic() + seconds, end)
    while not stop.is_set() and time.monotonic() < limit:
        if all(f.reached(last) is not None for f in watching):
            break
        stop.wait(POLL)
    for follower in watching:
        follower.stop()
    for follower in watching:
        follower.join(HALT)  # one still connecting ends within connect_timeout on its own
        seen = follower.reached(first_after) if first_after is not None else None
        caught_up = follower.reached(last) is not None
        took = None if seen is None or resumed_at is None else max(0.0, seen - resumed_at)
        if caught_up:
            detail = f"held the last acknowledged write (seq {last})"
        else:
            newest = follower.samples[-1][1] if follower.samples else None
            detail = (
                f"did not follow within {seconds:g} s"
                + (f" (newest row seq {newest})" if newest is not None else "")
                + (f": {follower.error}" if follower.error and not follower.samples else "")
            )
        outcome.follows.append(Follow(follower.label, took, caught_up, detail))
