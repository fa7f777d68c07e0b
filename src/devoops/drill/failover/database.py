"""The failover drill's own database: created on the primary, read on the new one, dropped.

The drill writes only into a database it creates and marks (drill/scratch.py), with one table of
numbered writes that every role may insert into, since the target's role may differ from admin's.
After the failover its rows are read through the target, as the application would reach the new
primary; at the end it is dropped on whichever server then answers as the primary, through admin
else the target, and when it cannot be, the outcome says it may be left behind. These are the
drill's only writes outside that table, so they are kept together.
"""

from __future__ import annotations

import time

from ...backup import pgclient
from .. import scratch
from .connections import Connections, bounded, identify, server
from .outcome import Outcome
from .plan import Broken


def create(conns: Connections, made: scratch.Scratch, outcome: Outcome, until: float, end: float) -> None:
    """Create the drill database and its writes table on the primary through admin (else the
    target), noting the databases earlier drills left; dropped again when that fails."""
    import psycopg

    admin = conns.plan.admin or conns.plan.target
    try:
        conn = conns.connect(admin)
    except psycopg.Error as exc:
        raise Broken(f"cannot connect to {pgclient.describe(admin)}: {conns.why(exc)}") from None
    try:
        with conn, bounded(conn, until):
            if conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                raise Broken(
                    f"{server(conn)} is a standby: the drill database must be created on the primary "
                    "(add target_session_attrs=read-write, or give admin)"
                )
            outcome.leftovers = scratch.leftovers(conn)
            try:
                scratch.create(conn, made)
            except psycopg.Error as exc:
                raise Broken(
                    f"cannot create the drill database on {server(conn)}: {conns.why(exc)}"
                ) from None
            scratch.guard(conn, made)
            with conns.connect(admin, made.name) as db:
                db.execute(
                    "CREATE TABLE writes (seq bigint PRIMARY KEY, at timestamptz DEFAULT clock_timestamp())"
                )
                db.execute("GRANT SELECT, INSERT ON writes TO PUBLIC")  # the target's role may differ
    except scratch.Refused as exc:
        raise Broken(str(exc)) from None
    except psycopg.Error as exc:
        drop(conns, made, outcome, end)
        raise Broken(f"cannot prepare the drill database: {conns.why(exc)}") from None
    except Broken:
        drop(conns, made, outcome, end)
        raise


def rows(conns: Connections, made: scratch.Scratch, outcome: Outcome) -> set[int] | None:
    """Every row the new primary holds, read through the target as the application would, noting
    which primary answered; None, with the outcome's problem said, when it cannot be read."""
    import psycopg

    try:
        limit = time.monotonic() + conns.step(conns.plan.target)
        with conns.connect(conns.plan.target, made.name) as conn, bounded(conn, limit):
            if not outcome.after:
                outcome.after = server(conn)
            outcome.primary_after = identify(conn)
            return {int(r[0]) for r in conn.execute("SELECT seq FROM writes").fetchall()}
    except psycopg.Error as exc:
        outcome.problem = f"cannot read the drill table after the failover: {conns.why(exc)}"
        return None


def drop(conns: Connections, made: scratch.Scratch, outcome: Outcome, end: float) -> None:
    """Drop the drill database on whichever server now answers as the primary: through admin,
    else through the target."""
    import psycopg

    why = "no time left"
    for conninfo in conns.droppers():
        if time.monotonic() > end:
            break
        try:
            with conns.connect(conninfo) as conn, bounded(conn, end):
                if conn.execute("SELECT pg_is_in_recovery()").fetchone()[0]:
                    why = f"{server(conn)} is a standby"
                    continue
                scratch.drop(conn, made)
            outcome.dropped = True
            return
        except scratch.Refused as exc:
            why = str(exc)
        except psycopg.Error as exc:
            why = conns.why(exc)
    outcome.cleanup = f"the drill database {made.name} may be left behind: {why}"
