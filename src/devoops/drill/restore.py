"""The restore drill: take the newest backup, restore it into a scratch database devoops creates,
check it, time it, and drop the database again whatever happened.

Everything here blocks; `Drill.run` is meant for a worker thread and `Drill.interrupt` for any
other thread (the probe's deadline, its cancellation): it kills pg_restore or psql, cancels the
query, stops the location's reads, and lets `run` drop the scratch database on its way out. The
backup streams through the decryption and decompression layers into the restoring program,
hashed on the way so the manifest's sha256 and size are checked without a second read.

A dump is the backup's author's SQL run on the drill server. It runs as a role made for the
drill (devoops.drill.roles) that owns only the scratch database, never as the drill's own role,
and the counts and assertions run as that role too, so nothing of the dump ever runs with the
rights to create databases or roles. Plain SQL goes to psql in restricted mode (`\\restrict` with
a key only this drill knows): no meta-command of the dump runs, wherever it sits in a line, a line
over `LONGEST` ends it, a pg_dumpall file is refused, and psql's and pg_restore's memory is capped.
After the restore it checks the database's marker and the role's settings, password and memberships.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import secrets
import subprocess
import threading
import time
from dataclasses import dataclass, field
from typing import Any

from ..backup import pgclient
from ..backup.location import Backup, Location, Unreachable, newest
from ..backup.manifest import LARGEST, SUFFIX, Manifest, manifest_name
from ..backup.stream import Keys
from ..backup.unpack import Unreadable, unpack
from . import roles
from . import scratch as scratches
from .checks import Count, Hashing, verify
from .programs import Client, Plain, psql


@dataclass(frozen=True)
class Assertion:
    name: str
    sql: str


@dataclass(frozen=True)
class Settings:
    """What one drill is told: where the backups are, where to restore, how to open them."""

    location: Location
    server: str
    pattern: str = "*"
    keys: Keys = Keys()
    source: str | None = None
    assertions: tuple[Assertion, ...] = ()
    pg_bin: str | None = None
    connect_timeout: float = 10.0
    secrets: tuple[str, ...] = ()  # hidden from every message, besides the servers' passwords


@dataclass
class Result:
    """What the drill found. `error`: it could not run (ERROR); `broken`: the backup does not
    restore (FAIL); `mismatches`: it restored but does not verify (FAIL)."""

    backup: Backup | None = None
    manifest: Manifest | None = None
    layers: list[str] = field(default_factory=list)
    restore_seconds: float | None = None
    verify_seconds: float | None = None
    bytes_read: int = 0
    counts: list[Count] = field(default_factory=list)
    compared_with: str | None = None  # "the manifest" or the source's description
    assertions: list[tuple[str, bool, str]] = field(default_factory=list)
    broken: str | None = None
    mismatches: list[str] = field(default_factory=list)
    error: str | None = None
    notes: list[str] = field(default_factory=list)
    leftovers: list[str] = field(default_factory=list)
    leftover_roles: list[str] = field(default_factory=list)
    scratch: str | None = None
    dropped: bool = False
    stage: str = "starting"


class _Stop(OSError):
    """The drill was interrupted (deadline or cancellation); an OSError so the layers that stop
    quietly on a broken pipe (the gpg feeder) stop on it too."""


class Drill:
    def __init__(self, settings: Settings, now: dt.datetime) -> None:
        self.settings, self.now = settings, now
        self.result = Result()
        self._lock = threading.Lock()
        self._stopped: str | None = None
        self._children: list[subprocess.Popen[bytes]] = []
        self._busy: Any = None  # the connection running a query that may take long
        self._admin: Any = None  # the maintenance connection: create, guard, drop
        self._cannot: str | None = None  # why the drill (not the backup) cannot restore it
        self._role: roles.Role | None = None  # the role the dump runs as

    # control from other threads

    def interrupt(self, why: str = "interrupted") -> None:
        """Stop the drill soon: kill the client programs, cancel the running query."""
        with self._lock:
            if self._stopped is None:
                self._stopped = why
            children, busy = list(self._children), self._busy
        for child in children:
            with contextlib.suppress(OSError):
                child.kill()
        self.settings.location.stop()
        if busy is not None:
            with contextlib.suppress(Exception):
                busy.cancel_safe(timeout=2)

    @property
    def stopped(self) -> str | None:
        return self._stopped

    def _check(self) -> None:
        if self._stopped is not None:
            raise _Stop(self._stopped)

    # the drill

    def run(self, deadline: float | None = None) -> Result:
        """Run the drill once, stopping after `deadline` seconds; every outcome lands in the
        result, and the scratch database is gone when this returns (a refused database that
        someone else made stays as it was)."""
        timer = None
        if deadline is not None:
            timer = threading.Timer(deadline, self.interrupt, (f"timed out after {deadline:.3g} s",))
            timer.daemon = True
            timer.start()
        try:
            return self._run()
        finally:
            if timer is not None:
                timer.cancel()

    def _run(self) -> Result:
        r, s = self.result, self.settings
        admin: Any = None
        made: scratches.Scratch | None = None
        oid: int | None = None
        try:
            r.stage = f"connecting to {pgclient.describe(s.server)}"
            admin = self._admin = self._connect(s.server)
            r.error = roles.missing(admin)
            if r.error is not None:
                return r
            r.leftovers = scratches.leftovers(admin)
            r.leftover_roles = roles.leftovers(admin)
            self._check()
            r.stage = f"listing the backups in {s.location.text}"
            r.backup, r.manifest = self._newest()
            if r.backup is None:
                return r
            self._check()
            r.stage = f"restoring {r.backup.name}"
            began = time.monotonic()
            chosen = scratches.new(self.now, f"restore drill of {r.backup.name}")
            self._role = roles.create(admin, chosen)
            oid = scratches.create(admin, chosen, owner=self._role.name)
            made = chosen
            r.scratch = chosen.name
            scratches.guard(admin, chosen)
            self._check()
            if not self._restore(chosen, r.backup) or not self._contained(chosen):
                return r
            r.restore_seconds = time.monotonic() - began
            began = time.monotonic()
            verify(self, chosen)
            r.verify_seconds = time.monotonic() - began
        except scratches.Refused as exc:
            r.error = f"refused: {exc}; nothing was written or dropped"
            made = None
        except _Stop:
            pass
        except ConnectionError as exc:
            r.error = str(exc) if self._stopped is None else None
        except Unreachable as exc:
            r.error = f"{s.location.text}: {exc}" if self._stopped is None else None
        except pgclient.ToolMissing as exc:
            r.error = str(exc)
        except Exception as exc:
            if self._stopped is None:
                r.error = f"{r.stage}: {self._hide(pgclient.cause(exc))}"
        finally:
            self._finish(admin, made, oid)
        return r

    def _contained(self, chosen: scratches.Scratch) -> bool:
        """Whether the dump left alone what the drill relies on: the marker, the role's own state."""
        r = self.result
        assert self._role is not None
        try:
            scratches.guard(self._admin, chosen)
        except scratches.Refused:
            r.broken = (
                "the backup's SQL rewrote the drill database's marker comment, which a dump of one "
                "database does not do"
            )
            return False
        if roles.changed(self._admin, self._role):
            r.broken = (
                "the backup's SQL changed the settings, password or memberships of its own role (the one "
                "the drill made to restore as), which a dump of one database does not do"
            )
            return False
        return True

    def _finish(self, admin: Any, made: scratches.Scratch | None, oid: int | None) -> None:
        r = self.result
        stopped = self._stopped
        if stopped is not None:
            r.broken = None
            r.mismatches.clear()
        if made is not None:
            try:
                if admin is None or admin.closed or admin.broken:
                    admin = self._connect(self.settings.server)
                scratches.drop(admin, made, oid)
                r.dropped = True
            except Exception as exc:
                r.notes.append(
                    f"the drill database {made.name} could not be dropped ({self._hide(pgclient.cause(exc))}): "
                    "drop it by hand"
                )
        if self._role is not None:
            try:
                if admin is None or admin.closed or admin.broken:
                    admin = self._connect(self.settings.server)
                roles.drop(admin, self._role)
            except Exception as exc:
                r.notes.append(
                    f"the drill role {self._role.name} could not be dropped ({self._hide(pgclient.cause(exc))}): "
                    "drop it by hand"
                )
        if stopped is not None:
            tail = "; the drill database was dropped" if r.dropped else ""
            r.error = f"{stopped} while {r.stage}{tail}"
        if admin is not None:
            with contextlib.suppress(Exception):
                admin.close()

    def _connect(self, conninfo: str, dbname: str | None = None, role: roles.Role | None = None) -> Any:
        import psycopg

        extra: dict[str, Any] = {"connect_timeout": max(2, round(self.settings.connect_timeout))}
        if dbname is not None:
            extra["dbname"] = dbname
        if role is not None:
            extra.update(user=role.name, password=role.password)
        try:
            return psycopg.connect(conninfo, autocommit=True, **extra)
        except psycopg.Error as exc:
            where = pgclient.describe(conninfo, dbname)
            raise ConnectionError(
                f"cannot connect to {where}: {self._hide(pgclient.cause(exc), conninfo)}"
            ) from None

    def _hide(self, text: str, conninfo: str | None = None) -> str:
        for info in (conninfo, self.settings.server, self.settings.source):
            if info:
                with contextlib.suppress(Exception):
                    text = pgclient.scrub(text, info)
        own = self._role.password if self._role is not None else None
        for secret in (self.settings.keys.passphrase, *self.settings.secrets, own):
            if secret and len(secret) >= 3:
                text = text.replace(secret, "***")
        return text

    def _newest(self) -> tuple[Backup | None, Manifest | None]:
        s, r = self.settings, self.result
        found = [b for b in s.location.list(s.pattern) if not b.name.endswith((SUFFIX, ".partial"))]
        last = newest(found)
        if last is None:
            r.error = f"no backup matching {s.pattern!r} in {s.location.text}"
            return None, None
        name = manifest_name(last.name)
        if not any(b.name == name for b in s.location.list(name)):
            return last, None
        reader = s.location.open(name)
        try:
            text = reader.read(LARGEST + 1)  # more is not a manifest, and fails as one
        finally:
            reader.close()
        try:
            return last, Manifest.model_validate_json(text)
        except ValueError:
            r.error = f"{name} beside the backup is not a devoops backup manifest"
            return None, None

    def _restore(self, chosen: scratches.Scratch, backup: Backup) -> bool:
        """Stream the backup into the scratch database; False (and `broken` or `error` said)
        when it does not restore."""
        s, r = self.settings, self.result
        assert self._role is not None
        conninfo, env = pgclient.for_command(
            s.server, chosen.name, connect_timeout=str(max(2, round(s.connect_timeout))), user=self._role.name
        )
        env["PGPASSWORD"] = self._role.password
        tools: dict[str, Client] = {}
        writers: list[Client | Plain] = []

        def start(kind: str) -> Any:
            self._check()
            scratches.guard(self._admin, chosen)
            try:
                if kind == "custom":
                    command = [pgclient.tool("pg_restore", s.pg_bin)]
                    command += ["--no-owner", "--no-privileges", "--exit-on-error", "-d", conninfo]
                else:
                    path, cannot = psql(s.pg_bin)
                    self._cannot = self._cannot or cannot
                    command = [path, "-X", "-q", "-d", conninfo]
            except (pgclient.ToolMissing, OSError, subprocess.SubprocessError) as exc:
                # raised through the decompressing layers, which would call it damage
                self._cannot = self._cannot or pgclient.cause(exc)
                raise Unreadable(self._cannot) from None
            if self._cannot is not None:
                raise Unreadable(self._cannot)
            client = Client(command, env, kind, self)
            tools[kind] = client
            writers.append(client if kind == "custom" else Plain(client, secrets.token_hex(32).encode()))
            return writers[-1]

        source = Hashing(s.location.open(backup.name), self._check)
        try:
            try:
                r.layers = unpack(source, s.keys, start)
                while source.read(1 << 20):  # what the layers left unread still counts
                    pass
            except (Unreadable, OSError) as exc:
                self._check()
                gone = isinstance(exc, BrokenPipeError) or any(t.gone for t in tools.values())
                piped = gone and tools and source.failed is None
                if not piped or self._cannot is not None:
                    for running in tools.values():
                        running.abort()
                    if self._cannot is not None:
                        r.error = f"{r.stage}: {self._cannot}"
                    elif source.failed is not None:
                        r.broken = f"cannot read the backup: {self._hide(pgclient.cause(source.failed))}"
                    elif isinstance(exc, Unreadable):
                        r.broken = self._hide(str(exc))
                    else:
                        raise
                    return False
                # else the restoring program stopped reading its stdin: its exit says why
            finally:
                source.close()
                r.bytes_read = source.size
            client = next(iter(tools.values()))
            failure = writers[0].finish()
            self._check()
            if failure is not None:
                r.broken = self._hide(failure, conninfo)
                return False
            if client.tolerated:
                r.notes.append(
                    f"{client.tolerated} statements giving objects to other roles, or naming roles missing on "
                    "the drill server, were skipped, as pg_restore --no-owner --no-privileges would"
                )
        finally:
            for running in tools.values():
                if running.process.poll() is None:
                    running.abort()
        manifest = r.manifest
        if manifest is not None:
            if source.size != manifest.size:
                r.broken = f"damaged: {backup.name} is {source.size} bytes, the manifest says {manifest.size}"
                return False
            if source.sha256() != manifest.sha256:
                r.broken = f"damaged: the sha256 of {backup.name} differs from its manifest's"
                return False
        return True

    @contextlib.contextmanager
    def _running(self, conn: Any) -> Any:
        with self._lock:
            self._busy = conn
        try:
            yield
        finally:
            with self._lock:
                self._busy = None

    def _started(self, child: subprocess.Popen[bytes]) -> None:
        with self._lock:
            self._children.append(child)
            stopped = self._stopped
        if stopped is not None:
            child.kill()
