"""Where backups are kept: a folder, or S3-compatible storage. One interface lists, reads,
writes and deletes, so the backups probe, the restore drill and `devoops backup make` see the
same files the same way.

Writing is all or nothing: a folder gets a hidden `.partial` file renamed into place, S3 a
multipart upload completed only at the end and aborted on failure. S3 lives in .s3, imported
(with boto3) only when an S3 location is used; credentials never reach a message from either.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import os
import re
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

PART = 16 * 1024 * 1024  # bytes of the first S3 upload parts: memory held while writing
PART_GROWTH = 1000  # parts between doublings: S3 allows 10,000 parts, so sizes must grow
MAX_PART = 4 * 1024 * 1024 * 1024  # under S3's 5 GiB a part, with room for the last block
WRITE_ATTEMPTS = 4  # S3 calls that write are retried (boto3's standard mode); reads are not


def part_size(number: int) -> int:
    """Bytes of upload part `number` (from 1): 16 MiB for the first 1,000 parts (16 GiB), then
    doubling every 1,000, so 10,000 parts reach S3's 5 TiB object limit."""
    return min(PART << ((number - 1) // PART_GROWTH), MAX_PART)


class Reader(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...
    def close(self) -> None: ...


class Writer(Protocol):
    def write(self, data: bytes, /) -> int: ...


class ReadStream(ABC):
    """A reader whose subclass writes only read(size): readinto and readable make it a binary
    file to the libraries that pull from it (pyrage)."""

    @abstractmethod
    def read(self, size: int = -1, /) -> bytes: ...

    def readinto(self, buffer: Any) -> int:
        data = self.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)

    def readable(self) -> bool:
        return True


class Unreachable(Exception):
    """The location could not be used; the message is the cause, never a credential."""


@dataclass(frozen=True)
class Backup:
    name: str  # relative to the location, /-separated
    modified: dt.datetime
    size: int


@dataclass(frozen=True)
class S3Settings:
    endpoint_url: str | None = None
    region: str | None = None
    access_key_id: str | None = None
    secret_access_key: str | None = None
    session_token: str | None = None
    timeout: float = 10.0  # seconds to connect and for each answer
    write_attempts: int = WRITE_ATTEMPTS  # tries of each call that writes or deletes


def s3_location(target: str) -> tuple[str, str] | None:
    """(bucket, prefix ending in / or empty) for an s3:// target, else None."""
    if not target.lower().startswith("s3://"):
        return None
    bucket, _, prefix = target[5:].partition("/")
    prefix = prefix.strip("/")
    return bucket, f"{prefix}/" if prefix else ""


def check_target(target: str) -> str:
    """`target` when it is a folder or s3://bucket[/prefix]; ValueError saying why not."""
    if not target.strip():
        raise ValueError("give a folder or s3://bucket/prefix")
    s3 = s3_location(target)
    if s3 is not None and not s3[0]:
        raise ValueError(f"{target!r} names no bucket: give s3://bucket/prefix")
    if "://" in target and s3 is None:
        raise ValueError(f"{target!r}: give a folder or s3://bucket/prefix")
    return target


def matcher(pattern: str) -> Callable[[str], bool]:
    """A glob over /-separated names: * and ? stay within a folder, **/ crosses any number."""
    out, i = [], 0
    while i < len(pattern):
        if pattern.startswith("**/", i):
            out.append("(?:.*/)?")
            i += 3
        elif pattern.startswith("**", i):
            out.append(".*")
            i += 2
        elif pattern[i] == "*":
            out.append("[^/]*")
            i += 1
        elif pattern[i] == "?":
            out.append("[^/]")
            i += 1
        else:
            out.append(re.escape(pattern[i]))
            i += 1
    regex = re.compile("".join(out) + r"\Z", re.DOTALL)
    return lambda name: regex.match(name) is not None


def newest(backups: list[Backup]) -> Backup | None:
    return max(backups, key=lambda b: (b.modified, b.name), default=None)


class Location(ABC):
    """A place holding backups; names are relative to it and /-separated."""

    text: str  # as the user wrote it, for messages

    @abstractmethod
    def list(self, pattern: str) -> list[Backup]:
        """Every backup whose name matches the glob; Unreachable when it cannot be listed."""

    @abstractmethod
    def head(self, name: str, size: int) -> tuple[bytes, str | None]:
        """The first `size` bytes of a backup, and the storage's own encryption when it says."""

    @abstractmethod
    def open(self, name: str) -> Reader:
        """A stream of the whole backup, read as it is consumed; close it when done."""

    @abstractmethod
    def create(self, name: str) -> AbstractContextManager[Writer]:
        """A context manager: write the new backup into the stream; it appears under `name` only
        when the block ends without an exception, and nothing is left when it raises."""

    @abstractmethod
    def delete(self, name: str) -> None: ...

    @abstractmethod
    def exists(self, name: str) -> bool:
        """Whether `name` is already stored; Unreachable when that cannot be told."""

    def stop(self) -> None:
        """End the calls under way soon (a probe's timeout): a folder's do not hang."""
        return None


def open_location(target: str, root: str = "", s3: S3Settings | None = None) -> Location:
    """The location a target names; a relative folder is read from `root`."""
    where = s3_location(check_target(target))
    if where is None:
        return Folder(os.path.join(root, os.path.expanduser(target)), target)
    from .s3 import S3

    return S3(where[0], where[1], s3 or S3Settings(), target)


class Folder(Location):
    def __init__(self, path: str, text: str) -> None:
        self.path, self.text = path, text

    def list(self, pattern: str) -> list[Backup]:
        if not os.path.isdir(self.path):
            raise Unreachable(
                f"{self.path} is not a folder"
                if os.path.exists(self.path)
                else f"folder {self.path} does not exist"
            )
        match = matcher(pattern)
        backups: list[Backup] = []
        try:
            for folder, dirs, files in os.walk(self.path, onerror=_raise):
                rel = os.path.relpath(folder, self.path)
                rel = "" if rel == "." else rel.replace(os.sep, "/") + "/"
                if "/" not in pattern and "**" not in pattern:
                    dirs.clear()
                for name in files:
                    if match(rel + name) and not name.endswith(".partial"):
                        st = os.stat(os.path.join(folder, name))
                        stamp = dt.datetime.fromtimestamp(st.st_mtime, dt.UTC)
                        backups.append(Backup(rel + name, stamp, st.st_size))
        except OSError as exc:
            raise Unreachable(f"cannot list {self.path}: {exc.strerror or exc}") from None
        return backups

    def _file(self, name: str) -> str:
        return os.path.join(self.path, *name.split("/"))

    def head(self, name: str, size: int) -> tuple[bytes, str | None]:
        try:
            with open(self._file(name), "rb") as f:
                return f.read(size), None
        except OSError as exc:
            raise Unreachable(f"cannot read {name}: {exc.strerror or exc}") from None

    def open(self, name: str) -> Reader:
        try:
            return open(self._file(name), "rb")
        except OSError as exc:
            raise Unreachable(f"cannot read {name}: {exc.strerror or exc}") from None

    def create(self, name: str) -> AbstractContextManager[Writer]:
        return self._create(name)

    @contextmanager
    def _create(self, name: str) -> Iterator[Writer]:
        final = self._file(name)
        folder, base = os.path.split(final)
        partial = os.path.join(folder, f".{base}.partial")
        try:
            os.makedirs(folder, exist_ok=True)
            f = open(partial, "xb")  # noqa: SIM115 - closed below, before the rename
        except OSError as exc:
            raise Unreachable(f"cannot write {final}: {exc.strerror or exc}") from None
        try:
            with f:
                yield f
                f.flush()
                os.fsync(f.fileno())
            os.replace(partial, final)
        except BaseException:
            with contextlib.suppress(Exception):  # the first failure is the one to report
                os.unlink(partial)
            raise

    def delete(self, name: str) -> None:
        try:
            os.unlink(self._file(name))
        except FileNotFoundError:
            pass
        except OSError as exc:
            raise Unreachable(f"cannot delete {name}: {exc.strerror or exc}") from None

    def exists(self, name: str) -> bool:
        return os.path.lexists(self._file(name))


def _raise(exc: OSError) -> None:
    raise exc


if not TYPE_CHECKING:

    def __getattr__(name: str) -> Any:
        """`location.S3`, imported when first asked for."""
        if name == "S3":
            from .s3 import S3

            return S3
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
