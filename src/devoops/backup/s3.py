"""S3-compatible storage as a backup location, through boto3, whose server may be hostile.

botocore reads a whole answer into memory before it parses it (a listing page, any error), for as
long as bytes keep coming, and quotes an answer it cannot parse whole in its error. So every
request goes out through a `before-send` hook that sends it on the client's own HTTP session
(proxies, TLS and pool stay botocore's) and hands botocore an answer read a piece as it arrives:
one it would read whole stops at ANSWER bytes, and at `timeout` seconds after its head came, as
does the first bytes of a backup (a ranged read); a compressed answer nobody asked for is refused.
A whole backup streams, each read bounded by the read timeout only. A listing stops after PAGES
pages or KEYS keys, and `stop` ends any call under way at its next read. Messages are cut short
and never carry the credentials, or a signature sent, whatever the server quotes back.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import re
import threading
import time
from collections import deque
from collections.abc import Iterable, Iterator
from contextlib import AbstractContextManager, contextmanager
from typing import Any
from urllib.parse import quote, quote_plus

from .location import (
    Backup,
    Location,
    Reader,
    ReadStream,
    S3Settings,
    Unreachable,
    Writer,
    matcher,
    part_size,
)

MB = 1 << 20
ANSWER = 4 * MB  # bytes of an answer read whole: S3's page of 1,000 keys is under 1.5 MB
PAGES = 100  # listing pages read: S3 sends up to 1,000 keys a page
KEYS = 100_000  # keys listed under the prefix
SAID = 300  # characters of a server's message kept
SIGNATURE = re.compile(r"(?<=Signature=)[0-9a-fA-F]{16,}")  # as sent in a header or a URL


def without(text: str, secrets: Iterable[str | None]) -> str:
    """`text` with every secret, the signatures in it and their URL-encoded forms as ***."""
    parts = {p for value in secrets if value for p in (value, *SIGNATURE.findall(value)) if len(p) >= 4}
    for part in sorted(parts, key=len, reverse=True):  # a header whole before the key id in it
        for form in sorted(
            {part, quote(part, safe=""), quote(part), quote_plus(part)}, key=len, reverse=True
        ):
            text = text.replace(form, "***")
    return SIGNATURE.sub("***", text)


def cut(text: str) -> str:
    """A server's message cut to SAID characters."""
    return text if len(text) <= SAID else text[:SAID] + "..."


class S3(Location):
    def __init__(self, bucket: str, prefix: str, settings: S3Settings, text: str) -> None:
        self.bucket, self.prefix, self.settings, self.text = bucket, prefix, settings, text
        self._clients: dict[bool, Any] = {}
        self._hidden: deque[str] = deque(maxlen=64)  # credentials and signatures sent
        self._credentials: Any = None
        self.stopped = threading.Event()

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
                else {"total_max_attempts": 1, "mode": "standard"},  # max_attempts 1 would try twice
            )
            session = boto3.session.Session(
                aws_access_key_id=s.access_key_id,
                aws_secret_access_key=s.secret_access_key,
                aws_session_token=s.session_token,
                region_name=s.region,
            )
            self._credentials = session.get_credentials()
            client = session.client("s3", endpoint_url=s.endpoint_url, config=config)
            http = getattr(getattr(client, "_endpoint", None), "http_session", None)
            if http is None:  # botocore moved it: refuse rather than read answers unbounded
                raise Unreachable("this botocore's HTTP session cannot be reached to bound S3's answers")
            client.meta.events.register("before-send.s3", lambda **kw: self._send(http, **kw))
            self._clients[write] = client
        return self._clients[write]

    def stop(self) -> None:
        self.stopped.set()

    def _send(self, http: Any, request: Any, event_name: str, **_: Any) -> Any:
        """before-send: the answer, read within ANSWER bytes and `timeout` seconds where botocore
        would read it whole; the head of a backup within `timeout` seconds."""
        if self.stopped.is_set():
            raise Refused("stopped")
        for name in ("Authorization", "X-Amz-Security-Token"):
            if request.headers.get(name):
                sent = request.headers[name]
                self._hidden.append(sent.decode() if isinstance(sent, bytes) else str(sent))
        whole = not event_name.endswith(".GetObject")  # the one answer botocore streams here
        request.stream_output = True  # botocore's session leaves the body unread
        response = http.send(request)
        answer = response.raw = _Answer(response.raw, self)
        if whole or response.status_code >= 300 or "Range" in request.headers:
            answer.deadline = time.monotonic() + self.settings.timeout
        if whole or response.status_code >= 300:  # botocore parses it whole
            encoding = response.headers.get("Content-Encoding", "identity").strip().lower()
            if encoding not in ("", "identity"):
                answer.close()
                raise Refused(f"response in Content-Encoding {encoding!r}, which was not asked for")
            answer.limit = ANSWER
            response.content  # noqa: B018 - read here, bounded
        return response

    def hide(self, text: str) -> str:
        """`text` without the credentials or a signature sent, cut to SAID characters."""
        hidden = set(self._hidden)
        with contextlib.suppress(Exception):
            frozen = self._credentials.get_frozen_credentials()
            hidden |= {frozen.access_key, frozen.secret_key, frozen.token}
        return cut(without(text, hidden))

    @contextmanager
    def _calls(self, doing: str) -> Iterator[None]:
        from botocore.exceptions import BotoCoreError, ClientError  # type: ignore[import-untyped]

        try:
            yield
        except ClientError as exc:
            raise Unreachable(f"cannot {doing}: {self.hide(_client_cause(exc))}") from None
        except (BotoCoreError, Refused) as exc:
            raise Unreachable(f"cannot {doing}: {self.hide(str(exc))}") from None

    def list(self, pattern: str) -> list[Backup]:
        match = matcher(pattern)
        backups, keys = [], 0
        where = f"list s3://{self.bucket}/{self.prefix}"
        with self._calls(where):
            pages = (
                self.client()
                .get_paginator("list_objects_v2")
                .paginate(Bucket=self.bucket, Prefix=self.prefix)
            )
            for number, page in enumerate(pages, 1):
                contents = page.get("Contents", [])
                keys += len(contents)
                if keys > KEYS or (number >= PAGES and page.get("IsTruncated")):
                    over = f"{KEYS:,} keys" if keys > KEYS else f"{PAGES} pages ({keys:,} keys so far)"
                    raise Unreachable(
                        f"cannot {where}: the listing runs over {over}, the most devoops reads (at most "
                        f"{PAGES} pages or {KEYS:,} keys): give a prefix holding fewer backups"
                    )
                for item in contents:
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
            try:
                return got["Body"].read(size), got.get("ServerSideEncryption")
            finally:
                got["Body"].close()

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


class Refused(Exception):
    """An answer given up on: too large, too slow, not what was asked for, or stopped."""


class _Answer:
    """urllib3's answer read a piece as it arrives (read1), so that one past `limit` bytes, or
    still coming at `deadline`, is given up on there; botocore reads it through stream() when it
    reads it whole, through read() when it streams it."""

    def __init__(self, raw: Any, location: S3) -> None:
        self._raw, self._location = raw, location
        self.limit: int | None = None
        self.deadline: float | None = None
        self._size = 0

    def read1(self, amt: int = 65536) -> bytes:
        from urllib3.exceptions import HTTPError, ReadTimeoutError

        s = self._location.settings
        if self._location.stopped.is_set():
            self.close()
            raise Refused("stopped")
        if self.deadline is not None and time.monotonic() > self.deadline:
            self.close()
            raise Refused(f"response took over {s.timeout:g} s")
        try:
            data = bytes(getattr(self._raw, "read1", self._raw.read)(amt))
        except ReadTimeoutError:
            self.close()
            raise Refused(f"response stalled: nothing for {s.timeout:g} s") from None
        except HTTPError:
            self.close()
            raise Refused("the connection broke off during the response") from None
        self._size += len(data)
        if self.limit is not None and self._size > self.limit:
            self.close()
            raise Refused(f"response over {self.limit / MB:g} MB")
        return data

    def read(self, amt: int | None = None) -> bytes:
        """`amt` bytes, fewer only at the end: read1 in a loop, so `stop` is heard between pieces."""
        out = bytearray()
        while amt is None or len(out) < amt:
            data = self.read1(65536 if amt is None else min(65536, amt - len(out)))
            if not data:
                break
            out += data
        return bytes(out)

    def stream(self, amt: int = 65536, decode_content: bool | None = None) -> Iterator[bytes]:
        while data := self.read1(amt):
            yield data

    def close(self) -> None:
        self._raw.close()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._raw, name)


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
