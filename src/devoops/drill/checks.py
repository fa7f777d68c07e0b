"""What the restore drill checks: the backup's bytes against its manifest (hashed as they
stream past), the rows restored against the manifest or the live source, and the user's
assertions, all run as the drill's own role."""

from __future__ import annotations

import contextlib
import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..backup import pgclient
from ..backup.location import Reader, ReadStream

if TYPE_CHECKING:
    from .restore import Assertion, Drill, Result
    from .scratch import Scratch


@dataclass
class Count:
    schema: str
    table: str
    rows: int | None  # in the restored database; None when missing there
    expected: int | None  # the manifest's or the source's; None when it has no such table
    status: str = ""


class Hashing(ReadStream):
    """A reader passing the backup's bytes on while hashing and counting them; `failed` keeps
    an error reading the backup itself, whatever the layers above make of it."""

    def __init__(self, source: Reader, check: Callable[[], None]) -> None:
        self._source, self._check = source, check
        self._hash = hashlib.sha256()
        self.size = 0
        self.failed: OSError | None = None

    def read(self, size: int = -1) -> bytes:
        self._check()
        try:
            data = self._source.read(size)
        except OSError as exc:
            self.failed = self.failed or exc
            raise
        self._hash.update(data)
        self.size += len(data)
        return data

    def sha256(self) -> str:
        return self._hash.hexdigest()

    def close(self) -> None:
        self._source.close()


def verify(drill: Drill, chosen: Scratch) -> None:
    """Count the rows restored, compare them with the manifest or the source, run the assertions."""
    s, r = drill.settings, drill.result
    r.stage = f"counting the rows restored into {chosen.name}"
    try:
        conn = drill._connect(s.server, chosen.name, drill._role)
    except ConnectionError as exc:
        if "password authentication failed" not in str(exc):
            raise
        r.broken = (
            "the drill's role cannot log in after the restore: the backup's SQL changed the password "
            "of its own role (the one the drill made to restore as), which a dump of one database "
            "does not do"
        )
        return
    try:
        restored = _counted(drill, conn)
        if r.manifest is not None:
            r.compared_with = f"the manifest of {r.manifest.backup}"
            _against(r, restored, r.manifest.rows(), exact=True)
        elif s.source is not None:
            r.stage = f"counting the rows of the source {pgclient.describe(s.source)}"
            live = drill._connect(s.source)
            try:
                live.execute("SET default_transaction_read_only = on")
                expected = _counted(drill, live)
            finally:
                live.close()
            r.compared_with = f"the source {pgclient.describe(s.source)}"
            _against(r, restored, expected, exact=False)
        else:
            r.counts = [Count(sc, t, n, None, "not compared") for (sc, t), n in sorted(restored.items())]
        for a in s.assertions:
            r.stage = f"running the assertion {a.name!r}"
            r.assertions.append((a.name, *_assert(drill, conn, a)))
            drill._check()
    finally:
        with contextlib.suppress(Exception):
            conn.close()


def _counted(drill: Drill, conn: Any) -> dict[tuple[str, str], int]:
    out: dict[tuple[str, str], int] = {}
    tables = pgclient.user_tables(conn)
    with drill._running(conn):
        for schema, name in tables:
            drill._check()
            out[(schema, name)] = pgclient.count_rows(conn, schema, name)
    return out


def _against(
    r: Result, restored: dict[tuple[str, str], int], expected: dict[tuple[str, str], int], exact: bool
) -> None:
    moved = 0
    for key in sorted(set(restored) | set(expected)):
        got, want = restored.get(key), expected.get(key)
        count = Count(key[0], key[1], got, want)
        label = f"{key[0]}.{key[1]}"
        if got is None:
            count.status = "missing"
            r.mismatches.append(f"table {label} is missing from the restore")
        elif want is None:
            count.status = "extra" if exact else "not in the source"
            if exact:
                r.mismatches.append(f"table {label} is restored but not in the manifest")
        elif got == want:
            count.status = "equal"
        elif exact:
            count.status = "differs"
            r.mismatches.append(f"table {label} has {got} rows, the manifest says {want}")
        elif got == 0:
            count.status = "empty"
            r.mismatches.append(f"table {label} is empty in the restore but has {want} rows in the source")
        else:
            count.status = "moved on"
            moved += 1
        r.counts.append(count)
    if moved:
        r.notes.append(f"{moved} tables differ from the source, which has moved on since the backup")


def _assert(drill: Drill, conn: Any, a: Assertion) -> tuple[bool, str]:
    import psycopg

    try:
        with drill._running(conn):
            row = conn.execute(a.sql).fetchone()
    except psycopg.Error as exc:
        drill._check()
        return False, f"error: {drill._hide(pgclient.cause(exc))}"
    except Exception as exc:  # no result set, e.g. a statement that is not a query
        return False, f"error: {drill._hide(pgclient.cause(exc))}"
    if row is None:
        return False, "returned no row"
    if row[0] is True:
        return True, "true"
    return False, f"returned {row[0]!r}"
