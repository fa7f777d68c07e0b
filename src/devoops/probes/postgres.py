"""A PostgreSQL server, read-only: WAL archiving, streaming replicas and delayed standbys,
durability settings, what the application role could drop, and connection headroom.

The probe connects as the application does (its target is the application's connection string)
and runs only SELECT and SHOW-like reads (`current_setting`) in read-only transactions, one
transaction per check, so a check it may not read (no pg_monitor) is reported as UNKNOWN and the
others still count. psycopg 3 is imported only when the probe runs. Connection errors are told
by host, port, database and user: the password never reaches a message from here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from pydantic import Field

from ..backup.pgclient import cause, checked, describe
from ..model.common import Horizon
from ..model.evidence import Evidence
from .base import Context, Decision, Options, Probe
from .found import Found
from .pgchecks import MONITOR, Gone, Server, Unreadable, archiving, connections, durability, replication, role

if TYPE_CHECKING:
    from psycopg import AsyncConnection

SSLMODES = Literal["disable", "allow", "prefer", "require", "verify-ca", "verify-full"]


class PostgresOptions(Options):
    sslmode: SSLMODES | None = Field(
        default=None, description="libpq sslmode, overriding the connection string's"
    )
    connect_timeout: float = Field(
        default=10.0,
        gt=0,
        le=300,
        description="seconds to connect and for each query; at most a third of the probe's timeout",
    )
    schemas: list[str] | None = Field(
        default=None,
        min_length=1,
        max_length=100,
        description="schemas whose ownership is checked; default: every non-system schema",
    )
    dataset: str | None = Field(
        default=None,
        min_length=1,
        description="the workload dataset this database holds, whose RPO bounds the archive age; "
        "default: the strictest RPO of all datasets",
    )
    archive_max_age_seconds: float = Field(
        default=900.0,
        gt=0,
        description="oldest acceptable last archived WAL, in seconds, when the workload has no dataset RPO",
    )
    max_replay_lag_seconds: float | None = Field(
        default=60.0,
        gt=0,
        description="FAIL when a streaming replica replays further behind; null: report only",
    )
    min_headroom_percent: float = Field(
        default=20.0, ge=0, le=100, description="FAIL when fewer connection slots than this are free"
    )


class PostgresProbe(Probe[PostgresOptions]):
    """Read-only checks of a PostgreSQL server: WAL archiving, replicas and delayed standbys,
    fsync and checksums, what the application role could drop, connection headroom."""

    kind: ClassVar[str] = "postgres"
    decides: ClassVar[Mapping[str, Decision]] = {
        "db.pitr": Decision("none", "pitr", when="WAL archiving"),
        "db.replica": Decision("none", "async-same-zone", when="streaming replicas"),
        "db.delayed-replica": Decision("delayed-replica", when="on the delayed standby"),
        "db.drop-table-protection": Decision(
            "anyone", "shared-prod-creds", "app-not-owner", when="the application role"
        ),
    }
    docs: ClassVar[str] = "docs/probes/postgres.md"
    default_timeout: ClassVar[float] = 30.0

    @classmethod
    def check(cls, target: str, options: PostgresOptions) -> str:
        return checked(target)

    def where(self) -> str:
        """host:port/database as user, from the target, without any password."""
        return describe(self.target)

    async def collect(self, ctx: Context) -> Evidence:
        try:
            import psycopg
        except ImportError:
            return Found().error("the postgres probe needs psycopg 3: pip install 'devoops[postgres]'")
        o = self.options
        wait = min(o.connect_timeout, ctx.timeout / 3) if ctx.timeout > 0 else o.connect_timeout
        limit = self._archive_limit(ctx)
        if isinstance(limit, str):
            return Found().error(limit)
        extra: dict[str, Any] = {
            "connect_timeout": max(2, round(wait)),
            "application_name": "devoops",
        }
        if o.sslmode is not None:
            extra["sslmode"] = o.sslmode
        try:
            async with asyncio.timeout(wait):
                conn = await psycopg.AsyncConnection.connect(self.target, **extra)
        except TimeoutError:
            return Found().error(f"cannot connect to {self.where()}: no answer within {wait:.3g} s")
        except psycopg.Error as exc:
            return Found().error(f"cannot connect to {self.where()}: {cause(exc)}")
        try:
            await conn.set_read_only(True)
            return await self._checks(conn, limit, wait)
        except (Unreadable, Gone, psycopg.Error) as exc:  # the very first read
            return Found().error(f"cannot read from {self.where()}: {cause(exc)}")
        finally:
            await conn.close()

    def _archive_limit(self, ctx: Context) -> tuple[float, str] | str:
        """The oldest acceptable last archived WAL in seconds and where that figure comes from;
        a text when the dataset option names no dataset of the workload."""
        data = ctx.targets[Horizon.NOW].data if Horizon.NOW in ctx.targets else []
        if self.options.dataset is not None:
            chosen = [d for d in data if d.name == self.options.dataset]
            if not chosen:
                names = ", ".join(d.name for d in data) or "none"
                return f"dataset {self.options.dataset!r} is not among the workload's datasets ({names})"
            data = chosen
        if not data:
            return self.options.archive_max_age_seconds, "archive_max_age_seconds"
        strictest = min(data, key=lambda d: d.rpo_minutes)
        return max(strictest.rpo_minutes * 60, 1.0), f"RPO of dataset {strictest.name}"

    async def _checks(self, conn: AsyncConnection[Any], limit: tuple[float, str], wait: float) -> Evidence:
        import psycopg

        async def read(sql: str, params: dict[str, Any] | None = None) -> list[tuple[Any, ...]]:
            """One read in its own read-only transaction, answered within `wait` seconds."""
            try:
                async with asyncio.timeout(wait):
                    try:
                        cursor = await conn.execute(sql, params)
                        return await cursor.fetchall()
                    finally:
                        await conn.rollback()
            except psycopg.errors.InsufficientPrivilege as exc:
                raise Unreadable(f"{cause(exc)} ({MONITOR})") from None
            except TimeoutError:
                raise Gone(f"the server did not answer within {wait:.3g} s") from None

        row = (
            await read(
                "select pg_is_in_recovery(), current_user, current_database(), current_setting('server_version')"
            )
        )[0]
        server = Server(*row)
        found = Found()
        checks: list[tuple[str, Callable[[], Awaitable[None]]]] = [
            ("WAL archiving", lambda: archiving(read, server, found, limit)),
            ("replication", lambda: replication(read, server, found, self.options)),
            ("durability settings", lambda: durability(read, found)),
            ("application role", lambda: role(read, server, found, self.options.schemas)),
            ("connections", lambda: connections(read, found, self.options.min_headroom_percent)),
        ]
        for name, check in checks:
            try:
                await check()
            except Unreadable as exc:
                found.unknown.append(f"{name}: {exc}")
            except (Gone, psycopg.OperationalError) as exc:  # nothing more to read
                found.unknown.append(f"{name}: {cause(exc)}")
                break
        what = f"PostgreSQL {server.version.split()[0]}" + (" standby" if server.in_recovery else "")
        return found.evidence(what, "Could not read")
