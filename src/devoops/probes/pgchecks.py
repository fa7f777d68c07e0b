"""The postgres probe's checks: each a few read-only queries through `read`, adding what it
finds to the probe's Found. A check the role may not read raises Unreadable; a server that
stops answering, Gone."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..model.evidence import Cell
from .found import Found

if TYPE_CHECKING:
    from .postgres import PostgresOptions

ROWS = 20  # table rows kept
SYSTEM_SCHEMAS = "n.nspname not in ('pg_catalog', 'information_schema') and n.nspname !~ '^pg_(toast|temp_)'"
MONITOR = "grant pg_monitor to the probe's role"
Read = Callable[..., Awaitable[list[tuple[Any, ...]]]]


class Unreadable(Exception):
    """A check whose query the server refused; the message says what was missing."""


class Gone(Exception):
    """The server stopped answering: nothing more can be read on this connection."""


@dataclass(frozen=True)
class Server:
    in_recovery: bool
    role: str
    database: str
    version: str


async def archiving(read: Read, server: Server, found: Found, limit: tuple[float, str]) -> None:
    mode = (await read("select current_setting('archive_mode')"))[0][0]
    on = mode in ("on", "always")
    found.measure("archive_mode", 1 if on else 0, "bool", detail=mode)
    if not on:
        reason = "archive_mode is off: no WAL is archived, so nothing allows a point-in-time recovery"
        found.verdict("db.pitr", "none", reason)
        found.said.append("WAL archiving off")
        return
    if server.in_recovery and mode != "always":
        found.said.append(
            "WAL archiving: this is a standby with archive_mode=on, which archives nothing "
            "(the primary does); no point-in-time recovery verdict from here"
        )
        return
    rows = await read(
        "select archived_count, last_archived_wal,"
        " extract(epoch from clock_timestamp() - last_archived_time)::float8,"
        " failed_count, last_failed_wal,"
        " extract(epoch from clock_timestamp() - last_failed_time)::float8,"
        " last_failed_time is not null"
        "  and (last_archived_time is null or last_failed_time > last_archived_time)"
        " from pg_stat_archiver"
    )
    archived, last_wal, age, failures, failed_wal, failed_age, failing = rows[0]
    seconds, source = limit
    found.measure(
        "last WAL archived",
        None if age is None else round(age, 1),
        "s",
        target=round(seconds, 1),
        bound="max",
        detail=f"{last_wal or 'none yet'}; at most the {source}",
    )
    found.measure(
        "archiver failing",
        1 if failing else 0,
        "bool",
        target=0,
        bound="max",
        detail=f"last failure {failed_wal}, {failed_age:.0f} s ago" if failing else None,
    )
    found.measure("archive failures", failures, "count", detail="since the statistics were last reset")
    if failed_age is not None:
        found.measure("last archive failure", round(failed_age, 1), "s", detail=failed_wal)
    if failing:
        since = "anything yet" if age is None else f"anything after {last_wal}, {age:.0f} s ago"
        reason = (
            f"archive_command is failing ({failures} failures, the latest {failed_age:.0f} s ago, on "
            f"{failed_wal}): recovery cannot reach past {since}"
        )
        found.verdict("db.pitr", "none", reason)
        found.failed.append(reason)
        found.said.append("WAL archiving failing")
    elif age is None:
        found.unknown.append("WAL archiving: archive_mode is on but no WAL has been archived yet")
    elif age > seconds:
        found.failed.append(
            f"the last WAL was archived {age:.0f} s ago ({last_wal}), longer than the {source} "
            f"({seconds:.0f} s); set archive_timeout below it"
        )
        found.said.append("WAL archiving late")
    else:
        reason = (
            f"WAL archiving is on and healthy: {archived} segments archived, the last ({last_wal}) "
            f"{age:.0f} s ago, within the {source} ({seconds:.0f} s)"
        )
        found.verdict("db.pitr", "pitr", reason)
        found.said.append(f"WAL archived {age:.0f} s ago")


async def replication(read: Read, server: Server, found: Found, options: PostgresOptions) -> None:
    if server.in_recovery:
        delay_ms, replayed = (
            await read(
                "select (select setting::float8 from pg_settings where name = 'recovery_min_apply_delay'),"
                " extract(epoch from clock_timestamp() - pg_last_xact_replay_timestamp())::float8"
            )
        )[0]
        delay = delay_ms / 1000
        found.measure("recovery_min_apply_delay", delay, "s", detail="this server is a standby")
        if replayed is not None:
            found.measure("last transaction replayed", round(replayed, 1), "s")
        if delay > 0:
            found.verdict(
                "db.delayed-replica",
                "delayed-replica",
                f"this standby applies WAL {delay:g} s late (recovery_min_apply_delay), so a destructive "
                "change can be stopped before it reaches it",
            )
            found.said.append(f"standby delayed by {delay:g} s")
        else:
            found.said.append("standby without apply delay")
        return
    rows = await read(
        "select coalesce(application_name, ''), coalesce(client_addr::text, 'local'), state, sync_state,"
        " extract(epoch from replay_lag)::float8,"
        " pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn)::float8"
        " from pg_stat_replication order by replay_lsn nulls first"
    )
    found.measure("streaming replicas", len(rows), "count")
    if not rows:
        found.verdict(
            "db.replica", "none", "no standby is streaming from this primary (pg_stat_replication is empty)"
        )
        found.said.append("no replica")
        return
    hidden = all(r[2] is None for r in rows)
    lags = [r[4] or 0.0 for r in rows if r[2] is not None]
    behind = [r[5] for r in rows if r[5] is not None]
    if hidden:
        found.unknown.append(f"replication: replica lag is hidden from role {server.role} ({MONITOR})")
    else:
        target = options.max_replay_lag_seconds
        found.measure(
            "replay lag",
            round(max(lags), 3),
            "s",
            target=target,
            bound=None if target is None else "max",
            detail="the furthest replica",
        )
        if behind:
            found.measure("replay lag bytes", max(behind), "bytes", detail="WAL written but not replayed")
        if target is not None and max(lags) > target:
            found.failed.append(f"a replica replays {max(lags):.1f} s behind, over {target:g} s")
    modes = sorted({str(r[3]) for r in rows if r[3] is not None}) or ["not visible"]
    found.verdict(
        "db.replica",
        "async-same-zone",
        f"{len(rows)} standby(s) streaming from this primary (sync_state: {', '.join(modes)}); the probe "
        "cannot see zones, so a standby in another zone must be shown by the answer or the inventory",
    )
    found.table(
        "streaming replicas" + (f" (first {ROWS} of {len(rows)})" if len(rows) > ROWS else ""),
        ["application", "client", "state", "sync state", "replay lag s", "replay lag bytes"],
        [_cells(r) for r in rows[:ROWS]],
    )
    found.said.append(f"{len(rows)} replica(s)")


async def durability(read: Read, found: Found) -> None:
    row = (
        await read(
            "select current_setting('data_checksums'), current_setting('fsync'),"
            " current_setting('full_page_writes')"
        )
    )[0]
    checksums, fsync, fpw = (value == "on" for value in row)
    found.measure(
        "data_checksums",
        int(checksums),
        "bool",
        detail=None if checksums else "off: silent corruption is found late (initdb --data-checksums)",
    )
    for name, on in (("fsync", fsync), ("full_page_writes", fpw)):
        found.measure(name, int(on), "bool", target=1, bound="min")
        if not on:
            found.failed.append(f"{name} is off: a crash or power loss can corrupt the database")
    off = [n for n, on in (("checksums", checksums), ("fsync", fsync), ("full_page_writes", fpw)) if not on]
    found.said.append(f"{', '.join(off)} off" if off else "checksums, fsync and full_page_writes on")


async def role(read: Read, server: Server, found: Found, schemas: list[str] | None) -> None:
    superuser = (await read("select rolsuper from pg_roles where rolname = current_user"))[0][0]
    scope = "n.nspname = any(%(schemas)s)" if schemas else SYSTEM_SCHEMAS
    rows = await read(
        "select n.nspname, pg_get_userbyid(n.nspowner), pg_has_role(n.nspowner, 'MEMBER'),"
        " count(c.oid) filter (where c.relkind in ('r', 'p')),"
        " count(c.oid) filter (where c.relkind in ('r', 'p') and pg_has_role(c.relowner, 'MEMBER'))"
        " from pg_namespace n left join pg_class c on c.relnamespace = n.oid"
        f" where {scope} group by n.oid, n.nspname, n.nspowner order by n.nspname",
        {"schemas": schemas},
    )
    found.measure("application role superuser", int(superuser), "bool", detail=server.role)
    holding = [r for r in rows if r[3]]
    owned = [r for r in holding if r[2] or r[4]]
    found.measure("schemas with tables", len(holding), "count")
    found.measure(
        "schemas the role can drop from",
        len(owned),
        "count",
        detail="owns (or is a member of the owner of) the schema or some of its tables",
    )
    missing = sorted(set(schemas or ()) - {r[0] for r in rows})
    if missing:
        found.unknown.append(f"application role: schemas not found: {', '.join(missing)}")
    rows = sorted(rows, key=lambda r: (not (r[2] or r[4]), -r[3], r[0]))
    found.table(
        f"schemas, as role {server.role}" + (f" (first {ROWS} of {len(rows)})" if len(rows) > ROWS else ""),
        ["schema", "owner", "role owns schema", "tables", "tables the role owns"],
        [[r[0], r[1], "yes" if r[2] else "no", r[3], r[4]] for r in rows[:ROWS]],
    )
    practice = "db.drop-table-protection"
    if superuser:
        found.verdict(practice, "anyone", f"the application connects as {server.role}, a superuser")
        found.said.append(f"role {server.role} is a superuser")
    elif not holding:
        found.unknown.append(
            f"application role: no tables in the schemas checked of database {server.database}; "
            "point the probe at the application's database"
        )
    elif owned:
        names = ", ".join(r[0] for r in owned[:5]) + (" ..." if len(owned) > 5 else "")
        found.verdict(
            practice,
            "shared-prod-creds",
            f"the application role {server.role} owns schema or tables in {names}, so it can DROP them",
        )
        found.said.append(f"role {server.role} owns tables it uses")
    else:
        found.verdict(
            practice,
            "app-not-owner",
            f"the application role {server.role} is no superuser and owns none of the "
            f"{len(holding)} schema(s) holding tables nor their tables",
        )
        found.said.append(f"role {server.role} owns nothing")


async def connections(read: Read, found: Found, min_headroom: float) -> None:
    most, reserved, used = (
        await read(
            "select current_setting('max_connections')::int,"
            " current_setting('superuser_reserved_connections')::int"
            " + coalesce(current_setting('reserved_connections', true), '0')::int,"
            # sessions of other roles hide their backend_type from an unprivileged role; a
            # backend bound to a database is a client then
            " (select count(*) from pg_stat_activity"
            "  where backend_type = 'client backend' or (backend_type is null and datid is not null))::int"
        )
    )[0]
    usable = max(most - reserved, 1)
    headroom = round(100 * (usable - used) / usable, 1)
    found.measure(
        "connections in use",
        used,
        "count",
        detail=f"of {usable} usable (max_connections {most}, {reserved} reserved for superusers)",
    )
    found.measure("connection headroom", headroom, "percent", target=min_headroom, bound="min")
    if headroom < min_headroom:
        found.failed.append(
            f"connections: {used} of {usable} in use, {headroom:g}% free, under {min_headroom:g}%"
        )
    found.said.append(f"{used} of {usable} connections used")


def _cells(row: Sequence[Any]) -> list[Cell]:
    return [v if v is None or isinstance(v, str | int) else round(float(v), 3) for v in row]
