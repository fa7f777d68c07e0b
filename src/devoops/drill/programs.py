"""The programs a restore drill feeds: psql, given a plain SQL dump line by line under the
drill's eye, and pg_restore, given a custom archive. What they say on stderr decides whether
the restore succeeded; what a plain dump holds (psql meta-commands, a cluster dump, a line
psql would hold whole) decides whether it may be restored at all."""

from __future__ import annotations

import contextlib
import re
import resource
import subprocess
from collections.abc import Iterator
from typing import IO, TYPE_CHECKING

from ..backup import pgclient
from ..backup.unpack import Unreadable
from ..base.streams import Tail

if TYPE_CHECKING:
    from .restore import Drill

# ownership and grants naming roles the drill's role is not, or that do not exist, as
# pg_restore --no-owner --no-privileges leaves them out
TOLERATED = re.compile(r'ERROR:\s+(role "[^"]*" does not exist|must be member of role "[^"]*")')
ERROR_LINE = re.compile(r"\b(ERROR|FATAL|PANIC):|WARNING:\s+no privileges (were|could be) (granted|revoked)")
REFUSED_META = re.compile(r"^backslash commands are restricted|^\\unrestrict: ")  # restricted psql
COPY_START = re.compile(rb"^COPY .* FROM stdin;$", re.IGNORECASE)
OWN_WRAPPER = (b"\\restrict", b"\\unrestrict")  # pg_dump 15.14+ wraps plain dumps in these
HEADER = b"-- PostgreSQL database dump"
CLUSTER = b"-- PostgreSQL database cluster dump"
COMPLETE = b"-- PostgreSQL database dump complete"
LONG = 1 << 20  # a line longer than this is passed on as it comes, not held whole
LONGEST = 32 << 20  # psql holds a line (outside COPY data) whole, a few times over: no longer
# Each program's address space is bounded. psql holds a statement whole, however many lines it
# spans; pg_restore holds a TOC entry whole, and a data block as long as the archive says, before
# it reads a byte of it (and libpq a copy as it sends it on). Measured on PostgreSQL 15, pg_restore
# needs 33 MB for 3,000 tables and a million rows, and 252 MB for a 96 MB row in an archive made
# without compression (pg_dump -Z0; compressed archives come in blocks of a few kilobytes).
MEMORY = 512 << 20
OUT_OF_MEMORY = re.compile(r"\bout of memory\b", re.IGNORECASE)
SAID = 500  # bytes kept of a line on stderr: pg_restore quotes a failed command whole ("Command was:")
# pg_restore's own allocation failing (a server's "ERROR:  out of memory" is the server's)
RESTORE_OUT_OF_MEMORY = re.compile(r"(^|: )out of memory( / |$)")
# the first minor versions whose psql knows \restrict (CVE-2025-8714); every later major does
RESTRICTS = {13: 22, 14: 19, 15: 14, 16: 10, 17: 6}


class Client:
    """pg_restore or psql reading the dump on stdin, its stderr kept by a Tail; for psql, errors
    of ownership given to other roles or naming missing roles are tolerated (pg_restore is told to
    skip ownership and privileges) and the refusals of restricted mode are failures (psql still
    exits 0), as are grants that granted nothing."""

    def __init__(self, command: list[str], env: dict[str, str], kind: str, drill: Drill) -> None:
        self.kind = kind
        self.first_error: str | None = None
        self.refused = 0  # psql commands of the dump that restricted psql did not run
        self.tolerated = 0
        self.gone = False  # it stopped reading its stdin
        self.process = subprocess.Popen(
            command,
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.PIPE,
            env=env,
        )
        drill._started(self.process)
        with contextlib.suppress(OSError, AttributeError, ValueError):  # before a byte of the dump reaches it
            resource.prlimit(self.process.pid, resource.RLIMIT_AS, (MEMORY, MEMORY))
        assert self.process.stderr is not None
        self.tail = Tail(_cut(self.process.stderr), keep=self._keep)

    def _keep(self, line: str) -> bool:
        if self.kind == "sql" and TOLERATED.search(line):
            self.tolerated += 1
            return False
        if self.kind == "sql" and REFUSED_META.search(line):
            self.refused += 1
        elif ERROR_LINE.search(line) and self.first_error is None:
            self.first_error = line
        return True

    def write(self, data: bytes) -> int:
        assert self.process.stdin is not None
        try:
            self.process.stdin.write(data)
        except OSError:
            self.gone = True  # the decompressing layers would call it damage: its exit says why
            raise
        return len(data)

    def abort(self) -> None:
        with contextlib.suppress(OSError):
            self.process.kill()
        self.process.wait()
        self.tail.text()

    def finish(self) -> str | None:
        """None when the program restored everything, else why not."""
        with contextlib.suppress(OSError):
            assert self.process.stdin is not None
            self.process.stdin.close()
        code = self.process.wait()
        said = self.tail.text()
        if self.refused:
            return (
                f"the plain SQL dump holds {self.refused} psql commands (such as \\connect from "
                "pg_dump --create, or \\!), which could reach beyond the drill database and were not "
                "run: restore a dump of one database made without --create"
            )
        if code == 0 and self.first_error is None:
            return None
        program = "pg_restore" if self.kind == "custom" else "psql"
        if self.kind == "sql" and OUT_OF_MEMORY.search(said):
            return (
                f"psql ran out of the {MEMORY >> 20} MB the drill allows it: the plain SQL dump holds a "
                "statement too large to restore this way (back up in the custom format)"
            )
        if self.kind == "custom" and RESTORE_OUT_OF_MEMORY.search(said):
            return (
                f"pg_restore ran out of the {MEMORY >> 20} MB the drill allows it: the archive holds an entry "
                "or a data block too large to restore this way (pg_dump's compressed custom format writes "
                "blocks of a few kilobytes)"
            )
        first = self.first_error
        if first is not None and first not in list(self.tail.lines)[-3:]:
            said = " / ".join([first, *list(self.tail.lines)[-3:]])
        return f"{program} failed (exit {code}): {said or 'no message'}"


def _cut(pipe: IO[bytes]) -> Iterator[bytes]:
    """A child's stderr line by line, each cut to its first SAID bytes: a crafted archive can make
    the command pg_restore quotes hundreds of megabytes long."""
    while line := pipe.readline(SAID):
        if line.endswith(b"\n"):
            yield line
            continue
        yield line + b"..."
        while (rest := pipe.readline(SAID)) and not rest.endswith(b"\n"):
            pass


class Plain:
    """psql's stdin. It starts with `\\restrict <key>`, so psql runs none of the dump's meta-
    commands wherever they sit in a line; the dump's own `\\restrict`/`\\unrestrict` lines
    (pg_dump 15.14+) are left out, outside COPY data, since restricted psql would refuse them. A
    pg_dumpall file is refused before anything runs: its roles and `DROP DATABASE` reach beyond
    the drill database. `complete` tells whether pg_dump's closing comment came by."""

    def __init__(self, client: Client, key: bytes) -> None:
        self._client = client
        self._line = bytearray()
        self._long = False  # the current line grew past LONG: passed on as it comes
        self._size = 0  # of the current long line, so far
        self._copying = False
        self._leading = True  # still in the comments before the first statement
        self._pg_dump = False  # pg_dump's heading came by: its closing comment must too
        self.complete = False
        client.write(b"\\restrict " + key + b"\n")

    def write(self, data: bytes) -> int:
        out = bytearray()
        begin = 0
        while (end := data.find(b"\n", begin)) >= 0:
            if self._long:
                self._grown(end + 1 - begin)
                out += data[begin : end + 1]
                self._long = False
            else:
                self._line += data[begin : end + 1]
                if self._keep(bytes(self._line)):
                    out += self._line
                self._line.clear()
            begin = end + 1
        if self._long:
            self._grown(len(data) - begin)
            out += data[begin:]
        else:
            self._line += data[begin:]
            if len(self._line) > LONG:
                self._size = 0
                self._grown(len(self._line))
                out += self._line
                self._line.clear()
                self._long = True
        if out:
            self._client.write(bytes(out))
        return len(data)

    def _grown(self, size: int) -> None:
        """psql holds a line of SQL whole (COPY data it streams): one over LONGEST ends the drill."""
        self._size += size
        if self._size > LONGEST and not self._copying:
            raise Unreadable(
                f"a line over {LONGEST >> 20} MB outside COPY data, which psql would hold in memory whole: "
                "pg_dump writes no such line (back up in the custom format)"
            )

    def _keep(self, line: bytes) -> bool:
        text = line.rstrip(b"\r\n")
        if self._copying:
            self._copying = text != b"\\."
            return True
        if self._leading:
            if text == CLUSTER:
                raise Unreadable(
                    "a pg_dumpall cluster dump: it creates and changes roles and databases, beyond the drill "
                    "database; drill one database's pg_dump instead"
                )
            self._pg_dump = self._pg_dump or text == HEADER
            self._leading = not text or text.startswith((b"--", *OWN_WRAPPER))
        if text.startswith(OWN_WRAPPER):
            return False
        if COPY_START.match(text):
            self._copying = True
        elif text == COMPLETE:
            self.complete = True
        return True

    def finish(self) -> str | None:
        """Why psql did not restore it all; a pg_dump file without its closing comment is cut."""
        if self._line and not self._long:
            last = bytes(self._line)
            self._line.clear()
            if self._keep(last):
                self._client.write(last)
        self._long = False
        failure = self._client.finish()
        if failure is None and self._pg_dump and not self.complete:
            return "truncated: the plain SQL dump ends before pg_dump's closing comment"
        return failure


def psql(pg_bin: str | None) -> tuple[str, str | None]:
    """psql, and why it cannot run a plain SQL dump when it does not know \\restrict."""
    path = pgclient.tool("psql", pg_bin)
    found = pgclient.version(path)
    if restricts(found):
        return path, None
    return path, (
        f"psql {found} ({path}) cannot be kept from running the plain SQL dump's psql commands "
        "(\\restrict came with psql 13.22, 14.19, 15.14, 16.10, 17.6 and 18): give pg_bin a newer "
        "psql, or back up in pg_dump's custom format"
    )


def restricts(version: str) -> bool:
    """Whether psql of `version` ('15.14', '18beta1') knows \\restrict."""
    found = re.match(r"(\d+)(?:\.(\d+))?", version)
    if found is None:
        return False
    major, minor = int(found.group(1)), int(found.group(2) or 0)
    return major >= 18 or (major in RESTRICTS and minor >= RESTRICTS[major])
