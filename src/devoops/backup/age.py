"""age (age-encryption.org/v1) files, streamed in 64 KiB chunks so memory stays flat.

A passphrase uses age's scrypt recipient, written here from the specification with the
`cryptography` primitives, because pyrage only encrypts a passphrase file held whole. Recipients
and identities (X25519, SSH) go through pyrage's streaming `encrypt_io`/`decrypt_io`. Files from
either path are ordinary age files: `age -d` and `rage -d` read them.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import os
import re
from collections.abc import Iterator
from typing import Protocol

from .location import Writer

INTRO = b"age-encryption.org/v1\n"
ARMOR = b"-----BEGIN AGE ENCRYPTED FILE-----"
CHUNK = 64 * 1024
TAG = 16
WORK = 18  # log2 of scrypt's N, as age writes it: 256 MiB and about a second, once per file
MAX_WORK = 22  # the most a file may ask of the reader, as age allows
SCRYPT_LABEL = b"age-encryption.org/v1/scrypt"
MAX_HEADER = 64 * 1024


class Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


class Source(Readable, Protocol):
    def readline(self, limit: int = -1, /) -> bytes: ...


class AgeError(ValueError):
    """A file that is not age, is damaged, or does not open with the passphrase or identity."""


def _b64(data: bytes) -> bytes:
    return base64.b64encode(data).rstrip(b"=")


def _unb64(text: bytes) -> bytes:
    if text.endswith(b"=") or b"\n" in text:
        raise AgeError("malformed header: padded base64")
    try:
        return base64.b64decode(text + b"=" * (-len(text) % 4), validate=True)
    except ValueError:
        raise AgeError("malformed header: bad base64") from None


def _hkdf(key: bytes, salt: bytes, info: bytes) -> bytes:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    return HKDF(algorithm=hashes.SHA256(), length=32, salt=salt, info=info).derive(key)


def _scrypt(passphrase: str, salt: bytes, work: int) -> bytes:
    from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

    return Scrypt(salt=SCRYPT_LABEL + salt, length=32, n=1 << work, r=8, p=1).derive(passphrase.encode())


def _aead(key: bytes):  # type: ignore[no-untyped-def]
    from cryptography.hazmat.primitives.ciphers.aead import ChaCha20Poly1305

    return ChaCha20Poly1305(key)


def _nonce(counter: int, last: bool) -> bytes:
    return counter.to_bytes(11, "big") + (b"\x01" if last else b"\x00")


class PassphraseWriter:
    """A writable stream that encrypts what it is given to `out` with a passphrase. close()
    writes the last chunk; without it the file is truncated and will not decrypt."""

    def __init__(self, out: Writer, passphrase: str, work: int = WORK) -> None:
        if not passphrase:
            raise AgeError("the passphrase is empty")
        file_key, salt, nonce = os.urandom(16), os.urandom(16), os.urandom(16)
        body = _aead(_scrypt(passphrase, salt, work)).encrypt(b"\x00" * 12, file_key, None)
        header = INTRO + b"-> scrypt " + _b64(salt) + b" %d\n" % work + _b64(body) + b"\n---"
        mac = hmac.new(_hkdf(file_key, b"", b"header"), header, hashlib.sha256).digest()
        out.write(header + b" " + _b64(mac) + b"\n" + nonce)
        self._out = out
        self._aead = _aead(_hkdf(file_key, nonce, b"payload"))
        self._pending = bytearray()
        self._counter = 0
        self.closed = False

    def write(self, data: bytes | bytearray | memoryview) -> int:
        self._pending += data
        # keep at least one byte back: the final chunk must be known as final when sealed
        while len(self._pending) > CHUNK:
            self._seal(bytes(self._pending[:CHUNK]), last=False)
            del self._pending[:CHUNK]
        return len(data)

    def close(self) -> None:
        if not self.closed:
            self._seal(bytes(self._pending), last=True)
            self._pending.clear()
            self.closed = True

    def _seal(self, chunk: bytes, last: bool) -> None:
        self._out.write(self._aead.encrypt(_nonce(self._counter, last), chunk, None))
        self._counter += 1


def decrypt_passphrase(source: Source, passphrase: str) -> Iterator[bytes]:
    """The plaintext of an age passphrase file, chunk by chunk; AgeError on a wrong passphrase,
    a damaged or a truncated file (the last chunk is authenticated as the last)."""
    header, file_key = _open_header(source, passphrase)
    nonce = _read_exactly(source, 16, "truncated: no payload nonce")
    aead = _aead(_hkdf(file_key, nonce, b"payload"))
    from cryptography.exceptions import InvalidTag

    counter, chunk = 0, read_upto(source, CHUNK + TAG)
    if not chunk:
        raise AgeError("truncated: no payload")
    while True:
        following = read_upto(source, CHUNK + TAG)
        last = not following
        try:
            plain = aead.decrypt(_nonce(counter, last), chunk, None)
        except InvalidTag:
            if last:  # a full chunk with no final flag: the file was cut at a chunk boundary
                raise AgeError("truncated or damaged: the last chunk does not verify") from None
            raise AgeError(f"damaged: chunk {counter} does not verify") from None
        if last and not plain and counter > 0:
            raise AgeError("damaged: an empty last chunk")
        yield plain
        if last:
            return
        counter, chunk = counter + 1, following


def _open_header(source: Source, passphrase: str) -> tuple[bytes, bytes]:
    lines: list[bytes] = []
    size = 0
    while True:
        line = source.readline(MAX_HEADER)
        size += len(line)
        if not line.endswith(b"\n") or size > MAX_HEADER:
            raise AgeError("truncated or malformed header")
        if line.startswith(b"---"):
            break
        lines.append(line)
    if not lines or lines[0] != INTRO:
        raise AgeError("not an age file (armored files are not read: store them binary)")
    stanzas = lines[1:]
    if not stanzas or not stanzas[0].startswith(b"-> "):
        raise AgeError("malformed header: no recipient stanza")
    args = stanzas[0][3:].rstrip(b"\n").split(b" ")
    if args[0] != b"scrypt":
        raise AgeError(f"encrypted to {args[0].decode('ascii', 'replace')} recipients, not with a passphrase")
    if len(stanzas) != 2 or len(args) != 3 or not re.fullmatch(rb"[1-9][0-9]?", args[2]):
        raise AgeError("malformed header: a passphrase file has exactly one scrypt stanza")
    salt, work, body = _unb64(args[1]), int(args[2]), _unb64(stanzas[1].rstrip(b"\n"))
    if len(salt) != 16 or len(body) != 32:
        raise AgeError("malformed header: bad scrypt stanza")
    if not 1 <= work <= MAX_WORK:
        raise AgeError(f"the file asks scrypt for 2^{work} work, more than the 2^{MAX_WORK} allowed")
    from cryptography.exceptions import InvalidTag

    try:
        file_key = _aead(_scrypt(passphrase, salt, work)).decrypt(b"\x00" * 12, body, None)
    except InvalidTag:
        raise AgeError("wrong passphrase") from None
    mac_line = line.rstrip(b"\n")
    if not mac_line.startswith(b"--- "):
        raise AgeError("malformed header: no MAC")
    header = b"".join(lines) + b"---"
    expected = hmac.new(_hkdf(file_key, b"", b"header"), header, hashlib.sha256).digest()
    if not hmac.compare_digest(expected, _unb64(mac_line[4:])):
        raise AgeError("damaged: the header MAC does not verify")
    return header, file_key


def _read_exactly(source: Source, n: int, why: str) -> bytes:
    data = read_upto(source, n)
    if len(data) != n:
        raise AgeError(why)
    return data


def read_upto(source: Readable, n: int) -> bytes:
    """`n` bytes, fewer only at the end of `source`: streams may return less than asked."""
    parts, got = [], 0
    while got < n:
        part = source.read(n - got)
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts)


def scrypt_stanza(head: bytes) -> bool:
    """Whether an age file's first bytes say it opens with a passphrase."""
    return head.startswith(INTRO + b"-> scrypt ")
