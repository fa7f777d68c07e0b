"""`devoops backup make`: one database, dumped from a single snapshot, compressed, encrypted and
written to a folder or S3 with its manifest, then older backups pruned.

The dump and the row counts come from the same exported snapshot: a REPEATABLE READ transaction
exports it, pg_dump imports it with --snapshot, and the same transaction counts every table
while pg_dump streams, so the manifest's counts are exactly what the dump holds. The dump flows
pg_dump -> zstd -> age -> storage in 1 MiB blocks (one upload part for S3, 16 MiB at first) and
is hashed on the way; nothing holds it whole. A failure anywhere leaves nothing behind: the
upload is aborted or the partial file removed, and the error carries pg_dump's own last words,
never a secret. Retention deletes only backups whose manifests name this database of this
cluster; a name already taken is refused, never replaced.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..base.errors import DevoopsError, UsageError
from ..base.streams import Tail
from . import location as loc
from . import pgclient, retention, stream
from .manifest import Manifest, Table, manifest_name

STDERR_LINES = 5  # of pg_dump's, quoted in an error
CONNECT_TIMEOUT = 30  # seconds
SHOWN = 5  # backups named in the summary line
CANCEL_EVERY = 0.2  # seconds between cancels of a count that should stop
MANIFEST_BYTES = 64 * 1024 * 1024  # read at most this much of an older backup's manifest


class BackupFailed(DevoopsError):
    """The backup could not be made; nothing was left behind. The message is the cause."""

    exit_code = 3


@dataclass(frozen=True)
class Made:
    manifest: Manifest
    where: str  # the location as the user wrote it
    seconds: float
    pruned: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)  # kept: their manifest could not tell

    def summary(self) -> str:
        m = self.manifest
        rows = sum(t.rows for t in m.tables)
        rate = m.size / 1e6 / self.seconds if self.seconds > 0 else 0.0
        pruned = f"pruned {len(self.pruned)}" if self.pruned else "pruned none"
        if self.unverified:
            named = ", ".join(self.unverified[:SHOWN]) + (", …" if len(self.unverified) > SHOWN else "")
            pruned += (
                f", kept {len(self.unverified)} whose manifest is missing, unreadable or names no "
                f"cluster ({named})"
            )
        return (
            f"backed up {m.database} (PostgreSQL {m.server_version}): {len(m.tables)} tables, "
            f"{rows:,} rows, {_mb(m.size)} in {self.seconds:.1f} s ({rate:.1f} MB/s) "
            f"to {_join(self.where, m.backup)}; {pruned}"
        )


def make(
    conninfo: str,
    to: str,
    keys: stream.Keys,
    now: dt.datetime,
    *,
    root: str = "",
    s3: loc.S3Settings | None = None,
    policy: retention.Policy | None = None,
    pg_bin: str | None = None,
    level: int = 3,
    threads: int = 1,
) -> Made:
    """Back up the database `conninfo` names into `to`; `now` stamps the backup's name."""
    conninfo, location, tool = _checked(conninfo, to, keys, root, s3, pg_bin, level)
    policy = policy or retention.Policy()
    dump_version = pgclient.version(tool)
    started = time.monotonic()
    source = _Snapshot(conninfo)
    try:
        name = retention.backup_name(source.database, now)
        _refuse_existing(location, name)
        sink: _Hashing | None = None
        with _guard(location, name), location.create(name) as out:
            sink = _Hashing(out)
            dump = _PgDump(tool, conninfo, source.snapshot)
            source.start_counting()
            try:
                stream.seal(dump.stdout, sink, keys, level, threads)
            except BaseException as exc:
                dump.kill()
                source.stop_counting()
                dump.wait()
                if sink.error is not None and exc is not sink.error:  # pyrage wraps the writer's error
                    raise sink.error from None
                raise
            failure = dump.wait()
            if failure is not None:
                source.stop_counting()
                raise BackupFailed(failure)
            source.finish_counting()
    finally:
        source.stop_counting()
        source.close()
    assert sink is not None
    seconds = time.monotonic() - started
    manifest = Manifest(
        backup=name,
        created_at=now,
        finished_at=now + dt.timedelta(seconds=seconds),
        database=source.database,
        system_identifier=source.system_identifier,
        server_version=source.server_version,
        pg_dump_version=dump_version,
        size=sink.size,
        sha256=sink.digest.hexdigest(),
        encryption="age (passphrase)" if keys.passphrase else "age (recipients)",
        tables=source.tables,
    )
    try:
        with _guard(location, manifest_name(name)), location.create(manifest_name(name)) as out:
            out.write(manifest.model_dump_json(by_alias=True, indent=2).encode() + b"\n")
    except BackupFailed:
        with contextlib.suppress(loc.Unreachable):  # no backup without its manifest
            location.delete(name)
        raise
    pruned, unverified = _prune(location, manifest, policy, now)
    return Made(manifest, location.text, seconds, pruned, unverified)


def _checked(
    conninfo: str,
    to: str,
    keys: stream.Keys,
    root: str,
    s3: loc.S3Settings | None,
    pg_bin: str | None,
    level: int,
) -> tuple[str, loc.Location, str]:
    """Everything a user can get wrong, told before anything is read or written (exit 2)."""
    if keys.passphrase and keys.recipients:
        raise UsageError("give a passphrase or age recipients, not both")
    if not keys.passphrase and not keys.recipients:
        raise UsageError("devoops does not write unencrypted backups: give a passphrase or age recipients")
    try:
        stream.age_recipients(keys.recipients)
        conninfo = pgclient.checked(conninfo)
        location = loc.open_location(to, root, s3)
    except ValueError as exc:
        raise UsageError(str(exc)) from None
    if not 1 <= level <= 22:
        raise UsageError(f"zstd level {level}: give 1 to 22")
    try:
        tool = pgclient.tool("pg_dump", pg_bin)
    except pgclient.ToolMissing as exc:
        raise (UsageError if pg_bin else BackupFailed)(str(exc)) from None
    return conninfo, location, tool


@contextlib.contextmanager
def _guard(location: loc.Location, name: str) -> Any:
    """Storage failures as BackupFailed naming where."""
    try:
        yield
    except loc.Unreachable as exc:
        raise BackupFailed(f"{_join(location.text, name)}: {exc}") from None


def _refuse_existing(location: loc.Location, name: str) -> None:
    """A backup's name is its database and second: a second run within it must not replace the
    first (nor its manifest), so it fails before writing anything."""
    with _guard(location, name):
        taken = [n for n in (name, manifest_name(name)) if location.exists(n)]
    if taken:
        raise BackupFailed(
            f"{_join(location.text, taken[0])} already exists (a backup of the same database in the "
            "same second): nothing was written, run it again"
        )


def _prune(
    location: loc.Location, made: Manifest, policy: retention.Policy, now: dt.datetime
) -> tuple[list[str], list[str]]:
    """Delete the older backups whose manifests name this database of this cluster, by the
    policy; (the deleted names, the names kept because their manifest could not tell)."""
    database = made.database
    try:
        listed = [b.name for b in location.list(f"{retention.file_stem(database)}-*{retention.SUFFIX}")]
        candidates = sorted(n for n in set(listed) if n != made.backup and retention.taken_at(database, n))
        manifests = {name: _manifest(location, name) for name in candidates}
        ours, unverified = retention.same_source(manifests, database, made.system_identifier or "")
        doomed = retention.prune(ours + [made.backup], database, policy, now, made.backup)
        for name in doomed:
            location.delete(name)
            location.delete(manifest_name(name))
    except loc.Unreachable as exc:
        raise BackupFailed(
            f"{_join(location.text, made.backup)} was written, but pruning failed: {exc}"
        ) from None
    return doomed, unverified


def _manifest(location: loc.Location, name: str) -> Manifest | None:
    """The manifest beside an older backup, or None when it is missing or not one."""
    try:
        reader = location.open(manifest_name(name))
        try:
            text = reader.read(MANIFEST_BYTES + 1)
        finally:
            reader.close()
        if len(text) > MANIFEST_BYTES:
            return None
        return Manifest.model_validate_json(text)
    except (loc.Unreachable, ValueError):  # pydantic's ValidationError is a ValueError
        return None


class _Hashing:
    """Passes bytes on to storage, counting and hashing them as they go."""

    def __init__(self, out: loc.Writer) -> None:
        self._out = out
        self.digest = hashlib.sha256()
        self.size = 0
        self.error: BaseException | None = None

    def write(self, data: bytes | bytearray | memoryview) -> int:
        try:
            self._out.write(data)  # type: ignore[arg-type]
        except BaseException as exc:
            self.error = exc
            raise
        self.digest.update(data)
        self.size += len(data)
        return len(data)

    def flush(self) -> None:
        return None


class _Snapshot:
    """The connection whose REPEATABLE READ transaction exports the dump's snapshot and counts
    the rows it sees; it stays open until pg_dump is done."""

    def __init__(self, conninfo: str) -> None:
        import psycopg

        self._conninfo = conninfo
        try:
            self._conn = psycopg.connect(conninfo, autocommit=True, connect_timeout=CONNECT_TIMEOUT)
        except psycopg.Error as exc:
            raise BackupFailed(
                f"cannot connect to {pgclient.describe(conninfo)}: {pgclient.cause(exc, conninfo)}"
            ) from None
        try:
            self._conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            self.snapshot = str(_one(self._conn, "SELECT pg_export_snapshot()"))
            self.server_version = str(_one(self._conn, "SHOW server_version")).split()[0]
            self.database = str(_one(self._conn, "SELECT current_database()"))
            self.system_identifier = str(
                _one(self._conn, "SELECT system_identifier FROM pg_control_system()")
            )
        except psycopg.Error as exc:
            self.close()
            raise BackupFailed(f"cannot export a snapshot: {pgclient.cause(exc, conninfo)}") from None
        self.tables: list[Table] = []
        self._failure: str | None = None
        self._stop = threading.Event()
        self._counter: threading.Thread | None = None

    def start_counting(self) -> None:
        self._counter = threading.Thread(target=self._count, daemon=True)
        self._counter.start()

    def _count(self) -> None:
        """Exact row counts of every user table, in the exported snapshot; stops between tables
        once told to."""
        import psycopg

        try:
            for schema, name in pgclient.user_tables(self._conn):
                if self._stop.is_set():
                    return
                rows = pgclient.count_rows(self._conn, schema, name)
                self.tables.append(Table.model_validate({"schema": schema, "name": name, "rows": rows}))
        except psycopg.Error as exc:
            self._failure = f"cannot count rows: {pgclient.cause(exc, self._conninfo)}"

    def finish_counting(self) -> None:
        """Wait for every count; BackupFailed when one failed."""
        if self._counter is not None:
            self._counter.join()
        if self._failure is not None:
            raise BackupFailed(self._failure)

    def stop_counting(self) -> None:
        """Stop counting now: no further table is started, and the running count is cancelled
        (again, should it start just after a cancel arrived) until the thread is gone."""
        self._stop.set()
        while self._counter is not None and self._counter.is_alive():
            with contextlib.suppress(Exception):
                self._conn.cancel()
            self._counter.join(CANCEL_EVERY)

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._conn.close()


def _one(conn: Any, query: Any) -> Any:
    row = conn.execute(query).fetchone()
    assert row is not None
    return row[0]


class _PgDump:
    """pg_dump of the exported snapshot, custom format uncompressed (zstd does that better),
    password in its environment, its stderr's last lines kept for the error."""

    def __init__(self, tool: str, conninfo: str, snapshot: str) -> None:
        self._conninfo = conninfo
        command_conninfo, env = pgclient.for_command(conninfo)
        self._env = env
        self._proc = subprocess.Popen(
            [tool, "--format=custom", "--compress=0", f"--snapshot={snapshot}", "--no-password"]
            + ["--dbname", command_conninfo],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=env,
        )
        assert self._proc.stdout is not None and self._proc.stderr is not None
        self.stdout = self._proc.stdout
        self._said = Tail(self._proc.stderr, STDERR_LINES)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self._proc.kill()

    def wait(self) -> str | None:
        """Wait for pg_dump: None when it succeeded, else what went wrong in its own words."""
        with contextlib.suppress(Exception):
            self.stdout.close()
        code = self._proc.wait()
        said = pgclient.scrub(self._said.text(), self._conninfo, self._env)
        if code == 0:
            return None
        how = f"was killed by signal {-code}" if code < 0 else f"failed (exit {code})"
        return f"pg_dump {how}" + (f": {said}" if said else "")


def _join(where: str, name: str) -> str:
    return f"{where.rstrip('/')}/{name}"


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size:,} bytes"
