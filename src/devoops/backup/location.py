"""Where backups are kept: a folder, or S3-compatible storage. One interface lists, reads,
writes and deletes, so the backups probe, the restore drill and `devoops backup make` see the
same files the same way.

Writing is all or nothing: a folder gets a hidden `.partial` file renamed into place, S3 a
multipart upload completed only at the end and aborted on failure. boto3 is imported only when
an S3 location is used; credentials never reach a message from here.
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
from typing import Any, Protocol

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


def open_location(target: str, root: str = "", s3: S3Settings | None = None) -> Location:
    """The location a target names; a relative folder is read from `root`."""
    where = s3_location(check_target(target))
    if where is None:
        return Folder(os.path.join(root, os.path.expanduser(target)), target)
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


class S3(Location):
    def __init__(self, bucket: str, prefix: str, settings: S3Settings, text: str) -> None:
        self.bucket, self.prefix, self.settings, self.text = bucket, prefix, settings, text
        self._clients: dict[bool, Any] = {}

    def client(self, write: bool = False) -> Any:
        """The S3 client: one try per call for reads (a probe reports at once), a few in
        boto3's standard retry mode for writes (an upload survives a throttle or a reset)."""
        if write not in self._clients:
            try:
                import boto3  # type: ignore[import-untyped]
                from botocore.config import Config  # type: ignore[import-untyped]
            except ImportError:
                raise Unreachable("S3 locations need boto3: pip install 'devoops[probes]'") from None
            s = self.settings
            config = Config(
                connect_timeout=s.timeout,
                read_timeout=s.timeout,
                retries={"total_max_attempts": max(1, s.write_attempts), "mode": "standard"}
                if write
                else {"max_attempts": 1, "mode": "standard"},
            )
            session = boto3.session.Session(
                aws_access_key_id=s.access_key_id,
                aws_secret_access_key=s.secret_access_key,
                aws_session_token=s.session_token,
                region_name=s.region,
            )
            self._clients[write] = session.client("s3", endpoint_url=s.endpoint_url, config=config)
        return self._clients[write]

    @contextmanager
    def _calls(self, doing: str) -> Iterator[None]:
        from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

        try:
            yield
        except ClientError as exc:
            raise Unreachable(f"cannot {doing}: {_client_cause(exc)}") from None
        except BotoCoreError as exc:
            raise Unreachable(f"cannot {doing}: {exc}") from None

    def list(self, pattern: str) -> list[Backup]:
        match = matcher(pattern)
        backups = []
        with self._calls(f"list s3://{self.bucket}/{self.prefix}"):
            pages = (
                self.client()
                .get_paginator("list_objects_v2")
                .paginate(Bucket=self.bucket, Prefix=self.prefix)
            )
            for page in pages:
                for item in page.get("Contents", []):
                    name = item["Key"][len(self.prefix) :]
                    if name and not name.endswith("/") and match(name):
                        backups.append(
                            Backup(name, item["LastModified"].astimezone(dt.UTC), int(item["Size"]))
                        )
        return backups

    def head(self, name: str, size: int) -> tuple[bytes, str | None]:
        with self._calls(f"read {name}"):
            got = self.client().get_object(
                Bucket=self.bucket, Key=self.prefix + name, Range=f"bytes=0-{size - 1}"
            )
            return got["Body"].read(size), got.get("ServerSideEncryption")

    def open(self, name: str) -> Reader:
        with self._calls(f"read {name}"):
            body = self.client().get_object(Bucket=self.bucket, Key=self.prefix + name)["Body"]
        return _Body(body, self, name)

    def create(self, name: str) -> AbstractContextManager[Writer]:
        return self._create(name)

    @contextmanager
    def _create(self, name: str) -> Iterator[Writer]:
        key = self.prefix + name
        client = self.client(write=True)
        with self._calls(f"write {name}"):
            upload = client.create_multipart_upload(Bucket=self.bucket, Key=key)["UploadId"]
        writer = _Upload(self, key, upload)
        try:
            yield writer
            writer.finish()
        except BaseException:
            with contextlib.suppress(Exception):  # the first failure is the one to report
                client.abort_multipart_upload(Bucket=self.bucket, Key=key, UploadId=upload)
            raise

    def delete(self, name: str) -> None:
        with self._calls(f"delete {name}"):
            self.client(write=True).delete_object(Bucket=self.bucket, Key=self.prefix + name)

    def exists(self, name: str) -> bool:
        from botocore.exceptions import ClientError

        with self._calls(f"read {name}"):
            try:
                self.client().head_object(Bucket=self.bucket, Key=self.prefix + name)
            except ClientError as exc:
                if exc.response.get("Error", {}).get("Code") in _ABSENT:
                    return False
                raise
        return True


class _Body(ReadStream):
    """An S3 object's body as a binary stream whose errors say which backup and why."""

    def __init__(self, body: Any, location: S3, name: str) -> None:
        self._body, self._location, self._name = body, location, name

    def read(self, size: int = -1) -> bytes:
        with self._location._calls(f"read {self._name}"):
            return bytes(self._body.read(None if size < 0 else size))

    def close(self) -> None:
        self._body.close()

    def __enter__(self) -> _Body:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class _Upload:
    """A write stream cut into S3 multipart parts of part_size() bytes: memory holds one part."""

    def __init__(self, location: S3, key: str, upload: str) -> None:
        self._location, self._key, self._upload = location, key, upload
        self._buffer = bytearray()
        self._parts: list[dict[str, Any]] = []

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._buffer += data
        if len(self._buffer) >= part_size(len(self._parts) + 1):
            self._send()
        return len(data)

    def flush(self) -> None:
        return None

    def _send(self) -> None:
        number = len(self._parts) + 1
        body, self._buffer = bytes(self._buffer), bytearray()  # one copy held while it uploads
        with self._location._calls(f"write {self._key}"):
            got = self._location.client(write=True).upload_part(
                Bucket=self._location.bucket,
                Key=self._key,
                UploadId=self._upload,
                PartNumber=number,
                Body=body,
            )
        self._parts.append({"PartNumber": number, "ETag": got["ETag"]})

    def finish(self) -> None:
        if self._buffer or not self._parts:  # S3 needs at least one part, even an empty one
            self._send()
        with self._location._calls(f"write {self._key}"):
            self._location.client(write=True).complete_multipart_upload(
                Bucket=self._location.bucket,
                Key=self._key,
                UploadId=self._upload,
                MultipartUpload={"Parts": self._parts},
            )


_ABSENT = ("404", "NoSuchKey", "NotFound")


def _client_cause(exc: Any) -> str:
    error = exc.response.get("Error", {})
    code, message = error.get("Code", "error"), error.get("Message", "")
    return f"{code}: {message}" if message and message != code else str(code)


def _raise(exc: OSError) -> None:
    raise exc
