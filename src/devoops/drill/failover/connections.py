"""How every connection of a failover drill is made, bounded and cut.

A failover is exactly when a server stops answering, so no connection the drill opens may be left
to hang: each gets libpq's connect timeout, keepalives and tcp_user_timeout (`Connections.params`),
each statement a deadline (`bounded`), and a write that must stop has its socket shut down
(`shutdown`), never its commit cancelled. The time one connection may take through a multi-host
string (`Connections.step`) is what the conductor budgets with, and `identify` tells which server
answered as the primary. Every phase connects through here, so these rules hold everywhere.
"""

from __future__ import annotations

import contextlib
import math
import os
import socket
import threading
import time
from collections.abc import Iterator
from typing import Any

from ...backup import pgclient
from .outcome import Primary
from .plan import Plan

STATEMENT = 5.0  # seconds a drill statement (create, read, drop) may take once connected


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


def shutdown(conn: Any) -> None:
    """Make a write blocked on `conn` fail now without freeing what its thread still uses (closing
    from another thread would) and without cancelling its commit."""
    with contextlib.suppress(Exception):
        fd = conn.pgconn.socket
        with socket.socket(fileno=os.dup(fd)) as sock:
            sock.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def bounded(conn: Any, until: float) -> Iterator[Any]:
    """`conn`, whose blocked statement fails once the monotonic time `until` has passed (a commit
    waiting for a synchronous standby that no longer exists would wait for ever)."""
    timer = threading.Timer(max(0.0, until - time.monotonic()), shutdown, (conn,))
    timer.daemon = True
    timer.start()
    try:
        yield conn
    finally:
        timer.cancel()


class Connections:
    """The drill's connections to the servers of one plan, and how long each may take."""

    def __init__(self, plan: Plan) -> None:
        self.plan = plan
        # every connection string given: each one's password is kept out of what the drill says
        self.conninfos = [c for c in (plan.target, plan.admin, *plan.replicas) if c]

    def params(self) -> dict[str, Any]:
        """libpq settings added to every drill connection; the user's hosts, ports and
        target_session_attrs are left as written. Keepalives and tcp_user_timeout make a
        partitioned server fail the connection instead of leaving it hanging."""
        return {
            "connect_timeout": self.connect_timeout(),
            "application_name": "devoops failover drill",
            "keepalives": 1,
            "keepalives_idle": max(1, math.ceil(self.plan.write_timeout)),
            "keepalives_interval": 1,
            "keepalives_count": 3,
            "tcp_user_timeout": max(1000, round(self.plan.write_timeout * 1000)),
        }

    def connect_timeout(self) -> int:
        return max(2, math.ceil(self.plan.connect_timeout))  # libpq reads whole seconds, at least 2

    def step(self, conninfo: str) -> float:
        """Longest one connection and one drill statement through `conninfo` may take: libpq
        spends connect_timeout on each host it tries."""
        return hosts(conninfo) * self.connect_timeout() + STATEMENT

    def droppers(self) -> list[str]:
        """Where the drill database is dropped from: admin, else the target."""
        return list(dict.fromkeys(c for c in (self.plan.admin, self.plan.target) if c))

    def drop_seconds(self) -> float:
        return sum(self.step(c) for c in self.droppers())

    def at(self, conninfo: str, dbname: str) -> str:
        """`conninfo` pointing at `dbname` with the drill's settings, for a thread's own connections."""
        return with_database(conninfo, dbname, **self.params())

    def connect(self, conninfo: str, dbname: str | None = None) -> Any:
        import psycopg

        where = conninfo if dbname is None else with_database(conninfo, dbname)
        return psycopg.connect(where, autocommit=True, **self.params())

    def why(self, exc: BaseException) -> str:
        return pgclient.cause(exc, *self.conninfos)

    def primary(self, dbname: str, until: float) -> Primary | None:
        """Which primary answers the target now (None when it cannot be asked)."""
        import psycopg

        try:
            with self.connect(self.plan.target, dbname) as conn, bounded(conn, until):
                return identify(conn)
        except psycopg.Error:
            return None
