"""A backup taken apart on its way back, in bounded memory whatever the database's size.

`unpack` decrypts (age with a passphrase or identities, OpenPGP with a passphrase through gpg),
decompresses (zstd, gzip), tells a pg_dump custom archive from a plain SQL dump by its first
bytes, and pushes the dump into the writer the caller starts for that format (pg_restore's or
psql's stdin). Every way a backup can be unreadable becomes Unreadable with the cause: wrong
passphrase, damaged or truncated, not a PostgreSQL dump.

Its own module because reading back meets every format and failure a stored file may have,
while sealing writes one.
"""

from __future__ import annotations

import contextlib
import os
import subprocess
import tempfile
import threading
import zlib
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from typing import Any

from ..base.streams import Tail
from . import age, formats
from .location import Reader, ReadStream, Writer
from .stream import BLOCK, Keys, age_identities

SNIFF = 64  # bytes enough to tell a format


class Unreadable(ValueError):
    """The backup cannot be turned back into a dump; the message says why, never a secret."""


def unpack(source: Reader, keys: Keys, start: Callable[[str], Writer]) -> list[str]:
    """Push the dump inside `source` into `start(kind)`'s writer, kind being "custom" or "sql";
    the layers taken off are returned outermost first, ending with the dump's format."""
    head = age.read_upto(source, formats.PEEK)
    layers: list[str] = []
    inner = _Dump(start, layers)
    chain = _Unpack(inner, layers)
    whole = _Prefixed(head, source)
    if head.startswith(formats.AGE):
        _age(whole, head, keys, chain, layers)
    elif formats.openpgp(head):
        _gpg(whole, keys, chain, layers)
    elif head.startswith(b"Salted__"):
        raise Unreadable("OpenSSL enc files carry no cipher or key-derivation settings: decrypt it first")
    else:
        while chunk := whole.read(BLOCK):
            chain.write(chunk)
    chain.close()
    return layers


def _age(whole: _Prefixed, head: bytes, keys: Keys, chain: _Unpack, layers: list[str]) -> None:
    if head.startswith(formats.AGE[1]):
        raise Unreadable("an armored age file: store backups binary")
    if age.scrypt_stanza(head):
        if not keys.passphrase:
            raise Unreadable("age, encrypted with a passphrase: none was given")
        layers.append("age (passphrase)")
        try:
            for chunk in age.decrypt_passphrase(whole, keys.passphrase):
                chain.write(chunk)
        except age.AgeError as exc:
            raise Unreadable(f"age: {exc}") from None
        return
    if not keys.identities:
        raise Unreadable("age, encrypted to recipients: no identity was given")
    import pyrage

    layers.append("age (recipients)")
    into = _Recording(chain)
    try:
        pyrage.decrypt_io(whole, into, age_identities(keys.identities))
    except (pyrage.DecryptError, OSError) as exc:
        if into.error is not None:  # ours, passed through pyrage: the consumer's failure
            raise into.error from None
        said = str(exc).strip()
        raise Unreadable(
            "age: no identity given opens it"
            if "no matching keys" in said.lower()
            else f"age: damaged or truncated ({said or 'decryption error'})"
        ) from None


class _Recording:
    """A writer that remembers the exception it raised, which pyrage would turn into OSError."""

    def __init__(self, out: _Unpack) -> None:
        self._out = out
        self.error: BaseException | None = None

    def write(self, data: bytes) -> int:
        try:
            return self._out.write(data)
        except BaseException as exc:
            self.error = exc
            raise


def _gpg(whole: Reader, keys: Keys, chain: _Unpack, layers: list[str]) -> None:
    """OpenPGP through gpg in a scratch home, the passphrase on its own pipe."""
    if not keys.passphrase:
        raise Unreadable("OpenPGP: only passphrase-encrypted files are opened, and none was given")
    layers.append("OpenPGP (passphrase)")
    secret_r, secret_w = os.pipe()
    with tempfile.TemporaryDirectory(prefix="devoops-gpg-") as home:
        try:
            gpg = subprocess.Popen(
                ["gpg", "--homedir", home, "--batch", "--quiet", "--no-tty", "--no-autostart"]
                + ["--pinentry-mode", "loopback", "--passphrase-fd", str(secret_r), "--decrypt"],
                stdin=subprocess.PIPE,
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
                pass_fds=(secret_r,),
            )
        except FileNotFoundError:
            os.close(secret_w)
            raise Unreadable("OpenPGP files need gpg on the PATH") from None
        finally:
            os.close(secret_r)
        with os.fdopen(secret_w, "w") as secret:
            secret.write(keys.passphrase + "\n")
        assert gpg.stdin is not None and gpg.stdout is not None and gpg.stderr is not None
        said = Tail(gpg.stderr)
        feeder = threading.Thread(target=_feed, args=(whole, gpg.stdin), daemon=True)
        feeder.start()
        try:
            while chunk := gpg.stdout.read(BLOCK):
                chain.write(chunk)
        finally:
            if gpg.poll() is None:
                with contextlib.suppress(Exception):
                    gpg.stdout.close()
            try:
                code = gpg.wait(timeout=30)
            except subprocess.TimeoutExpired:
                gpg.kill()
                code = gpg.wait()
            feeder.join(5)
        if code != 0:
            said.text()  # all of it, once gpg closed stderr
            cause = next((line.removeprefix("gpg: ") for line in said.lines if "failed" in line), "")
            if "bad session key" in cause.lower():
                raise Unreadable("OpenPGP: wrong passphrase")
            raise Unreadable(f"OpenPGP: damaged or truncated ({cause or f'gpg exited with {code}'})")


def _feed(source: Reader, sink: Any) -> None:
    with contextlib.suppress(OSError, ValueError):  # gpg stopped reading: its exit code says why
        while chunk := source.read(BLOCK):
            sink.write(chunk)
    with contextlib.suppress(OSError):
        sink.close()


class _Sniffing(ABC):
    """A writer that holds back the first SNIFF bytes, enough to tell a format by, hands them to
    `_decide` once (at close if fewer ever arrive), and everything after them to `_pass`."""

    def __init__(self) -> None:
        self._head = bytearray()
        self._decided = False

    def write(self, data: bytes) -> int:
        if self._decided:
            self._pass(data)
            return len(data)
        self._head += data
        if len(self._head) >= SNIFF:
            self._sniffed()
        return len(data)

    def _sniffed(self) -> None:
        self._decided = True
        head = bytes(self._head)
        self._head.clear()
        self._decide(head)

    @abstractmethod
    def _decide(self, head: bytes) -> None:
        """Choose what the stream is from its first bytes, and pass them on."""

    @abstractmethod
    def _pass(self, data: bytes) -> None:
        """Hand on bytes after the first ones."""


class _Unpack(_Sniffing):
    """A writer that looks at the first bytes, decompresses zstd (any number of frames) or gzip
    (any number of members) when it finds them, a block at a time so a small input that inflates
    hugely never sits in memory whole, and passes the result on; close() refuses a compressed
    stream that ends inside a frame or member."""

    def __init__(self, out: _Dump, layers: list[str]) -> None:
        super().__init__()
        self._out, self._layers = out, layers
        self._inflate: _Zstd | _Gzip | None = None

    def _decide(self, head: bytes) -> None:
        if head.startswith(formats.ZSTD):
            self._inflate = _Zstd()
        elif head.startswith(formats.GZIP):
            self._inflate = _Gzip()
        if self._inflate is not None:
            self._layers.append(self._inflate.name)
        self._pass(head)

    def _pass(self, data: bytes) -> None:
        if self._inflate is None:
            self._out.write(data)
            return
        try:
            for part in self._inflate.inflate(data):
                self._out.write(part)
        except Unreadable:
            raise
        except Exception as exc:  # zlib.error, pyzstd.ZstdError
            raise Unreadable(f"{self._inflate.name}: damaged ({exc})") from None

    def close(self) -> None:
        if not self._decided:
            self._sniffed()
        if self._inflate is not None and not self._inflate.complete():
            raise Unreadable(f"{self._inflate.name}: truncated, the compressed stream ends early")
        self._out.close()


class _Zstd:
    name = "zstd"

    def __init__(self) -> None:
        import pyzstd

        self._zstd = pyzstd.EndlessZstdDecompressor()

    def inflate(self, data: bytes) -> Iterator[bytes]:
        yield self._zstd.decompress(data, BLOCK)
        while not self._zstd.needs_input:
            yield self._zstd.decompress(b"", BLOCK)

    def complete(self) -> bool:
        return bool(self._zstd.at_frame_edge)


class _Gzip:
    name = "gzip"

    def __init__(self) -> None:
        self._member = zlib.decompressobj(16 + zlib.MAX_WBITS)
        self._started = False  # inside a member: bytes of it arrived and it has not ended

    def inflate(self, data: bytes) -> Iterator[bytes]:
        pending = data
        while pending:
            self._started = True
            yield self._member.decompress(pending, BLOCK)
            pending = self._member.unconsumed_tail
            if self._member.eof:  # the member ended; what follows is the next member
                pending = self._member.unused_data + pending
                self._member = zlib.decompressobj(16 + zlib.MAX_WBITS)
                self._started = False

    def complete(self) -> bool:
        return not self._started


class _Dump(_Sniffing):
    """A writer that tells a pg_dump custom archive from a plain SQL dump by its first bytes,
    then starts the consumer for that kind and passes everything on."""

    _out: Writer

    def __init__(self, start: Callable[[str], Writer], layers: list[str]) -> None:
        super().__init__()
        self._start, self._layers = start, layers

    def _pass(self, data: bytes) -> None:
        self._out.write(data)

    def _decide(self, head: bytes) -> None:
        if head.startswith(formats.PGDMP):
            kind, name = "custom", "pg_dump custom"
        elif (
            formats.sql(head)
            or head.lstrip()[:2] == b"--"
            or head.lstrip()[:3].upper() in (b"SET", b"CRE", b"BEG")
        ):
            kind, name = "sql", "plain SQL"
        else:
            found = formats.detect(head)
            what = found.name if found.encrypted is not None else "not a PostgreSQL dump"
            raise Unreadable(
                f"{what}: {' inside '.join(reversed(self._layers)) or 'the file'} holds no dump devoops can restore"
            )
        self._layers.append(name)
        self._out = self._start(kind)
        self._out.write(head)

    def close(self) -> None:
        if not self._decided:
            if not self._head:
                raise Unreadable("empty: there is no dump inside")
            self._sniffed()


class _Prefixed(ReadStream):
    """`head` again, then the rest of `source`: what was read to tell the format is not lost."""

    def __init__(self, head: bytes, source: Reader) -> None:
        self._head, self._source = memoryview(head), source

    def read(self, size: int = -1) -> bytes:
        if self._head:
            n = len(self._head) if size < 0 else min(size, len(self._head))
            part = bytes(self._head[:n])
            self._head = self._head[n:]
            return part
        return self._source.read(size)

    def readline(self, limit: int = -1) -> bytes:
        line = bytearray()
        while limit < 0 or len(line) < limit:
            c = self.read(1)
            if not c:
                break
            line += c
            if c == b"\n":
                break
        return bytes(line)

    def close(self) -> None:
        self._source.close()
