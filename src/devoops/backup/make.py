"""`devoops backup make`: one database, dumped from a single snapshot, compressed, encrypted and
written to a folder or S3 with its manifest, then older backups pruned.

The dump and the row counts come from the same exported snapshot: a REPEATABLE READ transaction
exports it, pg_dump imports it with --snapshot, and the same transaction counts every table
while pg_dump streams, so the manifest's counts are exactly what the dump holds. The dump flows
pg_dump -> zstd -> age -> storage in 1 MiB blocks (one 16 MiB part for S3) and is hashed on the
way; nothing holds it whole. A failure anywhere leaves nothing behind: the upload is aborted or
the partial file removed, and the error carries pg_dump's own last words, never a secret.
"""

from __future__ import annotations

import collections
import contextlib
import datetime as dt
import hashlib
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from .. import pgclient
from ..errors import DevoopsError, UsageError
from . import location as loc
from . import retention, stream
from .manifest import Manifest, Table, manifest_name

STDERR_LINES = 5  # of pg_dump's, quoted in an error
CONNECT_TIMEOUT = 30  # seconds


class BackupFailed(DevoopsError):
    """The backup could not be made; nothing was left behind. The message is the cause."""

    exit_code = 3


@dataclass(frozen=True)
class Made:
    manifest: Manifest
    where: str  # the location as the user wrote it
    seconds: float
    pruned: list[str] = field(default_factory=list)

    def summary(self) -> str:
        m = self.manifest
        rows = sum(t.rows for t in m.tables)
        rate = m.size / 1e6 / self.seconds if self.seconds > 0 else 0.0
        pruned = f"pruned {len(self.pruned)}" if self.pruned else "pruned none"
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
        counter = threading.Thread(target=source.count, daemon=True)
        sink: _Hashing | None = None
        with _guard(location, name), location.create(name) as out:
            sink = _Hashing(out)
            dump = _PgDump(tool, conninfo, source.snapshot)
            counter.start()
            try:
                stream.seal(dump.stdout, sink, keys, level, threads)
            except BaseException as exc:
                dump.kill()
                source.cancel()
                dump.wait()
                counter.join()
                if sink.error is not None and exc is not sink.error:  # pyrage wraps the writer's error
                    raise sink.error from None
                raise
            failure = dump.wait()
            if failure is not None:
                source.cancel()
            counter.join()
            if failure is not None:
                raise BackupFailed(failure)
            source.raise_failure()
    finally:
        source.close()
    assert sink is not None
    seconds = time.monotonic() - started
    manifest = Manifest(
        backup=name,
        created_at=now,
        finished_at=now + dt.timedelta(seconds=seconds),
        database=source.database,
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
    return Made(manifest, location.text, seconds, _prune(location, source.database, policy, now, name))


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


def _prune(
    location: loc.Location, database: str, policy: retention.Policy, now: dt.datetime, made: str
) -> list[str]:
    stem = retention.file_stem(database)
    try:
        names = [b.name for b in location.list(f"{stem}-*{retention.SUFFIX}")]
        doomed = retention.prune(names, database, policy, now, made)
        for name in doomed:
            location.delete(name)
            location.delete(manifest_name(name))
    except loc.Unreachable as exc:
        raise BackupFailed(f"{_join(location.text, made)} was written, but pruning failed: {exc}") from None
    return doomed


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
            said = pgclient.scrub(_oneline(exc), conninfo)
            raise BackupFailed(f"cannot connect to {_describe(conninfo)}: {said}") from None
        try:
            self._conn.execute("BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY")
            self.snapshot = str(_one(self._conn, "SELECT pg_export_snapshot()"))
            self.server_version = str(_one(self._conn, "SHOW server_version")).split()[0]
            self.database = str(_one(self._conn, "SELECT current_database()"))
        except psycopg.Error as exc:
            self.close()
            raise BackupFailed(
                f"cannot export a snapshot: {pgclient.scrub(_oneline(exc), conninfo)}"
            ) from None
        self.tables: list[Table] = []
        self._failure: str | None = None

    def count(self) -> None:
        """Exact row counts of every user table, in the exported snapshot (run in a thread)."""
        import psycopg

        try:
            for schema, name in pgclient.user_tables(self._conn):
                rows = pgclient.count_rows(self._conn, schema, name)
                self.tables.append(Table.model_validate({"schema": schema, "name": name, "rows": rows}))
        except psycopg.Error as exc:
            self._failure = f"cannot count rows: {pgclient.scrub(_oneline(exc), self._conninfo)}"

    def raise_failure(self) -> None:
        if self._failure is not None:
            raise BackupFailed(self._failure)

    def cancel(self) -> None:
        with contextlib.suppress(Exception):
            self._conn.cancel()

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
        self._said: collections.deque[str] = collections.deque(maxlen=STDERR_LINES)
        self._drain = threading.Thread(target=self._read_stderr, args=(self._proc.stderr,), daemon=True)
        self._drain.start()

    def _read_stderr(self, pipe: Any) -> None:
        for line in pipe:
            text = line.decode("utf-8", "replace").strip()
            if text:
                self._said.append(text)

    def kill(self) -> None:
        with contextlib.suppress(ProcessLookupError):
            self._proc.kill()

    def wait(self) -> str | None:
        """Wait for pg_dump: None when it succeeded, else what went wrong in its own words."""
        with contextlib.suppress(Exception):
            self.stdout.close()
        code = self._proc.wait()
        self._drain.join()
        if code == 0:
            return None
        said = pgclient.scrub(" / ".join(self._said), self._conninfo, self._env)
        how = f"was killed by signal {-code}" if code < 0 else f"failed (exit {code})"
        return f"pg_dump {how}" + (f": {said}" if said else "")


def _describe(conninfo: str) -> str:
    try:
        return pgclient.describe(conninfo)
    except Exception:
        return "the database"


def _oneline(exc: BaseException) -> str:
    return "; ".join(line.strip() for line in str(exc).splitlines() if line.strip())


def _join(where: str, name: str) -> str:
    return f"{where.rstrip('/')}/{name}"


def _mb(size: int) -> str:
    return f"{size / 1e6:.1f} MB" if size >= 100_000 else f"{size:,} bytes"
